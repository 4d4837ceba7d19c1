import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { SandboxStats } from '../local/sandbox/server';
import { enabledRegions, parseSandboxSpec } from '../local/sandbox/spec';
import { sandboxSdkEnvironment } from '../cli/sandbox-target';
import { BENCH_DIR, forkProcess, nextMessage, stop } from './processes';
import type { StubMeter } from './stub-dynamodb';

/** Table names of the bench's stores (the CLI's own prefix: the stores are the bench's temporary ones). */
export const BENCH_TABLE_PREFIX = 'cloudtap';

export interface ServicesRequest {
  /** Sandbox spec (query string). */
  spec: string;
  /** Also serve a DynamoDB: the stub that keeps what is written and answers at once (bench/stub-dynamodb.ts). */
  store?: 'stub';
}

/** The sandbox (and maybe a store) running in their own process. */
export interface Services {
  sandboxUrl: string;
  dynamoUrl?: string;
  /** Environment that points the AWS SDK at the sandbox, as `cloudtap run --sandbox` does in-process. */
  sdkEnvironment: Record<string, string | undefined>;
  stats(): Promise<SandboxStats>;
  /** What the stub store would have billed since the last reset (undefined without the stub). */
  storeMeter(): Promise<StubMeter | undefined>;
  /** Resets the sandbox's call counts and the stub store's meter. */
  resetStats(): Promise<void>;
  /** Moves the sandbox account to another point in time (an hour per epoch). */
  setEpoch(epoch: number): Promise<void>;
  close(): Promise<void>;
}

export async function startServices(request: ServicesRequest): Promise<Services> {
  const child: ChildProcess = forkProcess(join(BENCH_DIR, 'services.ts'), [JSON.stringify(request)]);
  const ready = await nextMessage<{ sandboxUrl: string; dynamoUrl?: string }>(child, 'ready');
  const spec = parseSandboxSpec(request.spec);
  return {
    sandboxUrl: ready.sandboxUrl,
    ...(ready.dynamoUrl ? { dynamoUrl: ready.dynamoUrl } : {}),
    // The same variables cli/sandbox-target.ts sets: the primary account answers any access key.
    sdkEnvironment: sandboxSdkEnvironment(ready.sandboxUrl, enabledRegions(spec)[0]),
    async stats() {
      const reply = nextMessage<{ stats: SandboxStats }>(child, 'stats');
      child.send({ type: 'stats' });
      return (await reply).stats;
    },
    async storeMeter() {
      const reply = nextMessage<{ meter: StubMeter | null }>(child, 'storeMeter');
      child.send({ type: 'storeMeter' });
      return (await reply).meter ?? undefined;
    },
    async setEpoch(epoch: number) {
      const reply = nextMessage(child, 'epochSet');
      child.send({ type: 'epoch', epoch });
      await reply;
    },
    async resetStats() {
      const reply = nextMessage(child, 'statsReset');
      child.send({ type: 'resetStats' });
      await reply;
    },
    close: () => stop(child),
  };
}

/** Applies an environment overlay to this process (undefined removes a variable). */
export function applyEnvironment(values: Record<string, string | undefined>): void {
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
}
