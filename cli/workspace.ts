import { join, resolve } from 'node:path';
import { startEmbeddedDynamoDb, ensureTables, type EmbeddedDynamoDb } from '../local/embedded-dynamodb';
import { localTableNames, TABLE_ENV, TABLE_IDS, type TableNames } from '../src/store/tables';
import { Database } from '../src/store/dynamo';
import { UsageError } from './errors';

export const DEFAULT_DATA_DIR = '.cloudtap';
const LOCAL_TABLE_PREFIX = 'cloudtap';

/** The store a command works on: the embedded DynamoDB under the data directory, or the one the environment names. */
export interface Workspace {
  db: Database;
  tables: TableNames;
  /** The embedded store, when this workspace started it. */
  embedded?: EmbeddedDynamoDb;
  close(): Promise<void>;
}

/**
 * Opens the store. By default the embedded DynamoDB persists under `<data-dir>/dynamodb` and its tables are
 * created when missing; `AWS_ENDPOINT_URL_DYNAMODB` points at another DynamoDB (e.g. LocalStack) instead.
 * The table names and the endpoint are put into the environment, where the Lambda handlers read them.
 */
export async function openWorkspace(options: { dataDir?: string; tablePrefix?: string }): Promise<Workspace> {
  const tables = localTableNames(options.tablePrefix ?? LOCAL_TABLE_PREFIX);
  let close = async (): Promise<void> => {};
  let embedded: EmbeddedDynamoDb | undefined;
  const externalEndpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB;
  if (!externalEndpoint) {
    const directory = join(resolve(options.dataDir ?? DEFAULT_DATA_DIR), 'dynamodb');
    let store: EmbeddedDynamoDb;
    try {
      store = await startEmbeddedDynamoDb(directory);
    } catch (error) {
      if ((error as { code?: string }).code === 'LEVEL_LOCKED') {
        throw new UsageError(`the store in ${directory} is in use by another cloudtap process; wait for it to finish or use --data-dir`);
      }
      throw error;
    }
    embedded = store;
    process.env.AWS_ENDPOINT_URL_DYNAMODB = store.endpoint;
    close = async () => {
      delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
      await store.close();
    };
  }
  process.env.AWS_REGION ??= 'us-east-1';
  for (const id of TABLE_IDS) process.env[TABLE_ENV[id]] = tables[id];
  try {
    await ensureTables(process.env.AWS_ENDPOINT_URL_DYNAMODB as string, tables, process.env.AWS_REGION);
  } catch (error) {
    await close();
    throw error;
  }
  return { db: Database.fromEnv(), tables, close, ...(embedded ? { embedded } : {}) };
}
