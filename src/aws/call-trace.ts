import { isThrottlingError } from '@smithy/service-error-classification';
import { AsyncLocalStorage } from 'node:async_hooks';

/** One AWS SDK call as the collector made it (after the SDK's own retries). */
export interface TracedCall {
  service: string;
  operation: string;
  region: string;
  accountId?: string;
  start: string;
  durationMs: number;
  attempts: number;
  throttles: number;
  errorCode?: string;
  /** A sanitized summary of the parameters: scalar values only, never credentials or user data. */
  params: Record<string, string | number | boolean>;
  /** A call of cloudtap's own store, not of a collected account. */
  store?: true;
}

/**
 * Whether a call went to cloudtap's own store rather than to a collected account (a collected account's DynamoDB is
 * `DynamoDB` too). Traces stored before the flag existed tell them apart by the account, which only collection sets.
 */
export function isStoreCall(call: Pick<TracedCall, 'store' | 'service' | 'accountId'>): boolean {
  return call.store === true || (call.store === undefined && call.service === 'DynamoDB' && call.accountId === undefined);
}

/** The calls of one task, in the order they happened. */
export class CallTrace {
  readonly calls: TracedCall[] = [];
  constructor(readonly taskId: string) {}

  record(call: TracedCall): void {
    this.calls.push(call);
  }

  get throttles(): number {
    return this.calls.reduce((sum, c) => sum + c.throttles, 0);
  }
}

const currentTrace = new AsyncLocalStorage<CallTrace>();

/** Runs `work` with every SDK call it makes recorded into `trace`. */
export function withCallTrace<T>(trace: CallTrace, work: () => Promise<T>): Promise<T> {
  return currentTrace.run(trace, work);
}

export function activeCallTrace(): CallTrace | undefined {
  return currentTrace.getStore();
}

/** Whether an error code is AWS asking to slow down, by the SDK's own classification (the codes its retry strategy treats so). */
export function isThrottlingCode(code: string | undefined): boolean {
  return code !== undefined && isThrottlingError({ name: code, message: code, $metadata: {} });
}

const SECRET_PARAMS = /secret|password|token|credential|userdata|sessiontoken|externalid|policy/i;

/** Scalar parameters only, and none that could hold a secret. */
export function sanitizeParams(input: unknown): Record<string, string | number | boolean> {
  const params: Record<string, string | number | boolean> = {};
  if (typeof input !== 'object' || input === null) return params;
  for (const [key, value] of Object.entries(input)) {
    if (SECRET_PARAMS.test(key) && key !== 'NextToken') continue;
    if (key === 'NextToken' && typeof value === 'string') params[key] = `${value.slice(0, 8)}…`;
    else if (typeof value === 'string') params[key] = value.length > 120 ? `${value.slice(0, 120)}…` : value;
    else if (typeof value === 'number' || typeof value === 'boolean') params[key] = value;
    else if (Array.isArray(value)) params[key] = `[${value.length}]`;
  }
  return params;
}
