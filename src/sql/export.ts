import type { Database } from '../store/dynamo';
import { decodeLargeFields } from '../store/item-size';
import { resourceReads } from '../store/inventory-queries';
import { emptyReadStats, readPages, type ReadStats, type StoreRead } from '../store/read-pages';
import { ResourceStore, type HistoryEntry, type StoredResource } from '../store/resource-store';
import type { StoredRun } from '../store/run-store';
import type { StoredEvent } from '../store/event-store';
import { eventReads, listEvents, viewEvents } from '../events/event-queries';
import type { TapEvent } from '../events/tap-event';
import { INSTANCE_TYPE, instanceLifetime } from '../report/configuration';
import { forEachWithConcurrency, mapWithConcurrency } from '../util/concurrency';
import { CLOUD_SERVICE_TYPE, REGION_TYPE } from '../collect/collect-task';
import { allServices } from '../services/registry';
import { typeKey } from '../services/resource-type';
import { ParquetTableWriter, DEFAULT_ROW_GROUP_LIMITS, type RowGroupLimits, type TableRow } from './export-table';
import { SNAPSHOT_TABLES, snapshotPaths, type SnapshotTableName } from './schema';
import type { SnapshotSink } from './snapshot-sink';

/**
 * A run's snapshot for SQL (src/sql/schema.ts): what the run left in the store, read through the store's own read
 * functions — the inventory as `cloudtap resources --include-deleted` lists it, the events as `cloudtap events` shows
 * them (through the run ledger's view), the history entries as `cloudtap history` shows them — written as one Parquet
 * file per table.
 *
 * The inventory is read once, type by type and page by page, and every table is built as its rows arrive (export-table.ts): what the
 * export holds is the tables' encoded files plus a row group's rows, the open events (listed at once, as the ledger
 * needs them), and the records changed since the run began. Measured figures are in BENCHMARKS.md.
 */

export interface ExportOptions {
  /** Cleared events are exported while they cleared this many days before the export, or less. */
  clearedEventDays: number;
  rowGroups?: RowGroupLimits;
  /** The time the export takes as now (the cleared events' window). */
  now?: Date;
}

export interface TableExport {
  rows: number;
  bytes: number;
}

export interface SnapshotExport {
  location: string;
  tables: Record<SnapshotTableName, TableExport>;
  /** What listing the inventory and the events cost (the history lookups of changed records aside). */
  reads: ReadStats;
}

/** Types whose records are read at once: one type's page is processed while the others' are read. */
const READS_IN_FLIGHT = 4;

/** History lookups in flight: one per record the run (or a later observation) changed other than by creating it. */
const HISTORY_READS_IN_FLIGHT = 8;

/**
 * Exports `run` to `sink`: every table's file under `history/<table>/dt=<day>/<run>.parquet`, then under
 * `latest/<table>/data.parquet`, the `runs` table last each time — a reader that sees the run's row sees its data.
 * Throws when the store cannot be read or the sink refuses a file; files already written stay (each is whole).
 */
export async function exportSnapshot(db: Database, run: StoredRun, sink: SnapshotSink, options: ExportOptions): Promise<SnapshotExport> {
  const reads = emptyReadStats();
  const snapshot = new SnapshotBuilder(run, options.rowGroups);

  const changedSince: StoredResource[] = [];
  await forEachWithConcurrency(await inventoryReads(db, reads), READS_IN_FLIGHT, async (read) => {
    for await (const item of readPages(db, read, reads)) {
      const record = decodeLargeFields(item as unknown as StoredResource);
      if (snapshot.addResource(record) === 'changed-since') changedSince.push(record);
    }
  });
  const store = new ResourceStore(db);
  await mapWithConcurrency(changedSince, HISTORY_READS_IN_FLIGHT, async (record) => snapshot.addHistory(record, await store.history(record.pk, record.resourceId)));

  for (const event of await windowedEvents(db, options, reads)) snapshot.addEvent(event);

  const files = snapshot.finish();
  const day = run.startedAt.slice(0, 10);
  for (const { name, bytes } of files) await sink.put(snapshotPaths.history(name, day, run.runId), bytes);
  for (const { name, bytes } of files) await sink.put(snapshotPaths.latest(name), bytes);
  const tables = Object.fromEntries(files.map(({ name, rows, bytes }) => [name, { rows, bytes: bytes.byteLength }])) as Record<SnapshotTableName, TableExport>;
  return { location: sink.location, tables, reads };
}

/**
 * The reads of the whole inventory, deleted records included, type by type (the byType index: every read has a key,
 * none is a Scan): the types the services declare, the Region and CloudServiceType records, and every type the store
 * has a CloudServiceType record of (a service no longer collected).
 */
async function inventoryReads(db: Database, reads: ReadStats): Promise<StoreRead[]> {
  const types = new Set([REGION_TYPE, CLOUD_SERVICE_TYPE, ...allServices().flatMap((service) => service.types.map(typeKey))]);
  for (const read of await resourceReads(db, { type: CLOUD_SERVICE_TYPE, includeDeleted: true }, reads)) {
    for await (const item of readPages(db, read, reads)) types.add(item.resourceId as string);
  }
  const listings: StoreRead[] = [];
  for (const type of [...types].sort()) listings.push(...await resourceReads(db, { type, includeDeleted: true }, reads));
  return listings;
}

/** The open events, and those cleared within the window, each as the run ledger reads it (what `cloudtap events` shows). */
async function windowedEvents(db: Database, options: ExportOptions, reads: ReadStats): Promise<TapEvent[]> {
  const now = options.now ?? new Date();
  const since = new Date(now.getTime() - options.clearedEventDays * 24 * 3600 * 1000).toISOString();
  const open = await listEvents(db, { state: 'open' }, reads);
  const cleared: StoredEvent[] = [];
  for (const read of eventReads(db.tables.events, { state: 'cleared' })) {
    if (!('query' in read)) continue;
    const windowed = {
      query: {
        ...read.query,
        FilterExpression: [read.query.FilterExpression, '#clearedAt >= :since'].filter(Boolean).join(' AND '),
        ExpressionAttributeNames: { ...read.query.ExpressionAttributeNames, '#clearedAt': 'clearedAt' },
        ExpressionAttributeValues: { ...read.query.ExpressionAttributeValues, ':since': since },
      },
    };
    for await (const item of readPages(db, windowed, reads)) cleared.push(item as unknown as StoredEvent);
  }
  return [...open, ...(await viewEvents(db, cleared))];
}

type Writers = { [N in SnapshotTableName]: ParquetTableWriter<N> };

/** A table's finished file. */
export interface TableFile {
  name: SnapshotTableName;
  rows: number;
  bytes: Uint8Array;
}

/**
 * The tables of one run's snapshot, built from what the store holds, record by record and event by event, without
 * reading anything itself.
 */
export class SnapshotBuilder {
  private readonly writers: Writers;

  constructor(private readonly run: StoredRun, limits: RowGroupLimits = DEFAULT_ROW_GROUP_LIMITS) {
    const ofRun = { runId: run.runId, seq: run.seq };
    this.writers = Object.fromEntries(SNAPSHOT_TABLES.map((t) => [t.name, new ParquetTableWriter(t.name, ofRun, limits)])) as unknown as Writers;
  }

  /**
   * A record as the store holds it: unless it is deleted, its rows in resources, resource_fields, tags and
   * relationships; its instance lifetime; and its rows in changes when the run created it. `changed-since`: the run
   * (or a later observation) changed it otherwise, and its history says how (`addHistory`).
   */
  addResource(record: StoredResource): 'changed-since' | undefined {
    const { writers } = this;
    const { accountId: account_id, region, type } = record;
    // The current inventory, as `cloudtap resources` lists it; a deleted record still has its lifetime and its changes.
    if (!record.deletedAt) this.addCurrent(record);
    if (type === INSTANCE_TYPE) {
      const lifetime = instanceLifetime(record);
      if (lifetime) {
        writers.instance_lifetimes.add({
          account_id, region, instance_id: lifetime.instanceId, instance_group: lifetime.group,
          started_at: lifetime.startedAt, ended_at: lifetime.endedAt, end_source: lifetime.endSource,
        });
      }
    }
    // Created by the run and not changed since: the record is its own history.
    if (record.seq === this.run.seq && record.firstSeen === record.lastChanged) this.addCreated(record);
    else if (record.seq >= this.run.seq) return 'changed-since';
    return undefined;
  }

  /** A record of the current inventory: its rows in resources, resource_fields, tags and relationships. */
  private addCurrent(record: StoredResource): void {
    const { writers } = this;
    const { accountId: account_id, region, type, resourceId: resource_id } = record;
    writers.resources.add({
      account_id, region, type, resource_id, name: record.name ?? null, arn: record.arn ?? null,
      first_seen: record.firstSeen, last_changed: record.lastChanged, data: JSON.stringify(record.data ?? {}),
    });
    for (const field of flattenData(record.data ?? {})) {
      writers.resource_fields.add({ account_id, region, type, resource_id, field: field.field, item: field.item, key: field.key, value: field.value, value_type: field.value_type });
    }
    for (const [tag_key, tag_value] of Object.entries(record.tags ?? {})) writers.tags.add({ account_id, region, type, resource_id, tag_key, tag_value });
    for (const edge of record.related ?? []) {
      writers.relationships.add({ account_id, region, type, resource_id, relation: edge.relation, related_type: edge.type, related_id: edge.id });
    }
  }

  /** The run's changes to a record, from its history (`ResourceStore.history`, as `cloudtap history` shows it). */
  addHistory(record: StoredResource, chain: readonly HistoryEntry[]): void {
    // The record's first state is the one its oldest entry starts from (or its current one, when it has none).
    if ((chain[0]?.fromSeq ?? record.seq) === this.run.seq) this.addCreated(record);
    for (const entry of chain.filter((e) => e.runId === this.run.runId)) {
      for (const row of changeRows(entry)) {
        this.writers.changes.add({ account_id: record.accountId, region: record.region, type: record.type, resource_id: record.resourceId, name: record.name ?? null, ...row });
      }
    }
  }

  addEvent(event: TapEvent & { clearedAt?: string }): void {
    const [accountId = null, region = null, type = null] = event.partition ? event.partition.split('#') : [];
    this.writers.events.add({
      event_id: event.id, account_id: accountId, region, resource_id: event.resourceId, rule: event.rule, event_group: event.group,
      type_names: event.typeNames.map((pair) => `${pair.type} = ${pair.name}`).join(', '),
      severity: event.severity, state: event.state, event_count: event.count, first_time: event.firstTime, last_time: event.lastTime,
      text: event.text, acknowledged: event.acknowledged !== undefined,
      event_class: event.class, ems: event.ems, resource_type: type,
      cleared_at: event.state === 'cleared' ? event.clearedAt ?? null : null,
    });
  }

  /** Every table's file, the `runs` table (with the run's row) last. */
  finish(): TableFile[] {
    const { run } = this;
    this.writers.runs.add({
      status: run.status, started_at: run.startedAt, finished_at: run.finishedAt,
      tasks_total: run.tasks.total, tasks_failed: run.tasks.failed, tasks_succeeded: run.tasks.succeeded, tasks_skipped: run.tasks.skipped,
      resources_created: run.resources.created, resources_updated: run.resources.updated, resources_deleted: run.resources.deleted,
      resources_seen: run.resources.seen, resources_unchanged: run.resources.unchanged,
      events_opened: run.events.opened, events_recurred: run.events.recurred, events_cleared: run.events.cleared,
      api_calls: run.apiCalls, writes: run.writes,
    });
    const order = [...SNAPSHOT_TABLES.map((t) => t.name).filter((name) => name !== 'runs'), 'runs' as const];
    return order.map((name) => {
      const writer = this.writers[name];
      const bytes = writer.finish();
      return { name, rows: writer.rows, bytes };
    });
  }

  private addCreated(record: StoredResource): void {
    this.writers.changes.add({
      account_id: record.accountId, region: record.region, type: record.type, resource_id: record.resourceId, name: record.name ?? null,
      change: 'created', changed_at: record.firstSeen, field: null, from_value: null, to_value: null,
    });
  }
}

type ChangeFields = Pick<TableRow<'changes'>, 'change' | 'changed_at' | 'field' | 'from_value' | 'to_value'>;

/** One row per changed field; an entry without field changes (a deletion) is one row with field null. */
export function changeRows(entry: HistoryEntry): ChangeFields[] {
  const fields = Object.entries(entry.diff ?? {});
  if (fields.length === 0) return [{ change: entry.change, changed_at: entry.time, field: null, from_value: null, to_value: null }];
  return fields.map(([field, { from, to }]) => ({
    change: entry.change, changed_at: entry.time, field, from_value: JSON.stringify(from ?? null), to_value: JSON.stringify(to ?? null),
  }));
}

export type FieldRow = Pick<TableRow<'resource_fields'>, 'field' | 'item' | 'key' | 'value' | 'value_type'>;

/**
 * A record's data as rows: a scalar is one row (item and key null); an object one row per field (key); a list one row
 * per element (item), or per field of an element that is an object (item and key). What is nested deeper, and an
 * empty list or object, is JSON text (value_type `array` or `object`), so every value can be told from its rows.
 */
export function flattenData(data: Record<string, unknown>): FieldRow[] {
  const rows: FieldRow[] = [];
  for (const [field, value] of Object.entries(data)) {
    if (Array.isArray(value) && value.length > 0) {
      value.forEach((element: unknown, item) => {
        if (isObject(element) && Object.keys(element).length > 0) {
          for (const [key, inner] of Object.entries(element)) rows.push({ field, item, key, ...leaf(inner) });
        } else rows.push({ field, item, key: null, ...leaf(element) });
      });
    } else if (isObject(value) && Object.keys(value).length > 0) {
      for (const [key, inner] of Object.entries(value)) rows.push({ field, item: null, key, ...leaf(inner) });
    } else rows.push({ field, item: null, key: null, ...leaf(value) });
  }
  return rows;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value as text: strings as they are, numbers and booleans as JSON writes them, lists and objects as JSON. */
function leaf(value: unknown): { value: string | null; value_type: string } {
  if (value === null || value === undefined) return { value: null, value_type: 'null' };
  if (typeof value === 'string') return { value, value_type: 'string' };
  if (typeof value === 'number' || typeof value === 'boolean') return { value: JSON.stringify(value), value_type: typeof value };
  return { value: JSON.stringify(value), value_type: Array.isArray(value) ? 'array' : 'object' };
}
