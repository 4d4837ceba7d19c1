import type { RunSummary } from '../dto/run-summary';
import type { TracedCall } from '../aws/call-trace';
import type { TaskResult } from '../dto/task';
import type { AccountTarget } from '../dto/collection-request';
import type { AccountSummary, SkippedTarget, SnapshotOutcome } from '../dto/run-summary';
import { Database, batchGet, batchWrite, conditionalWrite, queryItems } from './dynamo';
import { isStoreCall } from '../aws/call-trace';

/**
 * A finished run as stored: its summary, its sequence number, and the run-wide partitions it collected completely
 * (thresholds'); each account's complete partitions are in its own item (COMPLETE#<account>, `completeIn`).
 * Runs stored before accounts had their own items list every partition here.
 */
export interface StoredRun extends RunSummary {
  seq: number;
  completePartitions: string[];
}

/** One page of a run's account list, as GetTasks stored it. */
export interface AccountPage {
  accounts: AccountTarget[];
  /** Accounts of the organization not collected (not active), this page's share. */
  skipped: SkippedTarget[];
}

/** What GetTasks stored of the run's plan. */
export interface StoredPlan {
  pages: number;
  accounts: number;
  skipped: number;
  /** AWS calls GetTasks made (its trace is the run's `GetTasks` task). */
  apiCalls: number;
}

const pageKey = (runId: string, page: number) => ({ pk: runId, sk: `PAGE#${String(page).padStart(5, '0')}` });
const PLAN_SK = 'PLAN';
const ACCOUNT_PREFIX = 'ACCOUNT#';
const COMPLETE_PREFIX = 'COMPLETE#';

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

  /** What became of the run's snapshot export, on its item (which Finalize wrote): a run that has no item gets none. */
  async recordSnapshot(runId: string, snapshot: SnapshotOutcome): Promise<void> {
    await this.db.client.update({
      TableName: this.db.tables.runs, Key: { pk: runId, sk: 'RUN' },
      UpdateExpression: 'SET #snapshot = :snapshot', ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#snapshot': 'snapshot' }, ExpressionAttributeValues: { ':snapshot': snapshot },
    });
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
    const accountId = partition.split('#')[0] ?? '';
    for await (const item of queryItems(this.db, {
      TableName: this.db.tables.runs,
      IndexName: 'bySeq',
      KeyConditionExpression: 'kind = :kind',
      ExpressionAttributeValues: { ':kind': 'run' },
      ProjectionExpression: 'runId, startedAt, completePartitions',
      ScanIndexForward: false,
    })) {
      if ((item.completePartitions as string[] | undefined)?.includes(partition)) return item.startedAt as string;
      const complete = await this.completeIn([item.runId as string], [accountId]);
      if (complete.get(item.runId as string)?.has(partition)) return item.startedAt as string;
    }
    return undefined;
  }

  /**
   * Stores the run's account list in pages (`perPage` each, with the skipped accounts spread over them the same way),
   * the plan's counts, and GetTasks' own calls. Returns the number of pages (at least one, maybe empty).
   */
  async savePlan(runId: string, plan: { targets: AccountTarget[]; skipped: SkippedTarget[]; probe: TaskTrace; perPage: number }): Promise<number> {
    const pages = Math.max(1, Math.ceil(plan.targets.length / plan.perPage), Math.ceil(plan.skipped.length / plan.perPage));
    const items = Array.from({ length: pages }, (_, page) => ({
      ...pageKey(runId, page),
      accounts: plan.targets.slice(page * plan.perPage, (page + 1) * plan.perPage),
      skipped: plan.skipped.slice(page * plan.perPage, (page + 1) * plan.perPage),
    }));
    const stored: StoredPlan = { pages, accounts: plan.targets.length, skipped: plan.skipped.length, apiCalls: plan.probe.calls.filter((c) => !isStoreCall(c)).length };
    await batchWrite(this.db, this.db.tables.runs, [...items, { pk: runId, sk: PLAN_SK, ...stored }].map((Item) => ({ PutRequest: { Item } })));
    await this.saveTask(runId, undefined, plan.probe);
    return pages;
  }

  async plan(runId: string): Promise<StoredPlan | undefined> {
    const item = (await this.db.client.get({ TableName: this.db.tables.runs, Key: { pk: runId, sk: PLAN_SK }, ConsistentRead: true })).Item;
    return item ? { pages: item.pages as number, accounts: item.accounts as number, skipped: item.skipped as number, apiCalls: item.apiCalls as number } : undefined;
  }

  async accountPage(runId: string, page: number): Promise<AccountPage> {
    const item = (await this.db.client.get({ TableName: this.db.tables.runs, Key: pageKey(runId, page), ConsistentRead: true })).Item;
    if (!item) throw new Error(`run ${runId} has no page ${page} of accounts: GetTasks stored none (was the run started by another version of cloudtap?)`);
    return { accounts: item.accounts as AccountTarget[], skipped: item.skipped as SkippedTarget[] };
  }

  /** An account's part of the run and the partitions it collected completely, once its tasks are done (AccountDone). */
  async saveAccount(runId: string, summary: AccountSummary, completePartitions: string[]): Promise<void> {
    await batchWrite(this.db, this.db.tables.runs, [
      { PutRequest: { Item: { pk: runId, sk: `${ACCOUNT_PREFIX}${summary.accountId}`, summary } } },
      { PutRequest: { Item: { pk: runId, sk: `${COMPLETE_PREFIX}${summary.accountId}`, partitions: completePartitions } } },
    ]);
  }

  async accountSummaries(runId: string): Promise<AccountSummary[]> {
    const summaries: AccountSummary[] = [];
    for await (const item of queryItems(this.db, {
      TableName: this.db.tables.runs,
      KeyConditionExpression: 'pk = :run AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':run': runId, ':prefix': ACCOUNT_PREFIX },
    })) summaries.push(item.summary as AccountSummary);
    return summaries;
  }

  /** The partitions each of `runIds` collected completely in each of `accountIds` (one BatchGetItem per 100 pairs). */
  async completeIn(runIds: readonly string[], accountIds: readonly string[]): Promise<Map<string, Set<string>>> {
    const keys = runIds.flatMap((pk) => accountIds.map((accountId) => ({ pk, sk: `${COMPLETE_PREFIX}${accountId}` })));
    const complete = new Map<string, Set<string>>(runIds.map((runId) => [runId, new Set<string>()]));
    for (const item of await batchGet(this.db, this.db.tables.runs, keys)) {
      for (const partition of item.partitions as string[]) complete.get(item.pk as string)?.add(partition);
    }
    return complete;
  }

  /** The stored results of some of a run's tasks (the first item of each, its result only). */
  async resultsOf(runId: string, taskIds: readonly string[]): Promise<Map<string, TaskResult>> {
    const items = await batchGet(this.db, this.db.tables.runs, taskIds.map((taskId) => ({ pk: runId, sk: `TASK#${taskId}#0000` })), {
      expression: '#result', names: { '#result': 'result' },
    });
    return new Map(items.filter((i) => i.result).map((i) => [(i.result as TaskResult).taskId, i.result as TaskResult]));
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
