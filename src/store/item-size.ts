import { gzipSync, gunzipSync } from 'node:zlib';

/**
 * DynamoDB refuses items over 400 KB. A record whose data (or a history entry whose diff) would come near
 * that — a security group with thousands of rules, say — is stored with that field gzip-compressed into a
 * binary `<field>Gzip` attribute; reads decode it transparently. If even the compressed form is too large
 * the write fails loudly, naming the resource, rather than silently dropping fields.
 */
export const COMPRESS_ABOVE_BYTES = 300 * 1024;
const MAX_ITEM_BYTES = 400 * 1024;
const LARGE_FIELDS = ['data', 'diff'] as const;
type LargeField = (typeof LARGE_FIELDS)[number];

export class ItemTooLargeError extends Error {
  override readonly name = 'ItemTooLarge';
}

/** The item with `field` compressed when it is large; unchanged otherwise. */
export function encodeLargeField<T extends object>(item: T, field: LargeField, label: string): Record<string, unknown> {
  const value = (item as Record<string, unknown>)[field];
  const json = JSON.stringify(value ?? null);
  if (Buffer.byteLength(json) <= COMPRESS_ABOVE_BYTES) return item as Record<string, unknown>;
  const compressed = gzipSync(json);
  if (compressed.byteLength > MAX_ITEM_BYTES - 16 * 1024) {
    throw new ItemTooLargeError(`${label}: its ${field} is ${Buffer.byteLength(json)} bytes, ${compressed.byteLength} compressed — over DynamoDB's 400 KB item limit`);
  }
  const { [field]: _omitted, ...rest } = item as Record<string, unknown>;
  return { ...rest, [`${field}Gzip`]: compressed };
}

/** Reverses encodeLargeField for every large field an item may carry. */
export function decodeLargeFields<T>(item: T): T {
  const record = { ...(item as Record<string, unknown>) };
  for (const field of LARGE_FIELDS) {
    const compressed = record[`${field}Gzip`];
    if (compressed instanceof Uint8Array) {
      delete record[`${field}Gzip`];
      record[field] = JSON.parse(gunzipSync(compressed).toString('utf8')) as unknown;
    }
  }
  return record as T;
}
