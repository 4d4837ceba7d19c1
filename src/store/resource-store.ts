import type { QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { ResourceRecord } from '../services/resource-type';
import { canonicalJson, contentHash } from './canonical';
import { batchGet, batchWrite, conditionalWrite, queryItems, scanItems, type Database } from './dynamo';
import type { PartitionLease, PostedUpdate } from './partition-lease';
import { decodeLargeFields, encodeLargeField } from './item-size';
import { TAG_INDEX_ATTRIBUTES, tagIndexAttributes } from './tables';

/** The inventory partition a task covers: one resource type in one region of one account. */
export function partitionKey(accountId: string, region: string, type: string): string {
  return `${accountId}#${region}#${type}`;
}

export function parsePartition(partition: string): { accountId: string; region: string; type: string } {
  const [accountId = '', region = '', type = ''] = partition.split('#');
  return { accountId, region, type };
}

/** A resource's key in the history table: its partition and id. */
const historyKey = (partition: string, id: string): string => `${partition}#${id}`;
/** Sequence numbers in sort keys, zero-padded so that they sort as numbers. */
const padSeq = (seq: number): string => String(seq).padStart(12, '0');

/**
 * One observation's place in the store's order. `seq` is taken atomically from the runs table (a run's, or a
 * real-time ingestion's): whether an observation is newer never depends on two machines' clocks agreeing.
 * `time` is what operators read (firstSeen, lastChanged, history times), never compared.
 */
export interface Observation {
  seq: number;
  time: string;
  runId: string;
}

/** A stored resource record. */
export interface StoredResource extends ResourceRecord {
  /** The ids in `related`, flat (present when the record has edges). */
  relatedIds?: string[];
  pk: string;
  sk: string;
  resourceId: string;
  accountId: string;
  region: string;
  type: string;
  hash: string;
  firstSeen: string;
  lastChanged: string;
  /** The observation that wrote the record's current state (created, updated, deleted or restored it). */
  seq: number;
  deletedAt?: string;
  runId: string;
}

export type FieldDiff = Record<string, { from: unknown; to: unknown }>;

export interface HistoryEntry {
  resourceId: string;
  time: string;
  runId: string;
  change: 'updated' | 'deleted' | 'restored';
  diff: FieldDiff;
  /** The record's state the change started from, and the one it made (observation sequence numbers). */
  fromSeq: number;
  toSeq: number;
}

/** The item of a record as the store writes it: keys, bookkeeping, tag index attributes, a large `data` compressed. */
export function resourceItem(partition: string, record: ResourceRecord, hash: string, at: Observation, firstSeen = at.time): Record<string, unknown> {
  const { accountId, region, type } = parsePartition(partition);
  const item: StoredResource = {
    ...record, pk: partition, sk: record.id, resourceId: record.id, accountId, region, type, hash,
    firstSeen, lastChanged: at.time, seq: at.seq, runId: at.runId, ...tagIndexAttributes(record.tags),
    // The ids the record points to, flat: what `relatedTo` filters an account's resources on (incoming edges).
    ...(record.related?.length ? { relatedIds: [...new Set(record.related.map((r) => r.id))] } : {}),
  };
  return encodeLargeField(item, 'data', `${partition} ${record.id}`);
}

/** A listed record and its hash. */
export interface ChangedRecord {
  record: ResourceRecord;
  hash: string;
}

/** BatchWriteItem requests in flight per page: a page of 1,000 records is 40 of them. */
const BATCHES_IN_FLIGHT = 4;

/** The hash of what a record says, volatile fields left out: equal hashes mean nothing to write. */
export function recordHash(record: ResourceRecord, volatileFields: readonly string[]): string {
  const data: Record<string, unknown> = { ...record.data };
  for (const field of volatileFields) delete data[field];
  // Edges are part of what a record says (a store written before they were declared learns them on the next run).
  return contentHash({ name: record.name ?? null, arn: record.arn, tags: record.tags, data, ...(record.related ? { related: record.related } : {}) });
}

/** Field-level diff of two records: top-level data fields, plus name and tags. */
export function diffRecords(before: ResourceRecord, after: ResourceRecord): FieldDiff {
  const diff: FieldDiff = {};
  const compare = (field: string, from: unknown, to: unknown): void => {
    if (canonicalJson(from ?? null) !== canonicalJson(to ?? null)) diff[field] = { from: from ?? null, to: to ?? null };
  };
  compare('name', before.name, after.name);
  const tagKeys = new Set([...Object.keys(before.tags ?? {}), ...Object.keys(after.tags ?? {})]);
  for (const key of tagKeys) compare(`tags.${key}`, before.tags?.[key], after.tags?.[key]);
  const dataKeys = new Set([...Object.keys(before.data ?? {}), ...Object.keys(after.data ?? {})]);
  for (const key of dataKeys) compare(`data.${key}`, before.data?.[key], after.data?.[key]);
  return diff;
}

export class ResourceStore {
  constructor(private readonly db: Database) {}

  private get table(): string {
    return this.db.tables.resources;
  }

  /**
   * Every record of a partition as change detection sees it — id, hash, whether it is marked deleted — streamed
   * page by page: the caller keeps them as compactly as it can (a region's partitions are held while collected).
   */
  async *indexEntries(partition: string): AsyncGenerator<{ id: string; hash: string; deleted: boolean; seq: number }> {
    for await (const item of this.query({
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': partition },
      ProjectionExpression: 'sk, #hash, deletedAt, seq',
      ExpressionAttributeNames: { '#hash': 'hash' },
      ConsistentRead: true,
    })) {
      yield { id: item.sk as string, hash: item.hash as string, deleted: item.deletedAt !== undefined, seq: item.seq as number };
    }
  }

  async get(partition: string, id: string): Promise<StoredResource | undefined> {
    const output = await this.db.client.get({ TableName: this.table, Key: { pk: partition, sk: id }, ConsistentRead: true });
    return output.Item ? decodeLargeFields(output.Item as unknown as StoredResource) : undefined;
  }

  private newItem(partition: string, record: ResourceRecord, hash: string, at: Observation, firstSeen = at.time): Record<string, unknown> {
    return resourceItem(partition, record, hash, at, firstSeen);
  }

  /**
   * Writes a page's changes without conditions, by BatchWriteItem (25 items a request): history entries first,
   * then the records. Only for the holder of the partition's lease, which no other writer writes meanwhile, and
   * only when no stored record of the partition is newer than this observation (`syncPartition` checks).
   * `changed` are ids the store holds with another hash or marked deleted.
   */
  async writeBatch(partition: string, created: ChangedRecord[], changed: ChangedRecord[], at: Observation, lease: PartitionLease): Promise<void> {
    const previous = await this.getMany(partition, changed.map((c) => c.record.id));
    const history: Record<string, unknown>[] = [];
    const items = created.map(({ record, hash }) => this.newItem(partition, record, hash, at));
    for (const { record, hash } of changed) {
      const stored = previous.get(record.id);
      if (stored) {
        const change = stored.deletedAt !== undefined ? 'restored' : 'updated';
        history.push(this.historyItem(partition, { resourceId: record.id, time: at.time, runId: at.runId, change, diff: diffRecords(stored, record), fromSeq: stored.seq, toSeq: at.seq }));
      }
      items.push(this.newItem(partition, record, hash, at, stored?.firstSeen));
    }
    const options = { inFlight: BATCHES_IN_FLIGHT, beforeEach: () => lease.confirm() };
    await batchWrite(this.db, this.db.tables.history, history.map((Item) => ({ PutRequest: { Item } })), options);
    await batchWrite(this.db, this.table, items.map((Item) => ({ PutRequest: { Item } })), options);
  }

  /** Marks records deleted without conditions, history first: as `writeBatch`, for the lease holder. Returns how many. */
  async deleteBatch(partition: string, ids: readonly string[], at: Observation, lease: PartitionLease): Promise<number> {
    const raw = await batchGet(this.db, this.table, ids.map((id) => ({ pk: partition, sk: id })));
    const live = raw.filter((item) => item.deletedAt === undefined);
    const history = live.map((item) => this.historyItem(partition, {
      resourceId: item.sk as string, time: at.time, runId: at.runId, change: 'deleted', diff: {}, fromSeq: item.seq as number, toSeq: at.seq,
    }));
    const items = live.map((item) => ({ ...item, deletedAt: at.time, lastChanged: at.time, seq: at.seq, runId: at.runId }));
    const options = { inFlight: BATCHES_IN_FLIGHT, beforeEach: () => lease.confirm() };
    await batchWrite(this.db, this.db.tables.history, history.map((Item) => ({ PutRequest: { Item } })), options);
    await batchWrite(this.db, this.table, items.map((Item) => ({ PutRequest: { Item } })), options);
    return live.length;
  }

  /** Full stored records, read consistently (BatchGetItem, 100 a call). */
  async getMany(partition: string, ids: readonly string[]): Promise<Map<string, StoredResource>> {
    const items = await batchGet(this.db, this.table, ids.map((id) => ({ pk: partition, sk: id })));
    return new Map(items.map((item) => [item.sk as string, decodeLargeFields(item as unknown as StoredResource)]));
  }

  /**
   * Writes a new record, once: `firstSeen` is never overwritten. When the store holds the record already (another
   * run or a real-time update created it since the partition's index was read), the observation is applied to
   * what is stored instead, as an update when it is newer and differs.
   */
  async create(partition: string, record: ResourceRecord, hash: string, at: Observation): Promise<'created' | 'updated' | 'unchanged'> {
    const written = await conditionalWrite(this.db, () => this.db.client.put({
      TableName: this.table,
      Item: this.newItem(partition, record, hash, at),
      ConditionExpression: 'attribute_not_exists(pk)',
    }));
    if (written) return 'created';
    return this.replace(partition, record, hash, at);
  }

  /**
   * Brings a stored record in line with a newer observation: its history entry first (keyed by the state it
   * starts from and the one it makes, so a retry or a rerun writes the same item), then the record, on the
   * condition that it is still the state the diff was taken from. Another writer in between: read again and go
   * on from what it wrote, unless that was a newer observation than this one (then this one is stale and dropped).
   */
  async replace(partition: string, record: ResourceRecord, hash: string, at: Observation, previous?: StoredResource): Promise<'updated' | 'unchanged'> {
    for (let stored = previous ?? (await this.get(partition, record.id)); stored && stored.seq < at.seq;) {
      if (stored.hash === hash && stored.deletedAt === undefined) return 'unchanged';
      const change = stored.deletedAt !== undefined ? 'restored' : 'updated';
      await this.appendHistory(partition, { resourceId: record.id, time: at.time, runId: at.runId, change, diff: diffRecords(stored, record), fromSeq: stored.seq, toSeq: at.seq });
      const encoded = encodeLargeField({ data: record.data }, 'data', `${partition} ${record.id}`);
      const [dataField, removed] = 'dataGzip' in encoded ? ['dataGzip', ['deletedAt', '#data']] : ['#data', ['deletedAt', 'dataGzip']];
      const from = stored.seq;
      const tagAttributes = tagIndexAttributes(record.tags);
      const setTags = Object.keys(tagAttributes).map((name, i) => `${name} = :tag${i}`);
      const removedTags = TAG_INDEX_ATTRIBUTES.filter((name) => !(name in tagAttributes));
      const edges = record.related?.length ? { related: record.related, relatedIds: [...new Set(record.related.map((r) => r.id))] } : undefined;
      const written = await conditionalWrite(this.db, () => this.db.client.update({
        TableName: this.table,
        Key: { pk: partition, sk: record.id },
        UpdateExpression: [
          `SET ${['#name = :name', 'arn = :arn', 'tags = :tags', `${dataField} = :data`, '#hash = :hash', 'lastChanged = :t', 'seq = :seq', 'runId = :run', ...setTags, ...(edges ? ['related = :related', 'relatedIds = :relatedIds'] : [])].join(', ')}`,
          `REMOVE ${[...removed, ...removedTags, ...(edges ? [] : ['related', 'relatedIds'])].join(', ')}`,
        ].join(' '),
        ConditionExpression: 'seq = :from',
        ExpressionAttributeNames: { '#name': 'name', '#data': 'data', '#hash': 'hash' },
        ExpressionAttributeValues: {
          ':name': record.name ?? null, ':arn': record.arn, ':tags': record.tags, ':data': 'dataGzip' in encoded ? encoded.dataGzip : record.data,
          ':hash': hash, ':t': at.time, ':seq': at.seq, ':run': at.runId, ':from': from,
          ...Object.fromEntries(Object.values(tagAttributes).map((value, i) => [`:tag${i}`, value])),
          ...(edges ? { ':related': edges.related, ':relatedIds': edges.relatedIds } : {}),
        },
      }));
      if (written) return 'updated';
      stored = await this.get(partition, record.id);
    }
    return 'unchanged';
  }

  /** Brings one record in line with an observation, given the stored record (or none). */
  async apply(partition: string, record: ResourceRecord, hash: string, stored: StoredResource | undefined, at: Observation): Promise<'created' | 'updated' | 'unchanged'> {
    return stored ? this.replace(partition, record, hash, at, stored) : this.create(partition, record, hash, at);
  }

  /** Real-time updates posted to a held partition: applied by their own sequence numbers, conditionally. */
  async applyPosted(partition: string, posted: readonly PostedUpdate[]): Promise<void> {
    for (const update of posted) {
      if (update.record && update.hash) await this.apply(partition, update.record, update.hash, await this.get(partition, update.record.id), update.at);
      else if (update.missingId) await this.markDeleted(partition, update.missingId, update.at);
    }
  }

  /**
   * Marks a record deleted. Only called for partitions whose listing completed in this run; a record some newer
   * observation wrote (another run, a real-time update) is left as it is. History first, as for an update.
   */
  async markDeleted(partition: string, id: string, at: Observation): Promise<boolean> {
    for (let stored = await this.get(partition, id); stored && stored.deletedAt === undefined && stored.seq < at.seq;) {
      const from = stored.seq;
      await this.appendHistory(partition, { resourceId: id, time: at.time, runId: at.runId, change: 'deleted', diff: {}, fromSeq: from, toSeq: at.seq });
      const written = await conditionalWrite(this.db, () => this.db.client.update({
        TableName: this.table,
        Key: { pk: partition, sk: id },
        UpdateExpression: 'SET deletedAt = :t, lastChanged = :t, seq = :seq, runId = :run',
        ConditionExpression: 'seq = :from AND attribute_not_exists(deletedAt)',
        ExpressionAttributeValues: { ':t': at.time, ':seq': at.seq, ':run': at.runId, ':from': from },
      }));
      if (written) return true;
      stored = await this.get(partition, id);
    }
    return false;
  }

  /** Keyed by the states a change goes from and to: a retried or rerun change lands on the same item. */
  private historyItem(partition: string, entry: HistoryEntry): Record<string, unknown> {
    return encodeLargeField({ pk: historyKey(partition, entry.resourceId), sk: `${padSeq(entry.fromSeq)}>${padSeq(entry.toSeq)}`, ...entry }, 'diff', `history of ${entry.resourceId}`);
  }

  private async appendHistory(partition: string, entry: HistoryEntry): Promise<void> {
    await this.db.client.put({ TableName: this.db.tables.history, Item: this.historyItem(partition, entry) });
    this.db.countWrites(1);
  }

  /** The current (not deleted) records of a partition, in full. */
  async listPartition(partition: string): Promise<StoredResource[]> {
    const records: StoredResource[] = [];
    for await (const item of this.query({ TableName: this.table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': partition } })) {
      if (!item.deletedAt) records.push(decodeLargeFields(item as unknown as StoredResource));
    }
    return records;
  }

  /** A resource's records (one per partition it is in) found by its id. */
  async findById(resourceId: string): Promise<StoredResource[]> {
    const found: StoredResource[] = [];
    for await (const item of this.query({
      TableName: this.table,
      IndexName: 'byResourceId',
      KeyConditionExpression: 'resourceId = :id',
      ExpressionAttributeValues: { ':id': resourceId },
    })) found.push(decodeLargeFields(item as unknown as StoredResource));
    return found;
  }

  /**
   * A resource's changes, oldest first: the chain of entries that leads to its stored state. A history entry is
   * written before its change, so an entry whose change never landed (a crash between the two, a newer writer
   * that won) is not on the chain, and is not shown.
   */
  async history(partition: string, resourceId: string): Promise<HistoryEntry[]> {
    const [stored, items] = await Promise.all([this.get(partition, resourceId), this.historyItems(partition, resourceId)]);
    const byTarget = new Map(items.map((entry) => [entry.toSeq, entry]));
    const chain: HistoryEntry[] = [];
    for (let entry = stored && byTarget.get(stored.seq); entry; entry = byTarget.get(entry.fromSeq)) {
      chain.unshift(entry);
      byTarget.delete(entry.toSeq);
    }
    return chain;
  }

  private async historyItems(partition: string, resourceId: string): Promise<HistoryEntry[]> {
    const entries: HistoryEntry[] = [];
    for await (const item of queryItems(this.db, {
      TableName: this.db.tables.history,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': historyKey(partition, resourceId) },
      ConsistentRead: true,
    })) {
      const { pk: _pk, sk: _sk, ...entry } = decodeLargeFields(item as unknown as HistoryEntry & { pk: string; sk: string });
      entries.push(entry);
    }
    return entries;
  }

  /** Every current record. */
  async *scan(): AsyncGenerator<StoredResource> {
    for await (const item of scanItems(this.db, { TableName: this.table })) {
      yield decodeLargeFields(item as unknown as StoredResource);
    }
  }

  private query(input: QueryCommandInput): AsyncGenerator<Record<string, unknown>> {
    return queryItems(this.db, input);
  }
}
