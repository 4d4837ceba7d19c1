import { createHash, createHmac } from 'node:crypto';
// The modules, not their functions: X-Ray's HTTPS capture (Powertools' Tracer, in AWS) patches `request` on them.
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type {
  BatchWriteCommandInput, GetCommandInput, PutCommandInput, QueryCommandInput, ScanCommandInput, UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { AwsCredentialIdentity } from '@smithy/types';
import { activeCallTrace, isThrottlingCode, sanitizeParams } from '../aws/call-trace';
import { fromAttributeMap, toAttributeMap, type AttributeMap } from './attribute-values';

type Item = Record<string, unknown>;
export type WriteRequests = NonNullable<BatchWriteCommandInput['RequestItems']>;

export interface GetOutput { Item?: Item }
/** PutItem's and UpdateItem's output: the attributes `ReturnValues` asked for, if any. A failed condition rejects instead. */
export interface WriteOutput { Attributes?: Item }
export interface PageOutput { Items?: Item[]; LastEvaluatedKey?: Item }
export interface BatchWriteOutput { UnprocessedItems?: WriteRequests }

/** The service name the store's calls have in a task's trace. */
export const STORE_SERVICE = 'DynamoDB';

/** An error DynamoDB answered, named by its `__type` (e.g. ConditionalCheckFailedException). A failed connection rejects with Node's own error. */
export class DynamoDbError extends Error {
  constructor(
    override readonly name: string,
    message: string,
    readonly $metadata: { httpStatusCode?: number; requestId?: string; attempts: number },
  ) {
    super(message);
  }
}

export interface StoreClientOptions {
  region: string;
  /** Explicit endpoint; otherwise the SDK's configuration (`AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL`, profiles), then AWS's. */
  endpoint?: string;
  /** Explicit credentials; otherwise the SDK's default chain. */
  credentials?: AwsCredentialIdentity;
  /** Attempts per call, retries included (throttling, 5xx, dropped connections). */
  maxAttempts?: number;
  /** Connections kept open to the store. */
  maxSockets?: number;
  /** Retry tokens (the SDK's standard quota, 500): a retry takes 5, or 10 after a transient error (no answer, a dropped connection, a 5xx); a success gives back what its retries took, or 1. */
  retryQuota?: number;
}

const API_VERSION = 'DynamoDB_20120810';
const DEFAULT_MAX_ATTEMPTS = 8;
/** The SDK's standard retry strategy: full jitter over 100 ms × 2^n (500 ms for throttling), at most 20 s. */
const RETRY_BASE_MS = 100;
const THROTTLING_RETRY_BASE_MS = 500;
const MAX_RETRY_DELAY_MS = 20_000;
const RETRY_QUOTA = 500;
const RETRY_COST = 5;
const TIMEOUT_RETRY_COST = 10;
/** No answer within this long and the attempt is dropped and retried. */
const REQUEST_TIMEOUT_MS = 60_000;
const TRANSIENT_NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'TimeoutError']);
const TRANSIENT_SERVICE_CODES = new Set(['InternalServerError', 'InternalFailure', 'ServiceUnavailable', 'RequestTimeout', 'RequestTimeoutException']);
/** Errors that say the request's signing time is too far from AWS's clock: corrected from the answer's Date and retried, as the SDK does. */
const CLOCK_SKEW_CODES = new Set(['RequestTimeTooSkewed', 'RequestExpired', 'InvalidSignatureException', 'SignatureDoesNotMatch', 'RequestInTheFuture']);
const CLOCK_SKEW_TOLERANCE_MS = 5 * 60_000;
/** What AWS-side logs (CloudTrail data events) show as the caller of the store's calls. */
const USER_AGENT = `cloudtap-store-client lang/js md/nodejs#${process.versions.node}`;

interface Connection {
  url: URL;
  agent: http.Agent;
  secure: boolean;
  credentials: () => Promise<AwsCredentialIdentity>;
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * The store's DynamoDB client: DynamoDB's JSON protocol spoken directly, signed with Signature Version 4, over
 * kept-alive connections, retried as the SDK's standard mode retries. The SDK's per-call pipeline (middleware,
 * schema serde, document marshalling, its signer) cost ~0.9 ms of CPU a write against ~0.25 ms here, and the
 * collector makes one write per changed resource: most of a first run's CPU. Configuration — credentials,
 * region, endpoint — still comes from the SDK's own resolution, so nothing an operator sets is ignored.
 * Every call is recorded in the active task's trace as the SDK clients' calls are.
 */
export class StoreClient {
  readonly region: string;
  private readonly maxAttempts: number;
  private connection: Promise<Connection> | undefined;
  private agent: http.Agent | undefined;
  /** Milliseconds to add to the local clock when signing: set from AWS's Date after a clock-skew error. */
  private clockOffsetMs = 0;
  /** When a store keeps failing, retries drain this and calls fail at once instead of each retrying in full. */
  private retryTokens: number;
  private readonly retryQuota: number;

  constructor(private readonly options: StoreClientOptions) {
    this.region = options.region;
    this.maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.retryQuota = options.retryQuota ?? RETRY_QUOTA;
    this.retryTokens = this.retryQuota;
  }

  put(input: PutCommandInput): Promise<WriteOutput> {
    return this.write('PutItem', input, { ...input, Item: toAttributeMap(input.Item ?? {}), ...values(input) });
  }

  async get(input: GetCommandInput): Promise<GetOutput> {
    const output = await this.call<{ Item?: AttributeMap }>('GetItem', input, { ...input, Key: toAttributeMap(input.Key ?? {}) });
    return output.Item ? { Item: fromAttributeMap(output.Item) } : {};
  }

  update(input: UpdateCommandInput): Promise<WriteOutput> {
    return this.write('UpdateItem', input, { ...input, Key: toAttributeMap(input.Key ?? {}), ...values(input) });
  }

  query(input: QueryCommandInput): Promise<PageOutput> {
    return this.page('Query', input);
  }

  scan(input: ScanCommandInput): Promise<PageOutput> {
    return this.page('Scan', input);
  }

  async batchWrite(input: BatchWriteCommandInput): Promise<BatchWriteOutput> {
    const output = await this.call<{ UnprocessedItems?: Record<string, WireWriteRequest[]> }>('BatchWriteItem', input, {
      ...input, RequestItems: mapRequests(input.RequestItems ?? {}, toAttributeMap),
    });
    const unprocessed = output.UnprocessedItems;
    return unprocessed && Object.keys(unprocessed).length > 0 ? { UnprocessedItems: mapRequests(unprocessed, fromAttributeMap) as WriteRequests } : {};
  }

  /** Closes the kept-alive connections (tests, and processes that are done with the store). */
  destroy(): void {
    this.agent?.destroy();
  }

  private async write(operation: 'PutItem' | 'UpdateItem', input: object, wire: object): Promise<WriteOutput> {
    const output = await this.call<{ Attributes?: AttributeMap }>(operation, input, wire);
    return output.Attributes ? { Attributes: fromAttributeMap(output.Attributes) } : {};
  }

  private async page(operation: 'Query' | 'Scan', input: QueryCommandInput | ScanCommandInput): Promise<PageOutput> {
    const output = await this.call<{ Items?: AttributeMap[]; LastEvaluatedKey?: AttributeMap }>(operation, input, {
      ...input, ...values(input), ...(input.ExclusiveStartKey ? { ExclusiveStartKey: toAttributeMap(input.ExclusiveStartKey) } : {}),
    });
    return {
      Items: (output.Items ?? []).map(fromAttributeMap),
      ...(output.LastEvaluatedKey ? { LastEvaluatedKey: fromAttributeMap(output.LastEvaluatedKey) } : {}),
    };
  }

  /** One call with its retries, recorded in the active trace as the SDK clients' calls are: once, after its last attempt. */
  private async call<O>(operation: string, input: object, wire: object): Promise<O> {
    const trace = activeCallTrace();
    const started = Date.now();
    const tally = { attempts: 0, throttles: 0 };
    let output: O;
    try {
      output = await this.withRetries<O>(operation, JSON.stringify(wire), tally);
    } catch (error) {
      trace?.record({ ...traceCall(operation, this.region, input, started), ...tally, errorCode: (error as Error).name || 'Error' });
      throw error;
    }
    trace?.record({ ...traceCall(operation, this.region, input, started), ...tally });
    return output;
  }

  private async withRetries<O>(operation: string, body: string, tally: { attempts: number; throttles: number }): Promise<O> {
    let spent = 0;
    for (;;) {
      tally.attempts++;
      let output: O;
      try {
        output = await this.attempt<O>(operation, body);
      } catch (error) {
        const code = (error as { name?: string }).name;
        if (isThrottlingCode(code)) tally.throttles++;
        if (error instanceof DynamoDbError) error.$metadata.attempts = tally.attempts;
        if (tally.attempts >= this.maxAttempts || !this.retryable(error as Error & { code?: string })) throw error;
        const cost = this.transient(error as Error & { code?: string }) ? TIMEOUT_RETRY_COST : RETRY_COST;
        if (this.retryTokens < cost) throw error;
        this.retryTokens -= cost;
        spent += cost;
        if (!CLOCK_SKEW_CODES.has(code ?? '')) await sleep(retryDelayMs(tally.attempts, isThrottlingCode(code)));
        continue;
      }
      this.retryTokens = Math.min(this.retryQuota, this.retryTokens + (spent || 1));
      return output;
    }
  }

  private retryable(error: Error & { code?: string }): boolean {
    if (error instanceof DynamoDbError) {
      const status = error.$metadata.httpStatusCode ?? 0;
      if (CLOCK_SKEW_CODES.has(error.name)) return this.correctClock(error);
      return isThrottlingCode(error.name) || TRANSIENT_SERVICE_CODES.has(error.name) || status >= 500 || status === 429;
    }
    return TRANSIENT_NETWORK_CODES.has(error.code ?? error.name);
  }

  /** As the SDK classifies errors "transient" (a retry costs more): no answer, a dropped connection, or a 5xx. */
  private transient(error: Error & { code?: string }): boolean {
    if (!(error instanceof DynamoDbError)) return true;
    return TRANSIENT_SERVICE_CODES.has(error.name) || [500, 502, 503, 504].includes(error.$metadata.httpStatusCode ?? 0);
  }

  /** True when AWS's clock (the answer's Date) is far enough from ours to explain the error; signing follows it from now on. */
  private correctClock(error: DynamoDbError & { serverDate?: string }): boolean {
    const serverTime = error.serverDate ? Date.parse(error.serverDate) : NaN;
    if (Number.isNaN(serverTime) || Math.abs(serverTime - (Date.now() + this.clockOffsetMs)) < CLOCK_SKEW_TOLERANCE_MS) return false;
    this.clockOffsetMs = serverTime - Date.now();
    return true;
  }

  private async attempt<O>(operation: string, body: string): Promise<O> {
    // A failed resolution (no credentials yet, say) is tried again by the next call, not remembered.
    const connection = await (this.connection ??= this.connect().catch((error: unknown) => {
      this.connection = undefined;
      throw error;
    }));
    const credentials = await connection.credentials();
    const headers = signV4({
      url: connection.url, region: this.region, service: 'dynamodb', body, credentials,
      now: new Date(Date.now() + this.clockOffsetMs),
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `${API_VERSION}.${operation}` },
    });
    const answer = await post(connection, headers, body);
    if (answer.status === 200) return (answer.body ? JSON.parse(answer.body) : {}) as O;
    throw answerError(answer);
  }

  /** Endpoint and credentials as the SDK resolves them, once per client. */
  private async connect(): Promise<Connection> {
    const { url, credentials } = await resolveStoreConfig(this.options);
    const secure = url.protocol === 'https:';
    const agentOptions = { keepAlive: true, maxSockets: this.options.maxSockets ?? 50 };
    this.agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
    return { url, agent: this.agent, secure, credentials };
  }

}

/**
 * Where the store's calls go and with which credentials, as the SDK's DynamoDB client would resolve them: an
 * explicit endpoint, else the configured one (`AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL`, a profile's
 * `endpoint_url`), else AWS's for the region (FIPS and dual-stack as configured, the partition's domain);
 * credentials from the default chain unless given.
 */
export async function resolveStoreConfig(options: Pick<StoreClientOptions, 'region' | 'endpoint' | 'credentials'>): Promise<{ url: URL; credentials: () => Promise<AwsCredentialIdentity> }> {
  const { region, endpoint, credentials } = options;
  const config = new DynamoDBClient({ region, ...(credentials ? { credentials } : {}), ...(endpoint ? { endpoint } : {}) }).config;
  const explicit = await config.endpoint?.();
  const configured = explicit ? undefined : await config.serviceConfiguredEndpoint?.();
  const url = explicit
    ? new URL(`${explicit.protocol}//${explicit.hostname}${explicit.port ? `:${explicit.port}` : ''}${explicit.path}`)
    : configured
      ? new URL(configured)
      : new URL(config.endpointProvider({ Region: region, UseFIPS: await config.useFipsEndpoint(), UseDualStack: await config.useDualstackEndpoint() }).url.href);
  return { url, credentials: () => config.credentials() };
}

type WireWriteRequest = { PutRequest?: { Item: AttributeMap }; DeleteRequest?: { Key: AttributeMap } };

function mapRequests<A, B>(
  requests: Record<string, { PutRequest?: { Item?: A }; DeleteRequest?: { Key?: A } }[]>, convert: (value: A) => B,
): Record<string, { PutRequest?: { Item: B }; DeleteRequest?: { Key: B } }[]> {
  const mapped: Record<string, { PutRequest?: { Item: B }; DeleteRequest?: { Key: B } }[]> = {};
  for (const [table, writes] of Object.entries(requests)) {
    mapped[table] = writes.map((write) => (write.PutRequest?.Item
      ? { PutRequest: { Item: convert(write.PutRequest.Item) } }
      : { DeleteRequest: { Key: convert(write.DeleteRequest?.Key ?? ({} as A)) } }));
  }
  return mapped;
}

function values(input: { ExpressionAttributeValues?: Record<string, unknown> }): { ExpressionAttributeValues?: AttributeMap } {
  return input.ExpressionAttributeValues ? { ExpressionAttributeValues: toAttributeMap(input.ExpressionAttributeValues) } : {};
}

function traceCall(operation: string, region: string, input: object, started: number) {
  return { service: STORE_SERVICE, operation, region, start: new Date(started).toISOString(), durationMs: Date.now() - started, params: sanitizeParams(input) };
}

function retryDelayMs(attempt: number, throttled: boolean): number {
  return Math.floor(Math.min(MAX_RETRY_DELAY_MS, Math.random() * 2 ** attempt * (throttled ? THROTTLING_RETRY_BASE_MS : RETRY_BASE_MS)));
}

function answerError(answer: Answer): DynamoDbError {
  let type = '';
  let message = '';
  try {
    const parsed = JSON.parse(answer.body) as { __type?: string; message?: string; Message?: string };
    type = parsed.__type ?? '';
    message = parsed.message ?? parsed.Message ?? '';
  } catch {
    // Not JSON (a proxy, a load balancer): the status says what there is to say.
  }
  const name = type.split('#').pop() || (answer.status >= 500 ? 'InternalServerError' : `HTTP${answer.status}`);
  const requestId = answer.headers['x-amzn-requestid'] as string | undefined;
  const error = new DynamoDbError(name, message || `DynamoDB answered HTTP ${answer.status}${answer.body ? `: ${answer.body.slice(0, 200)}` : ''}`, {
    httpStatusCode: answer.status, ...(requestId ? { requestId } : {}), attempts: 1,
  });
  return Object.assign(error, { serverDate: answer.headers.date });
}

function post(connection: Connection, headers: Record<string, string>, body: string): Promise<Answer> {
  const { url, agent, secure } = connection;
  return new Promise((resolve, reject) => {
    const request = (secure ? https : http).request({
      protocol: url.protocol, hostname: url.hostname, port: url.port || undefined, path: url.pathname, method: 'POST', agent,
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)), 'user-agent': USER_AGENT },
    }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    request.setTimeout(REQUEST_TIMEOUT_MS, () => request.destroy(Object.assign(new Error(`no answer from DynamoDB at ${url.host} within ${REQUEST_TIMEOUT_MS / 1000} s`), { name: 'TimeoutError' })));
    request.on('error', reject);
    request.end(body);
  });
}

export interface SignInput {
  url: URL;
  region: string;
  service: string;
  /** Headers to send and sign besides host and x-amz-date, with lower-case names. */
  headers: Record<string, string>;
  body: string;
  credentials: AwsCredentialIdentity;
  now: Date;
}

/** The headers of a POST signed with AWS Signature Version 4 (the signing key is cached per day, region and secret). */
export function signV4(input: SignInput): Record<string, string> {
  const amzDate = input.now.toISOString().replace(/[-:]|\.\d{3}/g, '');
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = { ...input.headers, host: input.url.host, 'x-amz-date': amzDate };
  if (input.credentials.sessionToken) headers['x-amz-security-token'] = input.credentials.sessionToken;
  const names = Object.keys(headers).sort();
  const signedHeaders = names.join(';');
  const canonicalHeaders = names.map((name) => `${name}:${(headers[name] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const canonicalRequest = ['POST', input.url.pathname || '/', '', canonicalHeaders, signedHeaders, sha256Hex(input.body)].join('\n');
  const scope = `${day}/${input.region}/${input.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const signature = createHmac('sha256', signingKey(input.credentials.secretAccessKey, day, input.region, input.service)).update(stringToSign).digest('hex');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${input.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}

/** The last signing key derived: it changes only with the day (or the credentials), and deriving it takes four HMACs. */
let cachedKey: { secret: string; scope: string; key: Buffer } | undefined;

function signingKey(secret: string, day: string, region: string, service: string): Buffer {
  const scope = `${day}/${region}/${service}`;
  if (cachedKey?.secret !== secret || cachedKey.scope !== scope) {
    const key = [region, service, 'aws4_request'].reduce((k, part) => hmac(k, part), hmac(`AWS4${secret}`, day));
    cachedKey = { secret, scope, key };
  }
  return cachedKey.key;
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

function sha256Hex(data: string): string {
  return createHash('sha256').update(data).digest('hex');
}
