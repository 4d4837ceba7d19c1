import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand,
  type BatchGetCommandInput, type BatchGetCommandOutput, type BatchWriteCommandInput, type BatchWriteCommandOutput, type GetCommandInput, type GetCommandOutput, type PutCommandInput,
  type PutCommandOutput, type QueryCommandInput, type QueryCommandOutput, type ScanCommandInput, type ScanCommandOutput,
  type UpdateCommandInput, type UpdateCommandOutput, DeleteCommand, type DeleteCommandInput, type DeleteCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { traced } from '../aws/traced-client';
import { chunked, mapWithConcurrency } from '../util/concurrency';
import { tableNamesFromEnv, type TableNames } from './tables';

/** The service name the store's calls have in a task's trace. */
export const STORE_SERVICE = 'DynamoDB';

export type WriteRequests = NonNullable<BatchWriteCommandInput['RequestItems']>;

/**
 * The store's DynamoDB calls, through the AWS SDK's document client (marshalling by util-dynamodb, signing,
 * retries, endpoints and credentials the SDK's). Every call is recorded in the active task's trace by the same
 * middleware as the collector's other AWS calls, and instrumented like them in Lambda (X-Ray).
 */
export class StoreClient {
  private readonly documents: DynamoDBDocumentClient;

  constructor(readonly dynamodb: DynamoDBClient) {
    this.documents = DynamoDBDocumentClient.from(dynamodb, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
    });
  }

  get(input: GetCommandInput): Promise<GetCommandOutput> {
    return this.documents.send(new GetCommand(input));
  }

  /** A failed condition rejects with `ConditionalCheckFailedException`. */
  put(input: PutCommandInput): Promise<PutCommandOutput> {
    return this.documents.send(new PutCommand(input));
  }

  update(input: UpdateCommandInput): Promise<UpdateCommandOutput> {
    return this.documents.send(new UpdateCommand(input));
  }

  delete(input: DeleteCommandInput): Promise<DeleteCommandOutput> {
    return this.documents.send(new DeleteCommand(input));
  }

  query(input: QueryCommandInput): Promise<QueryCommandOutput> {
    return this.documents.send(new QueryCommand(input));
  }

  scan(input: ScanCommandInput): Promise<ScanCommandOutput> {
    return this.documents.send(new ScanCommand(input));
  }

  batchGet(input: BatchGetCommandInput): Promise<BatchGetCommandOutput> {
    return this.documents.send(new BatchGetCommand(input));
  }

  batchWrite(input: BatchWriteCommandInput): Promise<BatchWriteCommandOutput> {
    return this.documents.send(new BatchWriteCommand(input));
  }

  destroy(): void {
    this.documents.destroy();
  }
}

/** The store client and table names every store works with, plus a count of items written. */
export class Database {
  /** DynamoDB items written through this handle (puts, updates, deletes; batch items one each). */
  writes = 0;

  constructor(readonly client: StoreClient, readonly tables: TableNames) {}

  /** A handle with its own write count over the process's one store client (Lambda reuses it across invocations). */
  /**
   * The store of a handler: `CLOUDTAP_STORE_ENDPOINT` when the local runner sets it (the embedded store; explicit, so
   * that `AWS_ENDPOINT_URL_DYNAMODB` stays the collected account's DynamoDB), else the SDK's own configuration.
   */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): Database {
    const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
    const endpoint = env.CLOUDTAP_STORE_ENDPOINT || undefined;
    const key = `${region} ${endpoint ?? env.AWS_ENDPOINT_URL_DYNAMODB ?? env.AWS_ENDPOINT_URL ?? ''}`;
    let client = sharedClients.get(key);
    if (!client) sharedClients.set(key, (client = storeClient(region, endpoint)));
    return new Database(client, tableNamesFromEnv(env));
  }

  countWrites(items: number): void {
    this.writes += items;
  }
}

/** One client per region and endpoint (the local runner may point the process at several stores). */
const sharedClients = new Map<string, StoreClient>();

/**
 * Connections to DynamoDB per client. A collect task keeps up to 16 writes in flight per partition with every
 * partition at once (9 for EC2): with fewer connections they would queue behind each other. Locally, the
 * concurrent tasks of a run share one client and queue beyond this (measured: 32 instead of 160 made the
 * critical path's first run no faster).
 */
const STORE_SOCKETS = 160;

/** Credentials and endpoint from the SDK's own configuration (`AWS_ENDPOINT_URL_DYNAMODB` locally). */
export function storeClient(region: string, endpoint?: string): StoreClient {
  const client = new DynamoDBClient({
    region,
    ...(endpoint ? { endpoint } : {}),
    maxAttempts: 8,
    retryMode: 'standard',
    requestHandler: { httpAgent: { keepAlive: true, maxSockets: STORE_SOCKETS }, httpsAgent: { keepAlive: true, maxSockets: STORE_SOCKETS } },
    ...loopbackCredentials(endpoint ? { AWS_ENDPOINT_URL_DYNAMODB: endpoint } : process.env),
  });
  return new StoreClient(traced(client, STORE_SERVICE, { region, store: true }));
}

const BATCH_WRITE_LIMIT = 25;
const MAX_UNPROCESSED_ROUNDS = 10;

/** BatchWrite in chunks of 25 (`inFlight` at once), retrying UnprocessedItems with exponential backoff. */
export async function batchWrite(
  db: Database, table: string, requests: WriteRequests[string], options: { inFlight?: number; beforeEach?: () => Promise<void> } = {},
): Promise<void> {
  await mapWithConcurrency([...chunked(requests, BATCH_WRITE_LIMIT)], options.inFlight ?? 1, (chunk) => untilProcessed(table, 'items', chunk, async (pending) => {
    await options.beforeEach?.();
    const output = await db.client.batchWrite({ RequestItems: { [table]: pending } });
    const unprocessed = output.UnprocessedItems?.[table] ?? [];
    db.countWrites(pending.length - unprocessed.length);
    return unprocessed;
  }));
}

/** Sends a batch again with what DynamoDB left unprocessed, with exponential backoff, until nothing is left. */
async function untilProcessed<T>(table: string, what: string, batch: T[], send: (pending: T[]) => Promise<T[]>): Promise<void> {
  let pending = batch;
  for (let round = 0; pending.length > 0; round++) {
    if (round >= MAX_UNPROCESSED_ROUNDS) throw new Error(`DynamoDB left ${pending.length} ${what} of ${table} unprocessed after ${round} rounds`);
    if (round > 0) await sleep(Math.min(2000, 50 * 2 ** round) * Math.random());
    pending = await send(pending);
  }
}

const BATCH_GET_LIMIT = 100;

/** The items of `keys` (BatchGetItem, 100 a call, consistent), retrying UnprocessedKeys with exponential backoff. */
export async function batchGet(
  db: Database, table: string, keys: Record<string, unknown>[], projection?: { expression: string; names?: Record<string, string> },
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (const chunk of chunked(keys, BATCH_GET_LIMIT)) {
    await untilProcessed(table, 'keys', chunk, async (pending) => {
      const output = await db.client.batchGet({
        RequestItems: {
          [table]: {
            Keys: pending, ConsistentRead: true,
            ...(projection ? { ProjectionExpression: projection.expression, ...(projection.names ? { ExpressionAttributeNames: projection.names } : {}) } : {}),
          },
        },
      });
      items.push(...(output.Responses?.[table] ?? []));
      return output.UnprocessedKeys?.[table]?.Keys ?? [];
    });
  }
  return items;
}

export function isConditionalFailure(error: unknown): boolean {
  return (error as { name?: string }).name === 'ConditionalCheckFailedException';
}

/**
 * A conditional write: its output, counted as one item written, or undefined when its condition failed (a
 * newer observation is stored, the event is already open, …), which the stores take as nothing to do.
 */
export async function conditionalWrite<O>(db: Database, write: () => Promise<O>): Promise<O | undefined> {
  let output: O;
  try {
    output = await write();
  } catch (error) {
    if (isConditionalFailure(error)) return undefined;
    throw error;
  }
  db.countWrites(1);
  return output;
}

/** Every item a query returns, page after page. */
export function queryItems(db: Database, input: QueryCommandInput): AsyncGenerator<Record<string, unknown>> {
  return allPages((startKey) => db.client.query({ ...input, ExclusiveStartKey: startKey }));
}

/** Every item a scan returns, page after page. */
export function scanItems(db: Database, input: ScanCommandInput): AsyncGenerator<Record<string, unknown>> {
  return allPages((startKey) => db.client.scan({ ...input, ExclusiveStartKey: startKey }));
}

type StartKey = Record<string, unknown> | undefined;
type PageOutput = { Items?: Record<string, unknown>[]; LastEvaluatedKey?: Record<string, unknown> };

async function* allPages(page: (startKey: StartKey) => Promise<PageOutput>): AsyncGenerator<Record<string, unknown>> {
  let startKey: StartKey;
  do {
    const output = await page(startKey);
    yield* output.Items ?? [];
    startKey = output.LastEvaluatedKey;
  } while (startKey);
}

/**
 * A DynamoDB on loopback (the embedded store, LocalStack) accepts any credentials, but the SDK still wants
 * some: give it placeholders rather than touching the environment, where real AWS credentials may live.
 */
export function loopbackCredentials(env: NodeJS.ProcessEnv = process.env): { credentials?: { accessKeyId: string; secretAccessKey: string } } {
  const endpoint = env.AWS_ENDPOINT_URL_DYNAMODB ?? env.AWS_ENDPOINT_URL;
  if (!endpoint) return {};
  const host = new URL(endpoint).hostname;
  const loopback = host === 'localhost' || host === '[::1]' || host.startsWith('127.');
  return loopback ? { credentials: { accessKeyId: 'cloudtap-local', secretAccessKey: 'cloudtap-local' } } : {};
}
