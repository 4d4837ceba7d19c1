import { isThrottlingCode } from '../aws/call-trace';
import { markUnknown, type CollectContext, type ResourceRecord } from './resource-type';

/** Whether an SDK error is AWS asking to slow down (the SDK's classification): the only enrichment failure that fails the listing (it is retried). */
export function isThrottling(error: unknown): boolean {
  return error instanceof Error && isThrottlingCode(error.name);
}

/** The error code of an SDK error, as AWS names it (`AccessDenied`, `NoSuchBucket`). */
export function errorCode(error: unknown): string {
  return error instanceof Error ? error.name : 'Error';
}

/**
 * Per-resource calls that failed, counted per call and error code: each failure marks the record's fields unknown
 * at once, and `report` warns once per call and code with the number of records, instead of once per resource.
 */
export class CallFailures {
  private readonly failures = new Map<string, { call: string; code: string; message: string; records: number }>();

  /** Throttling is rethrown (the listing is retried); anything else marks `fields` unknown on the record. */
  add(record: ResourceRecord, fields: readonly string[], call: string, error: unknown): void {
    if (isThrottling(error)) throw error;
    markUnknown(record, fields);
    const code = errorCode(error);
    const key = `${call}\u0000${code}`;
    const failure = this.failures.get(key);
    if (failure) failure.records++;
    else this.failures.set(key, { call, code, message: error instanceof Error ? error.message : String(error), records: 1 });
  }

  report(context: Pick<CollectContext, 'warn'>): void {
    for (const failure of this.failures.values()) context.warn?.(failure);
  }
}
