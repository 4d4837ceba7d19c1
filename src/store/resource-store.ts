import type { QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { ResourceRecord } from '../services/resource-type';
import { canonicalJson, contentHash } from './canonical';
import { conditionalWrite, queryItems, scanItems, type Database } from './dynamo';
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

/** The hash of what a record says, volatile fields left out: equal hashes mean nothing to write. */
export function recordHash(record: ResourceRecord, volatileFields: readonly string[]): string {
  const data: Record<string, unknown> = { ...record.data };
  for (const field of volatileFields) delete data[field];
  return contentHash({ name: record.name ?? null, arn: record.arn, tags: record.tags, data });
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
  async *indexEntries(partition: string): AsyncGenerator<{ id: string; hash: string; deleted: boolean }> {
    for await (const item of this.query({
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': partition },
      ProjectionExpression: 'sk, #hash, deletedAt',
      ExpressionAttributeNames: { '#hash': 'hash' },
    })) {
      yield { id: item.sk as string, hash: item.hash as string, deleted: item.deletedAt !== undefined };
    }
  }

  async get(partition: string, id: string): Promise<StoredResource | undefined> {
    const output = await this.db.client.get({ TableName: this.table, Key: { pk: partition, sk: id }, ConsistentRead: true });
    return output.Item ? decodeLargeFields(output.Item as unknown as StoredResource) : undefined;
  }

  /**
   * Writes a new record, once: `firstSeen` is never overwritten. When the store holds the record already (another
   * run or a real-time update created it since the partition's index was read), the observation is applied to
   * what is stored instead, as an update when it is newer and differs.
   */
  async create(partition: string, record: ResourceRecord, hash: string, at: Observation): Promise<'created' | 'updated' | 'unchanged'> {
    const { accountId, region, type } = parsePartition(partition);
    const item: StoredResource = {
      ...record, pk: partition, sk: record.id, resourceId: record.id, accountId, region, type, hash,
      firstSeen: at.time, lastChanged: at.time, seq: at.seq, runId: at.runId, ...tagIndexAttributes(record.tags),
    };
    const written = await conditionalWrite(this.db, () => this.db.client.put({
      TableName: this.table,
      Item: encodeLargeField(item, 'data', `${partition} ${record.id}`),
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
      const written = await conditionalWrite(this.db, () => this.db.client.update({
        TableName: this.table,
        Key: { pk: partition, sk: record.id },
        UpdateExpression: [
          `SET ${['#name = :name', 'arn = :arn', 'tags = :tags', `${dataField} = :data`, '#hash = :hash', 'lastChanged = :t', 'seq = :seq', 'runId = :run', ...setTags].join(', ')}`,
          `REMOVE ${[...removed, ...removedTags].join(', ')}`,
        ].join(' '),
        ConditionExpression: 'seq = :from',
        ExpressionAttributeNames: { '#name': 'name', '#data': 'data', '#hash': 'hash' },
        ExpressionAttributeValues: {
          ':name': record.name ?? null, ':arn': record.arn, ':tags': record.tags, ':data': 'dataGzip' in encoded ? encoded.dataGzip : record.data,
          ':hash': hash, ':t': at.time, ':seq': at.seq, ':run': at.runId, ':from': from,
          ...Object.fromEntries(Object.values(tagAttributes).map((value, i) => [`:tag${i}`, value])),
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
  private async appendHistory(partition: string, entry: HistoryEntry): Promise<void> {
    await this.db.client.put({
      TableName: this.db.tables.history,
      Item: encodeLargeField({ pk: historyKey(partition, entry.resourceId), sk: `${padSeq(entry.fromSeq)}>${padSeq(entry.toSeq)}`, ...entry }, 'diff', `history of ${entry.resourceId}`),
    });
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
