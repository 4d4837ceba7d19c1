/**
 * REST protocols (restJson1, restXml) from the operations' `http` traits: routing a method and path to an
 * operation (`GET /2015-03-31/functions`, `GET /{Bucket}?versioning`), reading the input from URI labels, query
 * parameters, headers and body, and splitting an output into status, headers and body, all as the member traits
 * (httpLabel, httpQuery, httpHeader, httpPayload, httpResponseCode) say.
 */
import type { NormalizedSchema } from '@smithy/core/schema';
import type { SandboxHttpRequest } from '../service-module';
import { forWire, fromText, isHttpBound, isStruct, type OperationSchemas } from './schema';

type Segment = { text: string } | { label: string; greedy: boolean };

interface Route {
  operation: string;
  method: string;
  segments: Segment[];
  /** Literal query of the URI pattern: `?versioning` → ['versioning', undefined]; `?list-type=2` → ['list-type', '2']. */
  query: [string, string | undefined][];
}

/** The SDK adds `x-id=<Operation>` to some S3 URIs; AWS routes without it, and so does the sandbox. */
const OPTIONAL_QUERY = new Set(['x-id']);

export interface RouteOptions {
  /**
   * S3 path style: a label member the URI pattern leaves out because the endpoint rules put it in the host or,
   * with `forcePathStyle`, in the first path segment (`Bucket`).
   */
  pathStyleLabel?: string;
}

function compile(operation: string, schemas: OperationSchemas, options: RouteOptions): Route | undefined {
  const schema = schemas.get(operation);
  if (!schema?.http) return undefined;
  const [path = '', query = ''] = schema.http.uri.split('?');
  const segments: Segment[] = path.split('/').filter((part) => part !== '').map((part) => {
    const label = /^\{(\w+)(\+?)\}$/.exec(part);
    return label ? { label: label[1] ?? '', greedy: label[2] === '+' } : { text: part };
  });
  const label = options.pathStyleLabel;
  if (label && isStruct(schema.input) && !segments.some((segment) => 'label' in segment && segment.label === label)) {
    const member = [...schema.input.structIterator()].find(([name]) => name === label)?.[1];
    if (member?.getMergedTraits().httpLabel) segments.unshift({ label, greedy: false });
  }
  return {
    operation,
    method: schema.http.method,
    segments,
    query: query.split('&').filter((part) => part !== '').map((part) => {
      const [key = '', value] = part.split('=');
      return [key, value];
    }),
  };
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function matchRoute(route: Route, parts: string[], query: URLSearchParams): Record<string, string> | undefined {
  const labels: Record<string, string> = {};
  let index = 0;
  for (const segment of route.segments) {
    if ('text' in segment) {
      if (decode(parts[index] ?? '') !== segment.text) return undefined;
      index++;
    } else if (segment.greedy) {
      if (index >= parts.length) return undefined;
      labels[segment.label] = parts.slice(index).map(decode).join('/');
      index = parts.length;
    } else {
      if (index >= parts.length) return undefined;
      labels[segment.label] = decode(parts[index] ?? '');
      index++;
    }
  }
  if (index !== parts.length) return undefined;
  for (const [key, value] of route.query) {
    if (OPTIONAL_QUERY.has(key) && !query.has(key)) continue;
    if (!query.has(key) || (value !== undefined && query.get(key) !== value)) return undefined;
  }
  return labels;
}

/** Routes a request to the most specific operation: most literal path segments, then most literal query keys. */
export class HttpRouter {
  private readonly routes = new Map<string, Route | undefined>();

  constructor(private readonly schemas: OperationSchemas, private readonly options: RouteOptions = {}) {}

  route(request: SandboxHttpRequest, operations: readonly string[]): { operation: string; labels: Record<string, string> } | undefined {
    const parts = request.path.split('/').filter((part) => part !== '');
    let best: { operation: string; labels: Record<string, string>; score: number } | undefined;
    for (const operation of operations) {
      if (!this.routes.has(operation)) this.routes.set(operation, compile(operation, this.schemas, this.options));
      const route = this.routes.get(operation);
      if (!route || route.method !== request.method) continue;
      const labels = matchRoute(route, parts, request.query);
      if (!labels) continue;
      const score = route.segments.filter((segment) => 'text' in segment).length * 100 + route.query.length;
      if (!best || score > best.score) best = { operation, labels, score };
    }
    return best && { operation: best.operation, labels: best.labels };
  }
}

function headerValue(request: SandboxHttpRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Reads the body: the members not bound to the URI or headers (`payload` undefined), or the httpPayload member. */
export type BodyReader = (schema: NormalizedSchema, body: string, payload: boolean) => unknown;

/** The input structure from labels, query, headers and body, member by member as the traits bind them. */
export function readHttpInput(input: NormalizedSchema, request: SandboxHttpRequest, labels: Record<string, string>, readBody: BodyReader): Record<string, unknown> {
  if (!isStruct(input)) return {};
  const out: Record<string, unknown> = {};
  const boundQuery = new Set<string>();
  let bodyMembers = false;
  for (const [name, member] of input.structIterator()) {
    const traits = member.getMergedTraits();
    let value: unknown;
    if (traits.httpLabel) {
      value = labels[name] === undefined ? undefined : fromText(member, labels[name] ?? '', name);
    } else if (typeof traits.httpQuery === 'string') {
      const key = traits.httpQuery;
      boundQuery.add(key);
      if (member.isListSchema()) value = request.query.has(key) ? request.query.getAll(key).map((raw) => fromText(member.getValueSchema(), raw, key)) : undefined;
      else value = request.query.has(key) ? fromText(member, request.query.get(key) ?? '', key) : undefined;
    } else if (typeof traits.httpHeader === 'string') {
      const raw = headerValue(request, traits.httpHeader);
      if (raw !== undefined) value = member.isListSchema() ? raw.split(',').map((item) => fromText(member.getValueSchema(), item.trim(), name)) : fromText(member, raw, name);
    } else if (typeof traits.httpPrefixHeaders === 'string') {
      const prefix = traits.httpPrefixHeaders.toLowerCase();
      const entries = Object.entries(request.headers).filter(([key]) => key.startsWith(prefix));
      if (entries.length > 0) value = Object.fromEntries(entries.map(([key, raw]) => [key.slice(prefix.length), String(raw)]));
    } else if (traits.httpPayload) {
      value = request.body === '' ? undefined : readBody(member, request.body, true);
    } else if (!traits.httpQueryParams && !traits.httpResponseCode) {
      bodyMembers = true;
    }
    if (value !== undefined) out[name] = value;
  }
  for (const [name, member] of input.structIterator()) {
    if (!member.getMergedTraits().httpQueryParams) continue;
    const rest = [...request.query].filter(([key]) => !boundQuery.has(key));
    if (rest.length > 0) out[name] = Object.fromEntries(rest);
  }
  if (bodyMembers && request.body.trim() !== '') {
    const body = (readBody(input, request.body, false) ?? {}) as Record<string, unknown>;
    for (const [name, member] of input.structIterator()) {
      if (!isHttpBound(member) && !member.getMergedTraits().httpPayload && body[name] !== undefined) out[name] = body[name];
    }
  }
  return out;
}

function headerText(member: NormalizedSchema, value: unknown): string {
  if (Array.isArray(value)) return value.map((item) => headerText(member.getValueSchema(), item)).join(', ');
  if (member.isTimestampSchema()) return (forWire(member, value) as Date).toUTCString();
  return String(value);
}

export interface HttpOutput {
  status: number;
  headers: Record<string, string>;
  /** The httpPayload member's schema and value, when the output has one. */
  payload?: { schema: NormalizedSchema; value: unknown };
  /** Otherwise the output without its header and status members: the body structure. */
  body: Record<string, unknown>;
}

/** Splits an output into status (the `http` trait's or an httpResponseCode member's), headers and body. */
export function splitHttpOutput(output: NormalizedSchema, value: unknown, status: number): HttpOutput {
  const record = (value ?? {}) as Record<string, unknown>;
  const split: HttpOutput = { status, headers: {}, body: {} };
  if (!isStruct(output)) return split;
  for (const [name, member] of output.structIterator()) {
    const item = record[name];
    if (item === undefined || item === null) continue;
    const traits = member.getMergedTraits();
    if (typeof traits.httpHeader === 'string') split.headers[traits.httpHeader] = headerText(member, item);
    else if (typeof traits.httpPrefixHeaders === 'string') {
      for (const [key, text] of Object.entries(item as Record<string, unknown>)) split.headers[`${traits.httpPrefixHeaders}${key}`] = String(text);
    } else if (traits.httpResponseCode) split.status = Number(item);
    else if (traits.httpPayload) split.payload = { schema: member, value: item };
    else split.body[name] = item;
  }
  return split;
}
