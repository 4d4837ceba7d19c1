/**
 * restXml (S3, path style: `GET /?max-buckets=…&continuation-token=…` for ListBuckets, `GET /{Bucket}?versioning`,
 * `?encryption`, `?publicAccessBlock`, `?policyStatus`, `?logging`, `?tagging`): routed by the operations' `http`
 * traits with the bucket as the first path segment, bodies read by the SDK's `XmlShapeDeserializer` and written by
 * its `XmlShapeSerializer` (root element and list member names, such as `<Bucket>`, from the schema), errors as
 * `<Error><Code>…</Code><Message>…</Message></Error>`.
 */
import { XmlShapeDeserializer } from '@aws-sdk/core/protocols';
import { SandboxApiError } from '../api-errors';
import type { SandboxHttpRequest, SandboxHttpResponse, SandboxProtocol } from '../service-module';
import { HttpRouter, readHttpInput, splitHttpOutput } from './http-bindings';
import { OperationSchemas, isStruct, type SdkSchemas } from './schema';
import { element, structureXml } from './xml';

export interface RestXmlOptions {
  /** The client package (`import * as S3 from '@aws-sdk/client-s3'`) or its `Operation$` schemas. */
  schemas: SdkSchemas;
  /** The namespace of response documents, e.g. 'http://s3.amazonaws.com/doc/2006-03-01/'. */
  xmlNamespace: string;
  /** S3: the label member carried in the first path segment (`forcePathStyle`), 'Bucket'. */
  pathStyleLabel?: string;
  /** The request id header: S3's is `x-amz-request-id`. */
  requestIdHeader?: string;
}

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

export function restXmlProtocol(options: RestXmlOptions): SandboxProtocol {
  const schemas = new OperationSchemas(options.schemas);
  const router = new HttpRouter(schemas, options.pathStyleLabel ? { pathStyleLabel: options.pathStyleLabel } : {});
  const reader = new XmlShapeDeserializer({ timestampFormat: { useTrait: true, default: 5 }, httpBindings: true, xmlNamespace: options.xmlNamespace, serviceNamespace: '' });
  const requestIdHeader = options.requestIdHeader ?? 'x-amz-request-id';
  return {
    name: 'restXml',
    regionNotEnabled: { code: 'InvalidAccessKeyId', status: 403 },
    accessDenied: { code: 'AccessDenied', status: 403 },
    supports: (operation) => schemas.get(operation)?.http !== undefined,
    parse(request: SandboxHttpRequest, operations: readonly string[]) {
      const routed = router.route(request, operations);
      if (!routed) return { operation: '', input: {} };
      const input = readHttpInput(schemas.require(routed.operation).input, request, routed.labels, (schema, body) => {
        try {
          return reader.read(schema, Buffer.from(body, 'utf8'));
        } catch (error) {
          throw new SandboxApiError('MalformedXML', `The XML you provided was not well-formed or did not validate against our published schema (${(error as Error).message}).`);
        }
      });
      return { operation: routed.operation, input };
    },
    serialize(operation: string, output: unknown, requestId: string): SandboxHttpResponse {
      const schema = schemas.require(operation);
      const split = splitHttpOutput(schema.output, output, schema.http?.code ?? 200);
      let body = '';
      if (split.payload) {
        const { schema: payload, value } = split.payload;
        body = isStruct(payload) ? XML_DECLARATION + structureXml(payload, value, options.xmlNamespace) : String(value);
      } else if (isStruct(schema.output)) body = XML_DECLARATION + structureXml(schema.output, split.body, options.xmlNamespace);
      return { status: split.status, headers: { 'Content-Type': 'application/xml', [requestIdHeader]: requestId, ...split.headers }, body };
    },
    error(error: SandboxApiError, requestId: string): SandboxHttpResponse {
      return {
        status: error.status,
        headers: { 'Content-Type': 'application/xml', [requestIdHeader]: requestId },
        body: `${XML_DECLARATION}<Error>${element('Code', error.code)}${element('Message', error.message)}${element('RequestId', requestId)}</Error>`,
      };
    },
    unknownOperation: (operation) => new SandboxApiError('NotImplemented', `A request you provided implies functionality that is not implemented (${operation || 'no operation for this method and path'}).`, 501),
  };
}
