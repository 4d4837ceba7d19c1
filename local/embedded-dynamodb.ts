import { mkdir, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { threadCpuMs } from './thread-cpu';
import { inspectLevelDb, type LevelDbProblem } from './leveldb-check';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ListTablesCommand, waitUntilTableExists, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { TABLES, TABLE_IDS, type TableDefinition, type TableNames } from '../src/store/tables';
import { loopbackCredentials } from '../src/store/dynamo';

export interface EmbeddedDynamoDb {
  endpoint: string;
  /** How long the store's thread has been busy (its event loop's active time), ms: what its speed limit costs. */
  busyMs(): number;
  /**
   * CPU the store's thread has used, ms, as the kernel counts it (Linux; NaN elsewhere). Unlike `busyMs`, time
   * the thread waited for a core (the machine's other work, the collector's thread) does not count.
   */
  cpuMs(): number;
  /** A write the last process left unfinished (the end of a log cut short), which this writer's LevelDB dropped. */
  droppedUnfinishedWrite?: LevelDbProblem;
  close(): Promise<void>;
}

export interface EmbeddedStoreOptions {
  /**
   * Create the store when the directory has none (`cloudtap run`). Without it nothing is created: no
   * directory, no file; a missing store, a damaged one or one whose last write was cut short is an error.
   */
  create?: boolean;
}

export type EmbeddedStoreProblem = 'missing' | 'damaged' | 'unfinished-write' | 'locked';

/** Why the embedded store could not be opened, with the path at fault; nothing was changed on disk. */
export class EmbeddedStoreError extends Error {
  override readonly name = 'EmbeddedStoreError';

  constructor(readonly problem: EmbeddedStoreProblem, readonly directory: string, readonly file: string, readonly detail: string) {
    super(`the store in ${directory}: ${detail}`);
  }
}

/**
 * Starts dynalite on loopback, in a worker thread of its own: the store's work (HTTP, validation, LevelDB)
 * then runs beside the collector's instead of taking turns with it on one thread (BENCHMARKS.md: a 4-region
 * first run went from 45 s to 36 s with this and the SDK change of the same day). With a directory the store is LevelDB on disk and persists across runs;
 * without one it lives in memory (tests).
 */
export async function startEmbeddedDynamoDb(directory?: string, options: EmbeddedStoreOptions = {}): Promise<EmbeddedDynamoDb> {
  const create = options.create === true;
  let droppedUnfinishedWrite: LevelDbProblem | undefined;
  if (directory) {
    // The files are checked before LevelDB sees them: its open would repair, replace or silently truncate.
    const found = await inspectLevelDb(directory);
    if ((found.state === 'missing' || found.state === 'empty') && !create) {
      throw new EmbeddedStoreError('missing', directory, directory, found.state === 'missing' ? 'there is no such directory' : 'the directory holds no store');
    }
    if (found.state === 'damaged') throw new EmbeddedStoreError('damaged', directory, found.problem.file, found.problem.detail);
    if (found.state === 'ok' && found.unfinishedWrite) {
      // A writer killed mid-write leaves its last, unacknowledged write cut short: a run may go on without it
      // (its rerun writes what is missing); a reader must not drop it for good by opening the store.
      if (!create) {
        // A process writing right now shows the same end for a moment: a log that grows is in use, not damaged.
        if (await stillGrowing(found.unfinishedWrite.file)) throw new EmbeddedStoreError('locked', directory, directory, 'it is in use by another process');
        throw new EmbeddedStoreError('unfinished-write', directory, found.unfinishedWrite.file, found.unfinishedWrite.detail);
      }
      droppedUnfinishedWrite = found.unfinishedWrite;
    }
    if (create) await mkdir(directory, { recursive: true });
  }
  await holdLevelDbLoaded();
  const worker = new Worker(new URL('./dynalite-worker.mjs', import.meta.url), { workerData: { directory, create } });
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  type Message = { type: 'listening'; port: number; threadId?: number } | { type: 'error' | 'closed'; code?: string; message?: string };
  const { port, threadId } = await Promise.race([
    new Promise<{ port: number; threadId?: number }>((resolve, reject) => {
      worker.once('message', (message: Message) => {
        if (message.type === 'listening') resolve(message);
        else reject(startError(directory, message.code, message.message ?? message.type));
      });
      worker.once('error', reject);
    }),
    exited.then((code) => { throw new Error(`the embedded DynamoDB stopped while starting (exit code ${code})`); }),
  ]).catch(async (error: unknown) => {
    await worker.terminate();
    throw error;
  });
  // After start-up, a store that dies makes every later call fail to connect; say why it died.
  worker.on('error', (error) => process.stderr.write(`cloudtap: the embedded DynamoDB failed: ${error.message}\n`));
  // A store nobody closed (an error on the way out) must not keep the process alive.
  worker.unref();
  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    busyMs: () => worker.performance.eventLoopUtilization().active,
    cpuMs: () => (threadId === undefined ? Number.NaN : threadCpuMs(threadId)),
    ...(droppedUnfinishedWrite ? { droppedUnfinishedWrite } : {}),
    close: () => (closing ??= new Promise<void>((resolve, reject) => {
      worker.ref(); // until LevelDB is closed
      worker.on('message', (message: Message) => {
        if (message.type === 'closed' && message.message) reject(new Error(`closing the embedded DynamoDB: ${message.message}`));
      });
      void exited.then(() => resolve());
      worker.postMessage({ type: 'close' });
    })),
  };
}

/**
 * Loads LevelDB's native addon (classic-level, under `level`) in this thread too, once, and keeps it loaded. A worker
 * that loaded it alone unloads it when it ends (dlclose), but LevelDB's background compaction thread, started by the
 * addon and never joined, goes on running the addon's code: the process then dies of SIGSEGV, at a random moment
 * after a store closed (a core dump of a jest worker showed the crashing thread at an address in no mapped library,
 * classic-level's addon missing from the loaded ones, while a worker isolate was being torn down). Held here, the
 * library stays mapped for the life of the process.
 */
let levelDbLoaded: Promise<unknown> | undefined;
function holdLevelDbLoaded(): Promise<unknown> {
  return (levelDbLoaded ??= import('level'));
}

async function stillGrowing(file: string): Promise<boolean> {
  const before = (await stat(file)).size;
  await sleep(250);
  return (await stat(file).catch(() => undefined))?.size !== before;
}

/** LevelDB's reason for not opening, as an EmbeddedStoreError where it is the store's state (in use, damaged). */
function startError(directory: string | undefined, code: string | undefined, message: string): Error {
  if (directory && code === 'LEVEL_LOCKED') return new EmbeddedStoreError('locked', directory, directory, 'it is in use by another process');
  // Found by LevelDB's own open (e.g. a table file gone), which by then has rotated its info LOG, and nothing else.
  if (directory && code === 'LEVEL_CORRUPTION') return new EmbeddedStoreError('damaged', directory, directory, `LevelDB finds it damaged (${message})`);
  return Object.assign(new Error(`the embedded DynamoDB could not start${directory ? ` in ${directory}` : ''}: ${message}`), { code });
}

/** The CreateTable input for one of cloudtap's tables: the same keys and indexes the CDK stack declares. */
export function createTableInput(definition: TableDefinition, tableName: string): CreateTableCommandInput {
  const attributes = new Map<string, 'S' | 'N'>();
  for (const key of [definition.partitionKey, definition.sortKey, ...definition.globalIndexes.flatMap((i) => [i.partitionKey, i.sortKey])]) {
    if (key) attributes.set(key.name, key.type);
  }
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
    KeySchema: [
      { AttributeName: definition.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: definition.sortKey.name, KeyType: 'RANGE' },
    ],
    // DynamoDB refuses an empty list of indexes: a table without any leaves the field out.
    ...(definition.globalIndexes.length > 0 ? {
      GlobalSecondaryIndexes: definition.globalIndexes.map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey.name, KeyType: 'HASH' as const },
          ...(index.sortKey ? [{ AttributeName: index.sortKey.name, KeyType: 'RANGE' as const }] : []),
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    } : {}),
  };
}

/** A store whose tables were made by another version of cloudtap (other keys or indexes): it cannot be written as it is. */
export class StoreSchemaMismatchError extends Error {
  override readonly name = 'StoreSchemaMismatch';
}

/** The key and index names of a table, as DynamoDB describes it, in one comparable line. */
function schemaOf(keys: { AttributeName?: string }[] | undefined, indexes: { IndexName?: string; KeySchema?: { AttributeName?: string }[] }[] | undefined): string {
  const keyNames = (schema: { AttributeName?: string }[] | undefined) => (schema ?? []).map((k) => k.AttributeName).join('+');
  return [keyNames(keys), ...(indexes ?? []).map((i) => `${i.IndexName}(${keyNames(i.KeySchema)})`).sort()].join(' ');
}

/**
 * Creates whichever of the tables are missing, and refuses tables that exist with other keys or indexes than this
 * version's (a store made by an earlier version), naming them, rather than failing on the first query of an index.
 */
export async function ensureTables(endpoint: string, names: TableNames, region = 'us-east-1'): Promise<void> {
  const client = new DynamoDBClient({ endpoint, region, ...loopbackCredentials({ AWS_ENDPOINT_URL_DYNAMODB: endpoint }) });
  try {
    const existing = new Set<string>();
    let start: string | undefined;
    do {
      const page = await client.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
      for (const name of page.TableNames ?? []) existing.add(name);
      start = page.LastEvaluatedTableName;
    } while (start);
    for (const id of TABLE_IDS) {
      const expected = createTableInput(TABLES[id], names[id]);
      if (!existing.has(names[id])) {
        await client.send(new CreateTableCommand(expected));
        // A new table is CREATING for a moment (the embedded store's too): nothing may write to it before it is ACTIVE.
        await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { TableName: names[id] });
        continue;
      }
      const { Table: table } = await client.send(new DescribeTableCommand({ TableName: names[id] }));
      const want = schemaOf(expected.KeySchema, expected.GlobalSecondaryIndexes);
      const have = schemaOf(table?.KeySchema, table?.GlobalSecondaryIndexes);
      if (want !== have) {
        throw new StoreSchemaMismatchError(`table ${names[id]} was made by another version of cloudtap (keys and indexes: ${have}; this version needs: ${want}). Move the store aside (or remove it) and run again to collect into a new one`);
      }
    }
  } finally {
    client.destroy();
  }
}
