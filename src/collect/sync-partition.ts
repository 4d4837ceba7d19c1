import type { ResourceRecord } from '../services/resource-type';
import { NO_FACTS, type RegionFacts, type TapRule } from '../services/rule';
import { EventSync, type EventSyncContext } from '../events/event-sync';
import { ResourceStore, recordHash, type ChangedRecord, type Observation } from '../store/resource-store';
import { PartitionLease, type LeaseSettings, type PostedUpdate } from '../store/partition-lease';
import type { Database } from '../store/dynamo';
import { chunked, mapWithConcurrency } from '../util/concurrency';
import { readAhead } from '../services/pages';
import { PartitionIndex } from './partition-index';
import type { EventCounts, ResourceCounts } from '../dto/task';

/** DynamoDB writes in flight per partition: enough to hide the round trip, few enough not to throttle a table. */
const WRITES_IN_FLIGHT = 16;

export interface SyncContext extends EventSyncContext {
  resources: ResourceStore;
  /** The store the partition leases are kept in (the runs table). */
  db: Database;
  lease: LeaseSettings;
}

async function runWrites(writes: (() => Promise<void>)[]): Promise<void> {
  await mapWithConcurrency(writes, WRITES_IN_FLIGHT, (write) => write());
}

export interface PartitionSource {
  partition: string;
  /** Pages of preprocessed records, straight from the paginated calls. */
  pages: AsyncIterable<ResourceRecord[]>;
  volatileFields: readonly string[];
  rules: readonly TapRule[];
  /** Never reconcile deletions (observations that stay once seen). */
  appendOnly?: boolean;
  /** Facts some of the rules read; the listing waits for them (a failure to learn them fails this partition). */
  facts?: Promise<RegionFacts>;
  /**
   * A targeted observation of these resources only (a real-time refresh): what the pages hold is upserted, those of
   * the ids the pages do not hold are gone (the describe answered that they no longer exist), and no other record or
   * event of the partition is touched. Its occurrences count at once (no run ledger counts them).
   */
  only?: ReadonlySet<string>;
}

export interface PartitionOutcome {
  resources: ResourceCounts;
  events: EventCounts;
  /** Updates handed to the run writing the partition at the time, which applies them before it lets go. */
  posted: number;
}

/**
 * Brings one partition of the store in line with what was just listed: new records created, changed ones
 * updated with history, unchanged ones not written at all, and — only because the listing completed —
 * records no longer listed marked deleted and their open events cleared. If listing throws, nothing is
 * deleted or cleared: the error propagates before reconciliation.
 *
 * The partition's records are written under its lease (`PartitionLease`), taken at the first record to write (an
 * unchanged partition costs no write for it): by BatchWriteItem, 25 items a request, when nobody wrote the
 * partition since its index was read and no stored record is newer than this run's observation; one conditional
 * write at a time otherwise (an overlapping newer run or a real-time update got there first, and must not be
 * overwritten).
 */
export async function syncPartition(source: PartitionSource, context: SyncContext): Promise<PartitionOutcome> {
  const writer = source.only ? new TargetedWriter(source.partition, context, source.only) : new PartitionWriter(source.partition, context);
  try {
    const outcome = await syncListing(source, context, writer);
    await writer.release();
    return outcome;
  } catch (error) {
    await writer.release().catch(() => writer.abandon());
    throw error;
  }
}

/** The partition's lease, taken when the first record is to be written, and how its records are written under it. */
class PartitionWriter {
  protected lease: PartitionLease | undefined;
  private batched = false;
  /** The lease's generation and the newest stored observation, when the index was read. */
  private readAt = 0;
  private newestStored = 0;
  posted = 0;

  constructor(protected readonly partition: string, protected readonly context: SyncContext) {}

  async readIndex(index: PartitionIndex): Promise<void> {
    this.readAt = await PartitionLease.generation(this.context.db, this.partition);
    for await (const { id, hash, deleted, seq } of this.context.resources.indexEntries(this.partition)) {
      index.addStored(id, hash, deleted);
      if (seq > this.newestStored) this.newestStored = seq;
    }
  }

  private async hold(): Promise<PartitionLease> {
    if (!this.lease) {
      this.lease = await PartitionLease.acquire(this.context.db, this.partition, this.context.runId, this.context.lease, this.readAt);
      // Unconditional writes only where what was read is still what is stored, and nothing stored is newer than this run.
      this.batched = this.lease.fresh && this.newestStored <= this.context.seq;
    }
    await this.lease.confirm();
    return this.lease;
  }

  /** A page's new and changed records: one write (or a conditional write each) to run among the page's writes. */
  async pageWrites(allCreated: ChangedRecord[], allChanged: ChangedRecord[], counts: ResourceCounts): Promise<(() => Promise<void>)[]> {
    if (allCreated.length + allChanged.length === 0) return [];
    const lease = await this.hold();
    // Resources a real-time update posted meanwhile are that (newer) update's to write, when the lease is let go.
    const posted = await lease.postedIds();
    const created = allCreated.filter(({ record }) => !posted.has(record.id));
    const changed = allChanged.filter(({ record }) => !posted.has(record.id));
    counts.unchanged += allCreated.length + allChanged.length - created.length - changed.length;
    const { resources, seq, runId } = this.context;
    const at = { seq, time: new Date().toISOString(), runId };
    if (this.batched) {
      return [async () => {
        await resources.writeBatch(this.partition, created, changed, at, lease);
        counts.created += created.length;
        counts.updated += changed.length;
      }];
    }
    // Someone wrote the partition since its index was read: what is stored now decides (read 100 a call), and
    // each write is conditional on the state it was compared with.
    const records = [...created, ...changed];
    const stored = await resources.getMany(this.partition, records.map(({ record }) => record.id));
    return records.map(({ record, hash }) => async () => { counts[await resources.apply(this.partition, record, hash, stored.get(record.id), at)]++; });
  }

  /** Marks deleted what the completed listing did not return. */
  async deleteUnlisted(unlisted: Iterable<string>, counts: ResourceCounts): Promise<void> {
    const { resources, seq, runId } = this.context;
    const at = { seq, time: new Date().toISOString(), runId };
    for (const listed of chunked(unlisted, DELETIONS_PER_BATCH)) {
      const lease = await this.hold();
      const posted = await lease.postedIds();
      const ids = listed.filter((id) => !posted.has(id));
      if (this.batched) counts.deleted += await resources.deleteBatch(this.partition, ids, at, lease);
      else await mapWithConcurrency(ids, WRITES_IN_FLIGHT, async (id) => { if (await resources.markDeleted(this.partition, id, at)) counts.deleted++; });
    }
  }

  /** Writes what was held back to the end (a targeted observation's updates); nothing for a listing. */
  async flush(_counts: ResourceCounts): Promise<void> {}

  /** Applies what real-time updates posted meanwhile and lets the lease go. */
  async release(): Promise<void> {
    await this.lease?.release((posted) => this.context.resources.applyPosted(this.partition, posted));
  }

  abandon(): void {
    this.lease?.abandon();
  }
}

/**
 * The writer of a targeted observation (a real-time refresh of some resources): the index holds those resources
 * only, and their updates are written together at the end — under the partition's lease if it is free, or posted to
 * the inbox of the run holding it, which applies them (by their own sequence numbers) before it lets go.
 */
class TargetedWriter extends PartitionWriter {
  private readonly updates: PostedUpdate[] = [];

  constructor(partition: string, context: SyncContext, private readonly ids: ReadonlySet<string>) {
    super(partition, context);
  }

  private get at(): Observation {
    return { seq: this.context.seq, time: new Date().toISOString(), runId: this.context.runId };
  }

  override async readIndex(index: PartitionIndex): Promise<void> {
    const stored = await this.context.resources.getMany(this.partition, [...this.ids]);
    for (const [id, item] of stored) index.addStored(id, item.hash, item.deletedAt !== undefined);
  }

  override async pageWrites(created: ChangedRecord[], changed: ChangedRecord[], counts: ResourceCounts): Promise<(() => Promise<void>)[]> {
    void counts; // counted when written (flush): the update may be posted to a run instead
    for (const { record, hash } of [...created, ...changed]) this.updates.push({ at: this.at, record, hash });
    return [];
  }

  override async deleteUnlisted(unlisted: Iterable<string>): Promise<void> {
    for (const missingId of unlisted) if (this.ids.has(missingId)) this.updates.push({ at: this.at, missingId });
  }

  override async flush(counts: ResourceCounts): Promise<void> {
    if (this.updates.length === 0) return;
    const lease = await PartitionLease.postOrAcquire(this.context.db, this.partition, this.context.runId, this.updates, this.context.lease);
    if (!lease) {
      this.posted = this.updates.length;
      return;
    }
    this.lease = lease;
    const { resources } = this.context;
    const stored = await resources.getMany(this.partition, this.updates.flatMap((u) => (u.record ? [u.record.id] : [])));
    for (const { record, hash, missingId, at } of this.updates) {
      if (record && hash) counts[await resources.apply(this.partition, record, hash, stored.get(record.id), at)]++;
      else if (missingId && await resources.markDeleted(this.partition, missingId, at)) counts.deleted++;
    }
  }
}

async function syncListing(source: PartitionSource, context: SyncContext, writer: PartitionWriter): Promise<PartitionOutcome> {
  const { partition } = source;
  // Facts are awaited only when the first page's rules need them: the listing itself runs meanwhile.
  let facts: RegionFacts | undefined = source.rules.some((r) => r.needsFacts) && source.facts ? undefined : NO_FACTS;
  // The listing starts at once and stays a page ahead: AWS's latency overlaps loading the index and storing pages.
  const pages = readAhead(source.pages);
  const firstPage = pages.next();
  firstPage.catch(() => {}); // awaited below, once the index is loaded
  // What the store holds of the partition and, as the listing goes, which of those and which new ids it returned.
  const index = new PartitionIndex();
  let events: EventSync;
  try {
    [, events] = await Promise.all([
      writer.readIndex(index),
      EventSync.start(partition, context, source.only ? { resources: source.only, counted: true } : {}),
    ]);
  } catch (error) {
    void firstPage.then(() => pages.return(), () => {});
    throw error;
  }
  const resources: ResourceCounts = { seen: 0, created: 0, updated: 0, unchanged: 0, deleted: 0 };

  try {
    for (let step = await firstPage; !step.done; step = await pages.next()) {
      facts ??= await source.facts;
      const writes: (() => Promise<void>)[] = [];
      const created: ChangedRecord[] = [];
      const changed: ChangedRecord[] = [];
      for (const record of step.value) {
        const hash = recordHash(record, source.volatileFields);
        const observation = index.observe(record.id, hash);
        if (observation === 'repeat') continue;
        resources.seen++;
        if (observation === 'new') created.push({ record, hash });
        else if (observation !== 'unchanged') changed.push({ record, hash });
        else resources.unchanged++;
        for (const rule of source.rules) {
          for (const finding of rule.evaluate(record, facts ?? NO_FACTS)) {
            const write = events.observe(rule, finding, record.id);
            if (write) writes.push(write);
          }
        }
      }
      writes.push(...(await writer.pageWrites(created, changed, resources)));
      await runWrites(writes);
    }
  } catch (error) {
    // Stop listing (a failed listing has ended already); nothing is deleted or cleared.
    await pages.return();
    throw error;
  }

  // The listing completed: what it did not return is gone.
  if (!source.appendOnly) await writer.deleteUnlisted(index.unlisted(), resources);
  await writer.flush(resources);

  await events.reconcile(source.rules, runWrites);
  return { resources, events: events.counts, posted: writer.posted };
}

/** Deletions read and written together: one BatchGetItem's worth. */
const DELETIONS_PER_BATCH = 100;
