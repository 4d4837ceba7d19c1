import { cpus, totalmem } from 'node:os';
import type { CpuBreakdown, HeapBreakdown } from './profile';
import { estimateMemory, TARGETS, type BenchResults, type Outcome } from './targets';
import type { BenchPlan } from './plan';
import type { MeasuredRun } from './local-run';
import { FUNCTION_TIMEOUT_SECONDS } from '../lib/workflow/definition';
import { costMarkdown, costModel } from './cost-model';
import type { MetricCostResult } from './scenarios/metric-cost';

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
  loadBefore: number[];
  loadAfter: number[];
}

export interface BenchReport {
  startedAt: string;
  durationMs: number;
  machine: Machine;
  plan: BenchPlan;
  outcomes: Outcome[];
  results: BenchResults;
}

export function machine(loadBefore: number[], loadAfter: number[]): Machine {
  return {
    cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version, platform: `${process.platform} ${process.arch}`, loadBefore, loadAfter,
  };
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const MB = 1024 * 1024;
const VERDICT = { met: '**met**', missed: '**missed**' } as const;

/** The results table, as plain text for a terminal. */
export function textTable(outcomes: Outcome[]): string {
  const rows = [['scenario', 'figure', 'target', 'verdict'], ...outcomes.map((o) => [o.scenario, o.figure, o.target, o.verdict])];
  const widths = [0, 1, 2, 3].map((c) => Math.min(70, Math.max(...rows.map((r) => (r[c] ?? '').length))));
  const line = (r: string[]) => r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ');
  const notes = outcomes.filter((o) => o.limit).map((o) => `  ${o.scenario}: ${o.limit}`);
  return [line(rows[0] ?? []), ...rows.slice(1).map(line), '', 'Limits measured in the same run:', ...notes].join('\n');
}

function cpuTable(profile: CpuBreakdown | undefined, title: string): string {
  if (!profile) return '';
  return [
    `${title} (${fmt(profile.totalMs / 1000, 1)} s of samples):`, '',
    '| where | CPU | share |', '|---|---:|---:|',
    ...profile.components.map((c) => `| ${c.name} | ${fmt(c.ms / 1000, 1)} s | ${fmt(c.share * 100, 1)} % |`),
    '', 'Hottest functions (self time): ' + profile.hottest.slice(0, 8).map((h) => `\`${h.name}\` ${fmt(h.share * 100, 1)} %`).join(', ') + '.', '',
  ].join('\n');
}

function heapTable(heap: HeapBreakdown | undefined, title: string): string {
  if (!heap) return '';
  return [
    `${title} (${fmt(heap.sampledBytes / MB)} MB live in the sample):`, '',
    '| allocated by | live | share |', '|---|---:|---:|',
    ...heap.components.map((c) => `| ${c.name} | ${fmt(c.bytes / MB, 1)} MB | ${fmt(c.share * 100, 1)} % |`),
    '', 'Largest allocation sites: ' + heap.sites.slice(0, 8).map((s) => `\`${s.name}\` ${fmt(s.bytes / MB, 1)} MB`).join(', ') + '.', '',
  ].join('\n');
}

/** A Collect Task state fails with States.Timeout after its Lambda's timeout, locally too. */
const COLLECT_TIMEOUT_MS = FUNCTION_TIMEOUT_SECONDS.collect * 1000;

function timeoutWarning(runs: [string, MeasuredRun][]): string {
  const close = runs.filter(([, run]) => run.slowestTaskMs > COLLECT_TIMEOUT_MS * 0.75 || run.failures.some((f) => f.code === 'States.Timeout'));
  return close.length === 0 ? '' : `**Careful:** ${close.map(([label, run]) => `${label}: slowest task ${fmt(run.slowestTaskMs / 1000, 1)} s`).join('; ')} — ` +
    `a Collect task fails after ${FUNCTION_TIMEOUT_SECONDS.collect} s (States.Timeout), so a larger size or a busier machine fails the run.\n`;
}

function runLine(label: string, run: MeasuredRun): string {
  return `| ${label} | ${run.status} | ${fmt(run.wallMs / 1000, 1)} s | ${fmt(run.cpuMs / 1000, 1)} s | ${fmt(run.resources.seen)} | ` +
    `${fmt(run.resources.created)} / ${fmt(run.resources.updated)} / ${fmt(run.resources.unchanged)} | ${fmt(run.events.opened)} | ${fmt(run.writes)} | ${fmt(run.apiCalls)} | ${fmt(run.slowestTaskMs / 1000, 1)} s | ` +
    `${fmt((run.storeBusyMs / run.wallMs) * 100)} % | ${fmt(run.threadCpuMs.collector / 1000, 1)} s / ${fmt(run.threadCpuMs.store / 1000, 1)} s |`;
}

/** The generated part of BENCHMARKS.md: machine, results, details and the profiles of this run. */
export function markdown(report: BenchReport): string {
  const { results, plan, machine: m } = report;
  const { ceiling, throughput, criticalPath, economy, coldStart, sdk } = results;
  const costs = costModel(economy, criticalPath);
  const memory = estimateMemory(results.memory, TARGETS.memoryInstances);
  const runHeader = '| run | status | wall | CPU | resources | created / updated / unchanged | events opened | items written | AWS calls | slowest task | store thread busy | CPU of the collector\'s / the store\'s thread |\n' +
    '|---|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|';
  return [
    `Generated by \`npm run bench\` on ${report.startedAt} in ${fmt(report.durationMs / 1000)} s.`, '',
    '### Machine', '',
    `${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node} (${m.platform}). Load average (1/5/15 min) ${m.loadBefore.map((l) => fmt(l, 2)).join(' / ')} before, ` +
      `${m.loadAfter.map((l) => fmt(l, 2)).join(' / ')} after: the machine is shared, so absolute rates move from run to run; the ratios (each figure against a limit measured minutes apart in the same bench) move much less.`, '',
    '### Results', '',
    '| scenario | measure | figure | target | verdict |', '|---|---|---|---|---|',
    ...report.outcomes.map((o) => `| ${o.scenario} | ${o.measure} | ${o.figure} | ${o.target} | ${VERDICT[o.verdict]} |`), '',
    'Limits measured in the same run:', '',
    ...report.outcomes.filter((o) => o.limit).map((o) => `* ${o.scenario}: ${o.limit}`), '',
    '### Sizes run, and how the figures extrapolate', '',
    ...plan.notes.map((n) => `* ${n}`), '',
    '### Store ceiling', '',
    `The records of a sandbox region with ${fmt(plan.ceilingInstances)} instances (${Object.entries(ceiling.recordMix).map(([t, n]) => `${fmt(n)} ${t}`).join(', ')}), ` +
      'written by `ResourceStore.create` (conditional PutItem, 16 in flight per partition, every partition at once) and, the same items, by `batchWrite` (25 items a call), into dynalite on LevelDB in its worker thread, as `cloudtap run` has it. ' +
      'BatchWrite is the fastest way in, and the ceiling the throughput and critical path targets are held to. ' +
      `Each is measured ${ceiling.conditionalPut.samplesPerSecond.length} times, each into a fresh store, and the best is the ceiling (the machine is shared: noise only lowers a rate). ` +
      'CPU per item counts every thread of the process (the client\'s, the store\'s, V8\'s and LevelDB\'s helpers); the store\'s thread\'s own CPU is the kernel\'s count for that thread.', '',
    '| write | items | time | items/s (best) | every repeat | CPU per item | store thread: busy, CPU per item |', '|---|---:|---:|---:|---|---:|---:|',
    ...(['conditional PutItem', 'BatchWrite'] as const).map((label) => {
      const rate = label === 'BatchWrite' ? ceiling.batchWrite : ceiling.conditionalPut;
      return `| ${label} | ${fmt(rate.items)} | ${fmt(rate.ms / 1000, 1)} s | ${fmt(rate.itemsPerSecond)} | ${rate.samplesPerSecond.map((r) => fmt(r)).join(', ')} | ` +
        `${fmt(rate.cpuMsPerItem, 2)} ms | ${fmt(rate.storeBusyShare * 100)} %, ${fmt(rate.storeCpuMsPerItem, 2)} ms |`;
    }), '',
    `### Throughput and steady state (\`${throughput.spec}\`)`, '',
    `First runs, each into a fresh store: ${throughput.firstRates.map((r) => `${fmt(r)}`).join(', ')} resources/s; the fastest is the figure (the last was profiled, and the unchanged run followed it). ` +
      'CPU: every thread of the process; the collector\'s and the store\'s threads as the kernel counts them (the rest is V8\'s helpers — the garbage collector\'s parallel work — and LevelDB\'s).', '',
    runHeader, runLine('first, fastest', throughput.first), ...(throughput.firstBeforeSecond ? [runLine('first, profiled', throughput.firstBeforeSecond)] : []), runLine('unchanged', throughput.second), '',
    timeoutWarning([['throughput, first run', throughput.first], ['unchanged', throughput.second]]),
    cpuTable((throughput.firstBeforeSecond ?? throughput.first).profile, 'Where the profiled first run\'s CPU went (the collector\'s thread; the store\'s thread is the last columns above)'),
    cpuTable(throughput.second.profile, 'Where the unchanged run\'s CPU went (the collector\'s thread)'),
    '### The SDK alone, for the unchanged run\'s pages', '',
    `The listings of \`${sdk.spec}\` (every type, every region, with the enrichment calls) made once against the sandbox with the SDK's own clients, each response kept; then the same ${fmt(sdk.calls)} commands ` +
      `sent again, answered from memory by a request handler (${fmt(sdk.responseBytes / MB, 1)} MB of responses): middleware, serialization, signing, XML parsing and deserialization, no network and none of the collector's code. ` +
      `Main-thread CPU per repeat: ${sdk.samplesMs.join(', ')} ms; the least is the figure (${fmt(sdk.threadCpuMs)} ms; ${fmt(sdk.processCpuMs)} ms the whole process). ` +
      `The unchanged run's collector's thread used ${fmt(throughput.second.threadCpuMs.collector)} ms: ${fmt(throughput.second.threadCpuMs.collector / sdk.threadCpuMs, 2)} × the SDK's.`, '',
    `### Critical path (\`${criticalPath.spec}\`)`, '',
    runHeader, runLine('first', criticalPath.first), runLine('unchanged', criticalPath.second), '',
    timeoutWarning([['critical path, first run', criticalPath.first], ['unchanged', criticalPath.second]]),
    '| run | AWS calls | longest chain | chain × latency | calls × latency ÷ concurrency | ideal | wall ÷ ideal |', '|---|---:|---:|---:|---:|---:|---:|',
    ...[['first', criticalPath.first], ['unchanged', criticalPath.second]].map(([label, r]) => {
      const run = r as typeof criticalPath.first;
      return `| ${label as string} | ${fmt(run.ideal.totalCalls)} | ${run.ideal.longestChain} (${run.ideal.longestChainTask}) | ${fmt(run.ideal.chainMs / 1000, 2)} s | ` +
        `${fmt(run.ideal.callsOverConcurrencyMs / 1000, 2)} s (÷ ${run.ideal.concurrency}) | ${fmt(run.ideal.idealMs / 1000, 2)} s | ${fmt(run.wallMs / run.ideal.idealMs, 2)} |`;
    }), '',
    cpuTable(criticalPath.first.profile, 'Where the first run\'s CPU went (the collector\'s thread)'),
    cpuTable(criticalPath.second.profile, 'Where the unchanged run\'s CPU went (the collector\'s thread)'),
    '### Memory: the collect handler alone', '',
    `The collect bundle in a fresh Node (${results.memory[0]?.nodeFlags.join(' ') || 'no heap limit'}), one EC2 task; the sandbox and the stub store in another process. ` +
      'Live heap: the most a full GC left, measured every second.', '',
    '| instances | run | peak RSS | largest heap used | live heap | RSS after import | wall | CPU | resources | items written |', '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...results.memory.flatMap((r) => [{ label: 'first', h: r.first }, { label: 'unchanged', h: r.second }].map(({ label, h }) =>
      `| ${fmt(r.instances)} | ${label} | ${fmt(h.peakRssBytes / MB)} MB | ${fmt(h.largest.heapUsed / MB)} MB | ${h.liveHeapMaxBytes ? `${fmt(h.liveHeapMaxBytes / MB)} MB` : '–'} | ` +
      `${fmt(h.rssAfterImportBytes / MB)} MB | ${fmt(h.durationMs / 1000, 1)} s | ${fmt(h.cpuMs / 1000, 1)} s | ${fmt(h.resources.seen)} | ${fmt(h.writes)} |`)), '',
    ...memory.kinds.map((k) => `* ${k.run} run: per 1,000 instances the live memory grows ${fmt(k.liveGrowthPerThousand / MB, 2)} MB and the peak RSS ${fmt(k.rssGrowthPerThousand / MB, 2)} MB; ` +
      `at ${fmt(memory.instances)}: live ${fmt(k.liveHeapAt / MB)} MB, peak RSS ${fmt(k.peakRssAt / MB)} MB (the ${fmt(k.measured.instances)}-instance peak plus the faster of the two growths).`), '',
    ...results.memory.flatMap((r) => [heapTable(r.first.heap, `Live heap at its largest, first run, ${fmt(r.instances)} instances`),
      heapTable(r.second.heap, `Live heap at its largest, unchanged run, ${fmt(r.instances)} instances`)]),
    costMarkdown(costs),
    '### API economy', '',
    `One region with ${fmt(economy.instances)} instances (${fmt(economy.economy.instances)} listed, terminated ones included), collect handler alone, first run; calls counted by the sandbox:`, '',
    '| operation | calls |', '|---|---:|',
    ...Object.entries(economy.first.callsByOperation).sort((a, b) => b[1] - a[1]).map(([op, n]) => `| ${op} | ${fmt(n)} |`), '',
    '### API economy, every service', '',
    `A whole \`cloudtap run\` of \`${results.serviceEconomy.spec}\` (${fmt(results.serviceEconomy.firstCalls)} AWS calls), then the same unchanged (${fmt(results.serviceEconomy.unchangedCalls)}); calls counted by the sandbox. ` +
      'Per resource: more calls than the service has listing tasks, at least 10, and at least one per two resources of its smallest type.', '',
    '| service | operation | first run | unchanged run | resources | per resource in the unchanged run |', '|---|---|---:|---:|---:|---|',
    ...results.serviceEconomy.rows.map((r) => `| ${r.service} | ${r.operation} | ${fmt(r.first)} | ${fmt(r.unchanged)} | ${fmt(r.resources)} | ${r.perResource ? '**yes**' : ''} |`), '',
    ...organizationMarkdown(results.organization),
    ...snapshotMarkdown(results.snapshot),
    ...metricCostMarkdown(results.metricCost),
    '### CLI start-up', '',
    `Whole processes, started as an operator starts them (\`node bin/cloudtap.js …\`, which runs the dist/ that \`npm run build\` made in ${fmt(results.cliStart.buildMs)} ms), ` +
      `${results.cliStart.node.samplesMs.length} interleaved rounds; \`resources\` lists ${fmt(results.cliStart.resources)} resources (\`${results.cliStart.spec}\`). ` +
      'A ratio is the median over the rounds of a command\'s time ÷ that round\'s `node -e 0`; CPU is the whole process\'s (every thread), which the machine\'s load moves less than the wall time.', '',
    '| command | wall (median) | × node -e 0 | CPU (median) | CPU × node -e 0 | wall samples |', '|---|---:|---:|---:|---:|---|',
    ...[results.cliStart.node, results.cliStart.version, results.cliStart.resourcesCommand, results.cliStart.versionFromSources].map((s) =>
      `| ${s.label} | ${fmt(s.ms)} ms | ${fmt(s.ratio, 2)} | ${fmt(s.cpuMs)} ms | ${fmt(s.cpuRatio, 2)} | ${s.samplesMs.join(', ')} ms |`), '',
    '### Cold start', '',
    '| function | bundle | module init (median) | samples |', '|---|---:|---:|---|',
    ...coldStart.bundles.map((b) => `| ${b.fn} | ${fmt(b.bytes / MB, 2)} MB | ${fmt(b.initMs)} ms | ${b.initSamplesMs.join(', ')} ms |`), '',
    ...coldStart.bundles.flatMap((b) => [
      `* ${b.fn}: the bundle by package: ${b.composition.slice(0, 7).map((c) => `${c.name} ${fmt(c.bytes / 1024)} KB`).join(', ')}; ` +
        `an import's CPU, profiled: ${b.initProfile.slice(0, 7).map((p) => `${p.name} ${fmt(p.ms)} ms`).join(', ')}.`,
    ]), '',
  ].join('\n');
}

function snapshotMarkdown(s: BenchResults['snapshot']): string[] {
  return [
    '### Snapshot export', '',
    `The records of one sandbox region of ${fmt(s.instances)} instances, ${fmt(s.resources)} resources, stored as a first run stores them, exported as ExportSnapshot does: ` +
      `read by the store's Scan, built into Parquet, written to a directory. ${fmt(s.rows)} rows, ${fmt(s.bytes / MB, 1)} MB in ${fmt(s.exportMs)} ms ` +
      `(samples ${s.exportSamplesMs.join(', ')} ms; CPU ${fmt(s.exportCpuMs)} ms, the embedded store's thread included); building the tables alone from the records in memory: ${fmt(s.buildMs)} ms. ` +
      `**Per 10,000 resources: ${fmt(s.per10k.exportMs)} ms, ${fmt(s.per10k.bytes / MB, 1)} MB, ${fmt(s.per10k.rows)} rows** (building alone ${fmt(s.per10k.buildMs)} ms). Peak RSS ${fmt(s.peakRssBytes / MB)} MB.`, '',
    '| table | rows | bytes |', '|---|---:|---:|',
    ...Object.entries(s.tables).map(([name, t]) => `| ${name} | ${fmt(t.rows)} | ${fmt(t.bytes)} |`), '',
    `\`cloudtap query\` on a snapshot of ${fmt(s.queries.resources)} resources (${fmt(s.queries.bytes / MB, 1)} MB of Parquet), each query on a fresh in-memory DuckDB (views created, files read), best of three:`, '',
    '| query | rows | ms | samples |', '|---|---:|---:|---|',
    ...s.queries.latencies.map((q) => `| ${q.query} | ${fmt(q.rows)} | ${fmt(q.ms)} | ${q.samplesMs.join(', ')} |`), '',
  ];
}

function organizationMarkdown(o: BenchResults['organization']): string[] {
  return [
    '### Organization', '',
    `\`cloudtap run --organization\` of the sandbox organization \`${o.spec}\` (${o.services.join(', ')}): ${fmt(o.accounts)} accounts, ${fmt(o.collected)} collected, ${fmt(o.inactive)} inactive; ` +
      `${fmt(o.tasks)} tasks, ${fmt(o.resources)} resources in ${fmt(o.wallMs)} ms. The plan's ideal: ${fmt(o.ideal.idealMs)} ms ` +
      `(the longer of ${fmt(o.ideal.longestChain)} calls one after another, ${fmt(o.ideal.chainMs)} ms, and ${fmt(o.ideal.totalCalls)} calls × ${o.ideal.latencyMs} ms over ${fmt(o.ideal.concurrency)} in flight, ${fmt(o.ideal.callsOverConcurrencyMs)} ms): ${fmt(o.wallOverIdeal, 2)}×. ` +
      `AssumeRole ${o.assumeRoles.min}–${o.assumeRoles.max} times for each of ${fmt(o.assumeRoles.accounts)} member accounts. ` +
      `The sandbox had at most ${fmt(o.inFlight.overall)} calls in flight, across ${fmt(o.inFlight.accounts)} accounts; per account, region and action (the bound: ${o.bound}):`, '',
    '| account | region | service | action | most in flight |', '|---|---|---|---|---:|',
    ...o.inFlight.byKey.map((k) => `| ${k.accountId} | ${k.region} | ${k.service} | ${k.operation} | ${fmt(k.max)} |`), '',
  ];
}

/** Metric events: what one EC2 run requests of CloudWatch, and its price (README, "Metric events"). */
function metricCostMarkdown(m: MetricCostResult | undefined): string[] {
  if (!m) return [];
  const row = (label: string, r: MetricCostResult['first']) => `| ${label} | ${fmt(r.metrics.requested)} | ${fmt(r.getMetricDataCalls)} (⌈÷ 500⌉ = ${fmt(Math.ceil(r.metrics.requested / 500))}) | ${fmt(r.listMetricsCalls)} | ` +
    `$${r.metrics.costUsd.toFixed(4)} | ${fmt(r.cloudWatchMs)} ms of ${fmt(r.taskMs)} ms | ${fmt(r.events.opened)} / ${fmt(r.events.cleared)} | ${fmt(r.wallMs / 1000, 1)} s |`;
  return [
    '### Metric events', '',
    `An EC2 run of \`${m.spec}\` (${fmt(m.runningInstances)} running instances, ${fmt(m.plantedConditions)} planted metric conditions), then the same again unchanged. ` +
      `${fmt(m.perInstance, 1)} metrics requested per running instance and run: $${fmt(m.monthlyPer1000Instances, 2)} a month per 1,000 instances at one run every six hours ($0.01 per 1,000 metrics).`, '',
    '| run | metrics requested | GetMetricData calls | ListMetrics calls | cost | CloudWatch time (calls added up) of the EC2 task | events opened / cleared | wall |', '|---|---:|---:|---:|---:|---:|---:|---:|',
    row('first', m.first), row('unchanged', m.unchanged), '',
  ];
}
