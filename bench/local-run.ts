import { collectLocally } from '../cli/commands/run';
import { openWorkspace } from '../cli/workspace';
import { parseCollectionRequest } from '../src/dto/collection-request';
import type { RunSummary } from '../src/dto/run-summary';
import { RunStore, type TaskTrace } from '../src/store/run-store';
import { startCpuProfile, type CpuBreakdown } from './profile';
import { cpuMsSince } from './processes';

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
  profile?: CpuBreakdown;
}

export interface RunOutcome {
  run: MeasuredRun;
  traces: TaskTrace[];
}

/** Runs one collection into `dataDir` (the SDK environment must already point at the sandbox). */
export async function measuredRun(dataDir: string, options: { profile?: boolean; concurrency?: number } = {}): Promise<RunOutcome> {
  const request = parseCollectionRequest({ schemaVersion: 1, ...(options.concurrency ? { concurrency: options.concurrency } : {}) });
  const profiler = options.profile ? await startCpuProfile() : undefined;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const summary = await collectLocally(request, { dataDir });
  const wallMs = Math.round(performance.now() - started);
  const cpuMs = Math.round(cpuMsSince(cpu));
  const profile = await profiler?.stop();
  const workspace = await openWorkspace({ dataDir });
  let traces: TaskTrace[];
  try {
    traces = await new RunStore(workspace.db).taskTraces(summary.runId);
  } finally {
    await workspace.close();
  }
  return {
    run: {
      status: summary.status, wallMs, cpuMs, resources: summary.resources, events: summary.events, writes: summary.writes,
      apiCalls: summary.apiCalls, tasks: summary.tasks, failures: summary.failures,
      slowestTaskMs: Math.max(0, ...traces.map((t) => t.durationMs)),
      ...(profile ? { profile } : {}),
    },
    traces,
  };
}
