import { cpus } from 'node:os';
import type { CeilingResult } from './scenarios/store-ceiling';
import type { ThroughputResult } from './scenarios/throughput';
import type { CriticalPathResult } from './scenarios/critical-path';
import type { CollectAloneResult } from './scenarios/collect-alone';
import type { ColdStartResult } from './scenarios/cold-start';
import type { CliStartResult } from './scenarios/cli-start';
import type { SdkAloneResult } from './scenarios/sdk-alone';
import type { ServiceEconomyResult } from './scenarios/service-economy';
import type { OrganizationResult } from './scenarios/organization';
import type { SnapshotResult } from './scenarios/snapshot';
import type { MetricCostResult } from './scenarios/metric-cost';
import { FUNCTION_TIMEOUT_SECONDS } from '../lib/workflow/definition';

export type Verdict = 'met' | 'missed';

/** One line of the results table. */
export interface Outcome {
  scenario: string;
  measure: string;
  figure: string;
  target: string;
  verdict: Verdict;
  /** What the figure is compared with when the target itself is out of reach: the limit measured in the same run. */
  limit?: string;
}

export interface BenchResults {
  ceiling: CeilingResult;
  throughput: ThroughputResult;
  sdk: SdkAloneResult;
  criticalPath: CriticalPathResult;
  memory: CollectAloneResult[];
  economy: CollectAloneResult;
  serviceEconomy: ServiceEconomyResult;
  organization: OrganizationResult;
  coldStart: ColdStartResult;
  cliStart: CliStartResult;
  snapshot: SnapshotResult;
  /** Absent in reports made before metric events existed. */
  metricCost?: MetricCostResult;
}

export const TARGETS = {
  criticalPathRatio: 1.25,
  /** First-run items written/s ÷ the embedded store's BatchWrite ceiling (issue 14). */
  withinCeiling: 0.8,
  steadyStateWrites: 0.01,
  /** Unchanged run: the collector's CPU ÷ the SDK's own CPU for the same pages, measured alone (issue 14). */
  unchangedCpuOverSdk: 1.5,
  peakRssBytes: 256 * 1024 * 1024,
  memoryInstances: 100_000,
  bundleBytes: 1024 * 1024,
  initMs: 150,
  /** `cloudtap --version` ÷ `node -e 0`: the CLI's own start-up is a small part of a process's. */
  cliVersionRatio: 3,
  /**
   * `cloudtap resources` on a small store ÷ `node -e 0`: it also starts the embedded store's thread and the
   * DynamoDB client; about half a second on a quiet machine, a listing that answers at once.
   */
  cliResourcesRatio: 10,
} as const;

const MB = 1024 * 1024;
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const pct = (n: number, digits = 1) => `${fmt(n * 100, digits)} %`;

/** A run's size and memory, for the extrapolation. */
interface MemoryPoint {
  instances: number;
  peakRss: number;
  liveHeap: number;
}

/** The memory of first runs and of unchanged re-runs at the issue's size, from the sizes measured. */
export interface MemoryEstimate {
  instances: number;
  kinds: {
    run: 'first' | 'unchanged';
    /** Live heap added per 1,000 instances (least squares through the measured sizes), bytes. */
    liveGrowthPerThousand: number;
    /** Peak RSS added per 1,000 instances, the same way: catches what the once-a-second live sampling misses. */
    rssGrowthPerThousand: number;
    /** The largest size measured, with its peak RSS and live heap. */
    measured: MemoryPoint;
    /** Peak RSS there plus the live heap's growth to `instances`. */
    peakRssAt: number;
    liveHeapAt: number;
  }[];
}

export function estimateMemory(runs: CollectAloneResult[], instances: number): MemoryEstimate {
  const points = (pick: (r: CollectAloneResult) => CollectAloneResult['first'] | undefined): MemoryPoint[] => runs.flatMap((r) => {
    const run = pick(r);
    return run ? [{ instances: r.instances, peakRss: run.peakRssBytes, liveHeap: run.liveHeapMaxBytes ?? run.largest.heapUsed }] : [];
  });
  const kinds: MemoryEstimate['kinds'] = [];
  for (const [run, list] of [['first', points((r) => r.first)], ['unchanged', points((r) => r.second)]] as const) {
    if (list.length === 0) continue;
    const slope = leastSquaresSlope(list.map((p) => [p.instances, p.liveHeap]));
    const rssSlope = leastSquaresSlope(list.map((p) => [p.instances, p.peakRss]));
    const measured = list.reduce((a, b) => (b.instances > a.instances ? b : a));
    const remaining = instances - measured.instances;
    kinds.push({
      run, liveGrowthPerThousand: slope * 1000, rssGrowthPerThousand: rssSlope * 1000, measured,
      peakRssAt: measured.peakRss + Math.max(0, slope, rssSlope) * remaining, liveHeapAt: measured.liveHeap + Math.max(0, slope) * remaining,
    });
  }
  return { instances, kinds };
}

function leastSquaresSlope(points: [number, number][]): number {
  if (points.length < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / points.length;
  const my = points.reduce((s, [, y]) => s + y, 0) / points.length;
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return sxx === 0 ? 0 : points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0) / sxx;
}

/** A growth with its sign: a slope fitted through noisy sizes can come out negative. */
function signed(value: number): string {
  return `${value < 0 ? '−' : '+'}${fmt(Math.abs(value), 2)}`;
}

export function evaluate(results: BenchResults): Outcome[] {
  const outcomes: Outcome[] = [];
  const { ceiling, throughput, criticalPath, economy, coldStart } = results;
  const batchCeiling = ceiling.batchWrite.itemsPerSecond;

  // Critical path: against max(the plan's ideal, the run's items ÷ the BatchWrite ceiling) — neither AWS's latency
  // nor the store's fastest way in can be beaten.
  for (const [label, run] of [['first run', criticalPath.first], ['unchanged re-run', criticalPath.second]] as const) {
    const storeFloorMs = (run.writes / batchCeiling) * 1000;
    const limitMs = Math.max(run.ideal.idealMs, storeFloorMs);
    const ratio = run.wallMs / limitMs;
    const met = run.status === 'succeeded' && ratio <= TARGETS.criticalPathRatio;
    outcomes.push({
      scenario: `critical path, ${label}`,
      measure: 'wall time ÷ max(ideal from the plan, items written ÷ BatchWrite ceiling)',
      figure: `${fmt(ratio, 2)} (${fmt(run.wallMs / 1000, 1)} s ÷ ${fmt(limitMs / 1000, 2)} s, the ${storeFloorMs > run.ideal.idealMs ? 'store\'s' : 'plan\'s'})${run.status === 'succeeded' ? '' : ` — run ${run.status}`}`,
      target: `≤ ${TARGETS.criticalPathRatio}`,
      verdict: met ? 'met' : 'missed',
      limit: `plan's ideal ${fmt(run.ideal.idealMs / 1000, 2)} s; store: ${fmt(run.writes)} items ÷ ${fmt(batchCeiling)}/s by BatchWrite = ${fmt(storeFloorMs / 1000, 2)} s; ` +
        `the store's thread was busy ${pct(run.storeBusyMs / run.wallMs, 0)} of the run; CPU: the process used ${fmt(run.cpuMs / 1000, 1)} s in ${fmt(run.wallMs / 1000, 1)} s ` +
        `(the collector's thread ${fmt(run.threadCpuMs.collector / 1000, 1)} s, the store's ${fmt(run.threadCpuMs.store / 1000, 1)} s)` +
        (run.failures.length > 0 ? `; failed tasks: ${run.failures.slice(0, 3).map((f) => `${f.region} ${f.type ?? f.service ?? ''} ${f.code}: ${f.message}`).join('; ')}` : ''),
    });
  }

  const rate = (throughput.first.resources.seen / throughput.first.wallMs) * 1000;
  const itemRate = (throughput.first.writes / throughput.first.wallMs) * 1000;
  const share = itemRate / batchCeiling;
  const rateMet = throughput.first.status === 'succeeded' && share >= TARGETS.withinCeiling;
  outcomes.push({
    scenario: 'throughput',
    measure: 'items written/s end to end ÷ the store\'s BatchWrite ceiling in items/s',
    figure: `${pct(share, 0)} (${fmt(itemRate)} items/s ÷ ${fmt(batchCeiling)}/s; ${fmt(rate)} resources/s)${throughput.first.status === 'succeeded' ? '' : ` — run ${throughput.first.status}`}`,
    target: `≥ ${pct(TARGETS.withinCeiling, 0)}`,
    verdict: rateMet ? 'met' : 'missed',
    limit: `store ceiling: ${fmt(batchCeiling)} items/s by BatchWrite (${fmt(ceiling.conditionalPut.itemsPerSecond)}/s by conditional PutItem); ` +
      `${fmt(throughput.first.writes / Math.max(1, throughput.first.resources.seen), 2)} items per resource (its events, history and the run's bookkeeping), the store's thread busy ${pct(throughput.first.storeBusyMs / throughput.first.wallMs, 0)} of the run; ` +
      `CPU: the process used ${fmt(throughput.first.cpuMs / 1000, 1)} s of CPU in ${fmt(throughput.first.wallMs / 1000, 1)} s, ${pct(throughput.first.cpuMs / throughput.first.wallMs / cpus().length, 0)} of the machine's ${cpus().length} cores ` +
        `(the collector's thread ${fmt(throughput.first.threadCpuMs.collector / 1000, 1)} s, the store's ${fmt(throughput.first.threadCpuMs.store / 1000, 1)} s, V8's and LevelDB's helpers the rest); ` +
        `per item written the run took ${fmt(throughput.first.cpuMs / Math.max(1, throughput.first.writes), 2)} ms of CPU, the ceiling's BatchWrite ${fmt(ceiling.batchWrite.cpuMsPerItem, 2)} ms`,
  });

  const before = throughput.firstBeforeSecond ?? throughput.first;
  const steady = throughput.second.writes / Math.max(1, before.writes);
  outcomes.push({
    scenario: 'steady state',
    measure: 'items written, second run ÷ first',
    figure: `${pct(steady, 2)} (${fmt(throughput.second.writes)} ÷ ${fmt(before.writes)})`,
    target: `≤ ${pct(TARGETS.steadyStateWrites, 0)}`,
    verdict: throughput.second.status === 'succeeded' && steady <= TARGETS.steadyStateWrites ? 'met' : 'missed',
  });

  // The unchanged run must list every page: the SDK's CPU for those pages is its floor.
  const { sdk } = results;
  const unchangedCpu = throughput.second.threadCpuMs.collector;
  const sdkRatio = unchangedCpu / sdk.threadCpuMs;
  outcomes.push({
    scenario: 'unchanged run, CPU',
    measure: 'the collector\'s thread\'s CPU ÷ the SDK\'s own CPU for the same pages, measured alone',
    figure: `${fmt(sdkRatio, 2)} (${fmt(unchangedCpu / 1000, 2)} s ÷ ${fmt(sdk.threadCpuMs / 1000, 2)} s)${throughput.second.status === 'succeeded' ? '' : ` — run ${throughput.second.status}`}`,
    target: `≤ ${TARGETS.unchangedCpuOverSdk}`,
    verdict: throughput.second.status === 'succeeded' && sdkRatio <= TARGETS.unchangedCpuOverSdk ? 'met' : 'missed',
    limit: `the SDK alone: ${fmt(sdk.calls)} commands (list pages and enrichment calls; the run made ${fmt(throughput.second.apiCalls)} AWS calls), ${fmt(sdk.responseBytes / MB, 1)} MB of responses, ` +
      `replayed from memory: ${fmt(sdk.threadCpuMs)} ms on its thread (${fmt(sdk.processCpuMs)} ms the whole process; repeats ${sdk.samplesMs.join(', ')} ms); ` +
      `the unchanged run: ${fmt(unchangedCpu)} ms on the collector's thread, ${fmt(throughput.second.cpuMs)} ms the whole process (the store's thread ${fmt(throughput.second.threadCpuMs.store)} ms)`,
  });

  const memory = estimateMemory(results.memory, TARGETS.memoryInstances);
  const worst = memory.kinds.reduce<MemoryEstimate['kinds'][number] | undefined>((a, b) => (!a || b.peakRssAt > a.peakRssAt ? b : a), undefined);
  const heapCap = results.memory[0]?.nodeFlags.join(' ') || 'none';
  outcomes.push({
    scenario: 'memory',
    measure: `collect handler alone, peak RSS at ${fmt(TARGETS.memoryInstances)} instances (V8 heap held to a 256 MB function: ${heapCap})`,
    figure: memory.kinds.map((k) => `${k.run} run ${fmt(k.peakRssAt / MB)} MB (measured ${fmt(k.measured.peakRss / MB)} MB at ${fmt(k.measured.instances)}; ` +
      `per 1,000 more: live ${signed(k.liveGrowthPerThousand / MB)} MB, peak RSS ${signed(k.rssGrowthPerThousand / MB)} MB)`).join('; '),
    target: `≤ ${fmt(TARGETS.peakRssBytes / MB)} MB`,
    verdict: worst && worst.peakRssAt <= TARGETS.peakRssBytes ? 'met' : 'missed',
  });

  for (const bundle of coldStart.bundles) {
    const sizeMet = bundle.bytes <= TARGETS.bundleBytes;
    const initMet = bundle.initMs <= TARGETS.initMs;
    outcomes.push({
      scenario: `cold start, ${bundle.fn}`,
      measure: 'bundle size; module init in a fresh Node',
      figure: `${fmt(bundle.bytes / MB, 2)} MB; ${fmt(bundle.initMs)} ms`,
      target: `≤ 1 MB; ≤ ${TARGETS.initMs} ms`,
      verdict: sizeMet && initMet ? 'met' : 'missed',
    });
  }

  const { cliStart } = results;
  for (const [sample, target] of [[cliStart.version, TARGETS.cliVersionRatio], [cliStart.resourcesCommand, TARGETS.cliResourcesRatio]] as const) {
    outcomes.push({
      scenario: `CLI start, ${sample.label}`,
      measure: 'wall time of the whole process ÷ node -e 0, median of paired rounds',
      figure: `${fmt(sample.ratio, 2)} × (${fmt(sample.ms)} ms; node -e 0 ${fmt(cliStart.node.ms)} ms); CPU ${fmt(sample.cpuRatio, 2)} × (${fmt(sample.cpuMs)} ms)`,
      target: `≤ ${target} ×`,
      verdict: sample.ratio <= target ? 'met' : 'missed',
    });
  }

  const e = economy.economy;
  const economyMet = e.describeInstances === e.expectedDescribeInstances && e.userDataCalls <= e.expectedUserDataCalls && e.perResourceSuspects.length === 0;
  outcomes.push({
    scenario: 'API economy',
    measure: `DescribeInstances calls for ${fmt(e.instances)} instances; per-resource calls`,
    figure: `${e.describeInstances}; user data ${fmt(e.userDataCalls)} (instances without a Role tag: ${fmt(e.expectedUserDataCalls)})` +
      (e.perResourceSuspects.length ? `; also ${e.perResourceSuspects.join(', ')}` : '; no other'),
    target: `= ${e.expectedDescribeInstances}; user data only`,
    verdict: economyMet ? 'met' : 'missed',
  });

  const perResource = results.serviceEconomy.rows.filter((r) => r.perResource);
  outcomes.push({
    scenario: 'API economy, every service',
    measure: `calls per resource in an unchanged run of ${results.serviceEconomy.spec}`,
    figure: perResource.length
      ? `${perResource.reduce((n, r) => n + r.unchanged, 0)}: ${perResource.map((r) => `${r.service}.${r.operation} ${r.unchanged}`).join(', ')}`
      : `0 (of ${results.serviceEconomy.unchangedCalls} calls; the first run made ${results.serviceEconomy.firstCalls})`,
    target: '0',
    verdict: perResource.length === 0 ? 'met' : 'missed',
  });

  const o = results.organization;
  const peak = o.inFlight.byKey[0];
  outcomes.push({
    scenario: 'Organization',
    measure: `${o.spec} (${o.services.join(', ')}): wall ÷ the plan's ideal (${fmt(o.ideal.concurrency)} tasks in flight); calls of one action in flight per account-region`,
    figure: `${fmt(o.wallOverIdeal, 2)}× (${fmt(o.wallMs)} ms ÷ ${fmt(o.ideal.idealMs)} ms, ${fmt(o.tasks)} tasks, ${fmt(o.accounts)} accounts); ` +
      `at most ${peak?.max ?? 0} in flight (${peak ? `${peak.service}.${peak.operation}` : 'none'}), ${o.inFlight.accounts} accounts at once; ` +
      `AssumeRole ${o.assumeRoles.min}–${o.assumeRoles.max} per account; ${o.collectedAsTruth ? 'every' : 'NOT every'} account of the truth collected, ${fmt(o.inactive)} inactive skipped`,
    target: `≤ ${ORGANIZATION_WALL_OVER_IDEAL}×; ≤ ${o.bound}; 1 per account; all`,
    verdict: o.wallOverIdeal <= ORGANIZATION_WALL_OVER_IDEAL && (peak?.max ?? 0) <= o.bound && o.assumeRoles.max === 1 && o.collectedAsTruth && o.inactiveSkipped ? 'met' : 'missed',
  });

  const snap = results.snapshot;
  const at100k = snap.per10k.exportMs * 10;
  outcomes.push({
    scenario: 'Snapshot export',
    measure: `time and size per 10,000 resources (${fmt(snap.resources)} exported from the embedded store); 100,000 resources within ExportSnapshot's timeout`,
    figure: `${fmt(snap.per10k.exportMs)} ms, ${fmt(snap.per10k.bytes / MB, 1)} MB, ${fmt(snap.per10k.rows)} rows; 100,000 in ~${fmt(at100k / 1000)} s`,
    target: `< ${FUNCTION_TIMEOUT_SECONDS.normalize} s at 100,000`,
    verdict: at100k < FUNCTION_TIMEOUT_SECONDS.normalize * 1000 ? 'met' : 'missed',
  });
  const slowest = snap.queries.latencies.reduce((a, b) => (b.ms > a.ms ? b : a));
  outcomes.push({
    scenario: 'cloudtap query',
    measure: `latency on a ${fmt(snap.queries.resources)}-resource snapshot: count(*) and every named query, the slowest`,
    figure: `${fmt(slowest.ms)} ms (${slowest.query}); count(*) ${fmt(snap.queries.latencies[0]?.ms ?? 0)} ms`,
    target: `≤ ${fmt(QUERY_LATENCY_MS)} ms`,
    verdict: slowest.ms <= QUERY_LATENCY_MS ? 'met' : 'missed',
  });
  return outcomes;
}

/** An interactive answer: every named query within 2 s on a 100,000-resource snapshot. */
const QUERY_LATENCY_MS = 2000;

/** The organization run may take this many times its plan's ideal (the same allowance as the critical path's unchanged run). */
const ORGANIZATION_WALL_OVER_IDEAL = 2;
