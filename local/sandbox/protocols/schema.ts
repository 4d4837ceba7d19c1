/**
 * The SDK's own operation schemas (`DescribeDBInstances$` in `@aws-sdk/client-rds`, exported by every client) as the
 * protocols read them: input and output structures, member traits (xmlName, xmlFlattened, httpLabel, httpQuery,
 * httpHeader, httpPayload) and the `http` trait that routes REST operations. A module hands its protocol the client
 * package (`import * as RDS from '@aws-sdk/client-rds'`) or an object of the `Operation$` schemas it needs.
 */
import { NormalizedSchema } from '@smithy/core/schema';
import { SandboxApiError } from '../api-errors';

/** The schemas of one client: its package namespace, or `{ ListUsers$, … }`. */
export type SdkSchemas = object;

export interface OperationSchema {
  name: string;
  input: NormalizedSchema;
  output: NormalizedSchema;
  /** The `http` trait: method, URI pattern (with literal query), success status. */
  http?: { method: string; uri: string; code: number };
}

type StaticOperation = [9, string, string, 0 | { http?: [string, string, number] }, () => unknown, () => unknown];

/** Operation schemas by name, read once per protocol; undefined when the client has no such operation. */
export class OperationSchemas {
  private readonly cache = new Map<string, OperationSchema | undefined>();

  constructor(private readonly schemas: SdkSchemas) {}

  get(operation: string): OperationSchema | undefined {
    if (this.cache.has(operation)) return this.cache.get(operation);
    const found = operation === '' ? undefined : (this.schemas as Record<string, unknown>)[`${operation}$`];
    let schema: OperationSchema | undefined;
    if (Array.isArray(found) && found[0] === 9) {
      const [, , name, traits, input, output] = found as StaticOperation;
      const http = traits === 0 ? undefined : traits.http;
      schema = {
        name,
        input: NormalizedSchema.of(input() as never),
        output: NormalizedSchema.of(output() as never),
        ...(http ? { http: { method: http[0], uri: http[1], code: http[2] } } : {}),
      };
    }
    this.cache.set(operation, schema);
    return schema;
  }

  require(operation: string): OperationSchema {
    const schema = this.get(operation);
    if (!schema) throw new Error(`sandbox: the SDK's schemas have no operation ${operation} (is ${operation}$ exported by the client package?)`);
    return schema;
  }
}

export function isStruct(ns: NormalizedSchema): boolean {
  return !ns.isUnitSchema() && ns.isStructSchema();
}

function toDate(value: unknown, member: string): Date {
  const date = typeof value === 'number' ? new Date(value * 1000) : value instanceof Date ? value : new Date(String(value));
  if (Number.isNaN(date.getTime())) throw new SandboxApiError('ValidationException', `${member}: ${String(value)} is not a timestamp`);
  return date;
}

/**
 * A handler's output made ready for the SDK's serializers: timestamps given as ISO strings (or epoch seconds)
 * become Dates; members the schema does not know are dropped (the wire would not carry them either).
 */
export function forWire(ns: NormalizedSchema, value: unknown): unknown {
  if (value === undefined || value === null) return undefined;
  if (ns.isTimestampSchema()) return toDate(value, ns.isMemberSchema() ? ns.getMemberName() : 'timestamp');
  if (ns.isListSchema()) return (value as unknown[]).map((item) => forWire(ns.getValueSchema(), item));
  if (ns.isMapSchema()) {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([key, item]) => [key, forWire(ns.getValueSchema(), item)]));
  }
  if (isStruct(ns)) {
    const record = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [name, member] of ns.structIterator()) {
      const item = forWire(member, record[name]);
      if (item !== undefined) out[name] = item;
    }
    return out;
  }
  return value;
}

/** A JSON input (as JSON.parse gave it) in the SDK's shape: timestamps as Dates, blobs as bytes. */
export function fromJson(ns: NormalizedSchema, value: unknown): unknown {
  if (value === undefined || value === null) return undefined;
  if (ns.isTimestampSchema()) return toDate(value, 'timestamp');
  if (ns.isBlobSchema()) return typeof value === 'string' ? Buffer.from(value, 'base64') : value;
  if (ns.isListSchema() && Array.isArray(value)) return value.map((item) => fromJson(ns.getValueSchema(), item));
  if (ns.isMapSchema() && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([key, item]) => [key, fromJson(ns.getValueSchema(), item)]));
  }
  if (isStruct(ns) && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [name, member] of ns.structIterator()) {
      const key = member.getMergedTraits().jsonName ?? name;
      const item = fromJson(member, record[key] ?? record[name]);
      if (item !== undefined) out[name] = item;
    }
    return out;
  }
  return value;
}

/** A scalar from text (query strings, headers, URI labels), typed by its schema. */
export function fromText(ns: NormalizedSchema, raw: string, what: string): unknown {
  if (ns.isBooleanSchema()) {
    if (raw !== 'true' && raw !== 'false') throw new SandboxApiError('ValidationError', `${what}: expected true or false, got "${raw}"`);
    return raw === 'true';
  }
  if (ns.isNumericSchema() || ns.isBigIntegerSchema() || ns.isBigDecimalSchema()) {
    const number = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(number)) throw new SandboxApiError('ValidationError', `${what}: expected a number, got "${raw}"`);
    return number;
  }
  if (ns.isTimestampSchema()) return toDate(/^\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw, what);
  if (ns.isBlobSchema()) return Buffer.from(raw, 'base64');
  return raw;
}

/** The members of a structure that an HTTP binding trait puts outside the body. */
export function isHttpBound(member: NormalizedSchema): boolean {
  const traits = member.getMergedTraits();
  return Boolean(traits.httpLabel || traits.httpQuery || traits.httpHeader || traits.httpPrefixHeaders || traits.httpQueryParams || traits.httpResponseCode);
}
