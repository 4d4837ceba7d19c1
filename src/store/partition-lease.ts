import { setTimeout as sleep } from 'node:timers/promises';
import { conditionalWrite, isConditionalFailure, queryItems, type Database } from './dynamo';
import type { Observation } from './resource-store';
import type { ResourceRecord } from '../services/resource-type';

/**
 * Who may write a partition's records without conditions. A run's collect task writes a partition's records by
 * BatchWriteItem (25 a request), which cannot be conditional; the condition that kept an older observation from
 * overwriting a newer one moves to the partition: one writer at a time holds its lease.
 *
 * * A run's task acquires the lease before it reads the partition's index and releases it when it is done. A
 *   partition held by another writer is waited for; a holder whose heartbeat has not moved for `leaseMs` (measured
 *   on the waiter's own monotonic clock, never compared with another machine's) is taken to be dead — a killed
 *   process, a timed-out Lambda — and its lease taken over.
 * * A holder confirms the lease before every batch (and a timer beats it meanwhile); one that finds it lost stops
 *   before writing, and its partition is not reconciled.
 * * A real-time update of a held partition is posted to the partition's inbox instead; the holder applies every
 *   posted update (conditionally, by sequence number) before it lets the lease go, and cannot let it go while one
 *   is being posted (the `posted` counter is the release's condition).
 *
 * The lease's items live in the runs table: `LEASE#<partition>` (the lease) and `INBOX#<partition>` (posted updates).
 */
export interface LeaseSettings {
  /** A holder whose heartbeat has not moved for this long is taken for dead. Must exceed any pause of a live holder. */
  leaseMs: number;
  /** How long a writer waits for a held partition before it gives up (the partition then fails, deleting nothing). */
  maxWaitMs: number;
}

export const DEFAULT_LEASE_SETTINGS: LeaseSettings = { leaseMs: 60_000, maxWaitMs: 10 * 60_000 };

/** The partition is held by another writer that is alive, for longer than this writer may wait. */
export class PartitionBusyError extends Error {
  override readonly name = 'PartitionBusy';
}

/** The lease was taken over (this holder was taken for dead): nothing more may be written. */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLost';
}

/** A real-time observation posted to a held partition's inbox: a record seen, or an id the describe no longer found. */
export interface PostedUpdate {
  at: Observation;
  record?: ResourceRecord;
  hash?: string;
  missingId?: string;
}

/** Applies posted updates, conditionally, by their own sequence numbers (the resource store's `apply`/`markDeleted`). */
export type ApplyPosted = (updates: PostedUpdate[]) => Promise<void>;

const leaseKey = (partition: string) => ({ pk: `LEASE#${partition}`, sk: 'LEASE' });
const inboxKey = (partition: string) => `INBOX#${partition}`;
/** Posted updates are kept a week after they are applied (DynamoDB's TTL on `expiresAt`, where the stack enables it). */
const INBOX_RETENTION_SECONDS = 7 * 24 * 3600;

interface LeaseItem {
  holder?: string;
  beat?: number;
  active?: boolean;
  posted?: number;
  /** How many times the lease was taken: a writer that read the partition when it was at N knows nobody wrote since if it takes it at N. */
  generation?: number;
}

export class PartitionLease {
  private lastConfirmed = performance.now();
  private lost: unknown;
  private readonly timer: NodeJS.Timeout;

  private constructor(
    private readonly db: Database, readonly partition: string, private readonly holder: string, private readonly settings: LeaseSettings,
    /** Nobody took the lease between `generation()` and this acquisition: what the holder read of the partition since is current. */
    readonly fresh: boolean,
    /** The lease's `posted` count when it was taken: more since, and real-time updates wait in the inbox. */
    private readonly postedAtStart = 0,
  ) {
    // Keeps the lease alive while a listing waits on AWS between batches.
    this.timer = setInterval(() => { void this.beat().catch((error: unknown) => { this.lost ??= error; }); }, settings.leaseMs / 4);
    this.timer.unref();
  }

  /** The lease's generation now, read before the partition is: `acquire` then says whether anyone wrote it since. */
  static async generation(db: Database, partition: string): Promise<number> {
    return (await readLease(db, partition)).generation ?? 0;
  }

  /**
   * Takes the partition's lease for `holder` (a run id: a retry of the same run's task takes its own lease back at
   * once), waiting while another live writer holds it. `readAt`: the generation when the holder read the partition.
   */
  static async acquire(db: Database, partition: string, holder: string, settings: LeaseSettings, readAt?: number): Promise<PartitionLease> {
    const started = performance.now();
    let seen: { holder?: string; beat?: number; since: number } | undefined;
    for (let attempt = 0; ; attempt++) {
      const taken = await tryTake(db, partition, holder, seen && performance.now() - seen.since >= settings.leaseMs ? seen : undefined);
      if (taken) return new PartitionLease(db, partition, holder, settings, taken.generation === readAt, taken.posted);
      const current = await readLease(db, partition);
      if (!seen || current.holder !== seen.holder || current.beat !== seen.beat) seen = { holder: current.holder, beat: current.beat, since: performance.now() };
      if (performance.now() - started > settings.maxWaitMs) {
        throw new PartitionBusyError(`${partition} is being written by ${current.holder ?? 'another writer'} (alive: its lease was renewed within the last ${Math.round(settings.leaseMs / 1000)} s); waited ${Math.round(settings.maxWaitMs / 1000)} s. Nothing was changed; the next run collects it.`);
      }
      await sleep(Math.min(settings.leaseMs / 6, 250 * 2 ** Math.min(attempt, 4)));
    }
  }

  /**
   * Posts a real-time update to a partition held by another writer, or — when nobody holds it — takes the lease
   * itself so that the caller writes directly. Returns the lease when the caller is to write (and release it).
   */
  static async postOrAcquire(db: Database, partition: string, holder: string, update: PostedUpdate[], settings: LeaseSettings): Promise<PartitionLease | undefined> {
    for (let attempt = 0; attempt < 20; attempt++) {
      if (await tryTake(db, partition, holder)) return new PartitionLease(db, partition, holder, settings, false);
      const current = await readLease(db, partition);
      if (!current.active || !current.holder) continue;
      await db.client.put({
        TableName: db.tables.runs,
        Item: {
          pk: inboxKey(partition), sk: `${String(update[0]?.at.seq ?? 0).padStart(12, '0')}#${holder}`, updates: update,
          expiresAt: Math.floor(Date.now() / 1000) + INBOX_RETENTION_SECONDS,
        },
      });
      db.countWrites(1);
      // Counted only while the same holder still holds it: that holder cannot release before it applied this one.
      const counted = await conditionalWrite(db, () => db.client.update({
        TableName: db.tables.runs, Key: leaseKey(partition),
        UpdateExpression: 'ADD posted :one', ConditionExpression: 'holder = :holder AND active = :true',
        ExpressionAttributeValues: { ':one': 1, ':holder': current.holder, ':true': true },
      }));
      if (counted) return undefined;
      // Released meanwhile: the posted update may have been missed; take the lease (and apply it) ourselves.
    }
    throw new PartitionBusyError(`${partition}: could neither post the update nor take the lease after 20 attempts`);
  }

  /**
   * The resources real-time updates posted while this lease was held and not yet applied: the holder leaves them to
   * those (newer) updates, applied when it lets go, instead of writing its older observation of them first.
   */
  async postedIds(): Promise<Set<string>> {
    const ids = new Set<string>();
    const { posted = 0 } = await readLease(this.db, this.partition);
    if (posted === this.postedAtStart) return ids;
    for (const { updates } of await this.unapplied()) {
      for (const update of updates) {
        const id = update.record?.id ?? update.missingId;
        if (id) ids.add(id);
      }
    }
    return ids;
  }

  private async unapplied(): Promise<{ sk: string; updates: PostedUpdate[] }[]> {
    const pending: { sk: string; updates: PostedUpdate[] }[] = [];
    for await (const item of queryItems(this.db, {
      TableName: this.db.tables.runs,
      KeyConditionExpression: 'pk = :pk',
      FilterExpression: 'attribute_not_exists(appliedBy)',
      ExpressionAttributeValues: { ':pk': inboxKey(this.partition) },
      ConsistentRead: true,
    })) pending.push(item as unknown as { sk: string; updates: PostedUpdate[] });
    return pending;
  }

  /** Before a batch: the lease is still this holder's, renewed if it has not been for a while. */
  async confirm(): Promise<void> {
    if (this.lost) throw this.lost;
    if (performance.now() - this.lastConfirmed > this.settings.leaseMs / 3) await this.beat();
  }

  private async beat(): Promise<void> {
    const attempt = performance.now();
    try {
      await this.db.client.update({
        TableName: this.db.tables.runs, Key: leaseKey(this.partition),
        UpdateExpression: 'ADD beat :one', ConditionExpression: 'holder = :holder AND active = :true',
        ExpressionAttributeValues: { ':one': 1, ':holder': this.holder, ':true': true },
      });
    } catch (error) {
      if (!isConditionalFailure(error)) throw error;
      this.lost ??= new LeaseLostError(`${this.partition}: another writer took the lease over (this one had not renewed it for ${Math.round(performance.now() - this.lastConfirmed)} ms); nothing more is written`);
      throw this.lost;
    }
    this.lastConfirmed = attempt;
  }

  /**
   * Applies the updates posted while the lease was held, then lets it go — unless another was posted meanwhile, in
   * which case that one is applied first. A lease that was lost is not released (its new holder has it).
   */
  async release(apply: ApplyPosted): Promise<void> {
    clearInterval(this.timer);
    if (this.lost) return;
    for (;;) {
      const { posted = 0 } = await readLease(this.db, this.partition);
      for (const { sk, updates } of await this.unapplied()) {
        await apply(updates);
        await this.db.client.update({
          TableName: this.db.tables.runs, Key: { pk: inboxKey(this.partition), sk },
          UpdateExpression: 'SET appliedBy = :holder', ExpressionAttributeValues: { ':holder': this.holder },
        });
        this.db.countWrites(1);
      }
      const released = await conditionalWrite(this.db, () => this.db.client.update({
        TableName: this.db.tables.runs, Key: leaseKey(this.partition),
        UpdateExpression: 'SET active = :false', ConditionExpression: 'holder = :holder AND posted = :posted',
        ExpressionAttributeValues: { ':false': false, ':holder': this.holder, ':posted': posted },
      }));
      if (released) return;
      const current = await readLease(this.db, this.partition);
      if (current.holder !== this.holder) return;
    }
  }

  /** Stops beating without releasing: the lease is left to expire (a holder whose writes failed midway). */
  abandon(): void {
    clearInterval(this.timer);
  }
}

/**
 * Takes the lease when it is free, already this holder's, or (`takeOver`) still as it was seen when its holder went
 * quiet; returns the generation it was at before, or undefined when it is held.
 */
async function tryTake(db: Database, partition: string, holder: string, takeOver?: { holder?: string; beat?: number }): Promise<{ generation: number; posted: number } | undefined> {
  const stale = takeOver?.holder !== undefined && takeOver.beat !== undefined;
  const written = await conditionalWrite(db, () => db.client.update({
    TableName: db.tables.runs, Key: leaseKey(partition),
    UpdateExpression: 'SET holder = :holder, active = :true, posted = if_not_exists(posted, :zero) ADD beat :one, generation :one',
    ReturnValues: 'UPDATED_OLD',
    ConditionExpression: stale
      ? 'holder = :seenHolder AND beat = :seenBeat'
      : 'attribute_not_exists(pk) OR active = :false OR holder = :holder',
    ExpressionAttributeValues: {
      ':holder': holder, ':true': true, ':zero': 0, ':one': 1,
      ...(stale ? { ':seenHolder': takeOver.holder, ':seenBeat': takeOver.beat } : { ':false': false }),
    },
  }));
  return written && { generation: (written.Attributes?.generation as number | undefined) ?? 0, posted: (written.Attributes?.posted as number | undefined) ?? 0 };
}

async function readLease(db: Database, partition: string): Promise<LeaseItem> {
  const output = await db.client.get({ TableName: db.tables.runs, Key: leaseKey(partition), ConsistentRead: true });
  return (output.Item ?? {}) as LeaseItem;
}
