/**
 * restJson1 (Lambda: `GET /2015-03-31/functions?MaxItems=50&Marker=…`, `GET /2017-03-31/tags/{Resource}`):
 * routed by the operations' `http` traits, the input read from labels, query, headers and JSON body, the output
 * written by the SDK's `JsonShapeSerializer` (with `jsonName`), errors as an `x-amzn-errortype` header and a JSON body.
 */
import { SandboxApiError } from '../api-errors';
import type { SandboxHttpRequest, SandboxHttpResponse, SandboxProtocol } from '../service-module';
import { HttpRouter, readHttpInput, splitHttpOutput } from './http-bindings';
import { parseJsonBody, structureJson } from './json';
import { OperationSchemas, fromJson, isStruct, type SdkSchemas } from './schema';

export interface RestJsonOptions {
  /** The client package (`import * as Lambda from '@aws-sdk/client-lambda'`) or its `Operation$` schemas. */
  schemas: SdkSchemas;
}

export function restJsonProtocol(options: RestJsonOptions): SandboxProtocol {
  const schemas = new OperationSchemas(options.schemas);
  const router = new HttpRouter(schemas);
  return {
    name: 'restJson1',
    regionNotEnabled: { code: 'UnrecognizedClientException', status: 403 },
    accessDenied: { code: 'AccessDeniedException', status: 403 },
    supports: (operation) => schemas.get(operation)?.http !== undefined,
    parse(request: SandboxHttpRequest, operations: readonly string[]) {
      const routed = router.route(request, operations);
      if (!routed) return { operation: '', input: {} };
      const input = readHttpInput(schemas.require(routed.operation).input, request, routed.labels, (schema, body) => fromJson(schema, parseJsonBody(body)));
      return { operation: routed.operation, input };
    },
    serialize(operation: string, output: unknown, requestId: string): SandboxHttpResponse {
      const schema = schemas.require(operation);
      const split = splitHttpOutput(schema.output, output, schema.http?.code ?? 200);
      let body: string;
      if (split.payload) {
        const { schema: payload, value } = split.payload;
        body = isStruct(payload) ? structureJson(payload, value, true) : typeof value === 'string' ? value : JSON.stringify(value);
      } else body = structureJson(schema.output, split.body, true);
      return { status: split.status, headers: { 'Content-Type': 'application/json', 'x-amzn-RequestId': requestId, ...split.headers }, body };
    },
    error(error: SandboxApiError, requestId: string): SandboxHttpResponse {
      return {
        status: error.status,
        headers: { 'Content-Type': 'application/json', 'x-amzn-RequestId': requestId, 'x-amzn-errortype': error.code },
        body: JSON.stringify({ Type: error.status >= 500 ? 'Service' : 'User', message: error.message, ...error.fields }),
      };
    },
    unknownOperation: (operation) => new SandboxApiError('UnknownOperationException', `Unknown operation ${operation || '(no route for this method and path)'}`, 404),
  };
}
