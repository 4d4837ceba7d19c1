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

export function expectRecord(value: unknown, field: string): Json {
  if (!isRecord(value)) throw new InvalidInputError(field, `must be an object, got ${describe(value)}`);
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

export function expectArray(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) throw new InvalidInputError(field, `must be an array, got ${describe(value)}`);
  return value;
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

export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return `"${value}"`;
  return JSON.stringify(value) ?? String(value);
}
