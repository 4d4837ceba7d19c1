import type { SkippedTarget } from '../dto/run-summary';
import { summarizeRun, type RunSummary } from '../dto/run-summary';
import { failedTaskResult, type TaskResult } from '../dto/task';
import type { Database } from '../store/dynamo';
import { RunStore } from '../store/run-store';
import { expectArray, expectRecord, expectString, isRecord } from '../dto/validation';
import { parseSchemaVersion } from '../dto/collection-request';

/** What the Map hands Finalize per task: an outcome only (results themselves are in the runs table). */
export type TaskOutcome = { taskId: string; status: string } | { status: 'failed'; caught: Record<string, unknown> };

export interface FinalizeRequest {
  mode: 'finalize';
  runId: string;
  startedAt: string;
  skipped: SkippedTarget[];
  outcomes: TaskOutcome[];
}

export function parseFinalizeRequest(input: unknown): FinalizeRequest {
  const record = expectRecord(input, 'FinalizeRequest');
  parseSchemaVersion(record.schemaVersion, 'FinalizeRequest.schemaVersion', false);
  return {
    mode: 'finalize',
    runId: expectString(record.runId, 'FinalizeRequest.runId'),
    startedAt: expectString(record.startedAt, 'FinalizeRequest.startedAt'),
    skipped: expectArray(record.skipped, 'FinalizeRequest.skipped') as SkippedTarget[],
    outcomes: expectArray(record.outcomes, 'FinalizeRequest.outcomes').map((o, i) => expectRecord(o, `FinalizeRequest.outcomes[${i}]`)) as TaskOutcome[],
  };
}

/** Closes a run: gathers every task's result, stores the run summary and the partitions it collected completely. */
export async function finalizeRun(request: FinalizeRequest, db: Database, now = new Date()): Promise<RunSummary> {
  const runs = new RunStore(db);
  const stored = new Map((await runs.taskResults(request.runId)).map((r) => [r.taskId, r]));
  const results: TaskResult[] = request.outcomes.map((outcome) => {
    if ('caught' in outcome) {
      const { failure, ...task } = outcome.caught;
      return failedTaskResult(task, isRecord(failure) ? (failure as { Error?: string; Cause?: string }) : {});
    }
    const result = stored.get(outcome.taskId);
    if (!result) throw new Error(`run ${request.runId}: task ${outcome.taskId} reported ${outcome.status} but stored no result`);
    return result;
  });
  const completePartitions = [...new Set(results.flatMap((r) => r.completePartitions))].sort();
  const summary = summarizeRun(
    { runId: request.runId, startedAt: request.startedAt, finishedAt: now.toISOString(), skipped: request.skipped, extraWrites: 1 /* the run item itself */ },
    results,
  );
  await runs.saveRun({ ...summary, completePartitions });
  return summary;
}
