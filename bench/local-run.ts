import { collectLocally } from '../cli/commands/run';
import { openWorkspace } from '../cli/workspace';
import { parseCollectionRequest } from '../src/dto/collection-request';
import type { RunSummary } from '../src/dto/run-summary';
import { RunStore, type TaskTrace } from '../src/store/run-store';
import { startCpuProfile, type CpuBreakdown } from './profile';
import { cpuMsSince } from './processes';
import { mainThreadCpuMs } from '../local/thread-cpu';
import { serviceNames } from '../src/services/registry';

/** One measured `cloudtap run`: the whole workflow in-process, the store embedded, the SDK pointed at the sandbox. */
export interface MeasuredRun {
  status: RunSummary['status'];
  wallMs: number;
  /** CPU this process used during the run (every thread), ms. */
  cpuMs: number;
  resources: RunSummary['resources'];
  events: RunSummary['events'];
  writes: number;
  apiCalls: number;
  tasks: RunSummary['tasks'];
  failures: RunSummary['failures'];
  /** The slowest task (a Task state times out with its Lambda, locally too). */
  slowestTaskMs: number;
  /** How long the embedded store's own thread was busy during the run, ms. */
  storeBusyMs: number;
  /**
   * CPU the kernel counted for the collector's thread (the main one: workflow, collect, the SDK) and for the
   * store's thread during the run, ms (NaN without /proc). Busy time counts waits for a core; this does not.
   */
  threadCpuMs: { collector: number; store: number };
  profile?: CpuBreakdown;
}

export interface RunOutcome {
  run: MeasuredRun;
  traces: TaskTrace[];
}

/** Runs one collection into `dataDir` (the SDK environment must already point at the sandbox). */
export async function measuredRun(dataDir: string, options: { profile?: boolean; concurrency?: number; request?: Record<string, unknown> } = {}): Promise<RunOutcome> {
  const request = parseCollectionRequest({ schemaVersion: 1, ...options.request, ...(options.concurrency ? { concurrency: options.concurrency } : {}) }, serviceNames());
  const profiler = options.profile ? await startCpuProfile() : undefined;
  const cpu = process.cpuUsage();
  const started = performance.now();
  // The bench opens the store (the run's own workspace then uses it), to read its thread's busy time; the
  // store's start-up still counts in the run's time, as it does in `cloudtap run`.
  const workspace = await openWorkspace({ dataDir });
  let traces: TaskTrace[];
  let wallMs: number;
  let cpuMs: number;
  let storeBusyMs: number;
  let threadCpuMs: MeasuredRun['threadCpuMs'];
  let summary: RunSummary;
  let profile: CpuBreakdown | undefined;
  try {
    const busy = workspace.embedded?.busyMs() ?? Number.NaN;
    const storeCpu = workspace.embedded?.cpuMs() ?? Number.NaN;
    const collectorCpu = mainThreadCpuMs();
    summary = await collectLocally(request, { dataDir });
    wallMs = Math.round(performance.now() - started);
    cpuMs = Math.round(cpuMsSince(cpu));
    storeBusyMs = Math.round((workspace.embedded?.busyMs() ?? Number.NaN) - busy);
    threadCpuMs = { collector: Math.round(mainThreadCpuMs() - collectorCpu), store: Math.round((workspace.embedded?.cpuMs() ?? Number.NaN) - storeCpu) };
    profile = await profiler?.stop();
    traces = await new RunStore(workspace.db).taskTraces(summary.runId);
  } finally {
    await workspace.close();
  }
  return {
    run: {
      status: summary.status, wallMs, cpuMs, resources: summary.resources, events: summary.events, writes: summary.writes,
      apiCalls: summary.apiCalls, tasks: summary.tasks, failures: summary.failures,
      slowestTaskMs: Math.max(0, ...traces.map((t) => t.durationMs)), storeBusyMs, threadCpuMs,
      ...(profile ? { profile } : {}),
    },
    traces,
  };
}
