/**
 * A DynamoDB held in memory that answers at once: for measuring the collect handler itself (its calls to AWS,
 * its memory, what it would be billed) on a first run and on an unchanged re-run, at sizes the embedded store
 * could not absorb within the bench's budget.
 *
 * It answers as DynamoDB does the calls cloudtap's stores make — GetItem, PutItem, UpdateItem, DeleteItem,
 * BatchGetItem, BatchWriteItem, Query — conditions evaluated (ConditionalCheckFailedException), ReturnValues,
 * projections, filters, numeric and string sort keys, index pages, DynamoDB's limits (25 writes, 100 keys a
 * batch, 1 MB a page, 400 KB an item, no consistent reads on an index). Expressions are parsed and evaluated by
 * dynalite's DynamoDB grammar (reserved words, unused names and values, DynamoDB's error messages), the one the
 * embedded store itself applies; any other operation or request parameter is refused by name, so a store that
 * changes cannot be measured against a stub that silently misreads it.
 *
 * It also meters what DynamoDB would bill (bench/dynamo-capacity.ts): requests by operation, and read and write
 * request units by table, the indexes' writes included.
 */
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { TABLES, TABLE_IDS, type GlobalIndex, type KeyAttribute, type TableDefinition } from '../src/store/tables';
import { itemSize, readUnits, writeUnits, type AttributeValue, type Item } from './dynamo-capacity';

/** A parsed expression's path: attribute names, list indexes. */
type Path = (string | number)[];
interface ParsedExpression { type: string; name?: string; args?: unknown[] }
interface UpdateSection { type: 'set' | 'remove' | 'add' | 'delete'; path: Path; val?: unknown; attrType?: string }

/** dynalite's expression grammar and evaluation (CommonJS; its own parsers, generated from DynamoDB's grammar). */
const require = createRequire(import.meta.url);
const dynaliteValidations = require('dynalite/validations/index.js') as { validateExpressions(data: Record<string, unknown>): string | undefined };
const dynaliteDb = require('dynalite/db/index.js') as {
  matchesExprFilter(item: Item, expression: ParsedExpression): boolean;
  mapPath(path: Path, item: Item): AttributeValue | undefined;
  mapPaths(paths: Path[], item: Item): Item;
};
const Big = createRequire(require.resolve('dynalite'))('big.js') as new (value: string) => { plus(n: string): { toFixed(): string }; minus(n: string): { toFixed(): string } };

interface Parsed {
  _updates?: { sections: UpdateSection[]; paths: Path[] };
  _condition?: { expression: ParsedExpression };
  _keyCondition?: { expression: ParsedExpression };
  _filter?: { expression: ParsedExpression };
  _projection?: { paths: Path[] };
}

/** A request DynamoDB would refuse, or one the stub does not understand: answered as a ValidationException. */
class StubValidationError extends Error {}
class ConditionalCheckFailed extends Error {}

/** DynamoDB's limits the stores meet. */
const PAGE_BYTES = 1024 * 1024;
const MAX_ITEM_BYTES = 400 * 1024;
const BATCH_WRITE_LIMIT = 25;
const BATCH_GET_LIMIT = 100;

/** What DynamoDB would bill for the requests answered, by table. */
export interface TableMeter {
  /** Write request units: the table's items plus the index entries the writes changed. */
  writeUnits: number;
  /** Of which the indexes'. */
  indexWriteUnits: number;
  readUnits: number;
  /** Items written (puts, updates, deletes; a failed condition writes nothing but is billed). */
  itemsWritten: number;
  conditionalFailures: number;
  /** Storage held at the time of the reading (see StubMeter.storageBytes). */
  storageBytes: number;
}

export interface StubMeter {
  /** Requests answered, by operation. */
  requests: Record<string, number>;
  tables: Record<string, TableMeter>;
  /** Items held, all tables together. */
  items: number;
  /**
   * Storage as DynamoDB bills it: every item's size plus 100 bytes, and the same for each index entry (the indexes
   * project ALL attributes, so an entry is a copy of its item).
   */
  storageBytes: number;
}

/** DynamoDB's per-item storage overhead, for the table's items and for each index entry. */
const ITEM_OVERHEAD_BYTES = 100;

export interface StubDynamoDb {
  endpoint: string;
  /** Requests answered, by operation. */
  requests: Record<string, number>;
  meter(): StubMeter;
  resetMeter(): void;
  /** Items held, all tables together. */
  items(): number;
  close(): Promise<void>;
}

export async function startStubDynamoDb(): Promise<StubDynamoDb> {
  const store = new MemoryTables();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const operation = String(request.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
      let status = 200;
      let body: unknown;
      try {
        body = store.answer(operation, JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>);
      } catch (error) {
        if (!(error instanceof StubValidationError) && !(error instanceof ConditionalCheckFailed)) throw error;
        status = 400;
        body = error instanceof ConditionalCheckFailed
          ? { __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException', message: 'The conditional request failed' }
          : { __type: 'com.amazon.coral.validate#ValidationException', message: error.message };
      }
      response.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.0', 'x-amzn-RequestId': 'stub' });
      response.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get requests() {
      return store.requests;
    },
    meter: () => store.meter(),
    resetMeter: () => store.resetMeter(),
    items: () => store.size(),
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/** The request parameters the stub understands, by operation; any other is refused by name. */
const PARAMETERS: Record<string, readonly string[]> = {
  GetItem: ['TableName', 'Key', 'ConsistentRead', 'ProjectionExpression', 'ExpressionAttributeNames'],
  PutItem: ['TableName', 'Item', 'ConditionExpression', 'ExpressionAttributeNames', 'ExpressionAttributeValues', 'ReturnValues'],
  UpdateItem: ['TableName', 'Key', 'UpdateExpression', 'ConditionExpression', 'ExpressionAttributeNames', 'ExpressionAttributeValues', 'ReturnValues'],
  DeleteItem: ['TableName', 'Key', 'ConditionExpression', 'ExpressionAttributeNames', 'ExpressionAttributeValues', 'ReturnValues'],
  BatchWriteItem: ['RequestItems'],
  BatchGetItem: ['RequestItems'],
  Query: [
    'TableName', 'IndexName', 'KeyConditionExpression', 'FilterExpression', 'ProjectionExpression', 'ExpressionAttributeNames', 'ExpressionAttributeValues',
    'ExclusiveStartKey', 'ScanIndexForward', 'Limit', 'ConsistentRead',
  ],
};
const BATCH_GET_PARAMETERS = ['Keys', 'ConsistentRead', 'ProjectionExpression', 'ExpressionAttributeNames'];

const emptyMeter = (): TableMeter => ({ writeUnits: 0, indexWriteUnits: 0, readUnits: 0, itemsWritten: 0, conditionalFailures: 0, storageBytes: 0 });

class MemoryTables {
  /** Table name → partition key value → sort key value → item. */
  private readonly tables = new Map<string, Map<string, Map<string, Item>>>();
  /** Sorted query results by table, index and partition value; a write to the table drops its entries. */
  private readonly sorted = new Map<string, Map<string, Item[]>>();
  requests: Record<string, number> = {};
  private tableMeters: Record<string, TableMeter> = {};

  size(): number {
    let count = 0;
    for (const table of this.tables.values()) for (const partition of table.values()) count += partition.size;
    return count;
  }

  meter(): StubMeter {
    const tables = structuredClone(this.tableMeters);
    let storageBytes = 0;
    for (const [name, table] of this.tables) {
      const indexes = tableDefinition(name).globalIndexes;
      let bytes = 0;
      for (const partition of table.values()) {
        for (const item of partition.values()) {
          const copies = 1 + indexes.filter((index) => inIndex(index, item)).length;
          bytes += copies * (itemSize(item) + ITEM_OVERHEAD_BYTES);
        }
      }
      (tables[name] ??= emptyMeter()).storageBytes = bytes;
      storageBytes += bytes;
    }
    return { requests: { ...this.requests }, tables, items: this.size(), storageBytes };
  }

  resetMeter(): void {
    this.requests = {};
    this.tableMeters = {};
  }

  private metered(table: string): TableMeter {
    return (this.tableMeters[table] ??= emptyMeter());
  }

  answer(operation: string, input: Record<string, unknown>): unknown {
    const parameters = PARAMETERS[operation];
    if (!parameters) throw new StubValidationError(`the stub store does not answer ${operation || 'a request without X-Amz-Target'}`);
    this.requests[operation] = (this.requests[operation] ?? 0) + 1;
    for (const name of Object.keys(input)) {
      if (!parameters.includes(name)) throw new StubValidationError(`the stub store does not understand ${operation}'s ${name}`);
    }
    switch (operation) {
      case 'GetItem': {
        const { TableName, Key, ConsistentRead } = input as { TableName: string; Key: Item; ConsistentRead?: boolean };
        const parsed = parse(input);
        const item = this.stored(TableName, checkedKey(TableName, Key));
        this.metered(TableName).readUnits += readUnits(item ? itemSize(item) : 0, ConsistentRead === true);
        return item ? { Item: project(item, parsed) } : {};
      }
      case 'PutItem': {
        const { TableName, Item: item, ReturnValues } = input as { TableName: string; Item: Item; ReturnValues?: string };
        if (ReturnValues !== undefined && ReturnValues !== 'NONE' && ReturnValues !== 'ALL_OLD') throw new StubValidationError(`ReturnValues ${ReturnValues} is not valid for PutItem`);
        const old = this.write(TableName, item, parse(input), () => item);
        return ReturnValues === 'ALL_OLD' && old ? { Attributes: old } : {};
      }
      case 'UpdateItem':
        return this.update(input as { TableName: string; Key: Item; ReturnValues?: string });
      case 'DeleteItem': {
        const { TableName, Key, ReturnValues } = input as { TableName: string; Key: Item; ReturnValues?: string };
        if (ReturnValues !== undefined && ReturnValues !== 'NONE' && ReturnValues !== 'ALL_OLD') throw new StubValidationError(`ReturnValues ${ReturnValues} is not valid for DeleteItem`);
        const old = this.write(TableName, checkedKey(TableName, Key), parse(input), () => undefined);
        return ReturnValues === 'ALL_OLD' && old ? { Attributes: old } : {};
      }
      case 'BatchWriteItem':
        return this.batchWrite(input.RequestItems as Record<string, { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }[]>);
      case 'BatchGetItem':
        return this.batchGet(input.RequestItems as Record<string, Record<string, unknown>>);
      default:
        return this.query(input as unknown as QueryInput);
    }
  }

  private stored(table: string, key: Item): Item | undefined {
    return this.partitionOf(table, key).get(this.sortValue(table, key));
  }

  /**
   * One item's write: the condition checked against what is stored, the new image (undefined deletes) checked
   * as DynamoDB checks it, stored, and billed — the table's units and each index's. Returns the old image.
   */
  private write(table: string, key: Item, parsed: Parsed, next: (old: Item | undefined) => Item | undefined): Item | undefined {
    const definition = tableDefinition(table);
    const old = this.stored(table, key);
    const meter = this.metered(table);
    if (parsed._condition && !dynaliteDb.matchesExprFilter(old ?? {}, parsed._condition.expression)) {
      // A failed condition writes nothing, and is billed as a write of the item as stored.
      meter.writeUnits += writeUnits(old);
      meter.conditionalFailures++;
      throw new ConditionalCheckFailed();
    }
    const item = next(old);
    if (item) checkItem(table, definition, item);
    const partition = this.partitionOf(table, key);
    if (item) partition.set(this.sortValue(table, key), item);
    else partition.delete(this.sortValue(table, key));
    this.sorted.delete(table);
    const indexUnits = definition.globalIndexes.reduce((sum, index) => sum + indexWriteUnits(index, old, item), 0);
    meter.writeUnits += Math.max(writeUnits(old), writeUnits(item)) + indexUnits;
    meter.indexWriteUnits += indexUnits;
    meter.itemsWritten++;
    return old;
  }

  private update(input: { TableName: string; Key: Item; ReturnValues?: string }): unknown {
    const { TableName, Key, ReturnValues = 'NONE' } = input;
    if (!['NONE', 'ALL_OLD', 'UPDATED_OLD', 'ALL_NEW', 'UPDATED_NEW'].includes(ReturnValues)) throw new StubValidationError(`ReturnValues ${ReturnValues} is not valid for UpdateItem`);
    const parsed = parse(input);
    if (!parsed._updates) throw new StubValidationError('the stub store updates by UpdateExpression only');
    const updates = parsed._updates;
    const key = checkedKey(TableName, Key);
    const definition = tableDefinition(TableName);
    for (const section of updates.sections) {
      const head = section.path[0];
      if (head === definition.partitionKey.name || head === definition.sortKey.name) {
        throw new StubValidationError(`One or more parameter values were invalid: Cannot update attribute ${String(head)}. This attribute is part of the key`);
      }
    }
    let item: Item | undefined;
    const old = this.write(TableName, key, parsed, (stored) => (item = applyUpdate(updates.sections, structuredClone(stored ?? key))));
    const image = ReturnValues.endsWith('_OLD') ? old : item;
    if (!image || ReturnValues === 'NONE') return {};
    const attributes = ReturnValues.startsWith('ALL_') ? image : dynaliteDb.mapPaths(updates.paths, image);
    // DynamoDB leaves Attributes out when there are none (UPDATED_OLD of a new item).
    return Object.keys(attributes).length > 0 ? { Attributes: attributes } : {};
  }

  private batchWrite(requestItems: Record<string, { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }[]>): unknown {
    const writes = Object.entries(requestItems).flatMap(([table, requests]) => requests.map((request) => ({ table, request })));
    if (writes.length === 0 || writes.length > BATCH_WRITE_LIMIT) throw new StubValidationError(`BatchWriteItem takes 1 to ${BATCH_WRITE_LIMIT} requests, not ${writes.length}`);
    const seen = new Set<string>();
    for (const { table, request } of writes) {
      const key = request.PutRequest ? keyOf(request.PutRequest.Item, tableDefinition(table)) : request.DeleteRequest?.Key;
      if (!key || Object.keys(request).length !== 1) throw new StubValidationError(`the stub store understands a PutRequest or a DeleteRequest, not ${Object.keys(request).join(', ')}`);
      const id = `${table}\u0000${JSON.stringify(checkedKey(table, key))}`;
      if (seen.has(id)) throw new StubValidationError('Provided list of item keys contains duplicates');
      seen.add(id);
    }
    // DynamoDB validates the whole batch before it writes any of it.
    for (const { table, request } of writes) {
      if (request.PutRequest) checkItem(table, tableDefinition(table), request.PutRequest.Item);
    }
    for (const { table, request } of writes) {
      const put = request.PutRequest?.Item;
      this.write(table, put ? keyOf(put, tableDefinition(table)) : (request.DeleteRequest?.Key as Item), {}, () => put);
    }
    return { UnprocessedItems: {} };
  }

  private batchGet(requestItems: Record<string, Record<string, unknown>>): unknown {
    const responses: Record<string, Item[]> = {};
    let keys = 0;
    for (const [table, request] of Object.entries(requestItems)) {
      for (const name of Object.keys(request)) {
        if (!BATCH_GET_PARAMETERS.includes(name)) throw new StubValidationError(`the stub store does not understand BatchGetItem's ${name}`);
      }
      const parsed = parse(request);
      const seen = new Set<string>();
      const found: Item[] = [];
      for (const key of request.Keys as Item[]) {
        keys++;
        const id = JSON.stringify(checkedKey(table, key));
        if (seen.has(id)) throw new StubValidationError('Provided list of item keys contains duplicates');
        seen.add(id);
        const item = this.stored(table, key);
        this.metered(table).readUnits += readUnits(item ? itemSize(item) : 0, request.ConsistentRead === true);
        if (item) found.push(project(item, parsed));
      }
      responses[table] = found;
    }
    if (keys === 0 || keys > BATCH_GET_LIMIT) throw new StubValidationError(`BatchGetItem takes 1 to ${BATCH_GET_LIMIT} keys, not ${keys}`);
    return { Responses: responses, UnprocessedKeys: {} };
  }

  private query(input: QueryInput): unknown {
    const definition = tableDefinition(input.TableName);
    const index = input.IndexName ? definition.globalIndexes.find((i) => i.name === input.IndexName) : undefined;
    if (input.IndexName && !index) throw new StubValidationError(`The table does not have the specified index: ${input.IndexName}`);
    if (index && input.ConsistentRead) throw new StubValidationError('Consistent reads are not supported on global secondary indexes');
    if (input.Limit !== undefined && (!Number.isInteger(input.Limit) || input.Limit < 1)) throw new StubValidationError(`Limit must be at least 1, not ${input.Limit}`);
    const parsed = parse(input as unknown as Record<string, unknown>);
    if (!parsed._keyCondition) throw new StubValidationError('the stub store queries by KeyConditionExpression only');
    const partitionKey = index?.partitionKey ?? definition.partitionKey;
    const sortKey = index ? index.sortKey : definition.sortKey;
    const partitionValue = keyCondition(parsed._keyCondition.expression, partitionKey, sortKey, input.KeyConditionExpression);

    let items = this.sortedItems(input.TableName, definition, index, scalar(partitionValue));
    if (input.ScanIndexForward === false) items = [...items].reverse();
    let start = 0;
    if (input.ExclusiveStartKey) {
      const after = input.ExclusiveStartKey;
      const direction = input.ScanIndexForward === false ? -1 : 1;
      start = items.findIndex((item) => direction * compareOrder(item, after, definition, sortKey) > 0);
      if (start < 0) start = items.length;
    }
    const page: Item[] = [];
    let bytes = 0;
    let evaluated = 0;
    let next = start;
    for (; next < items.length; next++) {
      if ((input.Limit !== undefined && evaluated >= input.Limit) || bytes >= PAGE_BYTES) break;
      const item = items[next] as Item;
      evaluated++;
      bytes += itemSize(item);
      if (!dynaliteDb.matchesExprFilter(item, parsed._keyCondition.expression)) continue;
      if (parsed._filter && !dynaliteDb.matchesExprFilter(item, parsed._filter.expression)) continue;
      page.push(project(item, parsed));
    }
    this.metered(input.TableName).readUnits += readUnits(bytes, !index && input.ConsistentRead === true);
    // Stopped by the Limit or the page size: DynamoDB gives the key to go on from, even when nothing is left.
    const last = next > start && next <= items.length && (next < items.length || (input.Limit !== undefined && evaluated >= input.Limit)) ? items[next - 1] : undefined;
    return {
      Items: page, Count: page.length, ScannedCount: evaluated,
      ...(last ? { LastEvaluatedKey: keyOf(last, definition, index) } : {}),
    };
  }

  private sortedItems(table: string, definition: TableDefinition, index: GlobalIndex | undefined, partitionValue: string): Item[] {
    let byQuery = this.sorted.get(table);
    if (!byQuery) this.sorted.set(table, (byQuery = new Map()));
    const cacheKey = `${index?.name ?? ''}\u0000${partitionValue}`;
    let items = byQuery.get(cacheKey);
    if (items) return items;
    if (!index) {
      items = [...(this.tables.get(table)?.get(partitionValue)?.values() ?? [])];
    } else {
      items = [];
      for (const partition of this.tables.get(table)?.values() ?? []) {
        for (const item of partition.values()) {
          const value = item[index.partitionKey.name];
          if (inIndex(index, item) && value && scalar(value) === partitionValue) items.push(item);
        }
      }
    }
    const sortKey = index ? index.sortKey : definition.sortKey;
    items.sort((a, b) => compareOrder(a, b, definition, sortKey));
    byQuery.set(cacheKey, items);
    return items;
  }

  private partitionOf(table: string, key: Item): Map<string, Item> {
    const definition = tableDefinition(table);
    const value = key[definition.partitionKey.name];
    if (!value) throw new StubValidationError(`${table}: the key has no ${definition.partitionKey.name}`);
    let partitions = this.tables.get(table);
    if (!partitions) this.tables.set(table, (partitions = new Map()));
    let partition = partitions.get(scalar(value));
    if (!partition) partitions.set(scalar(value), (partition = new Map()));
    return partition;
  }

  private sortValue(table: string, key: Item): string {
    const name = tableDefinition(table).sortKey.name;
    const value = key[name];
    if (!value) throw new StubValidationError(`${table}: the key has no ${name}`);
    return scalar(value);
  }
}

interface QueryInput {
  TableName: string;
  IndexName?: string;
  KeyConditionExpression: string;
  ExclusiveStartKey?: Item;
  ScanIndexForward?: boolean;
  Limit?: number;
  ConsistentRead?: boolean;
}

/** The request's expressions, parsed by DynamoDB's grammar; a request DynamoDB refuses is refused with its message. */
function parse(input: Record<string, unknown>): Parsed {
  const parsed: Record<string, unknown> = { ...input };
  const error = dynaliteValidations.validateExpressions(parsed);
  if (error) throw new StubValidationError(error);
  return parsed as Parsed;
}

/**
 * The partition key's value a key condition selects: `partition = :v`, alone or AND one condition on the sort key
 * (=, <, <=, >, >=, BETWEEN, begins_with), as DynamoDB allows; the sort key condition is evaluated on each item.
 */
function keyCondition(expression: ParsedExpression, partitionKey: KeyAttribute, sortKey: KeyAttribute | undefined, text: string): AttributeValue {
  const terms = expression.type === 'and' ? (expression.args as ParsedExpression[]) : [expression];
  let partitionValue: AttributeValue | undefined;
  let sortTerms = 0;
  for (const term of terms) {
    const [path, ...operands] = term.args ?? [];
    const attribute = Array.isArray(path) && path.length === 1 ? path[0] : undefined;
    if (attribute === partitionKey.name && term.type === '=' && !Array.isArray(operands[0])) partitionValue = operands[0] as AttributeValue;
    else if (attribute === sortKey?.name && ['=', '<', '<=', '>', '>=', 'between', 'begins_with'].includes(term.name ?? term.type)) sortTerms++;
    else throw new StubValidationError(`Query key condition not supported: "${text}"`);
  }
  if (!partitionValue || sortTerms > 1) throw new StubValidationError(`Query condition missed key schema element: "${text}"`);
  if (Object.keys(partitionValue)[0] !== partitionKey.type) throw new StubValidationError('One or more parameter values were invalid: Condition parameter type does not match schema type');
  return partitionValue;
}

/** The checks DynamoDB makes of an item written: its size, its key, and the types of its index keys. */
function checkItem(table: string, definition: TableDefinition, item: Item): void {
  if (itemSize(item) > MAX_ITEM_BYTES) throw new StubValidationError('Item size has exceeded the maximum allowed size');
  checkedKey(table, keyOf(item, definition));
  for (const index of definition.globalIndexes) {
    for (const key of [index.partitionKey, ...(index.sortKey ? [index.sortKey] : [])]) {
      const value = item[key.name];
      if (value === undefined) continue;
      if (Object.keys(value)[0] !== key.type) throw new StubValidationError(`One or more parameter values were invalid: Type mismatch for Index Key ${key.name} Expected: ${key.type} Actual: ${Object.keys(value)[0]} IndexName: ${index.name}`);
      if (key.type === 'S' && value.S === '') throw new StubValidationError(`One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: ${index.name}, IndexKey: ${key.name}`);
    }
  }
}

/** The key, checked as DynamoDB checks one: exactly the table's key attributes, with their types. */
function checkedKey(table: string, key: Item): Item {
  const definition = tableDefinition(table);
  const names = [definition.partitionKey, definition.sortKey];
  const types = Object.keys(key ?? {});
  if (types.length !== names.length || names.some((k) => !key[k.name] || Object.keys(key[k.name] as AttributeValue)[0] !== k.type)) {
    throw new StubValidationError('The provided key element does not match the schema');
  }
  return key;
}

/** An update expression's sections applied to an item, as DynamoDB applies them (values resolved against the item before any is set). */
function applyUpdate(sections: UpdateSection[], item: Item): Item {
  const values = sections.map((section) => (section.type === 'set' ? resolve(section.val, item) : undefined));
  sections.forEach((section, i) => {
    const parent = (section.path.length === 1 ? { M: item } : dynaliteDb.mapPath(section.path.slice(0, -1), item)) as { M?: Item; L?: AttributeValue[] } | undefined;
    const last = section.path[section.path.length - 1] as string | number;
    const container = typeof last === 'number' ? parent?.L : parent?.M;
    if (!container) throw new StubValidationError('The document path provided in the update expression is invalid for update');
    const slot = container as Record<string | number, AttributeValue | undefined>;
    const existing = slot[last];
    if (section.type === 'remove') {
      if (Array.isArray(container)) container.splice(last as number, 1);
      else delete slot[last];
    } else if (section.type === 'set') {
      slot[last] = values[i];
    } else if (section.type === 'add') {
      const value = section.val as AttributeValue;
      if (existing && Object.keys(existing)[0] !== section.attrType) throw new StubValidationError('An operand in the update expression has an incorrect data type');
      if (section.attrType !== 'N') throw new StubValidationError(`the stub store ADDs numbers only, not ${section.attrType ?? 'a value'} sets`);
      slot[last] = { N: new Big((existing?.N as string | undefined) ?? '0').plus(value.N as string).toFixed() };
    } else {
      throw new StubValidationError('the stub store does not apply DELETE (from a set)');
    }
  });
  return item;
}

/** A SET's value: a path, a value, `a + b`, `a - b`, if_not_exists(path, v), list_append(a, b). */
function resolve(value: unknown, item: Item): AttributeValue {
  if (Array.isArray(value)) {
    const found = dynaliteDb.mapPath(value as Path, item);
    if (!found) throw new StubValidationError('The provided expression refers to an attribute that does not exist in the item');
    return found;
  }
  const node = value as ParsedExpression & AttributeValue;
  if (node.type === 'add' || node.type === 'subtract') {
    const [a, b] = (node.args ?? []).map((arg) => resolve(arg, item));
    if (typeof a?.N !== 'string' || typeof b?.N !== 'string') throw new StubValidationError('An operand in the update expression has an incorrect data type');
    return { N: node.type === 'add' ? new Big(a.N).plus(b.N).toFixed() : new Big(a.N).minus(b.N).toFixed() };
  }
  if (node.type === 'function' && node.name === 'if_not_exists') {
    const [path, fallback] = node.args ?? [];
    return dynaliteDb.mapPath(path as Path, item) ?? resolve(fallback, item);
  }
  if (node.type === 'function' && node.name === 'list_append') {
    const [a, b] = (node.args ?? []).map((arg) => resolve(arg, item));
    if (!Array.isArray(a?.L) || !Array.isArray(b?.L)) throw new StubValidationError('An operand in the update expression has an incorrect data type');
    return { L: [...(a.L as AttributeValue[]), ...(b.L as AttributeValue[])] };
  }
  if (node.type === 'function') throw new StubValidationError(`the stub store does not apply ${node.name ?? 'this function'} in an update`);
  return node;
}

/** Whether an item has an entry in an index: it carries the index's key attributes. */
function inIndex(index: GlobalIndex, item: Item | undefined): item is Item {
  return item !== undefined && item[index.partitionKey.name] !== undefined && (!index.sortKey || item[index.sortKey.name] !== undefined);
}

/** The write units an index's entry costs for a write: its put, its delete, or both when its key changes; none when unchanged. */
function indexWriteUnits(index: GlobalIndex, old: Item | undefined, item: Item | undefined): number {
  const before = inIndex(index, old) ? old : undefined;
  const after = inIndex(index, item) ? item : undefined;
  if (!before && !after) return 0;
  if (!before) return writeUnits(after);
  if (!after) return writeUnits(before);
  const keys = [index.partitionKey.name, ...(index.sortKey ? [index.sortKey.name] : [])];
  if (keys.some((name) => JSON.stringify(before[name]) !== JSON.stringify(after[name]))) return writeUnits(before) + writeUnits(after);
  return JSON.stringify(before) === JSON.stringify(after) ? 0 : writeUnits(after);
}

/** cloudtap's tables are named `<prefix>-<id>` (src/store/tables.ts). */
function tableDefinition(table: string): TableDefinition {
  const id = TABLE_IDS.find((candidate) => table.endsWith(`-${candidate}`));
  if (!id) throw new StubValidationError(`Requested resource not found: the stub store has no table ${table}`);
  return TABLES[id];
}

/** A key attribute's value as a string (S, or N as written); other types cannot be keys. */
function scalar(value: AttributeValue | undefined): string {
  if (value === undefined) return '';
  if (typeof value.S === 'string') return value.S;
  if (typeof value.N === 'string') return value.N;
  return JSON.stringify(value);
}

/** Two key values in DynamoDB's order: numbers by value, strings by their UTF-8 bytes. */
function compareKeyValues(a: AttributeValue | undefined, b: AttributeValue | undefined): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? -1 : 1;
  if (typeof a.N === 'string' && typeof b.N === 'string') return Math.sign(Number(a.N) - Number(b.N));
  return Buffer.compare(Buffer.from(scalar(a)), Buffer.from(scalar(b)));
}

/** Items' (or a start key's) order in a query: the sort key, then the table's keys (an index's sort keys may repeat). */
function compareOrder(a: Item, b: Item, definition: TableDefinition, sortKey: KeyAttribute | undefined): number {
  for (const name of [sortKey?.name, definition.partitionKey.name, definition.sortKey.name]) {
    if (name === undefined) continue;
    const order = compareKeyValues(a[name], b[name]);
    if (order !== 0) return order;
  }
  return 0;
}

function keyOf(item: Item, definition: TableDefinition, index?: GlobalIndex): Item {
  const names = [definition.partitionKey.name, definition.sortKey.name, ...(index ? [index.partitionKey.name, ...(index.sortKey ? [index.sortKey.name] : [])] : [])];
  return Object.fromEntries(names.filter((name) => item[name] !== undefined).map((name) => [name, item[name] as AttributeValue]));
}

function project(item: Item, parsed: Parsed): Item {
  return parsed._projection ? dynaliteDb.mapPaths(parsed._projection.paths, item) : item;
}
