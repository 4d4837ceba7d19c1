import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { watch } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mockClient } from 'aws-sdk-client-mock';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { DirectorySink, S3Sink, isTemporaryFile } from '../../src/sql/snapshot-sink';
import { SnapshotBuilder, changeRows, flattenData } from '../../src/sql/export';
import { snapshotSettingsFromEnv } from '../../src/lambda/settings';
import { exportRun } from '../../src/sql/export-run';
import type { StoredRun } from '../../src/store/run-store';
import type { StoredResource } from '../../src/store/resource-store';
import type { Database } from '../../src/store/dynamo';
import { tempDir } from '../support/cli';

const KILLED_WRITER = fileURLToPath(new URL('./export-killed-writer.ts', import.meta.url));
const TARGET = 'latest/resources/data.parquet';

describe('the directory sink', () => {
  it('replaces a file in one step and leaves nothing else beside it', async () => {
    const root = await tempDir('cloudtap-sink-');
    const sink = new DirectorySink(root);
    await sink.put(TARGET, new TextEncoder().encode('first'));
    await sink.put(TARGET, new TextEncoder().encode('second, longer'));
    expect(await readFile(join(root, TARGET), 'utf8')).toBe('second, longer');
    expect(await readdir(join(root, 'latest/resources'))).toEqual(['data.parquet']);
  });

  it('a write that fails leaves the previous file and no temporary file', async () => {
    const root = await tempDir('cloudtap-sink-');
    const sink = new DirectorySink(root);
    await sink.put(TARGET, new TextEncoder().encode('kept'));
    // The target is a directory now: the rename fails after the data was written to the temporary file.
    await writeFile(join(root, 'latest/blocked'), 'a file where a directory should be');
    await expect(sink.put('latest/blocked/data.parquet', new Uint8Array(10))).rejects.toMatchObject({ code: expect.stringMatching(/^(ENOTDIR|EEXIST)$/) });
    await mkdir(join(root, 'latest/resources/data.parquet.dir'));
    await expect(sink.put('latest/resources/data.parquet.dir', new Uint8Array(5_000_000))).rejects.toMatchObject({ code: expect.stringMatching(/^(EISDIR|ENOTEMPTY|EEXIST)$/) });
    expect((await readdir(join(root, 'latest/resources'))).sort()).toEqual(['data.parquet', 'data.parquet.dir']);
    expect(await readFile(join(root, TARGET), 'utf8')).toBe('kept');
  });

  it('a writer killed in the middle of a file leaves the previous file visible, never part of the new one; the next write sweeps its leftovers', async () => {
    const root = await tempDir('cloudtap-sink-');
    const sink = new DirectorySink(root);
    await sink.put(TARGET, new TextEncoder().encode('the previous snapshot'));
    const directory = join(root, 'latest/resources');
    const size = 128 * 1024 * 1024;
    const child = spawn(process.execPath, ['--import', 'tsx', KILLED_WRITER, root, String(size)], {
      env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    // Killed as soon as it has started a file (inotify, with a poll beside it): its temporary one, or — were it writing in
    // place — the target itself.
    const previousSize = (await stat(join(root, TARGET))).size;
    const seen = await new Promise<string | undefined>((resolve, reject) => {
      const check = async (): Promise<void> => {
        const temp = (await readdir(directory)).find(isTemporaryFile);
        if (temp || (await stat(join(root, TARGET))).size !== previousSize) {
          child.kill('SIGKILL');
          finish();
          resolve(temp);
        }
      };
      const watcher = watch(directory, () => { void check(); });
      const poll = setInterval(() => { void check(); }, 5);
      const timeout = setTimeout(() => { finish(); reject(new Error(`the writer never started a file: ${output}`)); }, 60_000);
      const finish = (): void => { watcher.close(); clearInterval(poll); clearTimeout(timeout); };
    });
    expect(await exited).toBe('SIGKILL');
    expect(output).not.toContain('written');
    // What readers see: the previous file, whole; the partial one is hidden and not *.parquet.
    expect(await readFile(join(root, TARGET), 'utf8')).toBe('the previous snapshot');
    const left = await readdir(directory);
    expect(left.filter((name) => name.endsWith('.parquet'))).toEqual(['data.parquet']);
    expect(seen).toBeDefined();
    expect(left).toContain(seen);
    expect(seen!.startsWith('.')).toBe(true);
    expect((await stat(join(directory, seen!))).size).toBeLessThanOrEqual(size);
    await sink.put(TARGET, new TextEncoder().encode('the next snapshot'));
    expect(await readdir(directory)).toEqual(['data.parquet']);
  }, 90_000);
});

describe('the S3 sink', () => {
  it('puts each file as one object under its snapshot path, encryption left to the bucket', async () => {
    const client = new S3Client({ region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    const s3 = mockClient(client);
    s3.on(PutObjectCommand).resolves({});
    const sink = new S3Sink(client, 'snapshots-bucket');
    await sink.put('history/runs/dt=2026-12-01/run-1.parquet', new Uint8Array([1, 2, 3]));
    expect(sink.location).toBe('s3://snapshots-bucket/');
    const calls = s3.commandCalls(PutObjectCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]!.args[0].input;
    expect(input).toMatchObject({ Bucket: 'snapshots-bucket', Key: 'history/runs/dt=2026-12-01/run-1.parquet', Body: new Uint8Array([1, 2, 3]) });
    expect(input.ServerSideEncryption).toBeUndefined();
    expect(input.SSEKMSKeyId).toBeUndefined();
  });
});

describe('the snapshot settings', () => {
  it('the bucket in AWS, the directory locally, neither: disabled; both, or a bad window: an error naming the variables', () => {
    expect(snapshotSettingsFromEnv({ CLOUDTAP_SNAPSHOT_BUCKET: 'b', AWS_REGION: 'eu-west-1' }).sink?.location).toBe('s3://b/');
    expect(snapshotSettingsFromEnv({ CLOUDTAP_SNAPSHOT_DIR: '/data/snapshots' }).sink?.location).toBe('/data/snapshots');
    expect(snapshotSettingsFromEnv({})).toEqual({ clearedEventDays: 7 });
    expect(() => snapshotSettingsFromEnv({ CLOUDTAP_SNAPSHOT_BUCKET: 'b', CLOUDTAP_SNAPSHOT_DIR: '/d' })).toThrow(/CLOUDTAP_SNAPSHOT_BUCKET and CLOUDTAP_SNAPSHOT_DIR are both set/);
    expect(() => snapshotSettingsFromEnv({ CLOUDTAP_SNAPSHOT_CLEARED_EVENT_DAYS: 'soon' })).toThrow(/CLOUDTAP_SNAPSHOT_CLEARED_EVENT_DAYS is "soon"/);
  });

  it('an export that cannot even read its settings fails as an outcome, not as an error', async () => {
    const updates: unknown[] = [];
    const db = { tables: { runs: 'runs' }, client: { update: async (input: unknown) => { updates.push(input); return {}; } }, countWrites: () => undefined } as unknown as Database;
    const outcome = await exportRun({ mode: 'export', runId: 'run-1', startedAt: '2026-12-01T00:00:00.000Z' }, db, () => snapshotSettingsFromEnv({ CLOUDTAP_SNAPSHOT_BUCKET: 'b', CLOUDTAP_SNAPSHOT_DIR: '/d' }));
    expect(outcome).toMatchObject({ status: 'failed', tables: {}, error: { message: expect.stringContaining('both set') } });
    expect(updates).toEqual([expect.objectContaining({ Key: { pk: 'run-1', sk: 'RUN' }, ExpressionAttributeValues: { ':snapshot': outcome } })]);
  });
});

describe('the rows of a record', () => {
  it('resource_fields: scalars, objects, lists of scalars, lists of objects, what is nested deeper and what is empty', () => {
    expect(flattenData({
      state: 'running', cpu: 2, ebs: true, role: null, placement: { zone: 'a', tenancy: 'default' },
      ids: ['sg-1', 'sg-2'], rules: [{ port: 22, cidrs: ['0.0.0.0/0'] }, {}], none: [], blank: {}, grid: [[1, 2]],
    })).toEqual([
      { field: 'state', item: null, key: null, value: 'running', value_type: 'string' },
      { field: 'cpu', item: null, key: null, value: '2', value_type: 'number' },
      { field: 'ebs', item: null, key: null, value: 'true', value_type: 'boolean' },
      { field: 'role', item: null, key: null, value: null, value_type: 'null' },
      { field: 'placement', item: null, key: 'zone', value: 'a', value_type: 'string' },
      { field: 'placement', item: null, key: 'tenancy', value: 'default', value_type: 'string' },
      { field: 'ids', item: 0, key: null, value: 'sg-1', value_type: 'string' },
      { field: 'ids', item: 1, key: null, value: 'sg-2', value_type: 'string' },
      { field: 'rules', item: 0, key: 'port', value: '22', value_type: 'number' },
      { field: 'rules', item: 0, key: 'cidrs', value: '["0.0.0.0/0"]', value_type: 'array' },
      { field: 'rules', item: 1, key: null, value: '{}', value_type: 'object' },
      { field: 'none', item: null, key: null, value: '[]', value_type: 'array' },
      { field: 'blank', item: null, key: null, value: '{}', value_type: 'object' },
      { field: 'grid', item: 0, key: null, value: '[1,2]', value_type: 'array' },
    ]);
  });

  it('changes: one row per changed field, JSON on both sides; a deletion one row without a field', () => {
    const entry = { resourceId: 'i-1', time: '2026-12-01T00:00:00.000Z', runId: 'r', fromSeq: 1, toSeq: 2 };
    expect(changeRows({ ...entry, change: 'updated', diff: { 'data.state': { from: 'running', to: 'stopped' }, 'tags.Team': { from: null, to: 'web' } } })).toEqual([
      { change: 'updated', changed_at: entry.time, field: 'data.state', from_value: '"running"', to_value: '"stopped"' },
      { change: 'updated', changed_at: entry.time, field: 'tags.Team', from_value: 'null', to_value: '"web"' },
    ]);
    expect(changeRows({ ...entry, change: 'deleted', diff: {} })).toEqual([{ change: 'deleted', changed_at: entry.time, field: null, from_value: null, to_value: null }]);
  });

  it('a table too large for one row group is written in several, which DuckDB reads back whole and typed', async () => {
    const run = { runId: 'run-7', seq: 7, status: 'succeeded', startedAt: '2026-12-01T00:00:00.000Z', finishedAt: '2026-12-01T00:01:00.000Z', tasks: { total: 1, succeeded: 1, failed: 0, skipped: 0 }, resources: { seen: 1, created: 1, updated: 0, unchanged: 0, deleted: 0 }, events: { opened: 0, recurred: 0, cleared: 0 }, apiCalls: 3, writes: 4 } as unknown as StoredRun;
    const builder = new SnapshotBuilder(run, { rows: 100, chars: 1_000_000 });
    for (let i = 0; i < 250; i++) {
      builder.addResource({
        pk: 'a#r#T', sk: `id-${i}`, resourceId: `id-${i}`, id: `id-${i}`, accountId: 'a', region: 'r', type: 'T', arn: `arn:${i}`, tags: {}, hash: 'h',
        data: { n: i }, firstSeen: '2026-11-01T00:00:00.000Z', lastChanged: '2026-11-01T00:00:00.000Z', seq: 3, runId: 'old',
      } as StoredResource);
    }
    const files = builder.finish();
    expect(files.map((f) => f.name).at(-1)).toBe('runs');
    const root = await tempDir('cloudtap-groups-');
    for (const file of files) await new DirectorySink(root).put(`${file.name}.parquet`, file.bytes);
    const duck = await DuckDBInstance.create(':memory:');
    const sql = await duck.connect();
    try {
      const groups = (await sql.runAndReadAll(`SELECT count(DISTINCT row_group_id)::INTEGER AS groups FROM parquet_metadata('${join(root, 'resources.parquet')}')`)).getRowObjectsJson();
      expect(groups).toEqual([{ groups: 3 }]);
      const [row] = (await sql.runAndReadAll(`SELECT count(*)::INTEGER AS n, sum(CAST(value AS INTEGER))::INTEGER AS total, typeof(any_value(r.run_seq)) AS seq_type, typeof(any_value(r.first_seen)) AS time_type FROM read_parquet('${join(root, 'resource_fields.parquet')}') f JOIN read_parquet('${join(root, 'resources.parquet')}') r USING (resource_id)`)).getRowObjectsJson();
      expect(row).toEqual({ n: 250, total: (249 * 250) / 2, seq_type: 'BIGINT', time_type: 'TIMESTAMP' });
      const runs = (await sql.runAndReadAll(`SELECT run_id, status, tasks_total, api_calls FROM read_parquet('${join(root, 'runs.parquet')}')`)).getRowObjectsJson();
      expect(runs).toEqual([{ run_id: 'run-7', status: 'succeeded', tasks_total: 1, api_calls: 3 }]);
    } finally {
      sql.closeSync();
      duck.closeSync();
    }
  });
});
