/**
 * The collect handler alone, as Lambda runs it: the minified bundle in a fresh Node process, one task (EC2 of one
 * region), the sandbox and the DynamoDB store in another process (in AWS neither is in the function's memory).
 * Measures the function's peak RSS on a first run (everything written) and on a second, unchanged run (the whole
 * region in the partitions' indexes), and counts the calls the sandbox answered (API economy). The store is the
 * stub that keeps what is written and answers at once (the handler at its own speed): the embedded store could
 * not take these sizes' writes within the bench's budget.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SourceMap } from 'node:module';
import { PRIMARY_ACCOUNT_ID } from '../../local/sandbox/accounts';
import { enabledRegions, parseSandboxSpec } from '../../local/sandbox/spec';
import { sandboxTruth } from '../../local/sandbox/truth';
import { taskIdOf, type Task, type TaskResult } from '../../src/dto/task';
import { SCHEMA_VERSION } from '../../src/dto/collection-request';
import { serviceByName } from '../../src/services/registry';
import { ROLE_TAG } from '../../src/services/ec2/instance';
import { localTableNames, TABLE_ENV, TABLE_IDS } from '../../src/store/tables';
import { typeKey } from '../../src/services/resource-type';
import { heapBreakdown, type HeapBreakdown } from '../profile';
import { BENCH_DIR, forkProcess, nextMessage, exited } from '../processes';
import { BENCH_TABLE_PREFIX, startServices } from '../services-client';
import type { StubMeter } from '../stub-dynamodb';

export interface CollectAloneParams {
  /** The collect bundle (built as the stack builds it). */
  bundleFile: string;
  /** Instances in the region. */
  instances: number;
  /** Latency the sandbox adds to each call. */
  latencyMs?: number;
  /** Take a sampling heap profile at the heap's peak of each run (it costs a little memory itself). */
  heapProfile?: boolean;
  /** Node flags for the function's process, e.g. a heap size as Lambda's memory setting implies. */
  nodeFlags?: string[];
  /**
   * Then a third run an hour later (the sandbox's next epoch: its changes of that hour), with the function's logs
   * and metrics on as in Lambda, counted: what an hourly run with churn costs beyond an unchanged one.
   */
  churnRun?: boolean;
}

/** The largest value each part of the process's memory reached (sampled every 50 ms), bytes. */
export interface MemoryParts {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

export interface HandlerRun {
  status: TaskResult['status'];
  durationMs: number;
  cpuMs: number;
  peakRssBytes: number;
  rssAfterImportBytes: number;
  largest: MemoryParts;
  /**
   * The most live memory a full GC left (measured every second when profiling): the heap, plus the memory
   * outside it (typed arrays, Buffers), which is resident just the same.
   */
  liveHeapMaxBytes?: number;
  resources: TaskResult['resources'];
  writes: number;
  callsByOperation: Record<string, number>;
  heap?: HeapBreakdown;
  /** What DynamoDB would bill for the run's store calls (the stub's meter), and what the store holds after it. */
  store: StubMeter;
  /** Bytes the function wrote to stdout and stderr (log lines, EMF metrics), when counted. */
  outputBytes?: number;
}

export interface ApiEconomy {
  instances: number;
  /** ⌈instances listed / 1000⌉: DescribeInstances' largest page. */
  expectedDescribeInstances: number;
  describeInstances: number;
  /** Instances without a Role tag that are not terminated: the only per-resource calls allowed (user data). */
  expectedUserDataCalls: number;
  userDataCalls: number;
  /** Other operations whose calls averaged fewer than 100 resources each: per-resource calls in disguise. */
  perResourceSuspects: string[];
}

export interface CollectAloneResult {
  instances: number;
  nodeFlags: string[];
  first: HandlerRun;
  /** The unchanged re-run. */
  second: HandlerRun;
  /** The run an hour later (the sandbox's epoch 1), logs and metrics on, when asked for. */
  churn?: HandlerRun;
  economy: ApiEconomy;
}

export async function collectAlone(params: CollectAloneParams): Promise<CollectAloneResult> {
  const spec = `regions=1&instances=${params.instances}${params.latencyMs ? `&latencyMs=${params.latencyMs}` : ''}`;
  const region = enabledRegions(parseSandboxSpec(spec))[0] ?? 'us-east-1';
  const services = await startServices({ spec, store: 'stub' });
  try {
    const tables = localTableNames(BENCH_TABLE_PREFIX);
    const env = {
      ...services.sdkEnvironment,
      CLOUDTAP_STORE_ENDPOINT: services.dynamoUrl,
      AWS_REGION: 'us-east-1',
      ...Object.fromEntries(TABLE_IDS.map((id) => [TABLE_ENV[id], tables[id]])),
    };
    const resolve = await sourceMapResolver(params.bundleFile);
    const run = async (n: number, options: { heapProfile: boolean; countOutput: boolean }): Promise<HandlerRun> => {
      await services.resetStats();
      const task: Task = {
        schemaVersion: SCHEMA_VERSION, runId: `bench-run-${n}`, taskId: taskIdOf('inventory.CloudService', PRIMARY_ACCOUNT_ID, region, 'EC2'),
        taskType: 'inventory.CloudService', account: { accountId: PRIMARY_ACCOUNT_ID }, service: 'EC2', region,
        options: { runStartedAt: new Date().toISOString(), ems: 'cloudtap-bench' },
      };
      // Logs at Lambda's default level and metrics published, as in Lambda (locally both are off unless asked for).
      const outputEnv = options.countOutput ? { CLOUDTAP_LOG_LEVEL: 'INFO', POWERTOOLS_METRICS_DISABLED: 'false' } : {};
      const child = forkProcess(join(BENCH_DIR, 'collect-runner.mjs'), [params.bundleFile, JSON.stringify(task), options.heapProfile ? 'heap-profile' : '', options.countOutput ? 'count-output' : ''], {
        typescript: false, env: { ...env, ...outputEnv }, execArgv: [...(params.nodeFlags ?? []), ...(options.heapProfile ? ['--expose-gc'] : [])],
      });
      const done = await nextMessage<{
        result: TaskResult; durationMs: number; cpuMs: number; peakRss: number; rssAfterImport: number; largest: MemoryParts; liveHeapMax?: number;
        heapProfile?: Parameters<typeof heapBreakdown>[0]; outputBytes?: number;
      }>(child, 'done');
      await exited(child);
      const stats = await services.stats();
      const store = await services.storeMeter();
      if (!store) throw new Error('the stub store sent no meter');
      if (done.result.status !== 'succeeded') throw new Error(`the collect handler's task ${done.result.status}: ${done.result.error?.message ?? ''}`);
      return {
        status: done.result.status, durationMs: done.durationMs, cpuMs: done.cpuMs, peakRssBytes: done.peakRss, rssAfterImportBytes: done.rssAfterImport, largest: done.largest,
        ...(done.liveHeapMax ? { liveHeapMaxBytes: done.liveHeapMax } : {}),
        resources: done.result.resources, writes: done.result.writes, callsByOperation: stats.byOperation, store,
        ...(done.heapProfile ? { heap: heapBreakdown(done.heapProfile, resolve) } : {}),
        ...(done.outputBytes !== undefined ? { outputBytes: done.outputBytes } : {}),
      };
    };
    const profile = params.heapProfile ?? false;
    const first = await run(1, { heapProfile: profile, countOutput: false });
    const second = await run(2, { heapProfile: profile, countOutput: false });
    let churn: HandlerRun | undefined;
    if (params.churnRun) {
      await services.setEpoch(parseSandboxSpec(spec).epoch + 1);
      churn = await run(3, { heapProfile: false, countOutput: true });
    }
    return {
      instances: params.instances, nodeFlags: params.nodeFlags ?? [], first, second, ...(churn ? { churn } : {}),
      economy: apiEconomy(spec, region, first.callsByOperation),
    };
  } finally {
    await services.close();
  }
}

/** What the calls should have been, from the sandbox's own truth. */
function apiEconomy(spec: string, region: string, calls: Record<string, number>): ApiEconomy {
  const truth = sandboxTruth(parseSandboxSpec(spec));
  const inRegion = truth.resources.filter((r) => r.region === region);
  const instances = inRegion.filter((r) => r.type === 'EC2.Instance');
  const countOf = (type: string) => inRegion.filter((r) => r.type === type).length;
  const perResourceSuspects: string[] = [];
  for (const type of serviceByName('EC2').types) {
    if (!type.list) continue;
    const operation = `EC2.${type.list.action.replace(/^ec2:/, '')}`;
    const made = calls[operation] ?? 0;
    if (made > Math.max(1, Math.ceil(countOf(typeKey(type)) / 100))) perResourceSuspects.push(`${operation}: ${made} calls for ${countOf(typeKey(type))} resources`);
  }
  const status = calls['EC2.DescribeInstanceStatus'] ?? 0;
  if (status > Math.max(1, Math.ceil(instances.length / 100))) perResourceSuspects.push(`EC2.DescribeInstanceStatus: ${status} calls for ${instances.length} instances`);
  return {
    instances: instances.length,
    expectedDescribeInstances: Math.max(1, Math.ceil(instances.length / 1000)),
    describeInstances: calls['EC2.DescribeInstances'] ?? 0,
    expectedUserDataCalls: instances.filter((r) => r.tags[ROLE_TAG] === undefined && r.attributes.state !== 'terminated').length,
    userDataCalls: calls['EC2.DescribeInstanceAttribute'] ?? 0,
    perResourceSuspects,
  };
}

/** Maps a bundle frame back to its source file and function through the bundle's source map. */
async function sourceMapResolver(bundleFile: string) {
  const map = new SourceMap(JSON.parse(await readFile(`${bundleFile}.map`, 'utf8')));
  return (frame: { functionName: string; lineNumber: number; columnNumber: number; url: string }) => {
    if (!frame.url.endsWith('.mjs')) return { source: frame.url || '(native)', name: frame.functionName };
    const entry = map.findEntry(frame.lineNumber, frame.columnNumber) as { originalSource?: string; name?: string };
    return { source: entry.originalSource ?? frame.url, name: entry.name ?? frame.functionName };
  };
}
