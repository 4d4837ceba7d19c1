/**
 * `cloudtap query --stack`: the same command against the sandbox's Athena (local/sandbox/services/athena.ts), over
 * real HTTP in Athena's JSON 1.1 protocol, the stack's outputs read from the sandbox's CloudFormation. The sandbox's
 * Athena runs the query with DuckDB over a snapshot root and answers in GetQueryResults' shape (text values, a label
 * row, Athena's type names), so what this test compares is the Athena path's reading of that shape with DuckDB's.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AthenaClient } from '@aws-sdk/client-athena';
import { LOCAL_SNAPSHOT_DIR, queryCommand } from '../../cli/commands/query';
import { UsageError } from '../../cli/errors';
import { overlayEnvironment } from '../../cli/environment';
import { SandboxStacks } from '../../local/sandbox/cloudformation-api';
import { startSandbox, type RunningSandbox } from '../../local/sandbox/server';
import { sandboxAthena, type SandboxAthenaModule } from '../../local/sandbox/services/athena';
import { enabledRegions, parseSandboxSpec } from '../../local/sandbox/spec';
import { ATHENA_PRICE, QueryStopped, athenaQueryCost, runAthenaQuery } from '../../src/sql/athena';
import { NAMED_QUERIES, renderNamedQuery } from '../../src/sql/named-queries';
import { snapshotPaths } from '../../src/sql/schema';
import { tempDir } from '../support/cli';
import { FIXTURE, writeHistory, writeLatest } from './query-fixture';

const SPEC = parseSandboxSpec('regions=2&instances=1');
const REGION = enabledRegions(SPEC)[0] as string;
const OUTPUTS = { SnapshotBucketName: 'cloudtap-snapshots-abc', GlueDatabaseName: 'cloudtap_db', AthenaWorkGroupName: 'cloudtap-wg' };

let dataDir: string;
let root: string;
let athena: SandboxAthenaModule;
let sandbox: RunningSandbox;
let slowAthena: SandboxAthenaModule;
let slowSandbox: RunningSandbox;
let restore: () => void;

beforeAll(async () => {
  dataDir = await tempDir('cloudtap-athena-');
  root = join(dataDir, LOCAL_SNAPSHOT_DIR);
  await writeLatest(root, FIXTURE);
  await writeHistory(root, '2026-03-01', { resources: FIXTURE.resources }, { runId: 'run-2', seq: 2 });
  const stacks = new SandboxStacks();
  stacks.add({ name: 'Cloudtap', region: REGION, outputs: OUTPUTS });
  stacks.add({ name: 'Elsewhere', region: REGION, outputs: { ...OUTPUTS, GlueDatabaseName: 'other_db' } });
  stacks.add({ name: 'OldCloudtap', region: REGION, outputs: { ResourcesTableName: 'r' } });
  athena = sandboxAthena({ snapshotRoot: root, workGroup: OUTPUTS.AthenaWorkGroupName, database: OUTPUTS.GlueDatabaseName });
  sandbox = await startSandbox(SPEC, { stacks, modules: [athena] });
  slowAthena = sandboxAthena({ snapshotRoot: root, workGroup: OUTPUTS.AthenaWorkGroupName, database: OUTPUTS.GlueDatabaseName, runningMs: 60_000 });
  slowSandbox = await startSandbox(SPEC, { stacks, modules: [slowAthena] });
  restore = overlayEnvironment({
    AWS_REGION: REGION, AWS_ENDPOINT_URL_ATHENA: sandbox.url, AWS_ENDPOINT_URL_CLOUDFORMATION: sandbox.url,
    AWS_ACCESS_KEY_ID: 'AKIDCLOUDTAPSANDBOX', AWS_SECRET_ACCESS_KEY: 'sandbox-secret', AWS_SESSION_TOKEN: undefined, AWS_PROFILE: undefined,
    AWS_EC2_METADATA_DISABLED: 'true', CLOUDTAP_STACK: undefined,
  });
});

afterAll(async () => {
  restore?.();
  await Promise.all([athena?.settled(), slowAthena?.settled()]);
  await sandbox?.close();
  await slowSandbox?.close();
  await rm(dataDir, { recursive: true, force: true });
});

interface Ran { code?: number; stdout: string; stderr: string; error?: Error }

/** `cloudtap query …` in this process, against the stack unless told otherwise. */
async function query(args: string[], during?: () => void): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const log = jest.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => { stdout += `${parts.join(' ')}\n`; });
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { stdout += String(chunk); return true; });
  const writeErr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { stderr += String(chunk); return true; });
  try {
    const running = queryCommand(args, {});
    during?.();
    return { code: await running, stdout, stderr };
  } catch (error) {
    return { stdout, stderr, error: error as Error };
  } finally {
    log.mockRestore();
    write.mockRestore();
    writeErr.mockRestore();
  }
}

async function both(args: string[]): Promise<{ local: unknown; stack: unknown; stderr: string }> {
  const local = await query([...args, '--json', '--data-dir', dataDir]);
  const stack = await query([...args, '--json', '--stack', 'Cloudtap']);
  if (local.error) throw local.error;
  if (stack.error) throw stack.error;
  return { local: JSON.parse(local.stdout), stack: JSON.parse(stack.stdout), stderr: stack.stderr };
}

describe('cloudtap query --stack: Athena', () => {
  it.each(NAMED_QUERIES.map((q) => [q.name]))('%s: the same rows as DuckDB locally', async (name) => {
    const q = NAMED_QUERIES.find((n) => n.name === name);
    const params = (q?.params ?? []).filter((p) => p.default === undefined).flatMap((p) => ['--param', `${p.name}=${p.name === 'id' ? 'sg-web' : p.example ?? ''}`]);
    const args = name === 'instances-per-role' ? [name, '--param', 'at=2026-03-01T09:00:00Z'] : [name, ...params];
    const { local, stack } = await both(args);
    expect((local as unknown[]).length).toBeGreaterThan(0);
    expect(stack).toEqual(local);
  });

  it('the same values, type by type: bigints beyond 2^53 as strings, timestamps ISO Z, dates, decimals, doubles, booleans, nulls', async () => {
    const { local, stack } = await both([`SELECT count(*) AS n, CAST('9007199254740993' AS BIGINT) AS big, sum(severity) AS summed, min(first_time) AS first,
      CAST(min(first_time) AS DATE) AS day, bool_or(acknowledged) AS acked, CAST(1.25 AS DECIMAL(10, 2)) AS dec, CAST(0.1 AS DOUBLE) AS dbl,
      CAST(12345678.5 AS DOUBLE) AS large, CAST(NULL AS VARCHAR) AS nothing, '' AS empty FROM events`]);
    expect(stack).toEqual(local);
    expect(stack).toEqual([{
      n: 4, big: '9007199254740993', summed: 10, first: '2026-02-27T12:00:00.000Z', day: '2026-02-27', acked: true, dec: 1.25, dbl: 0.1,
      large: 12345678.5, nothing: null, empty: '',
    }]);
  });

  it('prints the data scanned (the Parquet bytes of the tables read) and the cost, 10 MB minimum, to standard error', async () => {
    const { stderr } = await both(['SELECT count(*) AS n FROM resources r JOIN tags t ON t.resource_id = r.resource_id']);
    const bytes = (await stat(join(root, snapshotPaths.latest('resources')))).size + (await stat(join(root, snapshotPaths.latest('tags')))).size;
    const id = athena.queries().at(-1)?.id;
    expect(athena.queries().at(-1)?.scannedBytes).toBe(bytes);
    expect(stderr).toBe(`Athena query ${id}: scanned ${(bytes / 1024).toFixed(1)} KB (billed 10.0 MB), $0.000048 at $5/TB, 10 MB minimum (list price of 2026-12-01), ${stderr.match(/, (\d+\.\d) s\n$/)?.[1]} s\n`);
    expect(athenaQueryCost(0)).toEqual({ billedBytes: 10 * 2 ** 20, dollars: (10 * 2 ** 20 / 2 ** 40) * 5 });
    expect(athenaQueryCost(2 ** 40)).toEqual({ billedBytes: 2 ** 40, dollars: ATHENA_PRICE.perTerabyte });
    expect(athenaQueryCost(10 * 2 ** 20 + 1).billedBytes).toBe(11 * 2 ** 20);
  });

  it('reads every page of GetQueryResults (1000 rows a page, the first row the labels)', async () => {
    sandbox.resetStats();
    const ran = await query(['SELECT range AS i FROM range(2500) ORDER BY i', '--csv', '--stack', 'Cloudtap']);
    expect(ran.error).toBeUndefined();
    const lines = ran.stdout.split('\r\n');
    expect(lines.slice(0, 3)).toEqual(['i', '0', '1']);
    expect(lines.length).toBe(2502);
    expect(lines[2500]).toBe('2499');
    expect(sandbox.stats().byOperation['Athena.GetQueryResults']).toBe(3);
  });

  it('a history table and a table without files: read as Glue tables (dt a string; no files, no rows)', async () => {
    const { stack } = await both(['SELECT dt, count(*) AS n FROM resources_history GROUP BY dt']);
    expect(stack).toEqual([{ dt: '2026-03-01', n: 7 }]);
    const empty = await query(['SELECT count(*) AS n FROM events_history', '--json', '--stack', 'Cloudtap']);
    expect(empty.error).toBeUndefined();
    expect(JSON.parse(empty.stdout)).toEqual([{ n: 0 }]);
  });
});

describe('what goes wrong on Athena says what to do', () => {
  it("a FAILED query: exit 1 with Athena's StateChangeReason, where it ran, and what to do", async () => {
    const ran = await query(['SELECT * FROM nope', '--stack', 'Cloudtap']);
    expect(ran.error).toBeInstanceOf(UsageError);
    const id = athena.queries().at(-1)?.id;
    expect(ran.error?.message).toBe(`Athena query ${id} failed (workgroup cloudtap-wg, database cloudtap_db of stack "Cloudtap" in ${REGION}): `
      + "TABLE_NOT_FOUND: line 1:1: Table 'awsdatacatalog.cloudtap_db.nope' does not exist\n"
      + 'the tables are: runs, resources, resource_fields, tags, relationships, changes, events, instance_lifetimes (and each as <table>_history); '
      + 'their columns: cloudtap query --tables. A table with no snapshot yet: run the stack (cloudtap run --remote --stack Cloudtap); the export runs after each run');
    const syntax = await query(['SELEC 1', '--stack', 'Cloudtap']);
    expect(syntax.error?.message).toMatch(/failed .*: SYNTAX_ERROR: line 1:1: syntax error at or near "SELEC"\nwith --stack the SQL is Athena's \(Trino's\)/);
    const schema = await query(['SELECT 1', '--stack', 'Elsewhere']);
    expect(schema.error?.message).toMatch(/database other_db of stack "Elsewhere".*: SCHEMA_NOT_FOUND: line 1:1: Schema 'other_db' does not exist/);
  });

  it('a stack without the SQL outputs, or no stack at all', async () => {
    expect((await query(['SELECT 1', '--stack', 'OldCloudtap'])).error?.message)
      .toBe('stack "OldCloudtap" has no AthenaWorkGroupName, GlueDatabaseName output (its outputs: ResourcesTableName); it was deployed by a cloudtap without SQL: deploy the current version with `npx cdk deploy`');
    expect((await query(['SELECT 1', '--stack', 'Nope'])).error?.message).toMatch(new RegExp(`^stack "Nope" not found in ${REGION} \\(DescribeStacks: .*\\); deploy it with \`npx cdk deploy\``));
  });

  it('Ctrl-C stops the query on Athena (StopQueryExecution) and exits 130', async () => {
    const restoreSlow = overlayEnvironment({ AWS_ENDPOINT_URL_ATHENA: slowSandbox.url, AWS_ENDPOINT_URL_CLOUDFORMATION: slowSandbox.url });
    try {
      const ran = await query(['SELECT count(*) FROM resources', '--stack', 'Cloudtap'], () => {
        const interrupt = setInterval(() => {
          if (slowAthena.queries().some((q) => q.state === 'RUNNING')) {
            clearInterval(interrupt);
            process.emit('SIGINT');
          }
        }, 20);
      });
      const [stopped] = slowAthena.queries();
      expect(stopped?.state).toBe('CANCELLED');
      expect(ran.code).toBe(130);
      expect(ran.stderr).toBe(`cloudtap: stopped Athena query ${stopped?.id} (StopQueryExecution); what it scanned so far is billed\n`);
      expect(slowSandbox.stats().byOperation['Athena.StopQueryExecution']).toBe(1);
      expect(process.listenerCount('SIGINT')).toBe(0);
    } finally {
      restoreSlow();
    }
  });

  it('polls with backoff, and a query cancelled by someone else is QueryStopped', async () => {
    const client = new AthenaClient({ region: REGION, endpoint: slowSandbox.url, credentials: { accessKeyId: 'AKIDCLOUDTAPSANDBOX', secretAccessKey: 'x' } });
    slowSandbox.resetStats();
    let id = '';
    const running = runAthenaQuery(client, 'SELECT 1', { workGroup: OUTPUTS.AthenaWorkGroupName, database: OUTPUTS.GlueDatabaseName }, {
      poll: { initialMs: 5, maxMs: 40 }, onStarted: (started) => { id = started; },
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const polls = slowSandbox.stats().byOperation['Athena.GetQueryExecution'] ?? 0;
    // 5, 10, 20, 40, 40 … ms: about ten calls in 300 ms, not sixty.
    expect(polls).toBeGreaterThanOrEqual(5);
    expect(polls).toBeLessThanOrEqual(14);
    const { StopQueryExecutionCommand } = await import('@aws-sdk/client-athena');
    await client.send(new StopQueryExecutionCommand({ QueryExecutionId: id }));
    const error = await running.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryStopped);
    expect((error as Error).message).toBe(`Athena query ${id} was cancelled: Query was cancelled by user`);
    client.destroy();
  });
});

it('the rendered named queries are what runs on Athena, parameters included', async () => {
  await query(['untagged', '--param', "key=Cost'Center", '--stack', 'Cloudtap']);
  const untagged = NAMED_QUERIES.find((q) => q.name === 'untagged');
  expect(athena.queries().at(-1)?.query).toBe(untagged && renderNamedQuery(untagged, { key: "Cost'Center" }));
});
