import type { Alarm } from '../finalize/alarms';
import type { EventCounts, ResourceCounts, TaskResult } from './task';
import { emptyEventCounts, emptyResourceCounts } from './task';

/** A target get-tasks did not collect, and why (a region not opted in, an account it could not reach). */
export interface SkippedTarget {
  accountId: string;
  region?: string;
  reason: string;
}

export interface TaskFailure {
  taskId: string;
  account: string;
  region: string;
  service?: string;
  type?: string;
  code: string;
  message: string;
}

/** What `cloudtap run --json` prints and what Finalize stores (shared/DESIGN.md, "Operator interface"). */
export interface RunSummary {
  runId: string;
  /** `succeeded`: every task succeeded or was skipped; `partial`: the run completed but some tasks failed. */
  status: 'succeeded' | 'partial';
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  tasks: { total: number; succeeded: number; failed: number; skipped: number };
  resources: ResourceCounts;
  events: EventCounts;
  /** DynamoDB items written by the run. */
  writes: number;
  apiCalls: number;
  failures: TaskFailure[];
  skipped: SkippedTarget[];
  /** Threshold transitions of this run (one alarm each). */
  alarms?: Alarm[];
  notes?: string[];
}

export function summarizeRun(
  run: { runId: string; startedAt: string; finishedAt: string; skipped: SkippedTarget[]; extraWrites: number },
  results: readonly TaskResult[],
): RunSummary {
  const resources = emptyResourceCounts();
  const events = emptyEventCounts();
  const tasks = { total: results.length + run.skipped.length, succeeded: 0, failed: 0, skipped: run.skipped.length };
  const failures: TaskFailure[] = [];
  let writes = run.extraWrites;
  let apiCalls = 0;
  for (const result of results) {
    tasks[result.status]++;
    for (const key of Object.keys(resources) as (keyof ResourceCounts)[]) resources[key] += result.resources[key];
    for (const key of Object.keys(events) as (keyof EventCounts)[]) events[key] += result.events[key];
    writes += result.writes;
    apiCalls += result.apiCalls;
    if (result.status !== 'failed') continue;
    const errors = result.errors.length > 0 ? result.errors : result.error ? [result.error] : [{ code: 'Unknown', message: 'the task failed' }];
    for (const error of errors) {
      failures.push({
        taskId: result.taskId, account: result.accountId, region: result.region,
        ...(result.service ? { service: result.service } : {}), ...(error.type ? { type: error.type } : {}),
        code: error.code, message: error.message,
      });
    }
  }
  return {
    runId: run.runId,
    status: tasks.failed > 0 ? 'partial' : 'succeeded',
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    durationMs: Date.parse(run.finishedAt) - Date.parse(run.startedAt),
    tasks, resources, events, writes, apiCalls, failures, skipped: run.skipped,
  };
}
