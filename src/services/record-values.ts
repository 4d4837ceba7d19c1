/** Conversions from SDK values to the JSON values of a flat record. */

/** A time as ISO 8601; the SDK gives `Date` for timestamps and strings for some date fields (e.g. `Image.CreationDate`). */
export function isoTime(value: Date | string | undefined): string | null {
  if (value === undefined || value === '') return null;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString();
}
