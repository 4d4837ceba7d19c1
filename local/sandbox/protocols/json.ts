/**
 * awsJson1_0 (DynamoDB, `X-Amz-Target: DynamoDB_20120810.ListTables`) and awsJson1_1 (KMS, `TrentService.ListKeys`):
 * the input is the JSON body, the output is written by the SDK's `JsonShapeSerializer` from the output schema
 * (timestamps as epoch seconds), errors are `{"__type": code, "message": …}`.
 */
import { JsonShapeSerializer } from '@smithy/core/protocols';
import type { NormalizedSchema } from '@smithy/core/schema';
import { SandboxApiError } from '../api-errors';
import type { SandboxHttpRequest, SandboxHttpResponse, SandboxProtocol } from '../service-module';
import { OperationSchemas, forWire, fromJson, isStruct, type SdkSchemas } from './schema';

export interface AwsJsonOptions {
  /** The client package (`import * as KMS from '@aws-sdk/client-kms'`) or its `Operation$` schemas. */
  schemas: SdkSchemas;
  /** '1.0' (DynamoDB) or '1.1' (KMS, CloudTrail). */
  version: '1.0' | '1.1';
  /** The `X-Amz-Target` prefix, e.g. 'DynamoDB_20120810' or 'TrentService' (the client's `protocolSettings.serviceTarget`). */
  target: string;
  /**
   * The service is `awsQueryCompatible` (CloudWatch): errors also carry the query protocol's code in
   * `x-amzn-query-error: Code;Sender`, which the SDK reads first (`err.Code`, and the modeled error it names).
   */
  queryCompatible?: boolean;
}

/** Epoch seconds unless a member's trait says otherwise, as in every AWS JSON protocol. */
const EPOCH_SECONDS = 7;

/** The structure as JSON, members named as the SDK reads them (`jsonName` only in restJson1). */
export function structureJson(ns: NormalizedSchema, value: unknown, jsonName: boolean): string {
  if (!isStruct(ns)) return '{}';
  const serializer = new JsonShapeSerializer({ timestampFormat: { useTrait: true, default: EPOCH_SECONDS }, jsonName });
  serializer.write(ns, forWire(ns, value) ?? {});
  return String(serializer.flush());
}

/** The JSON body, or a SerializationException the SDK would also get from AWS. */
export function parseJsonBody(body: string): Record<string, unknown> {
  if (body.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(body);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new SandboxApiError('SerializationException', 'The request body is not a JSON object.');
}

export function awsJsonProtocol(options: AwsJsonOptions): SandboxProtocol {
  const schemas = new OperationSchemas(options.schemas);
  const contentType = `application/x-amz-json-${options.version}`;
  const headers = (requestId: string) => ({ 'Content-Type': contentType, 'x-amzn-RequestId': requestId });
  return {
    name: options.version === '1.0' ? 'awsJson1_0' : 'awsJson1_1',
    regionNotEnabled: { code: 'UnrecognizedClientException', status: 400 },
    accessDenied: { code: 'AccessDeniedException', status: 400 },
    supports: (operation) => schemas.get(operation) !== undefined,
    parse(request: SandboxHttpRequest, operations: readonly string[]) {
      const target = String(request.headers['x-amz-target'] ?? '');
      const dot = target.lastIndexOf('.');
      const operation = dot > 0 && target.slice(0, dot) === options.target ? target.slice(dot + 1) : '';
      if (!operations.includes(operation)) return { operation, input: {} };
      const input = fromJson(schemas.require(operation).input, parseJsonBody(request.body));
      return { operation, input: (input ?? {}) as Record<string, unknown> };
    },
    serialize(operation: string, output: unknown, requestId: string): SandboxHttpResponse {
      return { status: 200, headers: headers(requestId), body: structureJson(schemas.require(operation).output, output, false) };
    },
    error(error: SandboxApiError, requestId: string): SandboxHttpResponse {
      const queryError: Record<string, string> = options.queryCompatible ? { 'x-amzn-query-error': `${error.code};${error.status >= 500 ? 'Receiver' : 'Sender'}` } : {};
      return { status: error.status, headers: { ...headers(requestId), ...queryError }, body: JSON.stringify({ __type: error.code, message: error.message, ...error.fields }) };
    },
    unknownOperation: (operation) => new SandboxApiError('UnknownOperationException', `Unknown operation ${operation || '(none)'}`),
  };
}
