/**
 * API economy across every service: a whole `cloudtap run` of the sandbox, then the same again unchanged; the
 * sandbox counts every call by operation. A call made more often than its service has listing tasks, at least 10
 * times and at least once per two resources of the service's smallest type, is a call per resource. The unchanged run should make none: per-resource
 * settings are kept between runs and read again only on a change signal (shared/DESIGN.md, issue 15).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSandboxSpec } from '../../local/sandbox/spec';
import { allTruthResources, sandboxTruth } from '../../local/sandbox/truth';
import { measuredRun } from '../local-run';
import { applyEnvironment, startServices } from '../services-client';

export interface ServiceEconomyRow {
  service: string;
  operation: string;
  first: number;
  unchanged: number;
  /** Resources of the service in the sandbox (its types, every account and region). */
  resources: number;
  /** Per resource in the unchanged run (see the module's comment). */
  perResource: boolean;
}

export interface ServiceEconomyResult {
  spec: string;
  firstCalls: number;
  unchangedCalls: number;
  rows: ServiceEconomyRow[];
}

/** Fewer calls than this are a listing's pages, whatever the counts (small sandboxes have 2 load balancers a region). */
const PER_RESOURCE_FLOOR = 10;

/** The sandbox's name of a service in `Service.Operation` → cloudtap's type prefix. */
const TYPE_PREFIX: Record<string, string> = { 'Auto Scaling': 'AutoScaling', 'Elastic Load Balancing v2': 'ELBv2' };

export async function serviceEconomy(params: { spec: string }): Promise<ServiceEconomyResult> {
  const services = await startServices({ spec: params.spec });
  const dataDir = await mkdtemp(join(tmpdir(), 'cloudtap-bench-economy-'));
  try {
    applyEnvironment(services.sdkEnvironment);
    const first = await measuredRun(dataDir);
    const firstStats = await services.stats();
    await services.resetStats();
    const unchanged = await measuredRun(dataDir);
    const unchangedStats = await services.stats();
    if (first.run.status !== 'succeeded' || unchanged.run.status !== 'succeeded') throw new Error(`the economy runs did not succeed: ${JSON.stringify(first.run.failures.concat(unchanged.run.failures)).slice(0, 500)}`);
    const resources = new Map<string, number>();
    const byType = new Map<string, number>();
    for (const r of allTruthResources(sandboxTruth(parseSandboxSpec(params.spec)))) {
      const service = r.type.split('.')[0] as string;
      resources.set(service, (resources.get(service) ?? 0) + 1);
      byType.set(r.type, (byType.get(r.type) ?? 0) + 1);
    }
    /** The fewest resources of one of the service's types: a call per resource of that type makes at least half as many calls. */
    const smallestType = (service: string) => Math.min(...[...byType].filter(([type]) => type.startsWith(`${service}.`)).map(([, n]) => n));
    const tasks = new Map<string, number>();
    for (const trace of unchanged.traces) {
      const service = trace.taskId.split(':')[3];
      if (service) tasks.set(service, (tasks.get(service) ?? 0) + 1);
    }
    const operations = new Set([...Object.keys(firstStats.byOperation), ...Object.keys(unchangedStats.byOperation)]);
    const rows = [...operations].filter((op) => !op.startsWith('STS.')).map((op): ServiceEconomyRow => {
      const [name = '', operation = ''] = op.split('.');
      const service = TYPE_PREFIX[name] ?? name;
      const count = resources.get(service) ?? 0;
      const again = unchangedStats.byOperation[op] ?? 0;
      return {
        service, operation, first: firstStats.byOperation[op] ?? 0, unchanged: again, resources: count,
        perResource: again > (tasks.get(service) ?? 1) && again >= Math.max(PER_RESOURCE_FLOOR, smallestType(service) / 2),
      };
    }).sort((a, b) => a.service.localeCompare(b.service) || b.first - a.first || a.operation.localeCompare(b.operation));
    return { spec: params.spec, firstCalls: first.run.apiCalls, unchangedCalls: unchanged.run.apiCalls, rows };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
    await services.close();
  }
}
