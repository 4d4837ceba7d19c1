/**
 * The snapshot tables: what a run exports for SQL, and the one source of truth for every consumer of it — the
 * Parquet writer (export.ts), DuckDB's views (the CLI), the Glue tables of the stack, and the named queries.
 *
 * Layout, under a root (the stack's bucket, or `<data-dir>/snapshots` locally):
 *   latest/<table>/data.parquet                      the last exported run, one object per table (a PUT replaces it
 *                                                    atomically; locally, written then renamed)
 *   history/<table>/dt=YYYY-MM-DD/<run-id>.parquet   every exported run, kept for the snapshots' retention
 * The tables of `latest` are queried by their names (`resources`, `events`, …); the same tables over every run by
 * `<name>_history`, partitioned by `dt` (Athena: partition projection, so no crawler).
 *
 * Every value is materialized: counts, last times and states are as the run's ledger reads them, nothing is left for
 * the reader to derive. Names avoid both engines' reserved words (`group` is `event_group`), so that the same SQL runs
 * on DuckDB and Athena (Trino) unquoted.
 */

/** Column types, as both engines name them: DuckDB's and Athena's (Glue) names per type in SQL_TYPES. */
export type ColumnType = 'string' | 'int' | 'bigint' | 'double' | 'boolean' | 'timestamp';

export interface Column {
  name: string;
  type: ColumnType;
  doc: string;
}

export interface SnapshotTable {
  name: SnapshotTableName;
  doc: string;
  columns: readonly Column[];
}

/** A type's name in DuckDB, in the Glue Data Catalog (Hive DDL types Athena reads Parquet with), and in Parquet. */
export const SQL_TYPES: Record<ColumnType, { duckdb: string; glue: string; parquet: 'STRING' | 'INT32' | 'INT64' | 'DOUBLE' | 'BOOLEAN' | 'TIMESTAMP' }> = {
  string: { duckdb: 'VARCHAR', glue: 'string', parquet: 'STRING' },
  int: { duckdb: 'INTEGER', glue: 'int', parquet: 'INT32' },
  bigint: { duckdb: 'BIGINT', glue: 'bigint', parquet: 'INT64' },
  double: { duckdb: 'DOUBLE', glue: 'double', parquet: 'DOUBLE' },
  boolean: { duckdb: 'BOOLEAN', glue: 'boolean', parquet: 'BOOLEAN' },
  timestamp: { duckdb: 'TIMESTAMP', glue: 'timestamp', parquet: 'TIMESTAMP' },
};

/** A column, its name and type kept literal so that the exporter's rows are typed by the schema (export.ts). */
const col = <N extends string, T extends ColumnType>(name: N, type: T, doc: string) => ({ name, type, doc });

/** Columns every table starts with: the run the snapshot is of. */
const RUN_COLUMNS = [
  col('run_id', 'string', 'The run whose snapshot the row is part of'),
  col('run_seq', 'bigint', "The run's sequence number (runs sort by it)"),
] as const;

/** A resource's identity: its partition (account, region, type) and id. */
const RESOURCE_KEY = [
  col('account_id', 'string', 'Account id'),
  col('region', 'string', "Region (the partition's, `global` for global types)"),
  col('type', 'string', 'Resource type key, e.g. EC2.Instance'),
  col('resource_id', 'string', "The resource's id, e.g. i-0abc…"),
] as const;

/** The tables with their column names and types as literal types, for code typed by the schema (the exporter's rows). */
export const SNAPSHOT_SCHEMA = [
  {
    name: 'runs',
    doc: 'One row per exported run: its outcome and counts.',
    columns: [
      ...RUN_COLUMNS,
      col('status', 'string', 'succeeded | partial'),
      col('started_at', 'timestamp', 'When the run started'),
      col('finished_at', 'timestamp', 'When it finished'),
      col('tasks_total', 'int', 'Tasks planned'),
      col('tasks_failed', 'int', 'Tasks that failed'),
      col('resources_created', 'int', 'Records created by the run'),
      col('resources_updated', 'int', 'Records updated'),
      col('resources_deleted', 'int', 'Records marked deleted'),
      col('api_calls', 'int', 'AWS calls made'),
      col('tasks_succeeded', 'int', 'Tasks that succeeded'),
      col('tasks_skipped', 'int', 'Targets skipped (regions not opted in, inactive accounts)'),
      col('resources_seen', 'int', 'Records the run listed'),
      col('resources_unchanged', 'int', 'Records listed and found unchanged'),
      col('events_opened', 'int', 'Events the run opened (or reopened)'),
      col('events_recurred', 'int', 'Open events the run observed again'),
      col('events_cleared', 'int', 'Events the run cleared'),
      col('writes', 'int', 'DynamoDB items the run wrote'),
    ],
  },
  {
    name: 'resources',
    doc: "The inventory's current records: what `cloudtap resources` lists (a resource seen gone is in changes as deleted, and in the history tables of the runs that saw it). The per-resource tables cover the same records.",
    columns: [
      ...RUN_COLUMNS, ...RESOURCE_KEY,
      col('name', 'string', 'Display name (the Name tag or the API name)'),
      col('arn', 'string', 'ARN'),
      col('first_seen', 'timestamp', 'When cloudtap first recorded it'),
      col('last_changed', 'timestamp', 'When its record last changed'),
      col('data', 'string', 'The preprocessed record, JSON (also flattened in resource_fields)'),
    ],
  },
  {
    name: 'resource_fields',
    doc: "Every resource's data, flattened: one row per scalar field, per field of an object, per element of a list, per field of a list's objects.",
    columns: [
      ...RUN_COLUMNS, ...RESOURCE_KEY,
      col('field', 'string', 'The data field, e.g. state, ingress'),
      col('item', 'int', "The element's index when the field is a list (0-based); null for a scalar or an object"),
      col('key', 'string', "The object's field, or the field of the list's element (e.g. fromPort); null otherwise"),
      col('value', 'string', 'The value as text (numbers and booleans as JSON writes them; objects and lists nested deeper as JSON)'),
      col('value_type', 'string', 'string | number | boolean | null, or object | array when value is JSON (nested deeper, or empty)'),
    ],
  },
  {
    name: 'tags',
    doc: "Resources' tags, one row per tag.",
    columns: [...RUN_COLUMNS, ...RESOURCE_KEY, col('tag_key', 'string', 'Tag key'), col('tag_value', 'string', 'Tag value')],
  },
  {
    name: 'relationships',
    doc: 'The resource graph: one row per edge a record points along (an instance → its subnet, security groups, role …).',
    columns: [
      ...RUN_COLUMNS, ...RESOURCE_KEY,
      col('relation', 'string', "The edge's name, e.g. security_group"),
      col('related_type', 'string', 'The type of the resource it points to'),
      col('related_id', 'string', 'The id of the resource it points to'),
    ],
  },
  {
    name: 'changes',
    doc: "The run's changes to the inventory: one row per changed field of each history entry the run wrote.",
    columns: [
      ...RUN_COLUMNS, ...RESOURCE_KEY,
      col('name', 'string', "The resource's display name as last recorded (a deleted resource keeps it)"),
      col('change', 'string', 'created | updated | deleted | restored'),
      col('changed_at', 'timestamp', 'When the change was recorded'),
      col('field', 'string', 'The changed field (null for created and deleted)'),
      col('from_value', 'string', 'The value before, JSON'),
      col('to_value', 'string', 'The value after, JSON'),
    ],
  },
  {
    name: 'events',
    doc: 'Tap events open at the end of the run, and those cleared within the snapshot window, as the ledger reads them.',
    columns: [
      ...RUN_COLUMNS,
      col('event_id', 'string', "The event's id"),
      col('account_id', 'string', 'Account id'),
      col('region', 'string', 'Region'),
      col('resource_id', 'string', 'The resource (or account) the event is about'),
      col('rule', 'string', 'The rule that raised it'),
      col('event_group', 'string', "The event's group (Tap's Group)"),
      col('type_names', 'string', "Its type-name pairs as Tap writes them, e.g. 'ID = web_server:i-1, Port = 22'"),
      col('severity', 'int', '1 most severe … 5 OK'),
      col('state', 'string', 'open | cleared'),
      col('event_count', 'bigint', 'Occurrences counted'),
      col('first_time', 'timestamp', 'First occurrence'),
      col('last_time', 'timestamp', 'Last occurrence'),
      col('text', 'string', "The event's text"),
      col('acknowledged', 'boolean', 'Acknowledged by an operator'),
      col('event_class', 'string', "Tap's Class, e.g. AWS_EC2"),
      col('ems', 'string', 'The collector deployment that saw it'),
      col('resource_type', 'string', 'The type of the partition whose collection observes it, e.g. EC2.Instance'),
      col('cleared_at', 'timestamp', 'When it was cleared; null while open'),
    ],
  },
  {
    name: 'instance_lifetimes',
    doc: 'The configuration report: each instance ever recorded, when it started and ended, and its group (role).',
    columns: [
      ...RUN_COLUMNS,
      col('account_id', 'string', 'Account id'),
      col('region', 'string', 'Region'),
      col('instance_id', 'string', 'Instance id'),
      col('instance_group', 'string', "Its role (tag), or 'unknown'"),
      col('started_at', 'timestamp', 'Launch time'),
      col('ended_at', 'timestamp', 'When it was terminated or seen gone; null while it exists'),
      col('end_source', 'string', 'aws (the transition time) | observed-gone | null'),
    ],
  },
] as const satisfies readonly { name: SnapshotTableName; doc: string; columns: readonly Column[] }[];

/** The tables, in the order the exporter builds them (it writes `runs` last). */
export const SNAPSHOT_TABLES: readonly SnapshotTable[] = SNAPSHOT_SCHEMA;

export type SnapshotTableName = 'runs' | 'resources' | 'resource_fields' | 'tags' | 'relationships' | 'changes' | 'events' | 'instance_lifetimes';

/** The partition column of the `_history` tables. */
export const HISTORY_PARTITION = { name: 'dt', type: 'string', doc: 'The day (UTC) of the run, YYYY-MM-DD' } as const;

export const HISTORY_SUFFIX = '_history';

/** Object keys (S3) or paths (locally, under the root) of a table's files. */
export const snapshotPaths = {
  latest: (table: SnapshotTableName): string => `latest/${table}/data.parquet`,
  latestDir: (table: SnapshotTableName): string => `latest/${table}/`,
  history: (table: SnapshotTableName, day: string, runId: string): string => `history/${table}/dt=${day}/${runId}.parquet`,
  historyDir: (table: SnapshotTableName): string => `history/${table}/`,
};

/** The stack outputs naming where its snapshots are, and where they are queried (the stack declares them, the CLI reads them). */
export const SNAPSHOT_STACK_OUTPUTS = { bucket: 'SnapshotBucketName', database: 'GlueDatabaseName', workGroup: 'AthenaWorkGroupName' } as const;

/** The variables the snapshot export reads (the stack sets the bucket; a local run the directory, which `cloudtap query` also reads). */
export const SNAPSHOT_ENV = {
  bucket: 'CLOUDTAP_SNAPSHOT_BUCKET',
  directory: 'CLOUDTAP_SNAPSHOT_DIR',
  clearedEventDays: 'CLOUDTAP_SNAPSHOT_CLEARED_EVENT_DAYS',
} as const;

export function snapshotTable(name: string): SnapshotTable | undefined {
  return SNAPSHOT_TABLES.find((t) => t.name === name);
}
