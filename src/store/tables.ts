/**
 * The key and index definitions of cloudtap's tables: the CDK stack and the embedded DynamoDB
 * are both built from these, so local and deployed tables cannot drift apart.
 */
export type TableId = 'resources' | 'events' | 'runs';

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

export const TABLES: Record<TableId, TableDefinition> = {
  /**
   * Current records: pk = partition (account#region#type), sk = resource id.
   * History entries: pk = `H#` + partition + `#` + id, sk = observation time + run id.
   */
  resources: {
    id: 'resources',
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    globalIndexes: [{ name: 'byResourceId', partitionKey: { name: 'resourceId', type: 'S' }, sortKey: { name: 'pk', type: 'S' } }],
  },
  /** Events: pk = event id (identity hash), sk = `EVENT` (the event, carrying its first opening); later transitions sk = `H#` + time + transition. */
  events: {
    id: 'events',
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    globalIndexes: [
      { name: 'byPartition', partitionKey: { name: 'partition', type: 'S' }, sortKey: { name: 'pk', type: 'S' } },
      { name: 'byState', partitionKey: { name: 'state', type: 'S' }, sortKey: { name: 'firstTime', type: 'S' } },
    ],
  },
  /** Runs: pk = run id, sk = `RUN` for the summary, `TASK#<task id>#<n>` for a task's result and calls. */
  runs: {
    id: 'runs',
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    globalIndexes: [{ name: 'byStartedAt', partitionKey: { name: 'kind', type: 'S' }, sortKey: { name: 'startedAt', type: 'S' } }],
  },
};

export const TABLE_IDS = Object.keys(TABLES) as TableId[];

/** Environment variables that carry the table names into the Lambdas (and the local handlers). */
export const TABLE_ENV: Record<TableId, string> = {
  resources: 'CLOUDTAP_RESOURCES_TABLE',
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
  return { resources: `${prefix}-resources`, events: `${prefix}-events`, runs: `${prefix}-runs` };
}
