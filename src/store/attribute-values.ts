/**
 * Items as DynamoDB's JSON protocol carries them (`{ S: … }`, `{ M: { … } }`): what the stores hand the store
 * client, converted on the way out and back. The same mapping as the SDK's document client with
 * `removeUndefinedValues` and `convertClassInstanceToMap`, in one pass and without its per-value checks —
 * marshalling was a fifth of the collector's CPU per write through the SDK.
 */
export type AttributeValue =
  | { S: string } | { N: string } | { B: string } | { BOOL: boolean } | { NULL: true }
  | { L: AttributeValue[] } | { M: AttributeMap } | { SS: string[] } | { NS: string[] } | { BS: string[] };
export type AttributeMap = Record<string, AttributeValue>;

/** A value DynamoDB cannot hold, with where it was in the item. */
export class UnstorableValueError extends Error {
  override readonly name = 'UnstorableValue';
  readonly path: string[] = [];

  constructor(readonly problem: string) {
    super(problem);
  }

  within(key: string): this {
    this.path.unshift(key);
    this.message = `attribute ${this.path.join('.').replaceAll('.[', '[')}: ${this.problem}`;
    return this;
  }
}

/** An item (or key, or expression values) as DynamoDB's wire format has it; undefined attributes are left out. */
export function toAttributeMap(item: object): AttributeMap {
  const map: AttributeMap = {};
  for (const key of Object.keys(item)) {
    const value = (item as Record<string, unknown>)[key];
    if (value === undefined) continue;
    try {
      map[key] = toAttributeValue(value);
    } catch (error) {
      throw error instanceof UnstorableValueError ? error.within(key) : error;
    }
  }
  return map;
}

export function toAttributeValue(value: unknown): AttributeValue {
  switch (typeof value) {
    case 'string':
      return { S: value };
    case 'number':
      if (!Number.isFinite(value)) throw new UnstorableValueError(`${value} is not a number DynamoDB can store (numbers must be finite)`);
      return { N: String(value) };
    case 'boolean':
      return { BOOL: value };
    case 'bigint':
      return { N: value.toString() };
    case 'object':
      return objectValue(value);
    default:
      throw new UnstorableValueError(`a ${typeof value} cannot be stored in DynamoDB`);
  }
}

function objectValue(value: object | null): AttributeValue {
  if (value === null) return { NULL: true };
  if (Array.isArray(value)) {
    const list: AttributeValue[] = [];
    for (let i = 0; i < value.length; i++) {
      const element: unknown = value[i];
      if (element === undefined) continue;
      try {
        list.push(toAttributeValue(element));
      } catch (error) {
        throw error instanceof UnstorableValueError ? error.within(`[${i}]`) : error;
      }
    }
    return { L: list };
  }
  if (ArrayBuffer.isView(value)) return { B: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (value instanceof Set) return setValue(value);
  if (value instanceof Map) return { M: toAttributeMap(Object.fromEntries(value)) };
  if (value instanceof Date) throw new UnstorableValueError('a Date cannot be stored as it is; store its ISO string (toISOString())');
  return { M: toAttributeMap(value) };
}

function setValue(set: Set<unknown>): AttributeValue {
  const members = [...set];
  if (members.length === 0) throw new UnstorableValueError('an empty set cannot be stored in DynamoDB; leave the attribute out');
  if (members.every((m) => typeof m === 'string')) return { SS: members };
  if (members.every((m) => typeof m === 'number' && Number.isFinite(m))) return { NS: members.map(String) };
  if (members.every((m) => ArrayBuffer.isView(m))) return { BS: members.map((m) => (toAttributeValue(m) as { B: string }).B) };
  throw new UnstorableValueError('a set must hold only strings, only finite numbers or only binary values');
}

/** An item from DynamoDB's wire format back to plain values: numbers as numbers, binary as Buffers. */
export function fromAttributeMap(map: AttributeMap): Record<string, unknown> {
  const item: Record<string, unknown> = {};
  for (const key of Object.keys(map)) item[key] = fromAttributeValue(map[key] as AttributeValue);
  return item;
}

export function fromAttributeValue(value: AttributeValue): unknown {
  const v = value as Partial<Record<'S' | 'N' | 'B' | 'BOOL' | 'NULL' | 'L' | 'M' | 'SS' | 'NS' | 'BS', unknown>>;
  if (v.S !== undefined) return v.S;
  if (v.N !== undefined) return toNumber(v.N as string);
  if (v.M !== undefined) return fromAttributeMap(v.M as AttributeMap);
  if (v.L !== undefined) return (v.L as AttributeValue[]).map(fromAttributeValue);
  if (v.BOOL !== undefined) return v.BOOL;
  if (v.NULL !== undefined) return null;
  if (v.B !== undefined) return Buffer.from(v.B as string, 'base64');
  if (v.SS !== undefined) return new Set(v.SS as string[]);
  if (v.NS !== undefined) return new Set((v.NS as string[]).map(toNumber));
  if (v.BS !== undefined) return new Set((v.BS as string[]).map((b) => Buffer.from(b, 'base64')));
  throw new Error(`DynamoDB returned an attribute value of a kind the store does not read: ${JSON.stringify(value).slice(0, 80)}`);
}

/** As the SDK's document client: a number that would lose digits as a JavaScript number is an error, not a silent rounding. */
function toNumber(text: string): number {
  const number = Number(text);
  if (Number.isInteger(number) && !Number.isSafeInteger(number) && /^-?\d+$/.test(text)) {
    throw new Error(`DynamoDB returned the number ${text}, which a JavaScript number cannot hold exactly`);
  }
  return number;
}
