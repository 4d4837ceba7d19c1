/**
 * The key and index definitions of cloudtap's tables: the CDK stack and the embedded DynamoDB
 * are both built from these, so local and deployed tables cannot drift apart.
 */
export type TableId = 'resources' | 'history' | 'events' | 'runs';

export interface KeyAttribute {
  name: string;
  type: 'S' | 'N';
}

export interface GlobalIndex {
  name: string;
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
}

export interface TableDefinition {
  id: TableId;
  partitionKey: KeyAttribute;
  sortKey: KeyAttribute;
  globalIndexes: GlobalIndex[];
}

/**
 * Tags the inventory indexes, each by a sparse index of its own (`byTag<Key>` on the attribute `tag_<Key>`).
 * An index cannot reach into the `tags` map, and every tag indexed costs an index write per record write that
 * carries it, so only these keys are indexed (exact, case-sensitive keys); a query on another key must be
 * narrowed by type or account and is filtered there. Adding a key adds an index: CloudFormation adds one per
 * stack update, and an existing record enters it only when it is next written.
 */
export const INDEXED_TAG_KEYS = ['Environment', 'Team', 'Role'] as const;

/** The record attribute that carries a designated tag's value for its index. */
export function tagIndexAttribute(key: string): string {
  return `tag_${key}`;
}

/**
 * The attributes the write path must put on a current resource record (beside `tags`) for the tag indexes:
 * `tag_<Key>` = the value, for each designated key the record carries with a non-empty value (an index key
 * cannot be empty). A write that replaces the record (Put) puts exactly these; an update SETs these and
 * REMOVEs the others of `TAG_INDEX_ATTRIBUTES`. History items never carry them.
 */
export function tagIndexAttributes(tags: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const key of INDEXED_TAG_KEYS) {
    const value = tags?.[key];
    if (value) attributes[tagIndexAttribute(key)] = value;
  }
  return attributes;
}

export const TAG_INDEX_ATTRIBUTES: readonly string[] = INDEXED_TAG_KEYS.map(tagIndexAttribute);

export function tagIndexName(key: string): string {
  return `byTag${key}`;
}

/**
 * The attributes the write path must put on an event item (sk `EVENT` only, never its history items) for the
 * event indexes: `accountId` = the account of its partition (`account#region#type`), and `eventGroup` = its
 * group when it has one (absent otherwise: an index key cannot be null, and a null `group` under an index
 * would make the write fail).
 */
export function eventIndexAttributes(event: { partition: string; group: string | null }): { accountId: string; eventGroup?: string } {
  const [accountId = ''] = event.partition.split('#', 1);
  return event.group ? { accountId, eventGroup: event.group } : { accountId };
}

/**
 * Every index costs a write per item written that carries its key attributes (two when a key changes), with
 * the item's size in write units: the indexes project ALL attributes, so an update of such an item rewrites
 * its entry in each. The access patterns and what answers each (README, "Access patterns"):
 *
 * | pattern | answered by |
 * |---|---|
 * | resources of a type, every account and region | resources.byType: type = T (+ begins_with(pk, "A#") for one account) |
 * | resources of an account (and region), every type | resources.byAccount: accountId = A (+ begins_with(pk, "A#R#")) |
 * | resources of an account, region and type | resources table: pk = "A#R#T" |
 * | resources of a region (or region and type), every account | the accounts from byResourceId: resourceId = R (their Region records), then per account the two above |
 * | resources by tag key and value | resources.byTag<Key>: tag_<Key> = V (+ begins_with(pk, …)); designated keys only |
 * | a resource by id | resources.byResourceId: resourceId = I |
 * | a resource's history | history table: pk = "A#R#T#" + resource id |
 * | open (or cleared) events, by severity | events.byState: state = S (+ severity <= N) |
 * | events of a group | events.byGroup: eventGroup = G (+ state = S) |
 * | events of an account | events.byAccount: accountId = A (+ state = S) |
 * | transitions waiting for notification (Finalize) | events.byNotify: notify = "pending#<shard>", each of NOTIFY_SHARDS |
 * | open events of a partition (collect) | events.byPartition: partition = P |
 * | an event and its history | events table: pk = event id |
 * | runs, newest first | runs.bySeq: kind = "run", descending |
 */
/**
 * The notification outbox (events.byNotify, sparse): every open or clear sets `notify` on the event, the notifier at
 * Finalize reads the index and removes it once the transition is notified (or needs no notification). The key is
 * sharded by event id: one key value would be one hot partition of the index when a whole organization transitions.
 */
export const NOTIFY_SHARDS = 8;

export function notifyShardKey(shard: number): string {
  return `pending#${shard}`;
}

/** The outbox key of an event (its `notify` attribute while a notification is pending). */
export function notifyPendingKey(eventId: string): string {
  let sum = 0;
  for (let i = 0; i < eventId.length; i++) sum = (sum + eventId.charCodeAt(i)) % NOTIFY_SHARDS;
  return notifyShardKey(sum);
}

export const TABLES: Record<TableId, TableDefinition> = {
  /**
   * Current records: pk = partition (account#region#type), sk = resource id. (History has its own table.)
   *
   * The indexes sort by `pk`, so one account (`A#`), region (`A#R#`) or partition narrows any of them by key.
   * byType and byAccount are keyed by few values (a type, an account): DynamoDB splits a key's items across
   * partitions by sort key, so their reads and writes spread over accounts and regions.
   */
  resources: {
    id: 'resources',
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    globalIndexes: [
      { name: 'byResourceId', partitionKey: { name: 'resourceId', type: 'S' }, sortKey: { name: 'pk', type: 'S' } },
      { name: 'byType', partitionKey: { name: 'type', type: 'S' }, sortKey: { name: 'pk', type: 'S' } },
      { name: 'byAccount', partitionKey: { name: 'accountId', type: 'S' }, sortKey: { name: 'pk', type: 'S' } },
      ...INDEXED_TAG_KEYS.map((key) => ({ name: tagIndexName(key), partitionKey: { name: tagIndexAttribute(key), type: 'S' as const }, sortKey: { name: 'pk', type: 'S' as const } })),
    ],
  },
  /**
   * Resource history: pk = partition + `#` + resource id, sk = the sequence numbers of the states a change went
   * from and to (`<from>><to>`, zero-padded). Its own table, so that reading the inventory never reads history.
   */
  history: {
    id: 'history',
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    globalIndexes: [],
  },
  /**
   * Events: pk = event id (identity hash), sk = `EVENT` (the event, carrying its first opening); later
   * transitions sk = `H#` + time + transition. Only the `EVENT` item carries the index attributes (`state`,
   * `partition`, `accountId`, `eventGroup`), so no index holds history items. byAccount and byGroup sort by
   * state: the open events of an account or group are read without its cleared ones, which accumulate.
   */
  events: {
    id: 'events',
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    globalIndexes: [
      { name: 'byPartition', partitionKey: { name: 'partition', type: 'S' }, sortKey: { name: 'pk', type: 'S' } },
      { name: 'byState', partitionKey: { name: 'state', type: 'S' }, sortKey: { name: 'severity', type: 'N' } },
      { name: 'byAccount', partitionKey: { name: 'accountId', type: 'S' }, sortKey: { name: 'state', type: 'S' } },
      { name: 'byGroup', partitionKey: { name: 'eventGroup', type: 'S' }, sortKey: { name: 'state', type: 'S' } },
      { name: 'byNotify', partitionKey: { name: 'notify', type: 'S' }, sortKey: { name: 'pk', type: 'S' } },
    ],
  },
  /**
   * Runs: pk = run id, sk = `RUN` for the summary, `SEQ` for the run's sequence number, `TASK#<task id>#<n>` for a
   * task's result and calls; pk = sk = `#SEQUENCE` holds the counter the sequence numbers are taken from. Runs
   * are ordered by sequence number, not by their start times (which come from different machines' clocks).
   */
  runs: {
    id: 'runs',
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    globalIndexes: [{ name: 'bySeq', partitionKey: { name: 'kind', type: 'S' }, sortKey: { name: 'seq', type: 'N' } }],
  },
};

export const TABLE_IDS = Object.keys(TABLES) as TableId[];

/** Environment variables that carry the table names into the Lambdas (and the local handlers). */
export const TABLE_ENV: Record<TableId, string> = {
  resources: 'CLOUDTAP_RESOURCES_TABLE',
  history: 'CLOUDTAP_HISTORY_TABLE',
  events: 'CLOUDTAP_EVENTS_TABLE',
  runs: 'CLOUDTAP_RUNS_TABLE',
};

export type TableNames = Record<TableId, string>;

export function tableNamesFromEnv(env: NodeJS.ProcessEnv = process.env): TableNames {
  const names = {} as TableNames;
  for (const id of TABLE_IDS) {
    const name = env[TABLE_ENV[id]];
    if (!name) throw new Error(`${TABLE_ENV[id]} is not set: the ${id} table's name must be configured`);
    names[id] = name;
  }
  return names;
}

export function localTableNames(prefix: string): TableNames {
  return { resources: `${prefix}-resources`, history: `${prefix}-history`, events: `${prefix}-events`, runs: `${prefix}-runs` };
}
