/**
 * awsQuery (IAM 2010-05-08, RDS 2014-10-31, ELBv2 2015-12-01, AutoScaling 2011-01-01): form-encoded
 * `Action=…&Version=…` with nested members (`Names.member.1`, `Tags.member.1.Key`, `Attributes.entry.1.key`),
 * answered with `<OpResponse xmlns=…><OpResult>…</OpResult><ResponseMetadata>` and errors as
 * `<ErrorResponse><Error><Type>Sender</Type><Code>…`. Both directions follow the SDK's schemas: the request is read
 * back the way `QueryShapeSerializer` writes it, the result is written by the SDK's `XmlShapeSerializer`.
 */
import type { NormalizedSchema } from '@smithy/core/schema';
import { SandboxApiError } from '../api-errors';
import type { SandboxHttpRequest, SandboxHttpResponse, SandboxProtocol } from '../service-module';
import { element, innerXml, structureXml } from './xml';
import { OperationSchemas, fromText, isStruct, type SdkSchemas } from './schema';

export interface AwsQueryOptions {
  /** The client package (`import * as RDS from '@aws-sdk/client-rds'`) or its `Operation$` schemas. */
  schemas: SdkSchemas;
  /** The API version the SDK sends, e.g. '2014-10-31'. */
  version: string;
  /** The response namespace, e.g. 'http://rds.amazonaws.com/doc/2014-10-31/' (the client's `protocolSettings.xmlNamespace`). */
  xmlNamespace: string;
}

/** Every key and every dotted prefix of a key: `A.member.1.B` gives `A`, `A.member`, `A.member.1`, `A.member.1.B`. */
function prefixesOf(params: URLSearchParams): Set<string> {
  const prefixes = new Set<string>();
  for (const key of params.keys()) {
    let dot = key.indexOf('.');
    while (dot > 0) {
      prefixes.add(key.slice(0, dot));
      dot = key.indexOf('.', dot + 1);
    }
    prefixes.add(key);
  }
  return prefixes;
}

/** The inverse of the SDK's QueryShapeSerializer for one value at `key` ('' for the input structure itself). */
function readQuery(ns: NormalizedSchema, params: URLSearchParams, prefixes: Set<string>, key: string): unknown {
  const at = (suffix: string) => (key === '' ? suffix : `${key}.${suffix}`);
  if (isStruct(ns)) {
    if (key !== '' && !prefixes.has(key)) return undefined;
    const out: Record<string, unknown> = {};
    for (const [name, member] of ns.structIterator()) {
      const value = readQuery(member, params, prefixes, at(member.getMergedTraits().xmlName ?? name));
      if (value !== undefined) out[name] = value;
    }
    return out;
  }
  if (!prefixes.has(key)) return undefined;
  if (ns.isListSchema()) {
    const item = ns.getValueSchema();
    const base = ns.getMergedTraits().xmlFlattened ? key : at(item.getMergedTraits().xmlName ?? 'member');
    const items: unknown[] = [];
    for (let n = 1; prefixes.has(`${base}.${n}`); n++) items.push(readQuery(item, params, prefixes, `${base}.${n}`));
    return items;
  }
  if (ns.isMapSchema()) {
    const base = ns.getMergedTraits().xmlFlattened ? key : at('entry');
    const keyName = ns.getKeySchema().getMergedTraits().xmlName ?? 'key';
    const valueName = ns.getValueSchema().getMergedTraits().xmlName ?? 'value';
    const out: Record<string, unknown> = {};
    for (let n = 1; prefixes.has(`${base}.${n}`); n++) {
      out[params.get(`${base}.${n}.${keyName}`) ?? ''] = readQuery(ns.getValueSchema(), params, prefixes, `${base}.${n}.${valueName}`);
    }
    return out;
  }
  const raw = params.get(key);
  return raw === null ? undefined : fromText(ns, raw, key);
}

export function awsQueryProtocol(options: AwsQueryOptions): SandboxProtocol {
  const schemas = new OperationSchemas(options.schemas);
  const headers = (requestId: string) => ({ 'Content-Type': 'text/xml', 'x-amzn-RequestId': requestId });
  return {
    name: 'awsQuery',
    regionNotEnabled: { code: 'InvalidClientTokenId', status: 403 },
    accessDenied: { code: 'AccessDenied', status: 403 },
    supports: (operation) => schemas.get(operation) !== undefined,
    parse(request: SandboxHttpRequest, operations: readonly string[]) {
      const params = new URLSearchParams(request.body);
      for (const [key, value] of request.query) if (!params.has(key)) params.append(key, value);
      const operation = params.get('Action') ?? '';
      if (!operations.includes(operation)) return { operation, input: {} };
      const input = readQuery(schemas.require(operation).input, params, prefixesOf(params), '');
      return { operation, input: (input ?? {}) as Record<string, unknown> };
    },
    serialize(operation: string, output: unknown, requestId: string): SandboxHttpResponse {
      const { output: ns } = schemas.require(operation);
      const result = isStruct(ns) ? `<${operation}Result>${innerXml(structureXml(ns, output))}</${operation}Result>` : '';
      return {
        status: 200,
        headers: headers(requestId),
        body: `<?xml version="1.0"?>\n<${operation}Response xmlns="${options.xmlNamespace}">${result}`
          + `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`,
      };
    },
    error(error: SandboxApiError, requestId: string): SandboxHttpResponse {
      return {
        status: error.status,
        headers: headers(requestId),
        body: `<?xml version="1.0"?>\n<ErrorResponse xmlns="${options.xmlNamespace}"><Error>${element('Type', error.status >= 500 ? 'Receiver' : 'Sender')}`
          + `${element('Code', error.code)}${element('Message', error.message)}</Error>${element('RequestId', requestId)}</ErrorResponse>`,
      };
    },
    unknownOperation: (operation) => new SandboxApiError('InvalidAction', `The action ${operation || '(none)'} is not valid for this web service.`),
  };
}
