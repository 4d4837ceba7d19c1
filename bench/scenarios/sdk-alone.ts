/**
 * The AWS SDK's own CPU for the pages an unchanged run reads, measured alone: the floor under the collector's
 * CPU on an unchanged run, which must list every page whatever it then writes.
 *
 * The listings the collector makes of the account (every type of every service in every enabled region, through
 * the collector's own `listPages`, and the types' enrichment calls) are first made against the sandbox with the
 * SDK's own clients, no store and no trace, and each HTTP response is kept. Then the same commands are sent again,
 * each answered from memory by a request handler that hands back the kept response: what is measured is the SDK
 * alone — middleware, request serialization, signing, XML parsing and deserialization — on exactly those pages,
 * with no network, no sandbox and none of the collector's code. The best of a few repeats is the figure (noise
 * only adds CPU).
 */
import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { STSClient } from '@aws-sdk/client-sts';
import { PRIMARY_ACCOUNT_ID } from '../../local/sandbox/accounts';
import { enabledRegions, parseSandboxSpec } from '../../local/sandbox/spec';
import { mainThreadCpuMs } from '../../local/thread-cpu';
import type { AwsClients, ClientFactory } from '../../src/aws/clients';
import { listPages } from '../../src/services/pages';
import { allServices, clientCatalog, serviceRunsIn } from '../../src/services/registry';
import { enrichmentsOf, type CollectContext } from '../../src/services/resource-type';
import { cpuMsSince } from '../processes';
import { applyEnvironment, startServices } from '../services-client';

export interface SdkAloneParams {
  /** The sandbox account the unchanged run collected (the throughput scenario's spec). */
  spec: string;
  repeats: number;
}

export interface SdkAloneResult {
  spec: string;
  /** Commands sent (list pages and enrichment calls), and the bytes of the responses replayed. */
  calls: number;
  responseBytes: number;
  /** The best repeat's CPU: the main thread as the kernel counts it, and the whole process. */
  threadCpuMs: number;
  processCpuMs: number;
  /** Every repeat's main-thread CPU, ms. */
  samplesMs: number[];
}

interface Sent {
  client: string;
  command: { constructor: new (input: unknown) => unknown; input: unknown };
}

/** The parts of the SDK's HTTP request and response a request handler sees (the shapes of @smithy/protocol-http). */
interface HttpRequest {
  method: string;
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
  query?: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body?: unknown;
}
interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: Readable;
}
type Handler = { handle(request: HttpRequest): Promise<{ response: HttpResponse }> };

/** A response kept by the request it answered (method, host, path, query and body say which page it is). */
const requestKey = (request: HttpRequest): string =>
  `${request.method} ${request.hostname}${request.path}?${new URLSearchParams(request.query as Record<string, string>).toString()} ${typeof request.body === 'string' ? request.body : ''}`;

interface Kept {
  statusCode: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Sends the request to the sandbox (plain HTTP on loopback) and keeps the whole response. */
function recordingHandler(kept: Map<string, Kept>): Handler {
  return {
    handle(request) {
      return new Promise((resolve, reject) => {
        const query = new URLSearchParams(request.query as Record<string, string>).toString();
        const outgoing = httpRequest({
          method: request.method, host: request.hostname, port: request.port, path: `${request.path}${query ? `?${query}` : ''}`, headers: request.headers,
        }, (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('error', reject);
          incoming.on('end', () => {
            const response: Kept = { statusCode: incoming.statusCode ?? 0, headers: headersOf(incoming.headers), body: Buffer.concat(chunks) };
            kept.set(requestKey(request), response);
            resolve({ response: { statusCode: response.statusCode, headers: { ...response.headers }, body: Readable.from([response.body]) } });
          });
        });
        outgoing.on('error', reject);
        outgoing.end(request.body as string | Buffer | undefined);
      });
    },
  };
}

function headersOf(headers: NodeJS.Dict<string | string[]>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).flatMap(([name, value]) => (value === undefined ? [] : [[name, Array.isArray(value) ? value.join(', ') : value]])));
}

function replayingHandler(kept: Map<string, Kept>): Handler {
  return {
    handle(request) {
      const response = kept.get(requestKey(request));
      if (!response) return Promise.reject(new Error(`no kept response for ${requestKey(request).slice(0, 200)}`));
      return Promise.resolve({ response: { statusCode: response.statusCode, headers: { ...response.headers }, body: Readable.from([response.body]) } });
    },
  };
}

/** The SDK's clients as the collector configures them, minus its trace middleware, on the given request handler. */
function sdkClients(region: string, requestHandler: Handler, sent?: Sent[]): AwsClients {
  const config = { region, maxAttempts: 1, retryMode: 'standard', requestHandler };
  const factories = clientCatalog();
  const created = new Map<string, { send(command: unknown): Promise<unknown> }>();
  return {
    sts: new STSClient(config),
    get<Client>(name: string): Client {
      let client = created.get(name);
      if (!client) {
        client = (factories[name]?.create as ClientFactory)(config) as unknown as { send(command: unknown): Promise<unknown> };
        if (sent) {
          const send = client.send.bind(client);
          client.send = (command: unknown) => {
            sent.push({ client: name, command: command as Sent['command'] });
            return send(command);
          };
        }
        created.set(name, client);
      }
      return client as Client;
    },
  };
}

export async function sdkAlone(params: SdkAloneParams): Promise<SdkAloneResult> {
  const spec = parseSandboxSpec(params.spec);
  const services = await startServices({ spec: params.spec });
  try {
    applyEnvironment(services.sdkEnvironment);
    // Recording: the listings (and enrichment calls) collect makes, against the sandbox.
    const kept = new Map<string, Kept>();
    const sent: { region: string; calls: Sent[] }[] = [];
    // One recording client set per region, shared by the listings of that region and the per-resource calls
    // other regions' listings send there (a bucket's settings are read in the bucket's region).
    const recording = new Map<string, ReturnType<typeof sdkClients>>();
    const clientsIn = (region: string) => {
      let clients = recording.get(region);
      if (!clients) {
        const calls: Sent[] = [];
        sent.push({ region, calls });
        recording.set(region, (clients = sdkClients(region, recordingHandler(kept), calls)));
      }
      return clients;
    };
    const homeRegion = enabledRegions(spec)[0] ?? 'us-east-1';
    for (const region of enabledRegions(spec)) {
      const clients = clientsIn(region);
      const context: CollectContext = { accountId: PRIMARY_ACCOUNT_ID, region, clients, clientsIn };
      for (const service of allServices()) {
        if (!serviceRunsIn(service, region, homeRegion)) continue;
        for (const type of service.types) {
          if (type.appendOnly || !type.list) continue;
          for await (const raws of listPages(type.list, clients, context)) {
            // Enrichment calls need the records; preprocessing itself is not measured (only the recording runs it).
            const records = raws.map((raw) => type.preprocess(raw, context));
            for (const enrichment of enrichmentsOf(type)) await enrichment.apply(records, context);
          }
        }
      }
    }
    const responseBytes = [...kept.values()].reduce((sum, k) => sum + k.body.length, 0);

    // Replaying: the same commands, answered from memory, one after the other; the first repeat warms the JIT.
    const replay = async (): Promise<{ thread: number; process: number }> => {
      const clientsByRegion = sent.map(({ region, calls }) => ({ clients: sdkClients(region, replayingHandler(kept)), calls }));
      const thread = mainThreadCpuMs();
      const cpu = process.cpuUsage();
      for (const { clients, calls } of clientsByRegion) {
        for (const call of calls) {
          const client = clients.get<{ send(command: unknown): Promise<unknown> }>(call.client);
          // An error answer (S3's 'no such configuration') is replayed too: the SDK deserializes it just the same.
          await client.send(new call.command.constructor(call.command.input)).catch(() => undefined);
        }
      }
      return { thread: mainThreadCpuMs() - thread, process: cpuMsSince(cpu) };
    };
    await replay();
    const samples: { thread: number; process: number }[] = [];
    for (let i = 0; i < Math.max(1, params.repeats); i++) samples.push(await replay());
    const best = samples.reduce((a, b) => (b.thread < a.thread ? b : a));
    return {
      spec: params.spec, calls: sent.reduce((sum, s) => sum + s.calls.length, 0), responseBytes,
      threadCpuMs: Math.round(best.thread), processCpuMs: Math.round(best.process), samplesMs: samples.map((s) => Math.round(s.thread)),
    };
  } finally {
    await services.close();
  }
}
