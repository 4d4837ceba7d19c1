import type { QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { ResourceRecord } from '../services/resource-type';
import { canonicalJson, contentHash } from './canonical';
import { conditionalWrite, queryItems, scanItems, type Database } from './dynamo';
import { decodeLargeFields, encodeLargeField } from './item-size';

/** The inventory partition a task covers: one resource type in one region of one account. */
export function partitionKey(accountId: string, region: string, type: string): string {
  return `${accountId}#${region}#${type}`;
}

export function parsePartition(partition: string): { accountId: string; region: string; type: string } {
  const [accountId = '', region = '', type = ''] = partition.split('#');
  return { accountId, region, type };
}

const historyKey = (partition: string, id: string): string => `H#${partition}#${id}`;

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
  observedAt: string;
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
   * Writes a new record. The condition keeps a newer observation (another run's) from being overwritten;
   * returns false when the store already held a newer one.
   */
  async create(partition: string, record: ResourceRecord, hash: string, observedAt: string, runId: string): Promise<boolean> {
    const { accountId, region, type } = parsePartition(partition);
    const item: StoredResource = {
      ...record, pk: partition, sk: record.id, resourceId: record.id, accountId, region, type, hash,
      firstSeen: observedAt, lastChanged: observedAt, observedAt, runId,
    };
    const written = await conditionalWrite(this.db, () => this.db.client.put({
      TableName: this.table,
      Item: encodeLargeField(item, 'data', `${partition} ${record.id}`),
      ConditionExpression: 'attribute_not_exists(pk) OR observedAt < :t',
      ExpressionAttributeValues: { ':t': observedAt },
    }));
    return written !== undefined;
  }

  /** Replaces a changed record and appends its history entry; an older observation never overwrites a newer one. */
  async update(previous: StoredResource, record: ResourceRecord, hash: string, observedAt: string, runId: string): Promise<boolean> {
    const diff = diffRecords(previous, record);
    const restored = previous.deletedAt !== undefined;
    const encoded = encodeLargeField({ data: record.data }, 'data', `${previous.pk} ${record.id}`);
    const [dataField, removed] = 'dataGzip' in encoded ? ['dataGzip', 'deletedAt, #data'] : ['#data', 'deletedAt, dataGzip'];
    const written = await conditionalWrite(this.db, () => this.db.client.update({
      TableName: this.table,
      Key: { pk: previous.pk, sk: previous.sk },
      UpdateExpression: `SET #name = :name, arn = :arn, tags = :tags, ${dataField} = :data, #hash = :hash, lastChanged = :t, observedAt = :t, runId = :run REMOVE ${removed}`,
      ConditionExpression: 'observedAt < :t',
      ExpressionAttributeNames: { '#name': 'name', '#data': 'data', '#hash': 'hash' },
      ExpressionAttributeValues: {
        ':name': record.name ?? null, ':arn': record.arn, ':tags': record.tags, ':data': 'dataGzip' in encoded ? encoded.dataGzip : record.data,
        ':hash': hash, ':t': observedAt, ':run': runId,
      },
    }));
    if (!written) return false;
    await this.appendHistory(previous.pk, { resourceId: previous.sk, time: observedAt, runId, change: restored ? 'restored' : 'updated', diff });
    return true;
  }

  /**
   * Brings one record in line with an observation, given the stored record (or none): created when the store
   * has none, updated (with history) when its content changed or it had been deleted; a newer observation
   * already stored leaves it unchanged.
   */
  async apply(partition: string, record: ResourceRecord, hash: string, stored: StoredResource | undefined, observedAt: string, runId: string): Promise<'created' | 'updated' | 'unchanged'> {
    if (!stored) return (await this.create(partition, record, hash, observedAt, runId)) ? 'created' : 'unchanged';
    if (stored.hash === hash && stored.deletedAt === undefined) return 'unchanged';
    return (await this.update(stored, record, hash, observedAt, runId)) ? 'updated' : 'unchanged';
  }

  /** Updates a stored record that changed or had been deleted, from the whole stored record (the diff needs it). */
  async replace(partition: string, record: ResourceRecord, hash: string, observedAt: string, runId: string): Promise<'updated' | 'unchanged'> {
    const previous = await this.get(partition, record.id);
    return previous && (await this.update(previous, record, hash, observedAt, runId)) ? 'updated' : 'unchanged';
  }

  /**
   * Marks a record deleted. Only called for partitions whose listing completed in this run; the condition
   * keeps a record that some run observed after this listing began.
   */
  async markDeleted(partition: string, id: string, deletedAt: string, listingStartedAt: string, runId: string): Promise<boolean> {
    const written = await conditionalWrite(this.db, () => this.db.client.update({
      TableName: this.table,
      Key: { pk: partition, sk: id },
      UpdateExpression: 'SET deletedAt = :t, lastChanged = :t, runId = :run',
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(deletedAt) AND observedAt < :listing',
      ExpressionAttributeValues: { ':t': deletedAt, ':run': runId, ':listing': listingStartedAt },
    }));
    if (!written) return false;
    await this.appendHistory(partition, { resourceId: id, time: deletedAt, runId, change: 'deleted', diff: {} });
    return true;
  }

  /** History entries are keyed by time and run: a retried write lands on the same item. */
  private async appendHistory(partition: string, entry: HistoryEntry): Promise<void> {
    await this.db.client.put({
      TableName: this.table,
      // Not `resourceId`: that attribute marks current records (the byResourceId index, scans).
      Item: encodeLargeField({ pk: historyKey(partition, entry.resourceId), sk: `${entry.time}#${entry.runId}`, time: entry.time, runId: entry.runId, change: entry.change, diff: entry.diff }, 'diff', `history of ${entry.resourceId}`),
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

  async history(partition: string, resourceId: string): Promise<HistoryEntry[]> {
    const entries: HistoryEntry[] = [];
    for await (const item of this.query({
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': historyKey(partition, resourceId) },
    })) entries.push({ ...decodeLargeFields(item as unknown as Omit<HistoryEntry, 'resourceId'>), resourceId });
    return entries;
  }

  /** Every current record (history entries left out). */
  async *scan(): AsyncGenerator<StoredResource> {
    for await (const item of scanItems(this.db, { TableName: this.table, FilterExpression: 'attribute_exists(resourceId)' })) {
      yield decodeLargeFields(item as unknown as StoredResource);
    }
  }

  private query(input: QueryCommandInput): AsyncGenerator<Record<string, unknown>> {
    return queryItems(this.db, input);
  }
}
