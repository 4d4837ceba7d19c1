import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { AdaptiveRetryStrategy, DefaultRateLimiter } from '@smithy/core/retry';
import type { AwsCredentialIdentity, HttpRequest, HttpResponse } from '@smithy/types';
import { traced } from './traced-client';

/** Any AWS SDK v3 client. */
export interface SdkClient {
  send(command: never): Promise<unknown>;
  middlewareStack: { add(...args: never[]): void };
}

/** The configuration the engine passes to a client constructor: region, credentials, retries, user agent. */
export interface ClientConfig {
  region: string;
  maxAttempts: number;
  retryMode: string;
  /** Adaptive retries whose client-side rate outlives the client (see rateLimiter); absent: standard retries. */
  retryStrategy?: AdaptiveRetryStrategy;
  credentials?: AwsCredentialIdentity;
  customUserAgent?: string;
  /** The process's connection pool (processHttpHandler): every client of the engine shares it. */
  requestHandler: { handle(request: HttpRequest): Promise<{ response: HttpResponse }> };
}

export type ClientFactory = (config: ClientConfig) => SdkClient;

/** The clients the services declare, by name, with the service each belongs to (as traces name the calls). */
export type ClientCatalog = Readonly<Record<string, { service: string; create: ClientFactory }>>;

/** The clients of one account and region: STS for the engine, and the clients the services declare, by name. */
export interface AwsClients {
  readonly sts: STSClient;
  /** A service's client by the name its definition gives it (`clients: { ec2: … }`); created on first use. */
  get<Client = SdkClient>(name: string): Client;
}

export interface ClientOptions {
  region: string;
  /** Account the calls go to, for the trace. */
  accountId?: string;
  credentials?: AwsCredentialIdentity;
  /** Appended to the SDK user agent so AWS-side logs show which run and task made a call. */
  userAgent?: string;
  /** Attempts per call, retries included (default `CLOUDTAP_SDK_MAX_ATTEMPTS`, 8). */
  maxAttempts?: number;
}

/** Standard retries with exponential backoff and jitter: throttling is retried, not turned into a failed task. */
const MAX_ATTEMPTS = Number(process.env.CLOUDTAP_SDK_MAX_ATTEMPTS ?? 8);

/**
 * Connections per endpoint (host and port) of the process's pool: the SDK's own default. A local run sets more
 * (`CLOUDTAP_SDK_MAX_SOCKETS`): every service of the sandbox is one endpoint there.
 */
const DEFAULT_MAX_SOCKETS = 50;

/** The shared pool outlives every client: a client's destroy() must not close connections other clients are using. */
class ProcessHttpHandler extends NodeHttpHandler {
  override destroy(): void {}
}

let processHandler: NodeHttpHandler | undefined;

/**
 * One keep-alive connection pool per process (a Lambda container, or a local run) for every client the engine
 * creates. Clients are made per task; with a pool each, every task opened fresh connections and left them open until
 * the endpoint closed them idle (a 9-account failure storm held 3,181 descriptors after 25 s, against Lambda's 1,024).
 * Shared, connections are reused across tasks and invocations (no TLS handshake per task in AWS), and their number is
 * bounded per endpoint.
 */
export function processHttpHandler(): NodeHttpHandler {
  if (!processHandler) {
    const configured = Number(process.env.CLOUDTAP_SDK_MAX_SOCKETS);
    const maxSockets = Number.isInteger(configured) && configured > 0 ? configured : DEFAULT_MAX_SOCKETS;
    processHandler = new ProcessHttpHandler({
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets }),
    });
  }
  return processHandler;
}

/**
 * The SDK's adaptive retry mode (`CLOUDTAP_SDK_RETRY_MODE=adaptive`): after a throttling answer, a client-side token
 * bucket slows the calls of that account, region and service down to the rate AWS lets through, instead of every
 * retry coming back at full speed. Off by default: see rateLimiter for what it costs against a throttle that is not a
 * rate limit
 * (a local run against the sandbox's random throttling, 20 % of calls: 56.0 s adaptive against 26.5 s standard).
 */
const adaptiveRetries = (): boolean => process.env.CLOUDTAP_SDK_RETRY_MODE === 'adaptive';
/** Rate limiters kept per process; the oldest is forgotten past this many (an organization has many account-regions). */
const RATE_LIMITERS_KEPT = 2000;
const rateLimiters = new Map<string, DefaultRateLimiter>();

/**
 * The adaptive rate of one account, region and service, per process: clients are made per task, and a rate learned
 * by one task's client (AWS's token bucket is the account-region's, per action) is kept for the next task's.
 */
function rateLimiter(key: string): DefaultRateLimiter {
  let limiter = rateLimiters.get(key);
  if (!limiter) {
    limiter = new DefaultRateLimiter();
    rateLimiters.set(key, limiter);
    if (rateLimiters.size > RATE_LIMITERS_KEPT) rateLimiters.delete(rateLimiters.keys().next().value as string);
  }
  return limiter;
}

/**
 * Creates the SDK clients of one account and region from the services' factories (`registry.clientCatalog()`); each
 * client's calls are traced under its service's name (`ELBv2`, as operators name it in `--services` and `fail=`).
 * Endpoints come from the SDK's own configuration (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`, …), so the same
 * code reaches AWS, LocalStack or the sandbox.
 */
export function createAwsClients(options: ClientOptions, catalog: ClientCatalog = {}): AwsClients {
  const config: ClientConfig = {
    region: options.region,
    maxAttempts: options.maxAttempts ?? MAX_ATTEMPTS,
    retryMode: 'standard',
    requestHandler: processHttpHandler(),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.userAgent ? { customUserAgent: options.userAgent } : {}),
  };
  let sts: STSClient | undefined;
  const created = new Map<string, SdkClient>();
  return {
    get sts() { return (sts ??= traced(new STSClient(config), 'STS', options)); },
    get<Client>(name: string): Client {
      let client = created.get(name);
      if (!client) {
        const entry = catalog[name];
        if (!entry) throw new Error(`no SDK client named "${name}"; the services declare: ${Object.keys(catalog).sort().join(', ') || 'none'}`);
        const adaptive = options.accountId && adaptiveRetries()
          ? { retryStrategy: new AdaptiveRetryStrategy(config.maxAttempts, { rateLimiter: rateLimiter([options.accountId, options.region, name].join('|')) }) }
          : {};
        client = traced(entry.create({ ...config, ...adaptive }), entry.service, options);
        created.set(name, client);
      }
      return client as Client;
    },
  };
}

export { instrumentAwsClients, traced, type ClientInstrumentation } from './traced-client';

const STS_SESSION_SECONDS = 3600;
/** Credentials this close to their expiry are replaced before a call is made with them. */
const REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000;
/** The session name member accounts' CloudTrail shows for the collector's calls. */
export const MEMBER_SESSION_NAME = 'cloudtap';

/**
 * Assumed roles' credentials, per process (a Lambda container, or a local run): one AssumeRole per role and
 * credential lifetime, however many tasks of the account this process runs (STS throttles cannot be raised). The
 * promise is kept, so tasks starting together ask once; a failed AssumeRole is not kept. Keyed by the STS endpoint
 * too, so two sandboxes in one process never share credentials.
 */
const assumedRoles = new Map<string, Promise<AwsCredentialIdentity>>();

/** Credentials for a role in another account, or undefined for the collector's own; cached until 5 minutes before they expire. */
export async function assumeRoleCredentials(region: string, roleArn: string | undefined, externalId?: string): Promise<AwsCredentialIdentity | undefined> {
  if (!roleArn) return undefined;
  const key = [roleArn, externalId ?? '', process.env.AWS_ENDPOINT_URL_STS ?? process.env.AWS_ENDPOINT_URL ?? ''].join('|');
  const cached = assumedRoles.get(key);
  if (cached) {
    const credentials = await cached.catch(() => undefined);
    if (credentials && (credentials.expiration?.getTime() ?? Infinity) - Date.now() > REFRESH_BEFORE_EXPIRY_MS) return credentials;
    if (assumedRoles.get(key) === cached) assumedRoles.delete(key);
  }
  let assuming = assumedRoles.get(key);
  if (!assuming) {
    assuming = assumeRole(region, roleArn, externalId);
    assumedRoles.set(key, assuming);
    assuming.catch(() => { if (assumedRoles.get(key) === assuming) assumedRoles.delete(key); });
  }
  return assuming;
}

async function assumeRole(region: string, roleArn: string, externalId: string | undefined): Promise<AwsCredentialIdentity> {
  const output = await createAwsClients({ region }).sts.send(new AssumeRoleCommand({
    RoleArn: roleArn,
    RoleSessionName: MEMBER_SESSION_NAME,
    DurationSeconds: STS_SESSION_SECONDS,
    ...(externalId ? { ExternalId: externalId } : {}),
  }));
  const c = output.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRole ${roleArn} returned no credentials`);
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
}
