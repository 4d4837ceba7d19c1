import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { localStore } from '../support/local-run';
import { resourcesCommand } from '../../cli/commands/resources';
import { eventsCommand } from '../../cli/commands/events';
import { listResources } from '../../src/store/inventory-queries';
import { ResourceStore, type StoredResource } from '../../src/store/resource-store';
import { RunStore } from '../../src/store/run-store';
import { instanceLifetime, INSTANCE_TYPE } from '../../src/report/configuration';
import { SNAPSHOT_TABLES, snapshotPaths } from '../../src/sql/schema';
import { isTemporaryFile } from '../../src/sql/snapshot-sink';
import type { RunSummary } from '../../src/dto/run-summary';
import type { TapEvent } from '../../src/dto/tap-event';

/** Two accounts' worth of variety in one small account: every service, two regions, an epoch apart. */
const SPEC = 'seed=5&regions=2&instances=8';

/** What a `cloudtap` command prints with --json, run in this process (the same code as the program, no child process). */
async function cliJson<T>(command: (argv: string[]) => Promise<number>, argv: string[]): Promise<T> {
  const printed: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => { printed.push(args.join(' ')); };
  try {
    expect(await command(argv)).toBe(0);
  } finally {
    console.log = log;
  }
  return JSON.parse(printed.join('\n')) as T;
}

async function filesUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...await filesUnder(path));
    else found.push(path);
  }
  return found;
}

/** The files under latest/, by path, with their bytes. */
async function latestFiles(root: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const path of await filesUnder(join(root, 'latest'))) files.set(relative(root, path), await readFile(path));
  return files;
}

type Row = Record<string, string | number | boolean | null>;

/** A resource's data put back together from its resource_fields rows. */
function unflatten(rows: readonly Row[]): Record<string, unknown> {
  const parse = (row: Row): unknown => (row.value_type === 'string' ? row.value : row.value_type === 'null' ? null : JSON.parse(String(row.value)));
  const byField = new Map<string, Row[]>();
  for (const row of rows) byField.set(String(row.field), [...(byField.get(String(row.field)) ?? []), row]);
  const data: Record<string, unknown> = {};
  for (const [field, fieldRows] of byField) {
    if (fieldRows.every((r) => r.item === null)) {
      data[field] = fieldRows.length === 1 && fieldRows[0]!.key === null ? parse(fieldRows[0]!) : Object.fromEntries(fieldRows.map((r) => [r.key, parse(r)]));
      continue;
    }
    const items: unknown[] = [];
    for (const row of fieldRows) {
      const i = Number(row.item);
      if (row.key === null) items[i] = parse(row);
      else items[i] = { ...(items[i] as object | undefined), [String(row.key)]: parse(row) };
    }
    data[field] = items;
  }
  return data;
}

const iso = (column: string): string => `strftime(${column}, '%Y-%m-%dT%H:%M:%S.%g') || 'Z' AS ${column}`;
const resourceKey = (r: { type: string; accountId: string; region: string; resourceId: string }): string => `${r.type} ${r.accountId} ${r.region} ${r.resourceId}`;
const rowKey = (r: Row): string => `${r.type} ${r.account_id} ${r.region} ${r.resource_id}`;

describe('the snapshot a local run exports after Finalize', () => {
  let store: Awaited<ReturnType<typeof localStore>>;
  let root: string;
  let first: RunSummary;
  let second: RunSummary;
  let records: StoredResource[];
  /** The current inventory: the records not seen gone (the per-resource tables cover those). */
  const current = () => records.filter((r) => !r.deletedAt);
  let duck: DuckDBInstance;
  let sql: DuckDBConnection;
  const table = (name: string): string => `read_parquet('${join(root, snapshotPaths.latest(name as never))}')`;
  const rows = async (query: string): Promise<Row[]> => (await sql.runAndReadAll(query)).getRowObjectsJson() as Row[];

  beforeAll(async () => {
    store = await localStore({ snapshots: true });
    root = join(store.dataDir, 'snapshots');
    first = await store.run(SPEC);
    second = await store.run(`${SPEC}&epoch=1`);
    const workspace = await store.open();
    try {
      records = await listResources(workspace.db, { includeDeleted: true });
    } finally {
      await workspace.close();
    }
    duck = await DuckDBInstance.create(':memory:');
    sql = await duck.connect();
  }, 300_000);

  afterAll(() => {
    sql?.closeSync();
    duck?.closeSync();
  });

  it('writes every table under latest/ and each run\'s under history/, says so in the summary and on the run, and leaves no temporary file', async () => {
    for (const summary of [first, second]) {
      expect(summary.status).toBe('succeeded');
      expect(summary.snapshot).toMatchObject({ status: 'exported', location: root });
      expect(Object.keys(summary.snapshot!.tables).sort()).toEqual(SNAPSHOT_TABLES.map((t) => t.name).sort());
      for (const t of SNAPSHOT_TABLES) {
        const history = join(root, snapshotPaths.history(t.name, summary.startedAt.slice(0, 10), summary.runId));
        expect((await stat(history)).size).toBe(summary.snapshot!.tables[t.name]!.bytes);
      }
    }
    for (const t of SNAPSHOT_TABLES) expect((await stat(join(root, snapshotPaths.latest(t.name)))).size).toBe(second.snapshot!.tables[t.name]!.bytes);
    expect((await filesUnder(root)).filter((path) => isTemporaryFile(path.split('/').pop()!))).toEqual([]);
    const workspace = await store.open();
    try {
      expect((await new RunStore(workspace.db).getRun(second.runId))?.snapshot).toEqual(second.snapshot);
    } finally {
      await workspace.close();
    }
    // The latest run's row is the `runs` table, and every table's rows are of that run.
    expect(await rows(`SELECT run_id, status, CAST(run_seq AS INTEGER) AS seq, resources_created, resources_deleted FROM ${table('runs')}`))
      .toEqual([{ run_id: second.runId, status: 'succeeded', seq: expect.any(Number), resources_created: second.resources.created, resources_deleted: second.resources.deleted }]);
    for (const t of SNAPSHOT_TABLES) {
      const [counted] = await rows(`SELECT count(*)::INTEGER AS n, count(DISTINCT run_id)::INTEGER AS runs, min(run_id) AS run FROM ${table(t.name)}`);
      expect([t.name, counted!.n]).toEqual([t.name, second.snapshot!.tables[t.name]!.rows]);
      if (Number(counted!.n) > 0) expect([t.name, counted!.runs, counted!.run]).toEqual([t.name, 1, second.runId]);
    }
  });

  it('resources: exactly what `cloudtap resources --json` lists (the records seen gone are not the current inventory)', async () => {
    const listed = await cliJson<StoredResource[]>(resourcesCommand, ['--json', '--data-dir', store.dataDir]);
    const everything = await cliJson<StoredResource[]>(resourcesCommand, ['--json', '--include-deleted', '--data-dir', store.dataDir]);
    expect(everything.length).toBeGreaterThan(listed.length);
    const exported = await rows(`SELECT type, account_id, region, resource_id, name, arn, ${iso('first_seen')}, ${iso('last_changed')} FROM ${table('resources')}`);
    expect(exported).toHaveLength(listed.length);
    const byKey = new Map(exported.map((r) => [rowKey(r), r]));
    for (const r of listed) {
      expect(byKey.get(resourceKey(r))).toEqual({
        type: r.type, account_id: r.accountId, region: r.region, resource_id: r.resourceId, name: r.name ?? null, arn: r.arn ?? null,
        first_seen: r.firstSeen, last_changed: r.lastChanged,
      });
    }
  });

  it('resource_fields gives back every record\'s data, and the data column is the same', async () => {
    const fields = await rows(`SELECT type, account_id, region, resource_id, field, item, key, value, value_type FROM ${table('resource_fields')} ORDER BY type, account_id, region, resource_id, field, item`);
    const byKey = new Map<string, Row[]>();
    for (const row of fields) byKey.set(rowKey(row), [...(byKey.get(rowKey(row)) ?? []), row]);
    const data = new Map((await rows(`SELECT type, account_id, region, resource_id, data FROM ${table('resources')}`)).map((r) => [rowKey(r), JSON.parse(String(r.data))]));
    let nested = 0;
    for (const record of current()) {
      const expected = record.data ?? {};
      expect([resourceKey(record), unflatten(byKey.get(resourceKey(record)) ?? [])]).toEqual([resourceKey(record), expected]);
      expect(data.get(resourceKey(record))).toEqual(expected);
      if (Object.values(expected).some((v) => Array.isArray(v) && v.some((e) => typeof e === 'object' && e !== null))) nested++;
    }
    // The check covers lists of objects (rules, block devices), not only scalars.
    expect(nested).toBeGreaterThan(10);
  });

  it('tags and relationships are the records\' own, one row each', async () => {
    const tags = await rows(`SELECT type, account_id, region, resource_id, tag_key, tag_value FROM ${table('tags')}`);
    const expectedTags = current().flatMap((r) => Object.entries(r.tags ?? {}).map(([k, v]) => `${resourceKey(r)} ${k}=${v}`)).sort();
    expect(tags.map((t) => `${rowKey(t)} ${t.tag_key}=${t.tag_value}`).sort()).toEqual(expectedTags);
    expect(expectedTags.length).toBeGreaterThan(20);
    const edges = await rows(`SELECT type, account_id, region, resource_id, relation, related_type, related_id FROM ${table('relationships')}`);
    const expectedEdges = current().flatMap((r) => (r.related ?? []).map((e) => `${resourceKey(r)} ${e.relation} ${e.type} ${e.id}`)).sort();
    expect(edges.map((e) => `${rowKey(e)} ${e.relation} ${e.related_type} ${e.related_id}`).sort()).toEqual(expectedEdges);
    expect(expectedEdges.length).toBeGreaterThan(20);
  });

  it('events: open and cleared ones with the count, state, severity and times `cloudtap events --state all --json` shows', async () => {
    const shown = await cliJson<TapEvent[]>(eventsCommand, ['--state', 'all', '--json', '--data-dir', store.dataDir]);
    expect(shown.some((e) => e.state === 'cleared')).toBe(true);
    expect(shown.some((e) => e.count > 1)).toBe(true);
    const exported = await rows(`SELECT event_id, state, severity, CAST(event_count AS INTEGER) AS count, ${iso('first_time')}, ${iso('last_time')}, event_group, rule, text, event_class, ems, acknowledged FROM ${table('events')}`);
    const expected = shown.map((e) => ({
      event_id: e.id, state: e.state, severity: e.severity, count: e.count, first_time: e.firstTime, last_time: e.lastTime,
      event_group: e.group, rule: e.rule, text: e.text, event_class: e.class, ems: e.ems, acknowledged: e.acknowledged !== undefined,
    }));
    const byId = (a: Record<string, unknown>, b: Record<string, unknown>) => String(a.event_id).localeCompare(String(b.event_id));
    expect(exported.sort(byId)).toEqual(expected.sort(byId));
  });

  it('changes: the second run\'s history entries field by field, and the records it created, nothing else', async () => {
    const workspace = await store.open();
    const expected: string[] = [];
    try {
      const history = new ResourceStore(workspace.db);
      for (const record of records) {
        if (record.firstSeen >= second.startedAt) expected.push(`${resourceKey(record)} created - ${record.firstSeen}`);
        for (const entry of (await history.history(record.pk, record.resourceId)).filter((e) => e.runId === second.runId)) {
          const diff = Object.entries(entry.diff);
          if (diff.length === 0) expected.push(`${resourceKey(record)} ${entry.change} - ${entry.time}`);
          for (const [field, { from, to }] of diff) expected.push(`${resourceKey(record)} ${entry.change} ${field} ${JSON.stringify(from)}→${JSON.stringify(to)} ${entry.time}`);
        }
      }
    } finally {
      await workspace.close();
    }
    const changes = await rows(`SELECT type, account_id, region, resource_id, change, field, from_value, to_value, ${iso('changed_at')} FROM ${table('changes')}`);
    const exported = changes.map((c) => (c.field === null ? `${rowKey(c)} ${c.change} - ${c.changed_at}` : `${rowKey(c)} ${c.change} ${c.field} ${c.from_value}→${c.to_value} ${c.changed_at}`));
    expect(exported.sort()).toEqual(expected.sort());
    // The epoch launched, changed and terminated things: every kind of change is there.
    for (const kind of ['created', 'updated', 'deleted']) expect([kind, changes.some((c) => c.change === kind)]).toEqual([kind, true]);
    expect(new Set(changes.map((c) => c.change)).size).toBeGreaterThanOrEqual(3);
    expect(second.resources.created + second.resources.updated + second.resources.deleted).toBeGreaterThan(0);
  });

  it('instance_lifetimes: every instance record\'s, as the configuration report reads them', async () => {
    const exported = await rows(`SELECT instance_id, instance_group, ${iso('started_at')}, ${iso('ended_at')}, end_source FROM ${table('instance_lifetimes')}`);
    const expected = records.filter((r) => r.type === INSTANCE_TYPE).map(instanceLifetime).filter((l) => l !== undefined)
      .map((l) => ({ instance_id: l.instanceId, instance_group: l.group, started_at: l.startedAt, ended_at: l.endedAt, end_source: l.endSource }));
    const byId = (a: Record<string, unknown>, b: Record<string, unknown>) => String(a.instance_id).localeCompare(String(b.instance_id));
    expect(exported.sort(byId)).toEqual(expected.sort(byId));
    expect(expected.some((l) => l.ended_at !== null)).toBe(true);
  });

  it('a failed export leaves the run as it was: the summary and the run item say why, latest/ is unchanged, no temporary file is left', async () => {
    const before = await latestFiles(root);
    // history/ becomes a file: the export's first write fails.
    await rename(join(root, 'history'), join(root, 'history.kept'));
    await writeFile(join(root, 'history'), 'not a directory');
    const third = await store.run(`${SPEC}&epoch=1`);
    expect(third.status).toBe('succeeded');
    expect(third.snapshot).toMatchObject({ status: 'failed', location: root, tables: {}, error: { code: expect.stringMatching(/^(ENOTDIR|EEXIST)$/), message: expect.stringContaining('the next run exports a whole snapshot again') } });
    expect(await latestFiles(root)).toEqual(before);
    expect((await filesUnder(root)).filter((path) => isTemporaryFile(path.split('/').pop()!))).toEqual([]);
    const workspace = await store.open();
    try {
      expect((await new RunStore(workspace.db).getRun(third.runId))).toMatchObject({ status: 'succeeded', snapshot: third.snapshot });
    } finally {
      await workspace.close();
    }
  }, 120_000);
});
