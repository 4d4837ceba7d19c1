import { batchGet, conditionalWrite, queryItems, type Database } from '../store/dynamo';

/**
 * The heartbeat's items, in the runs table beside the runs (keys no run id takes: run ids never start with `#`):
 *
 * | item | key | written |
 * |---|---|---|
 * | the last run that collected something | `#HEARTBEAT` / `SUCCESS` | by Finalize, once per such run |
 * | the first heartbeat (a new install's grace) | `#HEARTBEAT` / `FIRST` | once, by the first heartbeat |
 * | a partition's streak of incomplete runs | `#STALE#<account>` / partition | by AccountDone, only for partitions in trouble |
 *
 * Reading the last success is one GetItem; an account's streaks are one Query of its key, which holds only
 * partitions that went stale at some point (writes and reads in proportion to trouble, not to the inventory).
 */
const HEARTBEAT_PK = '#HEARTBEAT';
const SUCCESS_KEY = { pk: HEARTBEAT_PK, sk: 'SUCCESS' };
const FIRST_KEY = { pk: HEARTBEAT_PK, sk: 'FIRST' };
const streakPk = (accountId: string) => `#STALE#${accountId}`;

/** Older runs are looked back through for a store written before the SUCCESS item existed. */
const RUNS_LOOKED_BACK = 100;

export interface LastSuccess {
  seq: number;
  runId: string;
  startedAt: string;
  finishedAt: string;
}

/** One run that did not collect a partition completely, until a later AccountDone knows whether the run finished. */
export interface PendingMiss {
  seq: number;
  runId: string;
  startedAt: string;
}

/**
 * A partition's streak. `confirmed`: runs in a row, all finished, that did not collect it completely; `pending`: the
 * latest such run, counted once it is known to have finished (a run that never finished counts nothing). A complete
 * collection resets it (`confirmed` 0, no `pending`, `lastComplete` its run's start) rather than deleting it.
 */
export interface Streak {
  partition: string;
  confirmed: number;
  pending?: PendingMiss;
  /** The start of the first run of the streak. */
  since?: string;
  /** The start of the last run that collected the partition completely, when known. */
  lastComplete?: string;
  /** The sequence number of the last observation written (miss or complete): an older one never overwrites it. */
  seq: number;
}

export class HeartbeatStore {
  constructor(private readonly db: Database) {}

  private get table(): string {
    return this.db.tables.runs;
  }

  /** Finalize records a run that collected something; an older run finishing late never moves it back. */
  async recordSuccess(success: LastSuccess): Promise<void> {
    await conditionalWrite(this.db, () => this.db.client.put({
      TableName: this.table,
      Item: { ...SUCCESS_KEY, ...success },
      ConditionExpression: 'attribute_not_exists(pk) OR seq < :seq',
      ExpressionAttributeValues: { ':seq': success.seq },
    }));
  }

  /**
   * The last run that collected something. A store older than the SUCCESS item is looked back through, newest first
   * (the bySeq index, at most RUNS_LOOKED_BACK runs), and the item written so that the next heartbeat reads one item.
   */
  async lastSuccess(collected: (run: Record<string, unknown>) => boolean): Promise<LastSuccess | undefined> {
    const item = (await this.db.client.get({ TableName: this.table, Key: SUCCESS_KEY, ConsistentRead: true })).Item;
    if (item) return { seq: item.seq as number, runId: item.runId as string, startedAt: item.startedAt as string, finishedAt: item.finishedAt as string };
    let looked = 0;
    for await (const run of queryItems(this.db, {
      TableName: this.table, IndexName: 'bySeq', KeyConditionExpression: 'kind = :kind',
      ExpressionAttributeValues: { ':kind': 'run' }, ScanIndexForward: false, Limit: 25,
      ProjectionExpression: 'runId, seq, startedAt, finishedAt, #tasks', ExpressionAttributeNames: { '#tasks': 'tasks' },
    })) {
      if (collected(run)) {
        const success = { seq: run.seq as number, runId: run.runId as string, startedAt: run.startedAt as string, finishedAt: run.finishedAt as string };
        await this.recordSuccess(success);
        return success;
      }
      if (++looked >= RUNS_LOOKED_BACK) break;
    }
    return undefined;
  }

  /** When the first heartbeat ran: recorded by it (`now`), and kept. */
  async firstHeartbeat(now: string): Promise<string> {
    const item = (await this.db.client.get({ TableName: this.table, Key: FIRST_KEY, ConsistentRead: true })).Item;
    if (item) return item.at as string;
    const written = await conditionalWrite(this.db, () => this.db.client.put({
      TableName: this.table, Item: { ...FIRST_KEY, at: now }, ConditionExpression: 'attribute_not_exists(pk)',
    }));
    if (written) return now;
    return (await this.db.client.get({ TableName: this.table, Key: FIRST_KEY, ConsistentRead: true })).Item?.at as string;
  }

  /** The account's streaks, stale or reset: one Query. */
  async streaksOf(accountId: string): Promise<Streak[]> {
    const streaks: Streak[] = [];
    for await (const item of queryItems(this.db, {
      TableName: this.table, KeyConditionExpression: 'pk = :pk', ConsistentRead: true, ExpressionAttributeValues: { ':pk': streakPk(accountId) },
    })) {
      streaks.push({
        partition: item.sk as string, confirmed: item.confirmed as number, seq: item.seq as number,
        ...(item.pending ? { pending: item.pending as PendingMiss } : {}),
        ...(item.since ? { since: item.since as string } : {}),
        ...(item.lastComplete ? { lastComplete: item.lastComplete as string } : {}),
      });
    }
    return streaks;
  }

  /** Writes a streak as it stands after an observation; a newer observation already written wins (a late retry). */
  async saveStreak(accountId: string, streak: Streak): Promise<void> {
    const { partition, ...fields } = streak;
    await conditionalWrite(this.db, () => this.db.client.put({
      TableName: this.table,
      Item: { pk: streakPk(accountId), sk: partition, ...fields },
      ConditionExpression: 'attribute_not_exists(pk) OR seq < :seq',
      ExpressionAttributeValues: { ':seq': streak.seq },
    }));
  }

  /** Which of `runIds` finished (Finalize stored their run item): one BatchGetItem per 100. */
  async finishedRuns(runIds: readonly string[]): Promise<Set<string>> {
    const items = await batchGet(this.db, this.table, [...new Set(runIds)].map((pk) => ({ pk, sk: 'RUN' })), { expression: 'pk' });
    return new Set(items.map((item) => item.pk as string));
  }

  /**
   * When each of `partitions` of `accountId` was last collected completely, among the last `runs` finished runs: one
   * Query of the bySeq index and one BatchGetItem of those runs' COMPLETE# items.
   */
  async lastCompleteAmong(accountId: string, partitions: readonly string[], runs: number): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    if (partitions.length === 0) return found;
    const recent: { runId: string; startedAt: string }[] = [];
    const page = await this.db.client.query({
      TableName: this.table, IndexName: 'bySeq', KeyConditionExpression: 'kind = :kind', ExpressionAttributeValues: { ':kind': 'run' },
      ProjectionExpression: 'runId, startedAt', ScanIndexForward: false, Limit: runs,
    });
    for (const item of page.Items ?? []) recent.push({ runId: item.runId as string, startedAt: item.startedAt as string });
    const items = await batchGet(this.db, this.table, recent.map((r) => ({ pk: r.runId, sk: `COMPLETE#${accountId}` })));
    const complete = new Map(items.map((item) => [item.pk as string, new Set(item.partitions as string[])]));
    for (const partition of partitions) {
      const run = recent.find((r) => complete.get(r.runId)?.has(partition));
      if (run) found.set(partition, run.startedAt);
    }
    return found;
  }
}
