import type { ResourceRecord } from '../services/resource-type';
import type { TapRule } from '../events/rule';
import { eventIdentity } from '../events/tap-event';
import { RunLedger } from '../events/occurrences';
import type { ResourceStore } from '../store/resource-store';
import { recordHash } from '../store/resource-store';
import type { EventStore, StoredEvent } from '../store/event-store';
import type { RunStore } from '../store/run-store';
import { mapWithConcurrency } from '../util/concurrency';
import type { EventCounts, ResourceCounts } from '../dto/task';

/** DynamoDB writes in flight per partition: enough to hide the round trip, few enough not to throttle a table. */
const WRITES_IN_FLIGHT = 16;

export interface SyncContext {
  runId: string;
  /** The run's start: every event observation of the run is stamped with it. */
  runStartedAt: string;
  ems: string;
  resources: ResourceStore;
  events: EventStore;
  runs: RunStore;
}

export interface PartitionSource {
  partition: string;
  /** Pages of preprocessed records, straight from the paginated calls. */
  pages: AsyncIterable<ResourceRecord[]>;
  volatileFields: readonly string[];
  rules: readonly TapRule[];
  /** Never reconcile deletions (observations that stay once seen). */
  appendOnly?: boolean;
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
  const listingStartedAt = new Date().toISOString();
  const [index, openEvents] = await Promise.all([context.resources.loadIndex(partition), context.events.openEventsOf(partition)]);
  const resources: ResourceCounts = { seen: 0, created: 0, updated: 0, unchanged: 0, deleted: 0 };
  const events: EventCounts = { opened: 0, recurred: 0, cleared: 0 };
  const seen = new Set<string>();
  const observedEvents = new Set<string>();

  for await (const page of source.pages) {
    const observedAt = new Date().toISOString();
    const writes: (() => Promise<void>)[] = [];
    for (const record of page) {
      if (seen.has(record.id)) continue;
      seen.add(record.id);
      resources.seen++;
      const hash = recordHash(record, source.volatileFields);
      const stored = index.get(record.id);
      if (!stored) {
        writes.push(async () => {
          if (await context.resources.create(partition, record, hash, observedAt, context.runId)) resources.created++;
          else resources.unchanged++;
        });
      } else if (stored.hash !== hash || stored.deletedAt) {
        writes.push(async () => {
          const previous = await context.resources.get(partition, record.id);
          if (previous && (await context.resources.update(previous, record, hash, observedAt, context.runId))) resources.updated++;
          else resources.unchanged++;
        });
      } else {
        resources.unchanged++;
      }
      for (const rule of source.rules) {
        for (const finding of rule.evaluate(record)) {
          const id = eventIdentity(rule.eventClass, context.ems, rule.name, finding.typeNames);
          if (observedEvents.has(id)) continue;
          observedEvents.add(id);
          if (openEvents.has(id)) {
            events.recurred++;
            continue;
          }
          writes.push(async () => {
            const transition = await context.events.open(
              { id, class: rule.eventClass, ems: context.ems, rule: rule.name, group: finding.group, typeNames: finding.typeNames, severity: finding.severity, text: finding.text, partition, resourceId: record.id },
              context.runStartedAt, context.runId,
            );
            if (transition) events.opened++;
            else events.recurred++;
          });
        }
      }
    }
    await mapWithConcurrency(writes, WRITES_IN_FLIGHT, (write) => write());
  }

  // The listing completed: what it did not return is gone.
  const deletedAt = new Date().toISOString();
  const gone = source.appendOnly ? [] : [...index].filter(([id, stored]) => !seen.has(id) && !stored.deletedAt).map(([id]) => id);
  await mapWithConcurrency(gone, WRITES_IN_FLIGHT, async (id) => {
    if (await context.resources.markDeleted(partition, id, deletedAt, listingStartedAt, context.runId)) resources.deleted++;
  });

  const resolved = [...openEvents.values()].filter((event) => !observedEvents.has(event.id));
  if (resolved.length > 0) {
    const ledger = new RunLedger(await context.runs.runsSince(minCountedThrough(resolved)));
    const rulesByName = new Map(source.rules.map((r) => [r.name, r]));
    await mapWithConcurrency(resolved, WRITES_IN_FLIGHT, async (event) => {
      const okText = rulesByName.get(event.rule)?.clearText(event.typeNames) ?? `OK – ${event.rule} no longer holds`;
      if (await context.events.clear(event, ledger.occurrences(event), okText, context.runStartedAt, context.runId)) events.cleared++;
    });
  }
  return { resources, events };
}

function minCountedThrough(events: StoredEvent[]): string {
  return events.reduce((min, e) => (e.countedThrough < min ? e.countedThrough : min), events[0]?.countedThrough ?? '');
}
