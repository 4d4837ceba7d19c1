import { join, resolve } from 'node:path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startEmbeddedDynamoDb, ensureTables, EmbeddedStoreError, type EmbeddedDynamoDb } from '../local/embedded-dynamodb';
import { localTableNames, TABLE_ENV, TABLE_IDS, type TableNames } from '../src/store/tables';
import { Database, loopbackCredentials, storeClient } from '../src/store/dynamo';
import { UsageError } from './errors';
import { explainStackReadError, tableNamesOfStack, TABLE_OUTPUTS } from './remote/stack';

import { DEFAULT_DATA_DIR } from './paths';

export { DEFAULT_DATA_DIR, SNAPSHOTS_DIR, STACK_VARIABLE, snapshotDirectory } from './paths';
const LOCAL_TABLE_PREFIX = 'cloudtap';
/** The region of the embedded store (and of a DynamoDB named by AWS_ENDPOINT_URL_DYNAMODB) when none is configured. */
const LOCAL_REGION = 'us-east-1';

/** The store a command works on: the embedded DynamoDB under the data directory, another one the environment names, or a deployed stack's tables. */
export interface Workspace {
  db: Database;
  tables: TableNames;
  /** Where the store is, for messages: `stack "Cloudtap" in eu-west-1`, `the store in .cloudtap/`. */
  location: string;
  /** The environment that points the in-process Lambda handlers at this store (its table names, region, endpoint). */
  handlerEnvironment: Record<string, string>;
  /** The embedded store, when this workspace started it. */
  embedded?: EmbeddedDynamoDb;
  close(): Promise<void>;
}

/**
 * What a command does with the store. `read` and `write` (acknowledging, ingesting) work on a store and tables
 * that exist and create nothing; only `create` — a local `cloudtap run` — creates the embedded store and the
 * tables when they are missing.
 */
export type StoreAccess = 'read' | 'write' | 'create';

export interface StoreOptions {
  access: StoreAccess;
  /** The embedded store's directory (default .cloudtap/). */
  dataDir?: string;
  /** A deployed stack whose outputs name the tables. */
  stack?: string;
  /** The stack's region; the SDK's chain (AWS_REGION, the profile's) otherwise. */
  region?: string;
  tablePrefix?: string;
}

/**
 * The endpoint of the store an open workspace of this process serves (not inherited by child processes: another
 * process is refused the embedded store while this one holds it).
 */
let openedInThisProcess: string | undefined;

/**
 * Opens the store: one way for the embedded default and a deployed stack alike. A deployed stack's tables come
 * from its CloudFormation outputs and are reached through the SDK's chain (credentials, `AWS_ENDPOINT_URL_DYNAMODB`);
 * `AWS_ENDPOINT_URL_DYNAMODB` without `--data-dir` names another DynamoDB (LocalStack) holding cloudtap's local table
 * names; otherwise the embedded DynamoDB persists under `<data-dir>/dynamodb`. Every table is checked with
 * DescribeTable before a command reads it: a missing stack, output, table or store is a UsageError naming it.
 */
export async function openStore(options: StoreOptions): Promise<Workspace> {
  if (options.stack !== undefined) {
    if (options.access === 'create') throw new UsageError(`the tables of stack "${options.stack}" are created by \`npx cdk deploy\`; a deployed stack is run with: cloudtap run --remote --stack ${options.stack}`);
    if (options.dataDir !== undefined) throw new UsageError(`--stack and --data-dir both name the store: give one (--stack reads the deployed tables of "${options.stack}")`);
    return openStackStore(options.stack, options.region);
  }
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? LOCAL_REGION;
  const tables = localTableNames(options.tablePrefix ?? LOCAL_TABLE_PREFIX);
  // A store this process already opened (a run inside a measured bench run) is used as it is; an explicit --data-dir
  // names the embedded store, and AWS_ENDPOINT_URL_DYNAMODB is then only the collected account's DynamoDB.
  const externalEndpoint = openedInThisProcess ?? (options.dataDir === undefined ? process.env.AWS_ENDPOINT_URL_DYNAMODB : undefined);
  if (externalEndpoint) {
    const location = `DynamoDB at ${externalEndpoint}`;
    if (options.access === 'create') await ensureTables(externalEndpoint, tables, region);
    else await requireTables({ region, endpoint: externalEndpoint, tables, missing: (id) => `${location} has no table ${tables[id]}; collect into it first with: cloudtap run` });
    return workspace({ region, endpoint: externalEndpoint, tables, location, close: async () => {} });
  }

  const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
  const directory = join(resolve(dataDir), 'dynamodb');
  const store = await startEmbedded(directory, options.access === 'create');
  const location = `the store in ${dataDir}${dataDir.endsWith('/') ? '' : '/'}`;
  try {
    if (options.access === 'create') await ensureTables(store.endpoint, tables, region);
    else {
      await requireTables({
        region, endpoint: store.endpoint, tables,
        missing: (id) => `${location} has no ${id} table (${tables[id]}); it was not written by this version of cloudtap. Collect into a new --data-dir with: cloudtap run --sandbox`,
      });
    }
  } catch (error) {
    await store.close();
    throw error;
  }
  return workspace({ region, endpoint: store.endpoint, tables, location, embedded: store, close: () => store.close() });
}

/**
 * The store of a local `cloudtap run` (created when missing) with its location put into the environment, where
 * the in-process Lambda handlers read it, until it is closed.
 */
export async function openWorkspace(options: { dataDir?: string; tablePrefix?: string }): Promise<Workspace> {
  const opened = await openStore({ access: 'create', ...options });
  const previous = new Map(Object.keys(opened.handlerEnvironment).map((key) => [key, process.env[key]]));
  Object.assign(process.env, opened.handlerEnvironment);
  const outer = openedInThisProcess;
  openedInThisProcess = opened.handlerEnvironment.CLOUDTAP_STORE_ENDPOINT;
  return {
    ...opened,
    close: async () => {
      openedInThisProcess = outer;
      for (const [key, value] of previous) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
      await opened.close();
    },
  };
}

async function openStackStore(stack: string, regionFlag: string | undefined): Promise<Workspace> {
  const cloudformation = new CloudFormationClient(regionFlag ? { region: regionFlag } : {});
  let region: string;
  try {
    region = await cloudformation.config.region();
  } catch (error) {
    throw explainStackReadError(error, `finding stack "${stack}"`);
  }
  let tables: TableNames;
  try {
    tables = await tableNamesOfStack(cloudformation, stack);
  } finally {
    cloudformation.destroy();
  }
  const location = `stack "${stack}" in ${region}`;
  await requireTables({
    region, tables,
    missing: (id) => `table ${tables[id]} (the ${TABLE_OUTPUTS[id]} output of ${location}) does not exist; `
      + 'was it deleted, or is the DynamoDB endpoint another one (AWS_ENDPOINT_URL_DYNAMODB)? Redeploy with `npx cdk deploy`',
  });
  // The DynamoDB endpoint, like the credentials, is the SDK's own (AWS_ENDPOINT_URL_DYNAMODB, the profile's).
  return workspace({ region, tables, location, close: async () => {} });
}

function workspace(options: { region: string; endpoint?: string; tables: TableNames; location: string; embedded?: EmbeddedDynamoDb; close(): Promise<void> }): Workspace {
  const { region, endpoint, tables } = options;
  const db = new Database(storeClient(region, endpoint), tables);
  return {
    db,
    tables,
    location: options.location,
    handlerEnvironment: {
      AWS_REGION: region,
      // Explicit, not AWS_ENDPOINT_URL_DYNAMODB: that one is the collected account's DynamoDB (the sandbox's, locally).
      ...(endpoint ? { CLOUDTAP_STORE_ENDPOINT: endpoint } : {}),
      ...Object.fromEntries(TABLE_IDS.map((id) => [TABLE_ENV[id], tables[id]])),
    },
    ...(options.embedded ? { embedded: options.embedded } : {}),
    close: async () => {
      db.client.destroy();
      await options.close();
    },
  };
}

/** The embedded store, or a UsageError saying what is wrong with its directory and what to do; nothing is changed on disk. */
async function startEmbedded(directory: string, create: boolean): Promise<EmbeddedDynamoDb> {
  let store: EmbeddedDynamoDb;
  try {
    store = await startEmbeddedDynamoDb(directory, { create });
  } catch (error) {
    if (!(error instanceof EmbeddedStoreError)) throw error;
    const advice = 'restore the folder from a copy, or remove it to start again (cloudtap run --sandbox then creates a new store)';
    switch (error.problem) {
      case 'missing':
        throw new UsageError(`no cloudtap store at ${directory} (${error.detail}); collect one first with: cloudtap run --sandbox (or name another with --data-dir DIR, or a deployed stack with --stack NAME)`);
      case 'locked':
        throw new UsageError(`the store in ${directory} is in use by another cloudtap process; wait for it to finish or use --data-dir`);
      case 'unfinished-write':
        throw new UsageError(`the store in ${directory} ends in a write that was cut short (${error.file}: ${error.detail}), as a killed \`cloudtap run\` or a truncated file leaves it; nothing was changed. `
          + `If a run is writing to it right now, wait for it. Otherwise run \`cloudtap run\` again, which drops the unfinished write and collects what it held, or ${advice}`);
      case 'damaged':
        throw new UsageError(`the store in ${directory} is damaged: ${error.file}: ${error.detail}; its data files were left as they are. To go on, ${advice}`);
    }
  }
  if (store.droppedUnfinishedWrite) {
    const { file, detail } = store.droppedUnfinishedWrite;
    process.stderr.write(`cloudtap: ${file}: ${detail}; the last write of an earlier process was unfinished and is dropped (this run writes what it needs again)\n`);
  }
  return store;
}

/** DescribeTable (read-only) on every table; the first missing one is a UsageError with the given message. */
async function requireTables(options: { region: string; endpoint?: string; tables: TableNames; missing: (id: (typeof TABLE_IDS)[number]) => string }): Promise<void> {
  const { region, endpoint, tables } = options;
  const client = new DynamoDBClient({ region, ...(endpoint ? { endpoint, ...loopbackCredentials({ AWS_ENDPOINT_URL_DYNAMODB: endpoint }) } : {}) });
  try {
    await Promise.all(TABLE_IDS.map(async (id) => {
      try {
        await client.send(new DescribeTableCommand({ TableName: tables[id] }));
      } catch (error) {
        if ((error as { name?: string }).name === 'ResourceNotFoundException') throw new UsageError(options.missing(id));
        throw explainStackReadError(error, `checking table ${tables[id]}`);
      }
    }));
  } finally {
    client.destroy();
  }
}
