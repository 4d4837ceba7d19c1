import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_DATA_DIR } from '../../cli/paths';
import { LOCAL_SNAPSHOT_DIR, SNAPSHOT_DIR_VARIABLE, queryCommand } from '../../cli/commands/query';
import { UsageError } from '../../cli/errors';
import { NAMED_QUERIES } from '../../src/sql/named-queries';
import { formatCsv, rowObjects, timestampValue } from '../../src/sql/query-result';
import { SNAPSHOT_TABLES } from '../../src/sql/schema';
import { TEST_CLI, cloudtap, runNode, tempDir, type CliResult } from '../support/cli';
import { FIXTURE, writeHistory, writeLatest } from './query-fixture';

let dataDir: string;
let emptyDir: string;
const roots: string[] = [];

beforeAll(async () => {
  dataDir = await tempDir('cloudtap-query-');
  emptyDir = await tempDir('cloudtap-query-empty-');
  roots.push(dataDir, emptyDir);
  const root = join(dataDir, LOCAL_SNAPSHOT_DIR);
  await writeLatest(root, FIXTURE);
  await writeHistory(root, '2026-02-28', { resources: FIXTURE.resources.slice(0, 3) }, { runId: 'run-1', seq: 1 });
  await writeHistory(root, '2026-03-01', { resources: FIXTURE.resources }, { runId: 'run-2', seq: 2 });
});

afterAll(async () => {
  for (const root of roots) await rm(root, { recursive: true, force: true });
});

/** `cloudtap query …` in this process: what it printed, and its exit code or the error it ended with. */
async function query(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code?: number; stdout: string; error?: Error }> {
  let stdout = '';
  const log = jest.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => { stdout += `${parts.join(' ')}\n`; });
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { stdout += String(chunk); return true; });
  try {
    return { code: await queryCommand(args, { ...env }), stdout };
  } catch (error) {
    return { stdout, error: error as Error };
  } finally {
    log.mockRestore();
    write.mockRestore();
  }
}

async function json(args: string[]): Promise<Record<string, unknown>[]> {
  const result = await query([...args, '--json', '--data-dir', dataDir]);
  if (result.error) throw result.error;
  return JSON.parse(result.stdout) as Record<string, unknown>[];
}

async function usageError(args: string[]): Promise<string> {
  const { error } = await query(args);
  expect(error).toBeInstanceOf(UsageError);
  return error?.message ?? '';
}

/** Every path under a directory, with its size and modification time: what a read must leave as it was. */
async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { recursive: true })) {
    const info = await stat(join(dir, entry));
    out.push(`${entry} ${info.size} ${info.mtimeMs}`);
  }
  return out.sort();
}

describe('cloudtap query over the local snapshot', () => {
  it('prints a table by default, NULL for null, and the row count', async () => {
    const { code, stdout } = await query(["SELECT resource_id, name, CASE WHEN name = 'web' THEN NULL ELSE first_seen END AS seen FROM resources WHERE type = 'EC2.SecurityGroup' ORDER BY resource_id", '--data-dir', dataDir]);
    expect(code).toBe(0);
    expect(stdout).toBe([
      'resource_id  name       seen',
      '-----------  ---------  ------------------------',
      'sg-any       any        2026-01-01T00:00:00.000Z',
      'sg-http      it\'s http  2026-01-01T00:00:00.000Z',
      'sg-web       web        NULL',
      '',
      '3 rows',
      '',
    ].join('\n'));
  });

  it('--json: an array of row objects; integers as numbers while exact, else strings; timestamps ISO 8601 Z; dates, decimals, booleans', async () => {
    const rows = await json([`SELECT count(*) AS n, CAST('9007199254740993' AS BIGINT) AS big, CAST(9007199254740991 AS BIGINT) AS safe,
      sum(CAST(1 AS BIGINT)) AS summed, min(first_seen) AS first, CAST(min(first_seen) AS DATE) AS day, true AS yes, 1.25 AS dec,
      CAST(0.1 AS DOUBLE) AS dbl, NULL AS nothing, 'x' AS a, 'y' AS a FROM resources`]);
    expect(rows).toEqual([{
      n: 7, big: '9007199254740993', safe: 9007199254740991, summed: 7, first: '2026-01-01T00:00:00.000Z', day: '2026-01-01',
      yes: true, dec: 1.25, dbl: 0.1, nothing: null, a: 'x', a_2: 'y',
    }]);
  });

  it('--csv: RFC 4180, CRLF, quotes doubled, fields with commas, quotes or line breaks quoted, null empty', async () => {
    const { stdout } = await query(["SELECT 'a,b' AS x, 'say \"hi\"' AS y, 'l1' || chr(10) || 'l2' AS z, NULL AS n, 2 AS i", '--csv', '--data-dir', dataDir]);
    expect(stdout).toBe('x,y,z,n,i\r\n"a,b","say ""hi""","l1\nl2",,2\r\n');
  });

  it('the history tables: every exported run, with its day as dt', async () => {
    expect(await json(['SELECT dt, run_id, run_seq, count(*) AS resources FROM resources_history GROUP BY dt, run_id, run_seq ORDER BY dt'])).toEqual([
      { dt: '2026-02-28', run_id: 'run-1', run_seq: 1, resources: 3 },
      { dt: '2026-03-01', run_id: 'run-2', run_seq: 2, resources: 7 },
    ]);
  });

  it('the views have the schema\'s columns and types, whatever else a file holds', async () => {
    const columns = await json(["SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'events' ORDER BY ordinal_position"]);
    const events = SNAPSHOT_TABLES.find((t) => t.name === 'events');
    expect(columns.map((c) => c.column_name)).toEqual(events?.columns.map((c) => c.name));
    expect(columns.find((c) => c.column_name === 'event_count')?.data_type).toBe('BIGINT');
  });

  it('a named query by name, its parameters with --param; --show-sql prints the SQL and runs nothing', async () => {
    expect((await json(['untagged', '--param', 'key=CostCenter', '--param', 'type=EC2.Instance'])).map((r) => r.resource_id)).toEqual(['i-web2']);
    expect((await json(['open-ports'])).map((r) => [r.security_group, r.from_port])).toEqual([['sg-any', null], ['sg-web', 22], ['sg-web', 443], ['sg-http', 80]]);
    const shown = await query(['used-by', '--param', "id=sg-'x", '--show-sql', '--data-dir', emptyDir]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain("WHERE rel.related_id = 'sg-''x'");
  });

  it('--list names each query with its parameters; --json gives them whole', async () => {
    const { stdout } = await query(['--list']);
    for (const q of NAMED_QUERIES) expect(stdout).toContain(q.name);
    expect(stdout).toContain('key (string, required), type (string, default \'\')');
    expect(stdout).toContain('at (timestamp, default now)');
    const listed = JSON.parse((await query(['--list', '--json'])).stdout) as { name: string; params: unknown[] }[];
    expect(listed.map((q) => q.name)).toEqual(NAMED_QUERIES.map((q) => q.name));
  });

  it('--tables lists every table with its columns', async () => {
    const { stdout } = await query(['--tables']);
    for (const table of SNAPSHOT_TABLES) expect(stdout).toContain(`${table.name} (and ${table.name}_history, plus dt)`);
    const listed = JSON.parse((await query(['--tables', '--json'])).stdout) as { name: string; columns: { name: string }[] }[];
    expect(listed.map((t) => t.columns.length)).toEqual(SNAPSHOT_TABLES.map((t) => t.columns.length));
  });
});

describe('what goes wrong says what to do', () => {
  it('a table with no snapshot: run cloudtap run first; SQL naming no table still runs', async () => {
    const root = join(emptyDir, LOCAL_SNAPSHOT_DIR);
    expect(await usageError(['SELECT count(*) FROM resources', '--data-dir', emptyDir]))
      .toBe(`no snapshot of table resources under ${root}: run \`cloudtap run\` first (the export runs after each run)`);
    expect(await usageError(['open-ports', '--data-dir', emptyDir])).toMatch(/^no snapshot of table (resource_fields|resources) under /);
    expect((await query(['SELECT 1 AS one', '--json', '--data-dir', emptyDir])).stdout).toBe('[\n  {\n    "one": 1\n  }\n]\n');
    // Only the latest files: the history tables are missing.
    const latestOnly = await tempDir('cloudtap-query-latest-');
    roots.push(latestOnly);
    await writeLatest(join(latestOnly, LOCAL_SNAPSHOT_DIR), { runs: FIXTURE.runs });
    expect(await usageError(['SELECT * FROM runs_history', '--data-dir', latestOnly])).toMatch(/^no snapshot of table runs_history under /);
  });

  it("an unknown table: DuckDB's message, without its own catalog's suggestions, and the tables there are", async () => {
    const message = await usageError(['SELECT * FROM resource', '--data-dir', dataDir]);
    expect(message).toMatch(/^DuckDB: Catalog Error: Table with name resource does not exist!/);
    expect(message).not.toContain('pg_');
    expect(message).toContain('the snapshot tables are: runs, resources, resource_fields, tags, relationships, changes, events, instance_lifetimes, resources_history');
  });

  it("bad SQL: DuckDB's message, and where the common dialect is explained", async () => {
    const message = await usageError(['SELEC 1', '--data-dir', dataDir]);
    expect(message).toMatch(/^DuckDB: Parser Error: syntax error at or near "SELEC"/);
    expect(message).toContain('cloudtap query --help');
    expect(await usageError(['SELECT nope FROM runs', '--data-dir', dataDir])).toMatch(/Referenced column "nope" not found[\s\S]*cloudtap query --tables/);
  });

  it('without --data-dir, CLOUDTAP_SNAPSHOT_DIR names the snapshots, as it does for cloudtap run', async () => {
    const { stdout } = await query(['SELECT count(*) AS n FROM resources', '--json'], { [SNAPSHOT_DIR_VARIABLE]: join(dataDir, LOCAL_SNAPSHOT_DIR) });
    expect(JSON.parse(stdout)).toEqual([{ n: 7 }]);
    expect((await query(['SELECT count(*) AS n FROM resources', '--data-dir', emptyDir], { [SNAPSHOT_DIR_VARIABLE]: join(dataDir, LOCAL_SNAPSHOT_DIR) })).error?.message)
      .toMatch(/^no snapshot of table resources under /);
  });

  it('only reads: a statement that would write is refused, and nothing is written anywhere', async () => {
    const before = await tree(dataDir);
    for (const sql of [`COPY (SELECT 1) TO '${join(dataDir, 'out.csv')}'`, 'CREATE TABLE t AS SELECT 1', 'DROP VIEW resources', "SET temp_directory = '/tmp/x'"]) {
      expect(await usageError([sql, '--data-dir', dataDir])).toMatch(/^cloudtap query only reads/);
    }
    expect(await usageError(['SELECT 1; SELECT 2', '--data-dir', dataDir])).toBe('2 statements given: cloudtap query runs one SELECT at a time');
    await query(['SELECT count(*) FROM resources_history', '--data-dir', dataDir]);
    expect(await tree(dataDir)).toEqual(before);
  });

  it('flags that do not go together', async () => {
    expect(await usageError(['SELECT 1', '--json', '--csv'])).toBe('--json and --csv: give one output format (a table without either)');
    expect(await usageError(['SELECT 1', '--stack', 'S', '--data-dir', dataDir])).toMatch(/^--stack and --data-dir both say where to query/);
    expect(await usageError(['SELECT 1', '--region', 'eu-west-1'])).toMatch(/^--region is a deployed stack's region/);
    expect(await usageError(['SELECT 1', '--param', 'a=b'])).toMatch(/^--param belongs to a named query/);
    expect(await usageError(['open-port'])).toBe(`no named query "open-port"; the named queries are: ${NAMED_QUERIES.map((q) => q.name).join(', ')} (cloudtap query --list); SQL goes in quotes`);
    expect(await usageError(['untagged', '--param', 'key'])).toMatch(/^--param "key": give NAME=VALUE/);
    expect(await usageError(['instances-per-role', '--param', 'at=March'])).toMatch(/^--param at: expected an ISO 8601 time/);
    expect(await usageError(['SELECT', '1'])).toMatch(/quote the SQL$/);
    expect(await usageError([])).toMatch(/^give one SQL statement in quotes/);
  });
});

describe('values', () => {
  it('timestamps from either engine as ISO 8601 in UTC', () => {
    expect(timestampValue('2026-03-01 12:00:00')).toBe('2026-03-01T12:00:00.000Z');
    expect(timestampValue('2026-03-01 12:00:00.123456')).toBe('2026-03-01T12:00:00.123Z');
    expect(timestampValue('2026-03-01 12:00:00.123 UTC')).toBe('2026-03-01T12:00:00.123Z');
    expect(timestampValue('2026-03-01 14:00:00+02')).toBe('2026-03-01T12:00:00.000Z');
    expect(timestampValue('infinity')).toBe('infinity');
  });

  it('CSV of no rows is the header alone; row objects of duplicate names are kept apart', () => {
    expect(formatCsv({ columns: [{ name: 'a', type: 'x' }], rows: [] })).toBe('a\r\n');
    expect(rowObjects({ columns: [{ name: 'id', type: 'x' }, { name: 'id', type: 'x' }, { name: 'id_2', type: 'x' }], rows: [[1, 2, 3]] }))
      .toEqual([{ id: 1, id_2: 2, id_2_2: 3 }]);
  });
});

/** The real program in a child process, in a working directory of its own. */
function cloudtapIn(cwd: string, args: string[]): Promise<CliResult> {
  return runNode([TEST_CLI, ...args], { CLOUDTAP_STACK: '', CLOUDTAP_SNAPSHOT_DIR: '' }, cwd);
}

describe('the cloudtap program', () => {
  it('reads <cwd>/.cloudtap/snapshots by default, exits 0, and creates nothing in the working directory', async () => {
    const cwd = await tempDir('cloudtap-query-cwd-');
    roots.push(cwd);
    await writeLatest(join(cwd, DEFAULT_DATA_DIR, LOCAL_SNAPSHOT_DIR), { runs: FIXTURE.runs });
    const before = await tree(cwd);
    const result = await cloudtapIn(cwd, ['query', 'SELECT status, tasks_total FROM runs', '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([{ status: 'succeeded', tasks_total: 10 }]);
    expect(await tree(cwd)).toEqual(before);
  });

  it('a missing snapshot exits 1 with the message alone; the command is listed in cloudtap --help', async () => {
    const cwd = await tempDir('cloudtap-query-cwd-');
    roots.push(cwd);
    await mkdir(join(cwd, 'data'));
    const missing = await cloudtapIn(cwd, ['query', 'SELECT * FROM events', '--data-dir', 'data']);
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toBe('cloudtap: no snapshot of table events under data/snapshots: run `cloudtap run` first (the export runs after each run)\n');
    const help = await query(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: cloudtap query/);
    expect((await cloudtap(['--help'])).stdout).toMatch(/^ {2}query +SQL over the runs' snapshots/m);
    expect(await readdir(cwd)).toEqual(['data']);
  });
});
