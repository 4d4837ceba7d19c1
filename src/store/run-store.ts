import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { RunSummary } from '../dto/run-summary';
import type { TracedCall } from '../aws/call-trace';
import type { TaskResult } from '../dto/task';
import { batchWrite, queryItems, type Database } from './dynamo';

/** A finished run as stored: its summary plus the partitions it collected completely. */
export interface StoredRun extends RunSummary {
  completePartitions: string[];
}

/** A task's calls, stored with its run. */
export interface TaskTrace {
  taskId: string;
  startedAt: string;
  durationMs: number;
  calls: TracedCall[];
}

/** DynamoDB items hold at most 400 KB: long traces are split into chunks well below it. */
const CALLS_PER_TRACE_ITEM = 500;

/** Items a task's result and calls take in the runs table. */
export function taskItemCount(calls: number): number {
  return Math.max(1, Math.ceil(calls / CALLS_PER_TRACE_ITEM));
}

export class RunStore {
  constructor(private readonly db: Database) {}

  async saveRun(run: StoredRun): Promise<void> {
    await this.db.client.send(new PutCommand({ TableName: this.db.tables.runs, Item: { pk: run.runId, sk: 'RUN', kind: 'run', ...run } }));
    this.db.countWrites(1);
  }

  async getRun(runId: string): Promise<StoredRun | undefined> {
    const output = await this.db.client.send(new GetCommand({ TableName: this.db.tables.runs, Key: { pk: runId, sk: 'RUN' } }));
    return output.Item as StoredRun | undefined;
  }

  /** Runs that started after `since` (all when absent), oldest first. */
  async runsSince(since?: string): Promise<StoredRun[]> {
    const runs: StoredRun[] = [];
    for await (const item of queryItems(this.db, {
      TableName: this.db.tables.runs,
      IndexName: 'byStartedAt',
      KeyConditionExpression: since ? 'kind = :kind AND startedAt > :since' : 'kind = :kind',
      ExpressionAttributeValues: since ? { ':kind': 'run', ':since': since } : { ':kind': 'run' },
    })) runs.push(item as unknown as StoredRun);
    return runs;
  }

  async latestRun(): Promise<StoredRun | undefined> {
    for await (const item of queryItems(this.db, {
      TableName: this.db.tables.runs,
      IndexName: 'byStartedAt',
      KeyConditionExpression: 'kind = :kind',
      ExpressionAttributeValues: { ':kind': 'run' },
      ScanIndexForward: false,
      Limit: 1,
    })) return item as unknown as StoredRun;
    return undefined;
  }

  /** When `partition` was last collected completely: the start of the newest finished run that did. */
  async lastCompleteCollection(partition: string): Promise<string | undefined> {
    for await (const item of queryItems(this.db, {
      TableName: this.db.tables.runs,
      IndexName: 'byStartedAt',
      KeyConditionExpression: 'kind = :kind',
      ExpressionAttributeValues: { ':kind': 'run' },
      ProjectionExpression: 'startedAt, completePartitions',
      ScanIndexForward: false,
    })) {
      if ((item.completePartitions as string[] | undefined)?.includes(partition)) return item.startedAt as string;
    }
    return undefined;
  }

  /**
   * Stores a task's result with its calls. Keyed by task and chunk: a retried task overwrites its own
   * items instead of adding a second result.
   */
  async saveTask(runId: string, result: TaskResult | undefined, trace: TaskTrace): Promise<void> {
    const chunks = taskItemCount(trace.calls.length);
    const requests = Array.from({ length: chunks }, (_, n) => ({
      PutRequest: {
        Item: {
          pk: runId, sk: `TASK#${trace.taskId}#${String(n).padStart(4, '0')}`, taskId: trace.taskId, chunk: n, chunks,
          startedAt: trace.startedAt, durationMs: trace.durationMs,
          ...(n === 0 && result ? { result } : {}),
          calls: trace.calls.slice(n * CALLS_PER_TRACE_ITEM, (n + 1) * CALLS_PER_TRACE_ITEM),
        },
      },
    }));
    await batchWrite(this.db, this.db.tables.runs, requests);
  }

  async taskResults(runId: string): Promise<TaskResult[]> {
    const results: TaskResult[] = [];
    for await (const item of this.taskItems(runId)) if (item.result) results.push(item.result as TaskResult);
    return results;
  }

  async taskTraces(runId: string): Promise<TaskTrace[]> {
    const byTask = new Map<string, TaskTrace>();
    for await (const item of this.taskItems(runId)) {
      const taskId = item.taskId as string;
      const trace = byTask.get(taskId) ?? { taskId, startedAt: item.startedAt as string, durationMs: item.durationMs as number, calls: [] };
      trace.calls.push(...(item.calls as TracedCall[]));
      byTask.set(taskId, trace);
    }
    return [...byTask.values()].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  }

  private taskItems(runId: string): AsyncGenerator<Record<string, unknown>> {
    return queryItems(this.db, {
      TableName: this.db.tables.runs,
      KeyConditionExpression: 'pk = :run AND begins_with(sk, :task)',
      ExpressionAttributeValues: { ':run': runId, ':task': 'TASK#' },
    });
  }
}
