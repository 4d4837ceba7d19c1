import type { ResourceRecord } from '../services/resource-type';
import { NO_FACTS, type RegionFacts, type TapRule } from '../events/rule';
import { EventSync, type EventSyncContext } from '../events/event-sync';
import { ResourceStore, recordHash } from '../store/resource-store';
import { forEachWithConcurrency, mapWithConcurrency } from '../util/concurrency';
import { readAhead } from './pages';
import { PartitionIndex } from './partition-index';
import type { EventCounts, ResourceCounts } from '../dto/task';

/** DynamoDB writes in flight per partition: enough to hide the round trip, few enough not to throttle a table. */
const WRITES_IN_FLIGHT = 16;

export interface SyncContext extends EventSyncContext {
  resources: ResourceStore;
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
}

export interface PartitionOutcome {
  resources: ResourceCounts;
  events: EventCounts;
}

/**
 * Brings one partition of the store in line with what was just listed: new records created, changed ones
 * updated with history, unchanged ones not written at all, and — only because the listing completed —
 * records no longer listed marked deleted and their open events cleared. If listing throws, nothing is
 * deleted or cleared: the error propagates before reconciliation.
 */
export async function syncPartition(source: PartitionSource, context: SyncContext): Promise<PartitionOutcome> {
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
    [, events] = await Promise.all([loadIndex(index, partition, context.resources), EventSync.start(partition, context)]);
  } catch (error) {
    void firstPage.then(() => pages.return(), () => {});
    throw error;
  }
  const resources: ResourceCounts = { seen: 0, created: 0, updated: 0, unchanged: 0, deleted: 0 };

  try {
    for (let step = await firstPage; !step.done; step = await pages.next()) {
      facts ??= await source.facts;
      const at = { seq: context.seq, time: new Date().toISOString(), runId: context.runId };
      const writes: (() => Promise<void>)[] = [];
      for (const record of step.value) {
        const hash = recordHash(record, source.volatileFields);
        const observation = index.observe(record.id, hash);
        if (observation === 'repeat') continue;
        resources.seen++;
        if (observation === 'new') {
          writes.push(async () => { resources[await context.resources.create(partition, record, hash, at)]++; });
        } else if (observation !== 'unchanged') {
          writes.push(async () => { resources[await context.resources.replace(partition, record, hash, at)]++; });
        } else {
          resources.unchanged++;
        }
        for (const rule of source.rules) {
          for (const finding of rule.evaluate(record, facts ?? NO_FACTS)) {
            const write = events.observe(rule, finding, record.id);
            if (write) writes.push(write);
          }
        }
      }
      await runWrites(writes);
    }
  } catch (error) {
    // Stop listing (a failed listing has ended already); nothing is deleted or cleared.
    await pages.return();
    throw error;
  }

  // The listing completed: what it did not return is gone.
  const deletion = { seq: context.seq, time: new Date().toISOString(), runId: context.runId };
  if (!source.appendOnly) {
    await forEachWithConcurrency(index.unlisted(), WRITES_IN_FLIGHT, async (id) => {
      if (await context.resources.markDeleted(partition, id, deletion)) resources.deleted++;
    });
  }

  await events.reconcile(source.rules, runWrites);
  return { resources, events: events.counts };
}

async function loadIndex(index: PartitionIndex, partition: string, store: ResourceStore): Promise<void> {
  for await (const { id, hash, deleted } of store.indexEntries(partition)) index.addStored(id, hash, deleted);
}
