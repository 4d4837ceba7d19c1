/** An input that failed validation: names the field, what was wrong and what is valid. Nothing has been written. */
export class InvalidInputError extends Error {
  override readonly name = 'InvalidInput';
  constructor(readonly field: string, readonly problem: string) {
    super(`${field}: ${problem}`);
  }
}

export type Json = Record<string, unknown>;

export function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * How deeply objects and arrays may nest in an input: beyond any DTO, AWS event or thresholds list, and far below
 * the depth at which recursive code (JSON.stringify, walkers over an event) exhausts the stack.
 */
export const MAX_INPUT_DEPTH = 64;

/** Path segments beyond which a path in a message is shortened (a path 64 levels deep helps nobody in full). */
const PATH_SEGMENTS_SHOWN = 12;

interface Visit {
  value: unknown;
  depth: number;
  key?: string | number;
  parent?: Visit;
}

/**
 * Rejects an input that nests objects and arrays more than `limit` levels deep, naming the path where it does.
 * Iterative, so the check itself cannot run out of stack however deep the input goes.
 */
export function expectDepthWithin(value: unknown, field: string, limit = MAX_INPUT_DEPTH): void {
  const pending: Visit[] = [{ value, depth: 0 }];
  for (let visit = pending.pop(); visit; visit = pending.pop()) {
    if (typeof visit.value !== 'object' || visit.value === null) continue;
    const depth = visit.depth + 1;
    if (depth > limit) {
      throw new InvalidInputError(pathOf(field, visit), `nests objects and arrays more than ${limit} levels deep; no valid input is that deep: check how the file was generated`);
    }
    const entries: [string | number, unknown][] = Array.isArray(visit.value) ? visit.value.map((v, i) => [i, v]) : Object.entries(visit.value);
    for (const [key, child] of entries) {
      if (typeof child === 'object' && child !== null) pending.push({ value: child, depth, key, parent: visit });
    }
  }
}

function pathOf(field: string, visit: Visit): string {
  const segments: string[] = [];
  for (let v: Visit | undefined = visit; v?.parent; v = v.parent) {
    const key = v.key ?? '';
    segments.push(typeof key === 'number' ? `[${key}]` : /^[A-Za-z_$][\w$-]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`);
  }
  segments.reverse();
  if (segments.length <= PATH_SEGMENTS_SHOWN) return `${field}${segments.join('')}`;
  const half = PATH_SEGMENTS_SHOWN / 2;
  return `${field}${segments.slice(0, half).join('')}…(${segments.length - PATH_SEGMENTS_SHOWN} levels)…${segments.slice(-half).join('')}`;
}

/** An object; its nesting is checked (MAX_INPUT_DEPTH) so that no later step recurses without bound. */
export function expectRecord(value: unknown, field: string): Json {
  if (!isRecord(value)) throw new InvalidInputError(field, `must be an object, got ${describe(value)}`);
  expectDepthWithin(value, field);
  return value;
}

export function expectString(value: unknown, field: string, pattern?: RegExp, hint?: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidInputError(field, `must be a non-empty string, got ${describe(value)}`);
  }
  if (pattern && !pattern.test(value)) {
    throw new InvalidInputError(field, `"${value}" is not valid${hint ? `; ${hint}` : ''}`);
  }
  return value;
}

export function optionalString(value: unknown, field: string, pattern?: RegExp, hint?: string): string | undefined {
  return value === undefined ? undefined : expectString(value, field, pattern, hint);
}

export function expectInteger(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidInputError(field, `must be a whole number from ${min} to ${max}, got ${describe(value)}`);
  }
  return value;
}

/** An array; its nesting is checked as expectRecord checks an object's. */
export function expectArray(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) throw new InvalidInputError(field, `must be an array, got ${describe(value)}`);
  expectDepthWithin(value, field);
  return value;
}

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)$/;

/** An ISO 8601 time with a date, a time and a zone (`2026-12-01T10:00:00Z`), returned in its canonical form. */
export function expectIsoTime(value: unknown, field: string): string {
  const text = expectString(value, field);
  const ms = ISO_TIME.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(ms)) throw new InvalidInputError(field, `${describe(text)} is not a time; use ISO 8601 with a zone, such as 2026-12-01T10:00:00Z`);
  return new Date(ms).toISOString();
}

export function expectOneOf<T extends string>(value: unknown, field: string, valid: readonly T[]): T {
  if (typeof value !== 'string' || !valid.includes(value as T)) {
    throw new InvalidInputError(field, `${describe(value)} is not one of: ${valid.join(', ')}`);
  }
  return value as T;
}

export function rejectUnknownKeys(record: Json, field: string, known: readonly string[]): void {
  for (const key of Object.keys(record)) {
    if (!known.includes(key)) {
      throw new InvalidInputError(`${field}.${key}`.replace(/^\./, ''), `unknown field; valid fields are: ${known.join(', ')}`);
    }
  }
}

/** Longest rendering of a bad value in a message: enough to recognize it, never the whole input. */
const DESCRIBED_CHARS = 120;

/** A value as a message shows it: JSON, cut short; an input too deep even to render says so instead of overflowing. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = typeof value === 'string' ? `"${value}"` : JSON.stringify(value) ?? String(value);
  } catch {
    return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
  }
  return text.length > DESCRIBED_CHARS ? `${text.slice(0, DESCRIBED_CHARS)}…` : text;
}
