/**
 * The sandbox account over HTTP on 127.0.0.1: one port answers EC2, CloudTrail, STS and every service
 * module (services/index.ts) in their own wire formats, so the real AWS SDK reaches it through endpoint
 * configuration. The service and region come from the SigV4 credential scope, the account from the access key id.
 * Signatures are not verified. Latency, throttling, failures and opt-in regions come from the spec.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sandboxAccount } from './account';
import { accountOfAccessKey } from './accounts';
import { BUILT_IN_ACCESS_DENIED, SandboxApiError } from './api-errors';
import { CLOUDTRAIL_HANDLERS, cloudTrailJson } from './cloudtrail-api';
import { EC2_HANDLERS, ec2Call } from './ec2-api';
import { ec2ErrorResponse, ec2Response } from './ec2-xml';
import { QueryParams } from './query';
import { Dice, hashOf, hashText, unitOf } from './random';
import { SANDBOX_OPERATIONS, enabledRegions, formatSandboxSpec, type BuiltInSandboxService, type SandboxSpec } from './spec';
import type { SandboxHttpRequest, SandboxServiceModule } from './service-module';
import { SANDBOX_SERVICE_MODULES } from './services/index';
import { InFlightCounter, type MaxInFlight } from './in-flight';
import { STS_HANDLERS, stsErrorResponse, type AssumedSession } from './sts-api';
import { sandboxTruth } from './truth';
import { answerCloudFormation, CLOUDFORMATION_VERSION, type SandboxStacks } from './cloudformation-api';

export interface SandboxStats {
  /** Every AWS request answered, including throttled and failed ones. */
  requests: number;
  /** Requests per `Service.Operation`, e.g. `EC2.DescribeInstances`. */
  byOperation: Record<string, number>;
  /** Requests answered with the service's throttling error. */
  throttled: number;
  /** Requests answered with any other error (injected failures, regions not opted in, bad parameters). */
  failed: number;
}

export interface RunningSandbox {
  url: string;
  port: number;
  /** The spec being served (its epoch changes with setEpoch). */
  readonly spec: SandboxSpec;
  stats(): SandboxStats;
  /**
   * The most calls that were in flight at once since the start (or resetStats): overall, per account, region,
   * service and operation (the `top` highest keys, default 10), and how many accounts were called at once.
   */
  maxInFlight(top?: number): MaxInFlight;
  /** Calls in flight right now. */
  inFlight(): number;
  /** Resets the counters and the in-flight peaks. */
  resetStats(): void;
  /** Moves the account to another point in time without restarting the server. */
  setEpoch(epoch: number): void;
  close(): Promise<void>;
}

interface Answer {
  status: number;
  contentType: string;
  body: string;
  requestId?: string;
  /** Further headers (a service module's protocol sets Content-Type and its request id header here too). */
  headers?: Record<string, string>;
}

interface AwsRequest {
  service: BuiltInSandboxService;
  region: string;
  accessKeyId?: string;
  operation: string;
  params?: QueryParams;
  target?: string;
  body: string;
}

/** The SDK sends `CloudTrail_20131101.<Op>`; AWS also documents the fully qualified form. */
const CLOUDTRAIL_TARGET = /^(com\.amazonaws\.cloudtrail\.v20131101\.)?CloudTrail_20131101\.\w+$/;
const SIGNING_SERVICES: Record<string, BuiltInSandboxService> = { ec2: 'EC2', cloudtrail: 'CloudTrail', sts: 'STS' };
const THROTTLING: Record<BuiltInSandboxService, { code: string; status: number; message: string }> = {
  EC2: { code: 'RequestLimitExceeded', status: 503, message: 'Request limit exceeded.' },
  CloudTrail: { code: 'ThrottlingException', status: 400, message: 'Rate exceeded' },
  STS: { code: 'Throttling', status: 400, message: 'Rate exceeded' },
};

/** `Credential=AKID/20261121/<region>/<service>/aws4_request` in the Authorization header. */
function credentialScope(authorization: string | undefined): { accessKeyId: string; region: string; service: string } | undefined {
  const match = /Credential=([^/,\s]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(authorization ?? '');
  return match ? { accessKeyId: match[1] ?? '', region: match[2] ?? '', service: match[3] ?? '' } : undefined;
}

function identify(request: IncomingMessage, body: string, spec: SandboxSpec): AwsRequest {
  const scope = credentialScope(request.headers.authorization);
  const target = typeof request.headers['x-amz-target'] === 'string' ? request.headers['x-amz-target'] : undefined;
  const params = target ? undefined : new QueryParams(body);
  // Unsigned requests (curl): tell the service from the protocol instead.
  const service = SIGNING_SERVICES[scope?.service ?? ''] ?? (target ? 'CloudTrail' : params?.get('Version') === '2011-06-15' ? 'STS' : 'EC2');
  const operation = target ? target.slice(target.lastIndexOf('.') + 1) : params?.get('Action') ?? '';
  return {
    service, operation, params, target, body,
    region: scope?.region ?? enabledRegions(spec)[0] ?? 'us-east-1',
    ...(scope ? { accessKeyId: scope.accessKeyId } : {}),
  };
}

const REQUEST_IDS = new Dice(hashText('request-ids'));

function errorAnswer(service: BuiltInSandboxService, error: SandboxApiError, requestId: string): Answer {
  if (service === 'CloudTrail') {
    return { status: error.status, contentType: 'application/x-amz-json-1.1', body: JSON.stringify({ __type: error.code, message: error.message }) };
  }
  if (service === 'STS') return { status: error.status, contentType: 'text/xml', body: stsErrorResponse(error.code, error.message, requestId, error.status) };
  return { status: error.status, contentType: 'text/xml;charset=UTF-8', body: ec2ErrorResponse(error.code, error.message, requestId) };
}

function unknownOperation(request: AwsRequest): SandboxApiError {
  if (request.service === 'CloudTrail') return new SandboxApiError('UnknownOperationException', `Unknown operation ${request.target ?? request.operation}`);
  return new SandboxApiError('InvalidAction', `The action ${request.operation || '(none)'} is not valid for this web service.`);
}

/** Regions that exist for the account but are not enabled answer like AWS does: the credentials are not valid there. */
function checkRegion(spec: SandboxSpec, request: AwsRequest): void {
  const enabled = enabledRegions(spec);
  if (enabled.includes(request.region)) return;
  if (request.service === 'STS' && !spec.optIn.includes(request.region)) return;
  const why = spec.optIn.includes(request.region) ? 'is not opted in' : 'is not enabled';
  throw new SandboxApiError('AuthFailure', `AWS was not able to validate the provided access credentials (region ${request.region} ${why} for this account; enabled: ${enabled.join(', ')})`);
}

interface FailureTarget {
  service: string;
  operation: string;
  region: string;
  throttling: { code: string; status: number; message: string };
  /** The IAM action prefix, for AccessDenied messages: `ec2`, `s3`, `elasticloadbalancing`. */
  actionPrefix: string;
}

function injectedFailure(spec: SandboxSpec, target: FailureTarget): SandboxApiError | undefined {
  const rule = spec.fail.find((candidate) =>
    (candidate.region === '*' || candidate.region === target.region) && candidate.service === target.service &&
    (candidate.operation === undefined || candidate.operation === target.operation));
  if (!rule) return undefined;
  if (rule.code === target.throttling.code) return new SandboxApiError(rule.code, target.throttling.message, target.throttling.status);
  const message = /Unauthorized|AccessDenied/.test(rule.code)
    ? `You are not authorized to perform this operation: ${target.actionPrefix}:${target.operation} in ${target.region}.`
    : `${target.service} ${target.operation} failed in ${target.region} (${rule.code}).`;
  return new SandboxApiError(rule.code, message);
}

class SandboxServer {
  private sequence = 0;
  private counters: SandboxStats = { requests: 0, byOperation: {}, throttled: 0, failed: 0 };
  readonly inFlight = new InFlightCounter();
  private readonly sessions = new Map<string, AssumedSession>();
  private readonly throttleKey: number;

  constructor(public spec: SandboxSpec) {
    this.throttleKey = hashText(`throttle|${spec.seed}`);
  }

  stats(): SandboxStats {
    return { ...this.counters, byOperation: { ...this.counters.byOperation } };
  }

  resetStats(): void {
    this.counters = { requests: 0, byOperation: {}, throttled: 0, failed: 0 };
    this.inFlight.reset();
  }

  async answer(request: AwsRequest): Promise<Answer> {
    const sequence = ++this.sequence;
    const requestId = REQUEST_IDS.uuid(sequence);
    const name = `${request.service}.${request.operation || 'Unknown'}`;
    this.counters.requests++;
    this.counters.byOperation[name] = (this.counters.byOperation[name] ?? 0) + 1;
    const leave = this.inFlight.enter({
      accountId: accountOfAccessKey(this.spec, request.accessKeyId), region: request.region, service: request.service, operation: request.operation || 'Unknown',
    });
    try {
      if (this.spec.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.spec.latencyMs));
      return { ...this.dispatch(request, sequence, requestId), requestId };
    } catch (error) {
      const apiError = error instanceof SandboxApiError ? error : new SandboxApiError('InternalError', `The sandbox failed: ${(error as Error).message}`, 500);
      if (apiError.code === THROTTLING[request.service].code) this.counters.throttled++;
      else this.counters.failed++;
      return { ...errorAnswer(request.service, apiError, requestId), requestId };
    } finally {
      leave();
    }
  }

  /** `readDenied=`: the role's policy denies every call; the message names the caller as AWS's does. */
  private readDenied(accountId: string, accessKeyId: string | undefined, action: string, denial: { code: string; status: number; prefix?: string }): SandboxApiError | undefined {
    if (!this.spec.readDenied.includes(accountId)) return undefined;
    const session = this.sessions.get(accessKeyId ?? '');
    const caller = `arn:aws:sts::${accountId}:assumed-role/${session?.roleName ?? 'sandbox'}/${session?.sessionName ?? 'session'}`;
    return new SandboxApiError(denial.code, `${denial.prefix ?? ''}User: ${caller} is not authorized to perform: ${action} with an explicit deny in an identity-based policy`, denial.status);
  }

  private throttled(sequence: number): boolean {
    return this.spec.throttle > 0 && unitOf(hashOf(this.throttleKey, sequence)) < this.spec.throttle;
  }

  private count(name: string): void {
    this.counters.requests++;
    this.counters.byOperation[name] = (this.counters.byOperation[name] ?? 0) + 1;
  }

  /**
   * A request to a service module: the protocol reads it, the server checks the operation, the region, injected
   * failures and throttling as for the built-in services, the module answers, the protocol writes the answer.
   */
  async answerModule(module: SandboxServiceModule, request: SandboxHttpRequest, scope: { accessKeyId: string; region: string }): Promise<Answer> {
    const sequence = ++this.sequence;
    const requestId = REQUEST_IDS.uuid(sequence);
    const { protocol } = module;
    let operation = '';
    let counted = false;
    let leave = () => {};
    const respond = (response: { status: number; headers: Record<string, string>; body: string }): Answer => {
      const { 'Content-Type': contentType = 'text/plain', ...headers } = response.headers;
      return { status: response.status, contentType, body: response.body, headers };
    };
    try {
      const parsed = protocol.parse(request, module.operations);
      operation = parsed.operation;
      this.count(`${module.name}.${operation || 'Unknown'}`);
      counted = true;
      const accountId = accountOfAccessKey(this.spec, scope.accessKeyId);
      leave = this.inFlight.enter({ accountId, region: scope.region, service: module.name, operation: operation || 'Unknown' });
      if (this.spec.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.spec.latencyMs));
      if (!module.operations.includes(operation)) throw protocol.unknownOperation(operation);
      const { spec } = this;
      if (!enabledRegions(spec).includes(scope.region)) {
        const { code, status } = module.regionNotEnabled ?? protocol.regionNotEnabled;
        const why = spec.optIn.includes(scope.region) ? 'is not opted in' : 'is not enabled';
        throw new SandboxApiError(code, `The security token included in the request is invalid (region ${scope.region} ${why} for this account; enabled: ${enabledRegions(spec).join(', ')})`, status);
      }
      const denied = this.readDenied(accountId, scope.accessKeyId, `${module.actionPrefix ?? module.signingName}:${operation}`, module.accessDenied ?? protocol.accessDenied);
      if (denied) throw denied;
      const failure = injectedFailure(spec, { service: module.name, operation, region: scope.region, throttling: module.throttling, actionPrefix: module.actionPrefix ?? module.signingName });
      if (failure) throw failure;
      if (this.throttled(sequence)) throw new SandboxApiError(module.throttling.code, module.throttling.message, module.throttling.status);
      const output = module.handle({ operation, input: parsed.input, spec, accountId, region: scope.region });
      return respond(protocol.serialize(operation, output, requestId));
    } catch (error) {
      if (!counted) this.count(`${module.name}.${operation || 'Unknown'}`);
      const apiError = error instanceof SandboxApiError ? error : new SandboxApiError('InternalError', `The sandbox failed: ${(error as Error).message}`, 500);
      if (apiError.code === module.throttling.code) this.counters.throttled++;
      else this.counters.failed++;
      return respond(protocol.error(apiError, requestId));
    } finally {
      leave();
    }
  }

  private dispatch(request: AwsRequest, sequence: number, requestId: string): Answer {
    const { spec } = this;
    const operations = SANDBOX_OPERATIONS[request.service] as readonly string[];
    const known = operations.includes(request.operation) && (request.service !== 'CloudTrail' || CLOUDTRAIL_TARGET.test(request.target ?? ''));
    if (!known) throw unknownOperation(request);
    checkRegion(spec, request);
    const accountId = accountOfAccessKey(spec, request.accessKeyId);
    if (request.service !== 'STS') {
      const denial = BUILT_IN_ACCESS_DENIED[request.service];
      const denied = this.readDenied(accountId, request.accessKeyId, `${request.service.toLowerCase()}:${request.operation}`, denial);
      if (denied) throw denied;
    }
    const failure = injectedFailure(spec, {
      service: request.service, operation: request.operation, region: request.region, throttling: THROTTLING[request.service], actionPrefix: request.service.toLowerCase(),
    });
    if (failure) throw failure;
    if (this.throttled(sequence)) {
      const throttling = THROTTLING[request.service];
      throw new SandboxApiError(throttling.code, throttling.message, throttling.status);
    }
    if (request.service === 'STS') {
      const action = request.operation as keyof typeof STS_HANDLERS;
      const body = STS_HANDLERS[action]({
        action, params: request.params ?? new QueryParams(''), spec, accountId, accessKeyId: request.accessKeyId, requestId, sessions: this.sessions,
      });
      return { status: 200, contentType: 'text/xml', body };
    }
    // Built on the account's first EC2 or CloudTrail call: reaching an account through STS builds nothing.
    const account = sandboxAccount(spec, accountId);
    const model = account.region(request.region);
    if (!model) throw new SandboxApiError('AuthFailure', `Region ${request.region} is not enabled for account ${accountId}.`);
    if (request.service === 'CloudTrail') {
      const action = request.operation as keyof typeof CLOUDTRAIL_HANDLERS;
      let input: Record<string, unknown>;
      try {
        input = request.body.trim() === '' ? {} : (JSON.parse(request.body) as Record<string, unknown>);
      } catch {
        throw new SandboxApiError('SerializationException', 'The request body is not valid JSON.');
      }
      const output = CLOUDTRAIL_HANDLERS[action]({ action, input, spec, account, model });
      return { status: 200, contentType: 'application/x-amz-json-1.1', body: cloudTrailJson(output) };
    }
    const action = request.operation as keyof typeof EC2_HANDLERS;
    const params = request.params ?? new QueryParams('');
    if (params.boolean('DryRun')) throw new SandboxApiError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.');
    const call = ec2Call(action, params, spec, account, model);
    return { status: 200, contentType: 'text/xml;charset=UTF-8', body: ec2Response(action, requestId, (out) => EC2_HANDLERS[action](call, out)) };
  }

  /** `/_sandbox/…`: stats, in-flight peaks, truth and spec for standalone use, and moving to another epoch. */
  admin(method: string, path: string, query: URLSearchParams): Answer {
    const json = (value: unknown, status = 200): Answer => ({ status, contentType: 'application/json', body: JSON.stringify(value, null, 2) });
    if (method === 'GET' && path === '/_sandbox/stats') return json(this.stats());
    if (method === 'GET' && path === '/_sandbox/in-flight') {
      const top = query.get('top');
      if (top !== null && !/^\d+$/.test(top)) return json({ error: `top must be a whole number of keys, got "${top}"` }, 400);
      return json({ ...this.inFlight.max(top === null ? 10 : Number(top)), now: this.inFlight.inFlight() });
    }
    if (method === 'GET' && path === '/_sandbox/truth') return json(sandboxTruth(this.spec));
    if (method === 'GET' && path === '/_sandbox/spec') return json({ spec: this.spec, text: formatSandboxSpec(this.spec) });
    const epoch = /^\/_sandbox\/epoch\/(\d+)$/.exec(path)?.[1];
    if (method === 'POST' && epoch !== undefined) {
      this.setEpoch(Number(epoch));
      return json({ spec: this.spec, text: formatSandboxSpec(this.spec) });
    }
    return json({ error: `unknown sandbox endpoint ${method} ${path}; try GET /_sandbox/stats, /_sandbox/in-flight?top=10, /_sandbox/truth, /_sandbox/spec or POST /_sandbox/epoch/<n>` }, 404);
  }

  setEpoch(epoch: number): void {
    if (!Number.isSafeInteger(epoch) || epoch < 0 || epoch > 100_000) throw new Error(`sandbox: epoch must be a whole number from 0 to 100000, got ${epoch}`);
    this.spec = { ...this.spec, epoch };
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function send(response: ServerResponse, answer: Answer): void {
  response.writeHead(answer.status, {
    ...answer.headers,
    'Content-Type': answer.contentType,
    'Content-Length': Buffer.byteLength(answer.body),
    ...(answer.requestId ? { 'x-amzn-RequestId': answer.requestId } : {}),
  });
  response.end(answer.body);
}

/** The module whose SigV4 signing name a credential scope carries. */
function moduleIndex(modules: readonly SandboxServiceModule[]): Map<string, SandboxServiceModule> {
  const index = new Map<string, SandboxServiceModule>();
  for (const module of modules) {
    const builtIn = SIGNING_SERVICES[module.signingName] ?? (module.signingName === 'cloudformation' ? 'CloudFormation' : undefined);
    const clash = index.get(module.signingName)?.name ?? builtIn;
    if (clash) throw new Error(`sandbox: ${clash} and the service module ${module.name} both sign as "${module.signingName}"; one service per signing name`);
    index.set(module.signingName, module);
  }
  return index;
}

/**
 * `stacks`: what CloudFormation DescribeStacks answers (cloudformation-api.ts); without it, no stack exists.
 * `modules`: the service modules to serve (default: services/index.ts); tests serve their own.
 */
export async function startSandbox(
  spec: SandboxSpec, options: { port?: number; stacks?: SandboxStacks; modules?: readonly SandboxServiceModule[] } = {},
): Promise<RunningSandbox> {
  const sandbox = new SandboxServer(spec);
  const modules = moduleIndex(options.modules ?? SANDBOX_SERVICE_MODULES);
  // AWS's endpoints keep an idle connection open for about a minute; Node's default of 5 s closes sockets the SDK's
  // keep-alive agent is about to reuse, and a request sent on one that very moment fails ("socket hang up").
  const server = createServer({ keepAliveTimeout: 65_000 }, (request, response) => {
    void (async () => {
      try {
        const body = await readBody(request);
        const url = request.url ?? '/';
        const path = url.split('?')[0] ?? '/';
        const query = new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '');
        if (path.startsWith('/_sandbox/')) return send(response, sandbox.admin(request.method ?? 'GET', path, query));
        const scope = credentialScope(request.headers.authorization);
        const module = modules.get(scope?.service ?? '');
        if (scope && module) {
          const answer = await sandbox.answerModule(module, { method: request.method ?? 'GET', path, query, headers: request.headers, body }, scope);
          return send(response, answer);
        }
        if (scope?.service === 'cloudformation' || (!scope && new QueryParams(body).get('Version') === CLOUDFORMATION_VERSION)) {
          return send(response, { contentType: 'text/xml', ...answerCloudFormation(options.stacks, new QueryParams(body), scope?.region ?? enabledRegions(sandbox.spec)[0] ?? 'us-east-1') });
        }
        send(response, await sandbox.answer(identify(request, body, sandbox.spec)));
      } catch (error) {
        send(response, { status: 500, contentType: 'text/plain', body: `sandbox error: ${(error as Error).message}` });
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // A listen queue as long as the kernel allows (net.core.somaxconn; Node's default is 511): a burst of new
    // connections past it overflows, and the kernel's SYN cookies then reset some ("socket hang up").
    server.listen({ port: options.port ?? 0, host: '127.0.0.1', backlog: 4096 }, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get spec() {
      return sandbox.spec;
    },
    stats: () => sandbox.stats(),
    maxInFlight: (top = 10) => sandbox.inFlight.max(top),
    inFlight: () => sandbox.inFlight.inFlight(),
    resetStats: () => sandbox.resetStats(),
    setEpoch: (epoch) => sandbox.setEpoch(epoch),
    close: () => new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    }),
  };
}
