/**
 * A query's answer as `cloudtap query` prints it, the same whichever engine ran it (DuckDB locally, Athena with a
 * stack): columns, and rows of JSON-ready values. Each engine's values are converted by its column types:
 * integers as numbers while they are safe (2^53), else as decimal strings; timestamps as ISO 8601 in UTC
 * (`2026-03-01T12:00:00.000Z`); dates as `YYYY-MM-DD`; anything nested as the engine's text.
 */

export type SqlValue = string | number | boolean | null;

export interface QueryColumn {
  name: string;
  /** The engine's type name (DuckDB's `BIGINT`, Athena's `bigint`), for messages. */
  type: string;
}

export interface QueryResult {
  columns: QueryColumn[];
  rows: SqlValue[][];
}

/** An integer as a number when it is exactly representable, else its decimal digits. */
export function integerValue(value: bigint | string | number): SqlValue {
  if (typeof value === 'number') return value;
  let big: bigint;
  try {
    big = BigInt(value);
  } catch {
    return String(value);
  }
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big.toString();
}

/** Digits beyond this many do not survive a double: such a decimal stays a string. */
const DOUBLE_DIGITS = 15;

/** A DECIMAL's text (`12.50`) as a number when a double holds it exactly enough, else as it came. */
export function decimalValue(text: string): SqlValue {
  const digits = text.replace(/^-/, '').replace('.', '').replace(/^0+/, '');
  const number = Number(text);
  return Number.isFinite(number) && digits.length <= DOUBLE_DIGITS ? number : text;
}

/** A floating-point value: a number, or `NaN` / `Infinity` / `-Infinity` as text (JSON has no such numbers). */
export function floatValue(value: number | string): SqlValue {
  const number = typeof value === 'number' ? value : Number(/^[+-]?inf$/i.test(value) ? value.replace(/inf$/i, 'Infinity') : value);
  if (Number.isFinite(number)) return number;
  if (number === Infinity || number === -Infinity) return String(number);
  return /^nan$/i.test(String(value)) || typeof value === 'number' ? 'NaN' : value;
}

const TIMESTAMP_TEXT = /^(\d{4,})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?\s*(Z|UTC|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * A timestamp as the engines write it (`2026-03-01 12:00:00.123`, DuckDB's `… +00`, Athena's `… UTC`) as ISO 8601
 * in UTC with milliseconds; a time without a zone is UTC (the snapshot's times are UTC). Text that is not such a
 * time (`infinity`) is returned as it is.
 */
export function timestampValue(text: string): SqlValue {
  const match = TIMESTAMP_TEXT.exec(text.trim());
  if (!match) return text;
  const [, year, month, day, hour, minute, second = '00', fraction = '', zone = 'Z'] = match;
  const millis = `${fraction}000`.slice(0, 3);
  let time = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second), Number(millis));
  const offset = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (offset) time -= (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3] ?? 0)) * 60_000;
  const date = new Date(time);
  return Number.isNaN(date.getTime()) ? text : date.toISOString();
}

/**
 * The rows as objects keyed by column name, in column order. Two columns of the same name (`SELECT a.id, b.id`)
 * would overwrite each other: the second is keyed `id_2`, the third `id_3`.
 */
export function rowObjects(result: QueryResult): Record<string, SqlValue>[] {
  const keys = uniqueColumnNames(result.columns.map((c) => c.name));
  return result.rows.map((row) => Object.fromEntries(keys.map((key, i) => [key, row[i] ?? null])));
}

export function uniqueColumnNames(names: readonly string[]): string[] {
  const used = new Set<string>();
  return names.map((name) => {
    let key = name;
    for (let n = 2; used.has(key); n++) key = `${name}_${n}`;
    used.add(key);
    return key;
  });
}

/** RFC 4180: CRLF line ends, a header line, fields quoted when they hold a comma, a quote or a line break; null is empty. */
export function formatCsv(result: QueryResult): string {
  const field = (value: SqlValue): string => {
    if (value === null) return '';
    const text = String(value);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const lines = [result.columns.map((c) => field(c.name)), ...result.rows.map((row) => row.map(field))];
  return lines.map((cells) => `${cells.join(',')}\r\n`).join('');
}
