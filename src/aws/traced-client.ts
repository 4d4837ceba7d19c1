import { activeCallTrace, isThrottlingCode, sanitizeParams } from './call-trace';

interface MiddlewareClient {
  middlewareStack: { add: (middleware: unknown, options: Record<string, unknown>) => void; remove: (name: string) => boolean };
}

/** Applied to every client as it is created, e.g. X-Ray's per-call subsegments in Lambda. */
export type ClientInstrumentation = <C>(client: C) => C;
const instrumentations: ClientInstrumentation[] = [];

/** Registers an instrumentation for every AWS SDK client created from now on (all pass through `traced`). */
export function instrumentAwsClients(instrumentation: ClientInstrumentation): void {
  instrumentations.push(instrumentation);
}

/**
 * Records every call the client makes into the active task's trace: one middleware on the client,
 * no code in the resource types. Per-attempt errors (throttles) are seen in the deserialize step,
 * which runs inside the SDK's retry loop.
 */
export function traced<C>(client: C, service: string, options: { region: string; accountId?: string; store?: boolean }): C {
  const stack = (client as unknown as MiddlewareClient).middlewareStack;
  // The collector gives no SDK client a logger, yet the SDK's logger middleware still walks every input and
  // output through the sensitive-data filter for its no-op logger: half the SDK's CPU per DynamoDB write
  // (measured: 1.09 → 0.57 ms a PutItem). The call trace below records what an operator needs.
  stack.remove('loggerMiddleware');
  type CallContext = { commandName?: string; cloudtapThrottles?: number };
  type Result = { output: { $metadata?: { attempts?: number } } };
  stack.add(
    (next: (args: { input: unknown }) => Promise<Result>, context: CallContext) => async (args: { input: unknown }) => {
      const trace = activeCallTrace();
      if (!trace) return next(args);
      const started = Date.now();
      context.cloudtapThrottles = 0;
      const call = {
        service,
        operation: (context.commandName ?? 'Unknown').replace(/Command$/, ''),
        region: options.region,
        ...(options.accountId ? { accountId: options.accountId } : {}),
        ...(options.store ? { store: true as const } : {}),
        start: new Date(started).toISOString(),
        params: sanitizeParams(args.input),
      };
      try {
        const result = await next(args);
        trace.record({ ...call, durationMs: Date.now() - started, attempts: result.output.$metadata?.attempts ?? 1, throttles: context.cloudtapThrottles });
        return result;
      } catch (error) {
        const e = error as { name?: string; $metadata?: { attempts?: number } };
        trace.record({ ...call, durationMs: Date.now() - started, attempts: e.$metadata?.attempts ?? 1, throttles: context.cloudtapThrottles, errorCode: e.name ?? 'Error' });
        throw error;
      }
    },
    { step: 'initialize', name: 'cloudtapCallTrace', override: true },
  );
  // A low-priority finalizeRequest middleware runs once per attempt inside the SDK's retry middleware (itself
  // finalizeRequest, high priority) and outside the deserializer, so it sees each attempt's thrown error.
  stack.add(
    (next: (args: unknown) => Promise<unknown>, context: CallContext) => async (args: unknown) => {
      try {
        return await next(args);
      } catch (error) {
        if (isThrottlingCode((error as { name?: string }).name)) context.cloudtapThrottles = (context.cloudtapThrottles ?? 0) + 1;
        throw error;
      }
    },
    { step: 'finalizeRequest', priority: 'low', name: 'cloudtapThrottleCounter', override: true },
  );
  return instrumentations.reduce((instrumented, instrument) => instrument(instrumented), client);
}

