import type { RunSummary } from '../dto/run-summary';
import type { TracedCall } from '../aws/call-trace';
import type { TaskResult } from '../dto/task';
import { Database, batchWrite, conditionalWrite, queryItems } from './dynamo';
import { isStoreCall } from '../aws/call-trace';

/** A finished run as stored: its summary, its sequence number, and the partitions it collected completely. */
export interface StoredRun extends RunSummary {
  seq: number;
  completePartitions: string[];
}

/** The counter sequence numbers are taken from; run ids never start with `#`. */
const SEQUENCE_KEY = { pk: '#SEQUENCE', sk: '#SEQUENCE' };
/** A run's sequence number, once taken, is kept under its run id. */
const RUN_SEQUENCE_SK = 'SEQ';

/** Sequence numbers this process has learned (or is learning), by run id: a Lambda container reuses them across tasks, and a local run's concurrent tasks ask once. */
const knownSequences = new Map<string, Promise<number>>();

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

/** What a trace item says of the whole task: on every chunk `saveTask` writes, and on those a writer writes last. */
interface TraceSummary {
  chunks: number;
  durationMs: number;
  /** Carried by the first chunk only. */
  result?: TaskResult;
}

/** The item of chunk `n` of a task's trace. */
function traceItem(runId: string, taskId: string, startedAt: string, n: number, calls: TracedCall[], summary?: TraceSummary) {
  return {
    pk: runId, sk: `TASK#${taskId}#${String(n).padStart(4, '0')}`, taskId, chunk: n,
    ...(summary ? { chunks: summary.chunks } : {}),
    startedAt,
    ...(summary ? { durationMs: summary.durationMs } : {}),
    ...(n === 0 && summary?.result ? { result: summary.result } : {}),
    calls,
  };
}

export class RunStore {
  constructor(private readonly db: Database) {}

  /**
   * A new sequence number, taken atomically: every observation (a run, a real-time ingestion) has its own, and a
   * later one is larger. Ordering observations by it needs no two clocks to agree.
   */
  async nextSequence(): Promise<number> {
    const output = await this.db.client.update({
      TableName: this.db.tables.runs,
      Key: SEQUENCE_KEY,
      UpdateExpression: 'ADD #value :one',
      ExpressionAttributeNames: { '#value': 'value' },
      ExpressionAttributeValues: { ':one': 1 },
      ReturnValues: 'UPDATED_NEW',
    });
    this.db.countWrites(1);
    return output.Attributes?.value as number;
  }

  /**
   * The run's sequence number: the first of its tasks to ask takes one and records it under the run id; the
   * others (and retries, and Finalize) read it. Two tasks asking at once: one record wins, both use it.
   */
  sequenceOf(runId: string): Promise<number> {
    let known = knownSequences.get(runId);
    if (!known) {
      known = this.takeSequenceOf(runId);
      knownSequences.set(runId, known);
      known.catch(() => knownSequences.delete(runId));
    }
    return known;
  }

  private async takeSequenceOf(runId: string): Promise<number> {
    const key = { pk: runId, sk: RUN_SEQUENCE_SK };
    const recorded = (await this.db.client.get({ TableName: this.db.tables.runs, Key: key, ConsistentRead: true })).Item?.seq as number | undefined;
    if (recorded !== undefined) return recorded;
    const taken = await this.nextSequence();
    const written = await conditionalWrite(this.db, () => this.db.client.put({
      TableName: this.db.tables.runs, Item: { ...key, seq: taken }, ConditionExpression: 'attribute_not_exists(pk)',
    }));
    return written ? taken : ((await this.db.client.get({ TableName: this.db.tables.runs, Key: key, ConsistentRead: true })).Item?.seq as number);
  }

  async saveRun(run: StoredRun): Promise<void> {
    await this.db.client.put({ TableName: this.db.tables.runs, Item: { pk: run.runId, sk: 'RUN', kind: 'run', ...run } });
    this.db.countWrites(1);
  }

  async getRun(runId: string): Promise<StoredRun | undefined> {
    const output = await this.db.client.get({ TableName: this.db.tables.runs, Key: { pk: runId, sk: 'RUN' } });
    return output.Item as StoredRun | undefined;
  }

  /** Finished runs whose sequence number is above `after` (all when absent), oldest first. */
  async runsAfter(after?: number): Promise<StoredRun[]> {
    const runs: StoredRun[] = [];
    for await (const item of queryItems(this.db, {
      TableName: this.db.tables.runs,
      IndexName: 'bySeq',
      KeyConditionExpression: after !== undefined ? 'kind = :kind AND seq > :after' : 'kind = :kind',
      ExpressionAttributeValues: after !== undefined ? { ':kind': 'run', ':after': after } : { ':kind': 'run' },
    })) runs.push(item as unknown as StoredRun);
    return runs;
  }

  async latestRun(): Promise<StoredRun | undefined> {
    for await (const item of queryItems(this.db, {
      TableName: this.db.tables.runs,
      IndexName: 'bySeq',
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
      IndexName: 'bySeq',
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
        Item: traceItem(runId, trace.taskId, trace.startedAt, n, trace.calls.slice(n * CALLS_PER_TRACE_ITEM, (n + 1) * CALLS_PER_TRACE_ITEM), {
          chunks, durationMs: trace.durationMs, ...(result ? { result } : {}),
        }),
      },
    }));
    await batchWrite(this.db, this.db.tables.runs, requests);
  }

  /** A task's trace written while the task runs, so that its calls are not all held until it ends. */
  traceWriter(runId: string, taskId: string, startedAt: string, detach: DetachedWrite): TaskTraceWriter {
    return new TaskTraceWriter(this.db, runId, taskId, startedAt, detach);
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

/** Runs a chunk's write apart from the task, so that the write's own store call is not traced into the task. */
export type DetachedWrite = (write: () => Promise<void>) => Promise<void>;

/**
 * Streams a task's trace into the runs table: each chunk after the first is written as soon as it is full,
 * so a task holds two chunks of calls at most however many it makes (a region with 100,000 instances makes
 * hundreds of thousands of store calls). The first chunk, which carries the result and the duration, and
 * the last, partial one are written by `finish`. The items are those `saveTask` writes, except that the
 * chunks written early do not repeat the duration and the chunk count, which readers take from the first.
 */
export class TaskTraceWriter {
  /** The trace's items are counted in the task's result (`taskItemCount`), not by the task's store handle. */
  private readonly db: Database;
  private readonly head: TracedCall[] = [];
  private tail: TracedCall[] = [];
  /** Chunks written so far after the first (1 … written). */
  private written = 0;
  private flushing: Promise<void> = Promise.resolve();
  private failure: unknown;
  /** Calls recorded. */
  calls = 0;
  /** Calls recorded that were not the store's. */
  awsCalls = 0;
  /** Throttled attempts the SDK retried, over all of the task's calls. */
  throttles = 0;

  constructor(db: Database, private readonly runId: string, private readonly taskId: string, private readonly startedAt: string, private readonly detach: DetachedWrite) {
    this.db = new Database(db.client, db.tables);
  }

  record(call: TracedCall): void {
    this.calls++;
    if (!isStoreCall(call)) this.awsCalls++;
    this.throttles += call.throttles;
    if (this.head.length < CALLS_PER_TRACE_ITEM) {
      this.head.push(call);
      return;
    }
    this.tail.push(call);
    if (this.tail.length < CALLS_PER_TRACE_ITEM) return;
    const item = traceItem(this.runId, this.taskId, this.startedAt, ++this.written, this.tail);
    this.tail = [];
    this.flushing = this.flushing
      .then(() => this.detach(() => batchWrite(this.db, this.db.tables.runs, [{ PutRequest: { Item: item } }])))
      .catch((error: unknown) => { this.failure ??= error; });
  }

  /** Items the trace takes (as `taskItemCount`). */
  get items(): number {
    return taskItemCount(this.calls);
  }

  /** Writes the first chunk, with the result, and the last; fails if a chunk written earlier could not be. */
  async finish(result: TaskResult | undefined, durationMs: number): Promise<void> {
    await this.flushing;
    if (this.failure) throw this.failure;
    const summary: TraceSummary = { chunks: this.items, durationMs, ...(result ? { result } : {}) };
    const requests = [{ PutRequest: { Item: traceItem(this.runId, this.taskId, this.startedAt, 0, this.head, summary) } }];
    if (this.tail.length > 0) requests.push({ PutRequest: { Item: traceItem(this.runId, this.taskId, this.startedAt, this.written + 1, this.tail, summary) } });
    await batchWrite(this.db, this.db.tables.runs, requests);
  }
}
