import type { Database } from './dynamo';
import type { StoredResource } from './resource-store';
import { decodeLargeFields } from './item-size';
import { Expressions, emptyReadStats, readPages, type ReadStats, type StoreRead } from './read-pages';
import { INDEXED_TAG_KEYS, tagIndexAttribute, tagIndexName } from './tables';

/**
 * The inventory's read side: each listing is answered by a Query of the table or one of its indexes (see the
 * access patterns in tables.ts), never by a Scan unless nothing narrows it.
 */

/** What to list; every field given must hold. */
export interface ResourceQuery {
  type?: string;
  accountId?: string;
  region?: string;
  /** Tag key and value pairs, all of which the record must carry. */
  tags?: readonly (readonly [key: string, value: string])[];
  /** Also records marked deleted. */
  includeDeleted?: boolean;
}

/** A tag query that no index answers and nothing else narrows: it would read the whole inventory. */
export class UnindexedQueryError extends Error {
  override readonly name = 'UnindexedQuery';
}

/** The resources a query selects, each read by key: the items examined are those of its type, account, region or tag. */
export async function listResources(db: Database, query: ResourceQuery, stats: ReadStats = emptyReadStats()): Promise<StoredResource[]> {
  const found: StoredResource[] = [];
  for (const read of await resourceReads(db, query, stats)) {
    for await (const item of readPages(db, read, stats)) found.push(decodeLargeFields(item as unknown as StoredResource));
  }
  return found;
}

/** A resource's current records (one per partition it is in), by its id. */
export async function resourcesById(db: Database, resourceId: string, stats: ReadStats = emptyReadStats()): Promise<StoredResource[]> {
  const found: StoredResource[] = [];
  const read = { query: { TableName: db.tables.resources, IndexName: 'byResourceId', KeyConditionExpression: 'resourceId = :id', ExpressionAttributeValues: { ':id': resourceId } } };
  for await (const item of readPages(db, read, stats)) found.push(decodeLargeFields(item as unknown as StoredResource));
  return found;
}

/** An edge of the resource graph, seen from one resource. */
export interface RelatedEntry {
  /** `to`: the resource points to it (an instance → its subnet); `from`: it points to the resource (a volume → its instance). */
  direction: 'to' | 'from';
  relation: string;
  type: string;
  accountId: string;
  id: string;
  /** The other resource's current record; absent when it is not collected (another account, a type cloudtap does not collect). */
  resource?: StoredResource;
}

/**
 * Both directions of a resource's edges (the `relations` its type and the others declare): the edges its records
 * carry, each resolved by id (byResourceId), and the records of the same accounts that point to it (byAccount,
 * filtered on `relatedIds`: one Query per account). Deleted records are left out.
 */
export async function relatedTo(db: Database, resourceId: string, stats: ReadStats = emptyReadStats()): Promise<{ resources: StoredResource[]; related: RelatedEntry[] }> {
  const resources = (await resourcesById(db, resourceId, stats)).filter((r) => !r.deletedAt);
  const related: RelatedEntry[] = [];
  for (const resource of resources) {
    for (const edge of resource.related ?? []) {
      const other = (await resourcesById(db, edge.id, stats)).find((r) => !r.deletedAt && r.type === edge.type && r.accountId === resource.accountId);
      related.push({ direction: 'to', relation: edge.relation, type: edge.type, accountId: resource.accountId, id: edge.id, ...(other ? { resource: other } : {}) });
    }
  }
  for (const accountId of new Set(resources.map((r) => r.accountId))) {
    const read = {
      query: {
        TableName: db.tables.resources, IndexName: 'byAccount', KeyConditionExpression: 'accountId = :account',
        FilterExpression: 'contains(relatedIds, :id) AND attribute_not_exists(deletedAt)',
        ExpressionAttributeValues: { ':account': accountId, ':id': resourceId },
      },
    };
    for await (const item of readPages(db, read, stats)) {
      const other = decodeLargeFields(item as unknown as StoredResource);
      for (const edge of (other.related ?? []).filter((e) => e.id === resourceId)) {
        related.push({ direction: 'from', relation: edge.relation, type: other.type, accountId, id: other.resourceId, resource: other });
      }
    }
  }
  return { resources, related };
}

/**
 * The accounts that have a region, from their Region records (the record of each region an account has,
 * whose id is the region's name, stored by every run's inventory.Region task): about one item per account.
 * An account whose regions were never collected is not found.
 */
export async function accountsWithRegion(db: Database, region: string, stats: ReadStats = emptyReadStats()): Promise<string[]> {
  const accounts = new Set<string>();
  const read = {
    query: {
      TableName: db.tables.resources, IndexName: 'byResourceId', KeyConditionExpression: 'resourceId = :region',
      ExpressionAttributeValues: { ':region': region }, ProjectionExpression: 'accountId',
    },
  };
  for await (const item of readPages(db, read, stats)) accounts.add(item.accountId as string);
  return [...accounts].sort();
}

/**
 * The reads that answer a query, narrowest key first: a partition (account, region and type), a designated tag,
 * an account (and region) or a type (and account); a region alone fans out over the accounts that have it.
 * What the key does not cover is a filter on the items the key selects.
 */
export async function resourceReads(db: Database, query: ResourceQuery, stats: ReadStats = emptyReadStats()): Promise<StoreRead[]> {
  const table = db.tables.resources;
  const { type, accountId, region } = query;
  const tags = query.tags ?? [];
  const indexedTag = tags.find(([key, value]) => (INDEXED_TAG_KEYS as readonly string[]).includes(key) && value !== '');

  if (indexedTag) {
    const [key, value] = indexedTag;
    return [keyedRead(table, tagIndexName(key), tagIndexAttribute(key), value, accountId ? pkCondition(accountId, region, type) : undefined, query, indexedTag)];
  }
  if (accountId) {
    const pk = pkCondition(accountId, region, type);
    if (pk.exact) return [keyedRead(table, undefined, 'pk', pk.exact, undefined, query)];
    if (region || !type) return [keyedRead(table, 'byAccount', 'accountId', accountId, pk, query)];
    return [keyedRead(table, 'byType', 'type', type, pk, query)];
  }
  if (region) {
    const accounts = await accountsWithRegion(db, region, stats);
    return accounts.map((account) => {
      const pk = pkCondition(account, region, type);
      return pk.exact ? keyedRead(table, undefined, 'pk', pk.exact, undefined, query) : keyedRead(table, 'byAccount', 'accountId', account, pk, query);
    });
  }
  if (type) return [keyedRead(table, 'byType', 'type', type, undefined, query)];
  if (tags.length > 0) {
    const keys = tags.map(([key]) => key).join(', ');
    throw new UnindexedQueryError(`tag ${keys} is not indexed (indexed tag keys: ${INDEXED_TAG_KEYS.join(', ')}, with a non-empty value); narrow it by type, account or region, which it then filters`);
  }
  // Nothing narrows the listing: every current record is read (history items carry no resourceId).
  const expressions = new Expressions();
  const filters = [`attribute_exists(${expressions.name('resourceId')})`, ...residualFilters(expressions, query, {})];
  return [{ scan: { TableName: table, FilterExpression: filters.join(' AND '), ...expressions.attributes() } }];
}

/** What part of the partition key (`account#region#type`) a query fixes: all of it, or a prefix. */
interface PkCondition {
  exact?: string;
  prefix?: string;
  /** Which of the query's fields the condition settles. */
  covers: { accountId: boolean; region: boolean; type: boolean };
}

function pkCondition(accountId: string, region: string | undefined, type: string | undefined): PkCondition {
  if (region && type) return { exact: `${accountId}#${region}#${type}`, covers: { accountId: true, region: true, type: true } };
  if (region) return { prefix: `${accountId}#${region}#`, covers: { accountId: true, region: true, type: false } };
  return { prefix: `${accountId}#`, covers: { accountId: true, region: false, type: false } };
}

/** A Query with `keyAttribute = keyValue` (on the table when `index` is undefined), narrowed by `pk` and filtered by the rest. */
function keyedRead(
  table: string, index: string | undefined, keyAttribute: string, keyValue: string,
  pk: PkCondition | undefined, query: ResourceQuery, keyTag?: readonly [string, string],
): StoreRead {
  const expressions = new Expressions();
  const conditions = [`${expressions.name(keyAttribute)} = ${expressions.value(keyValue)}`];
  if (pk?.exact) conditions.push(`${expressions.name('pk')} = ${expressions.value(pk.exact)}`);
  else if (pk?.prefix) conditions.push(`begins_with(${expressions.name('pk')}, ${expressions.value(pk.prefix)})`);
  const covered = {
    accountId: keyAttribute === 'accountId' || keyAttribute === 'pk' || (pk?.covers.accountId ?? false),
    region: keyAttribute === 'pk' || (pk?.covers.region ?? false),
    type: keyAttribute === 'type' || keyAttribute === 'pk' || (pk?.covers.type ?? false),
    ...(keyTag ? { tag: keyTag } : {}),
  };
  const filters = residualFilters(expressions, query, covered);
  return {
    query: {
      TableName: table,
      ...(index ? { IndexName: index } : {}),
      KeyConditionExpression: conditions.join(' AND '),
      ...(filters.length > 0 ? { FilterExpression: filters.join(' AND ') } : {}),
      ...expressions.attributes(),
    },
  };
}

/** Filters for what a read's key does not settle. */
function residualFilters(
  expressions: Expressions, query: ResourceQuery,
  covered: { accountId?: boolean; region?: boolean; type?: boolean; tag?: readonly [string, string] },
): string[] {
  const filters: string[] = [];
  const equals = (attribute: string, value: string | undefined, isCovered: boolean | undefined): void => {
    if (value !== undefined && !isCovered) filters.push(`${expressions.name(attribute)} = ${expressions.value(value)}`);
  };
  equals('type', query.type, covered.type);
  equals('accountId', query.accountId, covered.accountId);
  equals('region', query.region, covered.region);
  for (const tag of query.tags ?? []) {
    if (tag !== covered.tag) filters.push(`${expressions.name('tags', tag[0])} = ${expressions.value(tag[1])}`);
  }
  if (!query.includeDeleted) filters.push(`attribute_not_exists(${expressions.name('deletedAt')})`);
  return filters;
}
