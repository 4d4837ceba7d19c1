import { describe, it, expect, beforeAll } from '@jest/globals';
import { createHash } from 'node:crypto';
import { cp, mkdir, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ListTablesCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { openStore } from '../../cli/workspace';
import { startEmbeddedDynamoDb } from '../../local/embedded-dynamodb';
import { TABLE_IDS } from '../../src/store/tables';
import { cloudtap, tempDir } from '../support/cli';

/** Every file of a directory with its size, modification time and content hash: what "untouched" means. */
async function snapshot(directory: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const name of (await readdir(directory)).sort()) {
    const path = join(directory, name);
    const info = await stat(path);
    files[name] = `${info.size} ${info.mtimeMs} ${createHash('sha256').update(await readFile(path)).digest('hex')}`;
  }
  return files;
}

function expectRefusal(result: { code: number | null; stderr: string; stdout: string }, ...named: string[]): void {
  expect(result.code).toBe(1);
  for (const text of named) expect(result.stderr).toContain(text);
  expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  expect(result.stdout).toBe('');
}

/** A store a writer made (the tables, a few run items), closed: its last writes are in the LevelDB log. */
async function writtenStore(): Promise<string> {
  const dataDir = await tempDir();
  const workspace = await openStore({ access: 'create', dataDir });
  try {
    for (let n = 0; n < 20; n++) {
      await workspace.db.client.put({ TableName: workspace.tables.runs, Item: { pk: `run-${n}`, sk: 'RUN', kind: 'run', note: 'x'.repeat(200) } });
    }
  } finally {
    await workspace.close();
  }
  return dataDir;
}

const READ_COMMANDS: string[][] = [['resources'], ['events'], ['trace'], ['report', 'config']];

describe('reading never creates a store', () => {
  it('a missing data directory: every read command exits 1 naming the path and what to do, and creates nothing', async () => {
    const parent = await tempDir();
    const dataDir = join(parent, 'nothing-here');
    for (const command of READ_COMMANDS) {
      expectRefusal(await cloudtap([...command, '--data-dir', dataDir]), `no cloudtap store at ${join(dataDir, 'dynamodb')}`, 'cloudtap run --sandbox');
    }
    expect(await readdir(parent)).toEqual([]);
  });

  it('an empty data directory stays empty', async () => {
    const dataDir = await tempDir();
    await mkdir(join(dataDir, 'dynamodb'));
    expectRefusal(await cloudtap(['resources', '--data-dir', dataDir]), `no cloudtap store at ${join(dataDir, 'dynamodb')}`);
    expect(await readdir(join(dataDir, 'dynamodb'))).toEqual([]);
  });

  it('a DynamoDB named by AWS_ENDPOINT_URL_DYNAMODB without cloudtap tables: exit 1 naming the table, and no table is created there', async () => {
    const other = await startEmbeddedDynamoDb();
    const client = new DynamoDBClient({ region: 'us-east-1', endpoint: other.endpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    try {
      const result = await cloudtap(['resources'], { AWS_ENDPOINT_URL_DYNAMODB: other.endpoint, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' });
      expectRefusal(result, `DynamoDB at ${other.endpoint} has no table cloudtap-`, 'cloudtap run');
      expect((await client.send(new ListTablesCommand({}))).TableNames).toEqual([]);
    } finally {
      client.destroy();
      await other.close();
    }
  });
});

describe('a damaged store is refused, named, and left as it is', () => {
  let pristine: string;
  beforeAll(async () => {
    pristine = await writtenStore();
  });

  async function copyOfStore(): Promise<{ dataDir: string; directory: string }> {
    const dataDir = await tempDir();
    await cp(join(pristine, 'dynamodb'), join(dataDir, 'dynamodb'), { recursive: true, preserveTimestamps: true });
    return { dataDir, directory: join(dataDir, 'dynamodb') };
  }

  async function newestLog(directory: string): Promise<string> {
    const logs = [];
    for (const name of (await readdir(directory)).filter((n) => n.endsWith('.log'))) logs.push({ name, size: (await stat(join(directory, name))).size });
    const log = logs.filter((l) => l.size > 0).sort((a, b) => a.name.localeCompare(b.name)).at(-1);
    if (!log) throw new Error(`no written LevelDB log in ${directory}`);
    return join(directory, log.name);
  }

  it('the intact store opens for reading', async () => {
    const { dataDir } = await copyOfStore();
    const result = await cloudtap(['trace', '--list', '--json', '--data-dir', dataDir]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('missing CURRENT: a reader and a writer (cloudtap run) both exit 1 naming the file and what to do; no file changes', async () => {
    const { dataDir, directory } = await copyOfStore();
    await rm(join(directory, 'CURRENT'));
    const before = await snapshot(directory);
    expect(Object.keys(before).some((name) => /\.(log|ldb)$/.test(name))).toBe(true);

    expectRefusal(await cloudtap(['resources', '--data-dir', dataDir]), `${join(directory, 'CURRENT')}: the CURRENT file is missing`, 'restore the folder from a copy, or remove it to start again');
    expect(await snapshot(directory)).toEqual(before);
    expectRefusal(await cloudtap(['run', '--sandbox=regions=1&instances=2', '--data-dir', dataDir]), `the store in ${directory} is damaged`);
    expect(await snapshot(directory)).toEqual(before);
  });

  it('a log cut short (its last write unfinished): a reader exits 1 naming the log and leaves it; a writer drops the unfinished write and says so', async () => {
    const { dataDir, directory } = await copyOfStore();
    const log = await newestLog(directory);
    // Every record is longer than 10 bytes (7 of header, 12 of batch header): this always cuts into the last one.
    await truncate(log, (await stat(log)).size - 10);
    const before = await snapshot(directory);

    expectRefusal(await cloudtap(['resources', '--data-dir', dataDir]), log, 'the last record is cut short', 'cloudtap run');
    expect(await snapshot(directory)).toEqual(before);

    const writer = await openStore({ access: 'create', dataDir });
    try {
      expect(writer.embedded?.droppedUnfinishedWrite?.file).toBe(log);
    } finally {
      await writer.close();
    }
    // The writer's LevelDB dropped the cut-short record: the store reads again.
    expect((await cloudtap(['trace', '--list', '--data-dir', dataDir])).code).toBe(0);
  });

  it('a log record failing its checksum: exit 1 naming the log; no file changes', async () => {
    const { dataDir, directory } = await copyOfStore();
    const log = await newestLog(directory);
    const bytes = await readFile(log);
    const middle = Math.floor(bytes.length / 2);
    bytes.writeUInt8(bytes.readUInt8(middle) ^ 0xff, middle);
    await writeFile(log, bytes);
    const before = await snapshot(directory);
    expectRefusal(await cloudtap(['events', '--data-dir', dataDir]), `the store in ${directory} is damaged: ${log}`, 'fails its checksum');
    expect(await snapshot(directory)).toEqual(before);
  });

  it('CURRENT naming a MANIFEST that is not there: exit 1 naming it', async () => {
    const { dataDir, directory } = await copyOfStore();
    await writeFile(join(directory, 'CURRENT'), 'MANIFEST-999999\n');
    const before = await snapshot(directory);
    expectRefusal(await cloudtap(['resources', '--data-dir', dataDir]), join(directory, 'MANIFEST-999999'), 'does not exist');
    expect(await snapshot(directory)).toEqual(before);
  });

  it('a table file gone (found by LevelDB itself): exit 1 naming it; the data files are left as they are', async () => {
    const { dataDir, directory } = await copyOfStore();
    // Opening the store again turns the log it recovers into a table file (LevelDB does that on every open).
    await (await openStore({ access: 'create', dataDir })).close();
    const table = (await readdir(directory)).find((name) => name.endsWith('.ldb'));
    expect(table).toBeDefined();
    await rm(join(directory, table ?? ''));
    const dataFiles = async () => Object.fromEntries(Object.entries(await snapshot(directory)).filter(([name]) => !name.startsWith('LOG')));
    const before = await dataFiles();
    expectRefusal(await cloudtap(['resources', '--data-dir', dataDir]), `the store in ${directory} is damaged`, table ?? '', 'its data files were left as they are');
    expect(await dataFiles()).toEqual(before);
  });

  it('the tables are checked, not created: a store without them is refused by name', async () => {
    const dataDir = await tempDir();
    const bare = await startEmbeddedDynamoDb(join(dataDir, 'dynamodb'), { create: true });
    await bare.close();
    const result = await cloudtap(['resources', '--data-dir', dataDir]);
    expectRefusal(result, `has no ${TABLE_IDS[0]} table`);
    const reopened = await startEmbeddedDynamoDb(join(dataDir, 'dynamodb'));
    const client = new DynamoDBClient({ region: 'us-east-1', endpoint: reopened.endpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    try {
      expect((await client.send(new ListTablesCommand({}))).TableNames).toEqual([]);
    } finally {
      client.destroy();
      await reopened.close();
    }
  });
});
