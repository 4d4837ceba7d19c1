import { mkdir } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { threadCpuMs } from './thread-cpu';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
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
  close(): Promise<void>;
}

/**
 * Starts dynalite on loopback, in a worker thread of its own: the store's work (HTTP, validation, LevelDB)
 * then runs beside the collector's instead of taking turns with it on one thread (BENCHMARKS.md: a 4-region
 * first run went from 45 s to 36 s with this and the SDK change of the same day). With a directory the store is LevelDB on disk and persists across runs;
 * without one it lives in memory (tests).
 */
export async function startEmbeddedDynamoDb(directory?: string): Promise<EmbeddedDynamoDb> {
  if (directory) await mkdir(directory, { recursive: true });
  const worker = new Worker(new URL('./dynalite-worker.mjs', import.meta.url), { workerData: { directory } });
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  type Message = { type: 'listening'; port: number; threadId?: number } | { type: 'error' | 'closed'; code?: string; message?: string };
  const { port, threadId } = await Promise.race([
    new Promise<{ port: number; threadId?: number }>((resolve, reject) => {
      worker.once('message', (message: Message) => {
        if (message.type === 'listening') resolve(message);
        else reject(Object.assign(new Error(`the embedded DynamoDB could not start${directory ? ` in ${directory}` : ''}: ${message.message ?? message.type}`), { code: message.code }));
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
    GlobalSecondaryIndexes: definition.globalIndexes.map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partitionKey.name, KeyType: 'HASH' as const },
        ...(index.sortKey ? [{ AttributeName: index.sortKey.name, KeyType: 'RANGE' as const }] : []),
      ],
      Projection: { ProjectionType: 'ALL' },
    })),
  };
}

/** Creates whichever of the tables are missing. */
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
      if (!existing.has(names[id])) await client.send(new CreateTableCommand(createTableInput(TABLES[id], names[id])));
    }
  } finally {
    client.destroy();
  }
}
