/**
 * The contract of a sandbox service module: one file per AWS service with its name, wire protocol, operations and
 * one `handle` that turns an SDK-shaped input into an SDK-shaped output. The server does everything else (routing by
 * the SigV4 scope, regions, injected failures, throttling, latency, stats); the protocol modules in `protocols/`
 * read and write the wire from the SDK's own schemas. Register a module with one line in `services/index.ts`.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { SandboxApiError } from './api-errors';
import type { SandboxSpec } from './spec';

export interface SandboxCall {
  operation: string;
  /** The operation's input in the SDK's Input shape (PascalCase members, as in `@aws-sdk/client-x`'s `XxxCommandInput`); numbers/booleans as numbers/booleans, lists as arrays, maps as objects. */
  input: Record<string, unknown>;
  spec: SandboxSpec;
  accountId: string;
  region: string;
}

/** An HTTP request as a protocol reads it. */
export interface SandboxHttpRequest {
  method: string;
  /** The path without the query string, still percent-encoded. */
  path: string;
  query: URLSearchParams;
  /** Node's headers: lower-case names. */
  headers: IncomingHttpHeaders;
  body: string;
}

/** An HTTP response as a protocol writes it. */
export interface SandboxHttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface SandboxProtocol {
  /** The Smithy protocol, for messages: `awsQuery`, `awsJson1_0`, `awsJson1_1`, `restJson1`, `restXml`. */
  readonly name: string;
  /**
   * The operation a request names and, when it is one of `operations`, its input in the SDK's shape. The operation
   * is '' when the request names none that the protocol can route to; input errors throw `SandboxApiError`.
   */
  parse(request: SandboxHttpRequest, operations: readonly string[]): { operation: string; input: Record<string, unknown> };
  /** A successful answer with `output` (the SDK's Output shape) written as the service writes it. */
  serialize(operation: string, output: unknown, requestId: string): SandboxHttpResponse;
  /** An error answer as the service writes it, so that the SDK's error has `error.code` as its name. */
  error(error: SandboxApiError, requestId: string): SandboxHttpResponse;
  /** The error the service answers an operation it does not know with (`InvalidAction`, `UnknownOperationException`, …). */
  unknownOperation(operation: string): SandboxApiError;
  /** Whether the protocol has the SDK's schema of an operation: every module operation must. */
  supports(operation: string): boolean;
  /** What the service answers from a region the account has not enabled: its "the security token is invalid" error. */
  readonly regionNotEnabled: { code: string; status: number };
  /** What the service answers a caller whose policy denies the call (`readDenied=`): `AccessDenied`, `AccessDeniedException`. */
  readonly accessDenied: { code: string; status: number };
}

export interface SandboxServiceModule {
  /** As in `fail=region:Name.Operation:Code` and in stats, e.g. 'S3', 'IAM', 'Lambda', 'RDS', 'ELBv2', 'AutoScaling', 'DynamoDB', 'KMS'. */
  name: string;
  /** SigV4 service name in the credential scope: 's3', 'iam', 'lambda', 'rds', 'elasticloadbalancing', 'autoscaling', 'dynamodb', 'kms'. */
  signingName: string;
  /** The IAM action prefix, when not the signing name (CloudWatch signs as `monitoring`, its actions are `cloudwatch:*`). */
  actionPrefix?: string;
  /** The SDK's endpoint variable, e.g. 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2', 'AWS_ENDPOINT_URL_AUTO_SCALING'. */
  endpointVariable: string;
  protocol: SandboxProtocol;
  operations: readonly string[];
  throttling: { code: string; status: number; message: string };
  /** Answers in every enabled region with the same data (IAM; S3's ListBuckets). */
  global?: boolean;
  /**
   * What a region that is not enabled (or not opted in) answers, when not the protocol's `regionNotEnabled`
   * (`InvalidClientTokenId` for awsQuery, `UnrecognizedClientException` for JSON, `InvalidAccessKeyId` for S3).
   */
  regionNotEnabled?: { code: string; status: number };
  /** What a caller whose policy denies the call gets, when not the protocol's `accessDenied`. */
  accessDenied?: { code: string; status: number };
  /** Returns the output object in the SDK's Output shape (PascalCase, Date objects or ISO strings for timestamps); throws `SandboxApiError` (local/sandbox/api-errors.ts) for API errors. */
  handle(call: SandboxCall): unknown;
}
