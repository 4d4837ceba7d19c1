/**
 * What 100,000 resources collected hourly with 1 % churn an hour would cost in AWS, from what the bench measured:
 * the collect handler's runs against the stub store (its requests, and the read and write request units their
 * items' sizes make), the handler's CPU and duration, the log bytes it wrote, and the run's shape (tasks). Counts
 * per resource are scaled linearly to 100,000 resources; a change's own cost is what the churn run cost beyond an
 * unchanged run of the same size, per change.
 */
import type { CollectAloneResult, HandlerRun } from './scenarios/collect-alone';
import type { CriticalPathResult } from './scenarios/critical-path';
import { HOURS_PER_MONTH, PRICES } from './prices';
import { RUN_METRIC, TASK_METRIC } from '../src/lambda/metric-names';
import { allServices } from '../src/services/registry';

export const COST_RESOURCES = 100_000;
export const CHURN_PER_HOUR = 0.01;
/** The collect function's memory (lib/stacks/collector-stack.ts, FUNCTIONS.collect.memorySize). */
export const COLLECT_MEMORY_MB = 1024;

/** One run's measured costs, as counted. */
export interface RunCounts {
  resources: number;
  requests: number;
  writeUnits: number;
  readUnits: number;
  cpuMs: number;
  durationMs: number;
}

export interface CostLine {
  item: string;
  quantity: string;
  dollars: number;
}

export interface CostModel {
  resources: number;
  /** The runs the model is built from, as measured. */
  measured: { instances: number; first: RunCounts; unchanged: RunCounts; churn: RunCounts & { changes: number; logBytes: number } };
  /** At 100,000 resources. */
  perRun: { first: RunCounts; hourly: RunCounts };
  cpuMsPerThousand: { first: number; unchanged: number };
  tasksPerRun: number;
  transitionsPerRun: number;
  metrics: number;
  logBytesPerHour: number;
  storageGb: { afterFirstRun: number; growthPerMonth: number };
  monthly: CostLine[];
  monthlyTotal: number;
  /** The first run, once. */
  firstRunDollars: number;
  config: { itemsPerMonth: number; dollars: number; firstRecording: number };
}

function counts(run: HandlerRun): RunCounts {
  const tables = Object.values(run.store.tables);
  return {
    resources: run.resources.seen,
    requests: Object.values(run.store.requests).reduce((a, b) => a + b, 0),
    writeUnits: tables.reduce((sum, t) => sum + t.writeUnits, 0),
    readUnits: tables.reduce((sum, t) => sum + t.readUnits, 0),
    cpuMs: run.cpuMs,
    durationMs: run.durationMs,
  };
}

const scale = (run: RunCounts, resources: number): RunCounts => {
  const f = resources / Math.max(1, run.resources);
  return { resources, requests: run.requests * f, writeUnits: run.writeUnits * f, readUnits: run.readUnits * f, cpuMs: run.cpuMs * f, durationMs: run.durationMs * f };
};

/**
 * Metrics a healthy run publishes (src/lambda/metric-names.ts): each task metric per service and task type (the
 * services' CloudService tasks, and the Region and CloudServiceType tasks), the run metrics once; the per-target
 * breakdowns only appear when tasks fail, and are left out.
 */
export function publishedMetrics(): number {
  const taskKinds = allServices().length + 2;
  const taskMetrics = Object.keys(TASK_METRIC).length - 1; // TaskThrottledRetries is published per run
  return taskKinds * taskMetrics + Object.keys(RUN_METRIC).length + 1;
}

export function costModel(memory: CollectAloneResult, criticalPath: CriticalPathResult): CostModel | undefined {
  const { churn } = memory;
  if (!churn) return undefined;
  const first = counts(memory.first);
  const unchanged = counts(memory.second);
  const churnCounts = counts(churn);
  const changes = churn.resources.created + churn.resources.updated + churn.resources.deleted;
  const logBytes = churn.outputBytes ?? 0;

  // A change's own cost: the churn run beyond an unchanged run of its size, per change (never below nothing).
  const baseline = scale(unchanged, churnCounts.resources);
  const perChange = (pick: (r: RunCounts) => number) => (changes > 0 ? Math.max(0, (pick(churnCounts) - pick(baseline)) / changes) : 0);
  const changed = COST_RESOURCES * CHURN_PER_HOUR;
  const unchangedAt = scale(unchanged, COST_RESOURCES);
  const hourly: RunCounts = {
    resources: COST_RESOURCES,
    requests: unchangedAt.requests + perChange((r) => r.requests) * changed,
    writeUnits: unchangedAt.writeUnits + perChange((r) => r.writeUnits) * changed,
    readUnits: unchangedAt.readUnits + perChange((r) => r.readUnits) * changed,
    cpuMs: unchangedAt.cpuMs + perChange((r) => r.cpuMs) * changed,
    durationMs: unchangedAt.durationMs + perChange((r) => r.durationMs) * changed,
  };
  const firstAt = scale(first, COST_RESOURCES);

  // The run's shape: every region of the account, every service (the critical path's plan); tasks do not grow with resources.
  const tasksPerRun = criticalPath.first.tasks.total;
  const invocationsPerRun = tasksPerRun + 2;
  // States entered: GetTasks, the Map, Collect per task, Finalize.
  const transitionsPerRun = 3 + tasksPerRun;
  const metrics = publishedMetrics();
  // Logs grow with the resources a task lists, or with the tasks: the larger of the two scalings is taken.
  const logBytesPerHour = Math.max((logBytes / Math.max(1, churnCounts.resources)) * COST_RESOURCES, logBytes * tasksPerRun);

  // Storage: what the first run left, per resource; then each hour the history of its changes (the inventory's and
  // the events' tables, per change) and the run's own records (its tasks' traces: their calls grow with the pages).
  const GB = 1024 ** 3;
  const stored = (run: HandlerRun, runsTable: boolean) =>
    Object.entries(run.store.tables).filter(([name]) => name.endsWith('-runs') === runsTable).reduce((sum, [, t]) => sum + t.storageBytes, 0);
  const afterFirstRun = (memory.first.store.storageBytes / Math.max(1, first.resources)) * COST_RESOURCES / GB;
  const growthPerChange = changes > 0 ? Math.max(0, stored(churn, false) - stored(memory.second, false)) / changes : 0;
  const runRecordsPerResource = Math.max(0, stored(churn, true) - stored(memory.second, true)) / Math.max(1, churnCounts.resources);
  const growthPerMonth = ((growthPerChange * changed + runRecordsPerResource * COST_RESOURCES) * HOURS_PER_MONTH) / GB;

  const gbSeconds = (run: RunCounts) => (run.durationMs / 1000) * (COLLECT_MEMORY_MB / 1024);
  const monthly: CostLine[] = [
    { item: 'Lambda duration (collect)', quantity: `${fmt(gbSeconds(hourly) * HOURS_PER_MONTH)} GB-s`, dollars: gbSeconds(hourly) * HOURS_PER_MONTH * PRICES.lambdaPerGbSecond },
    { item: 'Lambda requests', quantity: `${fmt(invocationsPerRun * HOURS_PER_MONTH)}`, dollars: invocationsPerRun * HOURS_PER_MONTH * PRICES.lambdaPerRequest },
    { item: 'Step Functions state transitions', quantity: `${fmt(transitionsPerRun * HOURS_PER_MONTH)}`, dollars: transitionsPerRun * HOURS_PER_MONTH * PRICES.stepFunctionsPerTransition },
    { item: 'DynamoDB write request units', quantity: `${fmt(hourly.writeUnits * HOURS_PER_MONTH)}`, dollars: hourly.writeUnits * HOURS_PER_MONTH * PRICES.dynamoDbPerWriteUnit },
    { item: 'DynamoDB read request units', quantity: `${fmt(hourly.readUnits * HOURS_PER_MONTH)}`, dollars: hourly.readUnits * HOURS_PER_MONTH * PRICES.dynamoDbPerReadUnit },
    {
      item: 'DynamoDB storage (the month\'s average)', quantity: `${fmt(afterFirstRun + growthPerMonth / 2, 3)} GB`,
      dollars: (afterFirstRun + growthPerMonth / 2) * PRICES.dynamoDbPerGbMonth,
    },
    { item: 'CloudWatch custom metrics', quantity: `${metrics}`, dollars: metrics * PRICES.cloudWatchPerMetricMonth },
    { item: 'CloudWatch Logs ingestion', quantity: `${fmt((logBytesPerHour * HOURS_PER_MONTH) / GB, 3)} GB`, dollars: ((logBytesPerHour * HOURS_PER_MONTH) / GB) * PRICES.cloudWatchLogsPerGb },
  ];
  const firstRunDollars = gbSeconds(firstAt) * PRICES.lambdaPerGbSecond + firstAt.writeUnits * PRICES.dynamoDbPerWriteUnit + firstAt.readUnits * PRICES.dynamoDbPerReadUnit;
  const configItems = changed * HOURS_PER_MONTH;
  return {
    resources: COST_RESOURCES,
    measured: { instances: memory.instances, first, unchanged, churn: { ...churnCounts, changes, logBytes } },
    perRun: { first: firstAt, hourly },
    cpuMsPerThousand: { first: (first.cpuMs / Math.max(1, first.resources)) * 1000, unchanged: (unchanged.cpuMs / Math.max(1, unchanged.resources)) * 1000 },
    tasksPerRun, transitionsPerRun, metrics, logBytesPerHour,
    storageGb: { afterFirstRun, growthPerMonth },
    monthly, monthlyTotal: monthly.reduce((sum, line) => sum + line.dollars, 0), firstRunDollars,
    config: { itemsPerMonth: configItems, dollars: configItems * PRICES.configPerItem, firstRecording: COST_RESOURCES * PRICES.configPerItem },
  };
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const usd = (n: number) => `$${n < 1 ? n.toFixed(3) : fmt(n, 2)}`;

/** The cost section of BENCHMARKS.md. */
export function costMarkdown(model: CostModel | undefined): string {
  if (!model) return '';
  const m = model.measured;
  const perRunRow = (label: string, run: RunCounts) =>
    `| ${label} | ${fmt(run.requests)} | ${fmt(run.writeUnits)} | ${fmt(run.readUnits)} | ${fmt(run.cpuMs / 1000, 1)} s | ${fmt(run.durationMs / 1000, 1)} s |`;
  return [
    `### In AWS terms: ${fmt(model.resources)} resources, collected hourly, ${fmt(CHURN_PER_HOUR * 100)} % churn an hour`, '',
    `Measured: the collect handler (the Lambda bundle) on one region with ${fmt(m.instances)} instances, against the stub store, which meters what DynamoDB would bill — ` +
      'requests, and request units from each item\'s size as DynamoDB sizes it (rounded up per KB written, per 4 KB read; each index entry a write changes costs as much again, the indexes projecting ALL attributes). ' +
      `A first run (${fmt(m.first.resources)} resources), an unchanged one, and one an hour later in the sandbox (${fmt(m.churn.changes)} changes: created, updated, deleted), with logs and metrics on as in Lambda. ` +
      `Scaled to ${fmt(model.resources)} resources linearly per resource listed; an hourly run is the unchanged run scaled, plus ${fmt(CHURN_PER_HOUR * model.resources)} changes at what a change cost beyond the unchanged run. ` +
      `Lambda duration is the handler's measured duration against answers at once (in AWS each call's latency adds where the function waits; on this shared machine, waits for a core add instead), at ${COLLECT_MEMORY_MB} MB. ` +
      `The run's shape — ${model.tasksPerRun} tasks (the critical path's: every region and service of the account), so ${model.tasksPerRun + 2} invocations and ${model.transitionsPerRun} state transitions a run — does not grow with resources. ` +
      `Logs: the churn run's ${fmt(m.churn.logBytes)} bytes, scaled per resource or per task, whichever is larger; Lambda's own START/END/REPORT lines are left out. ` +
      `Metrics: the ${model.metrics} a healthy run publishes (src/lambda/metric-names.ts).`, '',
    '| per run | DynamoDB requests | write request units | read request units | Lambda CPU | Lambda duration |', '|---|---:|---:|---:|---:|---:|',
    perRunRow(`measured: first (${fmt(m.first.resources)} resources)`, m.first), perRunRow('measured: unchanged', m.unchanged),
    perRunRow(`measured: an hour later (${fmt(m.churn.changes)} changes)`, m.churn),
    perRunRow(`${fmt(model.resources)} resources: first run`, model.perRun.first), perRunRow(`${fmt(model.resources)} resources: hourly run, 1 % churn`, model.perRun.hourly), '',
    `Lambda CPU per 1,000 resources: first run ${fmt(model.cpuMsPerThousand.first)} ms, unchanged run ${fmt(model.cpuMsPerThousand.unchanged)} ms.`, '',
    `Prices: ${PRICES.source}; bench/prices.ts.`, '',
    '| per month (730 hourly runs) | quantity | cost |', '|---|---:|---:|',
    ...model.monthly.map((line) => `| ${line.item} | ${line.quantity} | ${usd(line.dollars)} |`),
    `| **cloudtap, total** | | **${usd(model.monthlyTotal)}** |`,
    `| AWS Config, continuous recording of the same churn | ${fmt(model.config.itemsPerMonth)} configuration items | ${usd(model.config.dollars)} |`, '',
    `The first run, once: ${usd(model.firstRunDollars)} (Lambda and DynamoDB request units); Config's first recording of ${fmt(model.resources)} resources: ${usd(model.config.firstRecording)}. ` +
      `Storage: ${fmt(model.storageGb.afterFirstRun, 3)} GB after the first run (items and index copies, 100 bytes of overhead each), growing ${fmt(model.storageGb.growthPerMonth, 3)} GB a month ` +
      '(the history of changes, per change; each run\'s records and task traces, per resource listed, as the churn run grew them).', '',
  ].join('\n');
}
