/**
 * Snapshot fixtures for the query tests: Parquet files written with hyparquet-writer at schema.ts's paths, every
 * column of the schema present (null where a row does not give it), as the export writes them.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { SNAPSHOT_TABLES, SQL_TYPES, snapshotPaths, type ColumnType, type SnapshotTableName } from '../../src/sql/schema';
import { instanceLifetime, type InstanceLifetime } from '../../src/report/configuration';

export type FixtureRow = Record<string, string | number | boolean | null | undefined>;
export type FixtureTables = Partial<Record<SnapshotTableName, FixtureRow[]>>;

function parquetValue(type: ColumnType, value: FixtureRow[string]): unknown {
  if (value === null || value === undefined) return null;
  if (type === 'timestamp') return new Date(String(value));
  if (type === 'bigint') return BigInt(value as number);
  return value;
}

/** One table's file, with the run columns filled in. */
export function parquetTable(name: SnapshotTableName, rows: readonly FixtureRow[], run = { runId: 'run-2', seq: 2 }): Uint8Array {
  const table = SNAPSHOT_TABLES.find((t) => t.name === name);
  if (!table) throw new Error(`no table ${name}`);
  const complete: FixtureRow[] = rows.map((row) => ({ run_id: run.runId, run_seq: run.seq, ...row }));
  return new Uint8Array(parquetWriteBuffer({
    columnData: table.columns.map((c) => ({
      name: c.name,
      type: SQL_TYPES[c.type].parquet,
      data: complete.map((row) => parquetValue(c.type, row[c.name])),
    })) as Parameters<typeof parquetWriteBuffer>[0]['columnData'],
  }));
}

async function put(path: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
}

/** Writes `latest/<t>/data.parquet` for each table given (an empty list writes a file with no rows). */
export async function writeLatest(root: string, tables: FixtureTables, run = { runId: 'run-2', seq: 2 }): Promise<void> {
  for (const [name, rows] of Object.entries(tables) as [SnapshotTableName, FixtureRow[]][]) {
    await put(join(root, snapshotPaths.latest(name)), parquetTable(name, rows, run));
  }
}

/** Writes `history/<t>/dt=<day>/<run>.parquet` for each table given. */
export async function writeHistory(root: string, day: string, tables: FixtureTables, run: { runId: string; seq: number }): Promise<void> {
  for (const [name, rows] of Object.entries(tables) as [SnapshotTableName, FixtureRow[]][]) {
    await put(join(root, snapshotPaths.history(name, day, run.runId)), parquetTable(name, rows, run));
  }
}

const A = '111111111111';
const B = '222222222222';
const key = (account: string, region: string, type: string, id: string) => ({ account_id: account, region, type, resource_id: id });

/** Ingress rules as resource_fields rows (FlatRule of src/services/ec2/security-group.ts, flattened as the export does). */
function ingress(account: string, region: string, id: string, rules: { protocol: string; fromPort: number | null; toPort: number | null; source: string }[]): FixtureRow[] {
  return rules.flatMap((rule, item) => Object.entries(rule).map(([k, v]) => ({
    ...key(account, region, 'EC2.SecurityGroup', id), field: 'ingress', item, key: k,
    value: v === null ? null : typeof v === 'number' ? JSON.stringify(v) : v, value_type: v === null ? 'null' : typeof v,
  })));
}

/** The instances the lifetimes are made of: as records, so that configurationAt and the SQL read the same thing. */
export const INSTANCE_RECORDS = [
  { accountId: A, region: 'us-east-1', resourceId: 'i-web1', lastChanged: '2026-03-01T00:00:00.000Z', data: { launch_time: '2026-02-01T08:00:00.000Z', state: 'running', role: 'web_server' } },
  { accountId: A, region: 'us-east-1', resourceId: 'i-web2', lastChanged: '2026-03-01T10:00:00.000Z', data: { launch_time: '2026-02-20T08:00:00.000Z', state: 'terminated', state_transition_time: '2026-03-01T10:00:00.000Z', role: 'web_server' } },
  { accountId: A, region: 'eu-west-1', resourceId: 'i-db1', lastChanged: '2026-01-01T00:00:00.000Z', data: { launch_time: '2026-01-01T00:00:00.000Z', state: 'stopped', role: 'db_server' } },
  { accountId: B, region: 'us-east-1', resourceId: 'i-batch', lastChanged: '2026-03-01T12:00:00.000Z', deletedAt: '2026-03-01T12:00:00.000Z', data: { launch_time: '2026-02-28T00:00:00.000Z', state: 'running' } },
  { accountId: B, region: 'us-east-1', resourceId: 'i-late', lastChanged: '2026-03-02T00:00:00.000Z', data: { launch_time: '2026-03-02T00:00:00.000Z', state: 'pending', role: 'web_server' } },
];

export const LIFETIMES: InstanceLifetime[] = INSTANCE_RECORDS.map((r) => instanceLifetime(r)).filter((l): l is InstanceLifetime => l !== undefined);

/** A small inventory of two accounts with every table filled, and what the named queries must answer over it. */
export const FIXTURE: Required<Pick<FixtureTables, 'runs' | 'resources' | 'resource_fields' | 'tags' | 'relationships' | 'changes' | 'events' | 'instance_lifetimes'>> = {
  runs: [{ status: 'succeeded', started_at: '2026-03-01T12:00:00.000Z', finished_at: '2026-03-01T12:01:00.000Z', tasks_total: 10, tasks_failed: 0, resources_created: 2, resources_updated: 1, resources_deleted: 1, api_calls: 40 }],
  resources: [
    { ...key(A, 'us-east-1', 'EC2.SecurityGroup', 'sg-web'), name: 'web', first_seen: '2026-01-01T00:00:00.000Z', last_changed: '2026-03-01T12:00:00.000Z', data: '{}' },
    { ...key(A, 'us-east-1', 'EC2.SecurityGroup', 'sg-any'), name: 'any', first_seen: '2026-01-01T00:00:00.000Z', last_changed: '2026-01-01T00:00:00.000Z', data: '{}' },
    { ...key(B, 'eu-west-1', 'EC2.SecurityGroup', 'sg-http'), name: "it's http", first_seen: '2026-01-01T00:00:00.000Z', last_changed: '2026-01-01T00:00:00.000Z', data: '{}' },
    { ...key(A, 'us-east-1', 'EC2.Instance', 'i-web1'), name: 'web1', first_seen: '2026-02-01T08:00:00.000Z', last_changed: '2026-03-01T00:00:00.000Z', data: '{"role":"web_server"}' },
    { ...key(A, 'us-east-1', 'EC2.Instance', 'i-web2'), name: 'web2', first_seen: '2026-02-20T08:00:00.000Z', last_changed: '2026-03-01T10:00:00.000Z', data: '{}' },
    { ...key(A, 'us-east-1', 'EC2.NetworkInterface', 'eni-1'), name: null, first_seen: '2026-02-01T08:00:00.000Z', last_changed: '2026-02-01T08:00:00.000Z', data: '{}' },
    { ...key(A, 'global', 'CloudTrail.Trail', 'trail-1'), name: 'main', first_seen: '2026-01-01T00:00:00.000Z', last_changed: '2026-01-01T00:00:00.000Z', data: '{}' },
  ],
  resource_fields: [
    ...ingress(A, 'us-east-1', 'sg-web', [
      { protocol: 'tcp', fromPort: 22, toPort: 22, source: '0.0.0.0/0' },
      { protocol: 'tcp', fromPort: 443, toPort: 443, source: '10.0.0.0/8' },
      { protocol: 'tcp', fromPort: 443, toPort: 443, source: '::/0' },
    ]),
    ...ingress(A, 'us-east-1', 'sg-any', [{ protocol: 'all', fromPort: null, toPort: null, source: '::/0' }]),
    ...ingress(B, 'eu-west-1', 'sg-http', [{ protocol: 'tcp', fromPort: 80, toPort: 8080, source: '0.0.0.0/0' }, { protocol: 'udp', fromPort: 53, toPort: 53, source: 'sg-web' }]),
    // A scalar field and an egress rule open to the world: neither is ingress.
    { ...key(A, 'us-east-1', 'EC2.SecurityGroup', 'sg-web'), field: 'group_name', item: null, key: null, value: 'web', value_type: 'string' },
    { ...key(A, 'us-east-1', 'EC2.SecurityGroup', 'sg-web'), field: 'egress', item: 0, key: 'source', value: '0.0.0.0/0', value_type: 'string' },
  ],
  tags: [
    { ...key(A, 'us-east-1', 'EC2.SecurityGroup', 'sg-web'), tag_key: 'CostCenter', tag_value: 'web' },
    { ...key(A, 'us-east-1', 'EC2.Instance', 'i-web1'), tag_key: 'CostCenter', tag_value: 'web' },
    { ...key(A, 'us-east-1', 'EC2.Instance', 'i-web1'), tag_key: 'Name', tag_value: 'web1' },
    { ...key(A, 'us-east-1', 'EC2.Instance', 'i-web2'), tag_key: 'costcenter', tag_value: 'lower-case key' },
  ],
  relationships: [
    { ...key(A, 'us-east-1', 'EC2.Instance', 'i-web1'), relation: 'security_group', related_type: 'EC2.SecurityGroup', related_id: 'sg-web' },
    { ...key(A, 'us-east-1', 'EC2.Instance', 'i-web2'), relation: 'security_group', related_type: 'EC2.SecurityGroup', related_id: 'sg-any' },
    { ...key(A, 'us-east-1', 'EC2.NetworkInterface', 'eni-1'), relation: 'security_group', related_type: 'EC2.SecurityGroup', related_id: 'sg-web' },
    { ...key(A, 'us-east-1', 'EC2.NetworkInterface', 'eni-1'), relation: 'instance', related_type: 'EC2.Instance', related_id: 'i-web1' },
  ],
  changes: [
    { ...key(A, 'us-east-1', 'EC2.SecurityGroup', 'sg-web'), name: 'web', change: 'updated', changed_at: '2026-03-01T12:00:30.000Z', field: 'ingress', from_value: '[]', to_value: '[{"protocol":"tcp","fromPort":22}]' },
    { ...key(A, 'us-east-1', 'EC2.SecurityGroup', 'sg-web'), name: 'web', change: 'updated', changed_at: '2026-03-01T12:00:30.000Z', field: 'description', from_value: '"a"', to_value: '"b"' },
    { ...key(A, 'us-east-1', 'EC2.Instance', 'i-old'), name: 'old', change: 'deleted', changed_at: '2026-03-01T12:00:40.000Z', field: null, from_value: null, to_value: null },
    { ...key(A, 'us-east-1', 'EC2.SecurityGroup', 'sg-gone'), name: 'gone', change: 'deleted', changed_at: '2026-03-01T12:00:20.000Z', field: null, from_value: null, to_value: null },
  ],
  events: [
    { event_id: 'e1', account_id: A, region: 'us-east-1', resource_id: 'sg-web', rule: 'OpenIngress', event_group: 'web_server', type_names: 'ID = sg-web, Port = 22', severity: 2, state: 'open', event_count: 3, first_time: '2026-02-27T12:00:00.000Z', last_time: '2026-03-01T12:00:00.000Z', text: 'port 22 open to the world', acknowledged: false },
    { event_id: 'e2', account_id: A, region: 'us-east-1', resource_id: 'i-web2', rule: 'InstanceState', event_group: 'web_server', type_names: 'ID = web_server:i-web2', severity: 5, state: 'cleared', event_count: 2, first_time: '2026-02-28T12:00:00.000Z', last_time: '2026-03-01T10:00:00.000Z', text: 'OK - terminated', acknowledged: true },
    { event_id: 'e3', account_id: A, region: 'us-east-1', resource_id: 'i-web1', rule: 'InstanceState', event_group: 'web_server', type_names: 'ID = web_server:i-web1', severity: 2, state: 'open', event_count: 993, first_time: '2026-02-28T12:00:00.000Z', last_time: '2026-03-01T23:59:59.999Z', text: 'stopped', acknowledged: false },
    { event_id: 'e4', account_id: B, region: null, resource_id: B, rule: 'NoTrail', event_group: null, type_names: 'ID = 222222222222', severity: 1, state: 'open', event_count: 1, first_time: '2026-02-28T00:00:00.000Z', last_time: '2026-02-28T00:00:00.000Z', text: 'no trail', acknowledged: false },
  ],
  instance_lifetimes: LIFETIMES.map((l) => ({
    account_id: l.accountId, region: l.region, instance_id: l.instanceId, instance_group: l.group, started_at: l.startedAt, ended_at: l.endedAt, end_source: l.endSource,
  })),
};
