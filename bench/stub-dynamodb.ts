/**
 * A DynamoDB held in memory that answers at once: it keeps what is written (PutItem, BatchWriteItem, the SET
 * and REMOVE of UpdateItem) and answers GetItem and Query from it. For measuring the collect handler itself (its
 * calls to AWS, its memory) on a first run and on an unchanged re-run, at sizes the embedded store could not
 * absorb within the bench's budget.
 *
 * Conditions are not evaluated: every write succeeds, which is what a first run (nothing stored) and an unchanged
 * re-run (nothing written but the task's record) see of them. Expressions are understood as far as cloudtap's
 * stores write them; anything else is refused by name, so a store that changes cannot be measured against a
 * stub that silently misreads it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TABLES, TABLE_IDS, type TableDefinition } from '../src/store/tables';

type AttributeValue = Record<string, unknown>;
type Item = Record<string, AttributeValue>;

interface Expressions {
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Item;
}

/** A request the stub does not understand: answered as DynamoDB answers a bad request. */
class StubValidationError extends Error {}

/** A DynamoDB query reads at most 1 MB of items per page. */
const PAGE_BYTES = 1024 * 1024;

export interface StubDynamoDb {
  endpoint: string;
  /** Requests answered, by operation. */
  requests: Record<string, number>;
  /** Items held, all tables together. */
  items(): number;
  close(): Promise<void>;
}

export async function startStubDynamoDb(): Promise<StubDynamoDb> {
  const requests: Record<string, number> = {};
  const store = new MemoryTables();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const operation = String(request.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
      requests[operation] = (requests[operation] ?? 0) + 1;
      let status = 200;
      let body: unknown;
      try {
        body = store.answer(operation, JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
      } catch (error) {
        if (!(error instanceof StubValidationError)) throw error;
        status = 400;
        body = { __type: 'com.amazon.coral.validate#ValidationException', message: error.message };
      }
      response.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.0', 'x-amzn-RequestId': 'stub' });
      response.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    items: () => store.size(),
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

class MemoryTables {
  /** Table name → partition key value → sort key value → item. */
  private readonly tables = new Map<string, Map<string, Map<string, Item>>>();
  /** Sorted query results by table, index and partition value; a write to the table drops its entries. */
  private readonly sorted = new Map<string, Map<string, Item[]>>();

  size(): number {
    let count = 0;
    for (const table of this.tables.values()) for (const partition of table.values()) count += partition.size;
    return count;
  }

  answer(operation: string, input: Record<string, unknown>): unknown {
    switch (operation) {
      case 'PutItem':
        this.put(input.TableName as string, input.Item as Item);
        return {};
      case 'UpdateItem':
        this.update(input as unknown as { TableName: string; Key: Item; UpdateExpression: string } & Expressions);
        return {};
      case 'DeleteItem':
        this.remove(input.TableName as string, input.Key as Item);
        return {};
      case 'GetItem': {
        const { TableName, Key } = input as { TableName: string; Key: Item };
        const item = this.partitionOf(TableName, Key).get(this.sortValue(TableName, Key));
        return item ? { Item: project(item, input as Expressions & { ProjectionExpression?: string }) } : {};
      }
      case 'BatchWriteItem':
        for (const [table, writes] of Object.entries(input.RequestItems as Record<string, { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }[]>)) {
          for (const write of writes) {
            if (write.PutRequest) this.put(table, write.PutRequest.Item);
            else if (write.DeleteRequest) this.remove(table, write.DeleteRequest.Key);
          }
        }
        return { UnprocessedItems: {} };
      case 'Query':
        return this.query(input as unknown as QueryInput);
      default:
        throw new StubValidationError(`the stub store does not answer ${operation || 'a request without X-Amz-Target'}`);
    }
  }

  private put(table: string, item: Item): void {
    this.partitionOf(table, item).set(this.sortValue(table, item), item);
    this.sorted.delete(table);
  }

  private remove(table: string, key: Item): void {
    this.partitionOf(table, key).delete(this.sortValue(table, key));
    this.sorted.delete(table);
  }

  /** SET `path = :v`, `path = if_not_exists(path, :v)`, either `+ :n`; REMOVE a list of paths. */
  private update(input: { TableName: string; Key: Item; UpdateExpression: string } & Expressions): void {
    const partition = this.partitionOf(input.TableName, input.Key);
    const sort = this.sortValue(input.TableName, input.Key);
    const item: Item = { ...(partition.get(sort) ?? input.Key) };
    const sections = /^\s*SET\s+(.*?)(?:\s+REMOVE\s+(.*))?\s*$/is.exec(input.UpdateExpression);
    if (!sections) throw new StubValidationError(`the stub store does not understand the update "${input.UpdateExpression}"`);
    for (const assignment of splitTopLevel(sections[1] ?? '')) {
      const match = /^(\S+)\s*=\s*(?:if_not_exists\(\s*(\S+?)\s*,\s*(:\w+)\s*\)|(:\w+))(?:\s*\+\s*(:\w+))?$/.exec(assignment);
      if (!match) throw new StubValidationError(`the stub store does not understand the assignment "${assignment}"`);
      const [, target = '', existing, fallback, plain, addend] = match;
      const name = attributeName(target, input);
      let value = existing !== undefined ? (item[attributeName(existing, input)] ?? valueOf(fallback ?? '', input)) : valueOf(plain ?? '', input);
      if (addend) value = { N: String(Number(value.N) + Number(valueOf(addend, input).N)) };
      item[name] = value;
    }
    for (const path of splitTopLevel(sections[2] ?? '')) delete item[attributeName(path, input)];
    partition.set(sort, item);
    this.sorted.delete(input.TableName);
  }

  private query(input: QueryInput): unknown {
    const definition = tableDefinition(input.TableName);
    const index = input.IndexName ? definition.globalIndexes.find((i) => i.name === input.IndexName) : undefined;
    if (input.IndexName && !index) throw new StubValidationError(`${input.TableName} has no index ${input.IndexName}`);
    const keys = index ?? definition;
    const condition = /^\s*(\S+)\s*=\s*(:\w+)\s*(?:AND\s+(?:begins_with\(\s*(\S+?)\s*,\s*(:\w+)\s*\)|(\S+)\s*(<=|>=|<|>|=)\s*(:\w+)))?\s*$/i.exec(input.KeyConditionExpression);
    if (!condition || attributeName(condition[1] ?? '', input) !== keys.partitionKey.name) {
      throw new StubValidationError(`the stub store does not understand the key condition "${input.KeyConditionExpression}"`);
    }
    const partitionValue = scalar(valueOf(condition[2] ?? '', input));
    const sortName = keys.sortKey?.name;
    const sortTest = condition[3]
      ? { op: 'begins_with', value: scalar(valueOf(condition[4] ?? '', input)) }
      : condition[5] ? { op: condition[6] ?? '=', value: scalar(valueOf(condition[7] ?? '', input)) } : undefined;
    const filters = (input.FilterExpression ? input.FilterExpression.split(/\s+AND\s+/i) : []).map((term) => {
      const equality = /^\s*(\S+)\s*=\s*(:\w+)\s*$/.exec(term);
      if (!equality) throw new StubValidationError(`the stub store does not understand the filter "${term}"`);
      return { name: attributeName(equality[1] ?? '', input), value: scalar(valueOf(equality[2] ?? '', input)) };
    });

    let items = this.sortedItems(input.TableName, definition, index?.name, partitionValue);
    if (input.ScanIndexForward === false) items = [...items].reverse();
    let start = 0;
    if (input.ExclusiveStartKey) {
      const after = orderOf(input.ExclusiveStartKey, definition, sortName);
      const forward = input.ScanIndexForward !== false;
      start = items.findIndex((item) => (forward ? compareOrder(orderOf(item, definition, sortName), after) > 0 : compareOrder(orderOf(item, definition, sortName), after) < 0));
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
      bytes += JSON.stringify(item).length;
      if (sortTest && !sortMatches(item[sortName ?? ''], sortTest)) continue;
      if (filters.some((f) => scalar(item[f.name]) !== f.value)) continue;
      page.push(project(item, input));
    }
    const last = next < items.length && next > start ? items[next - 1] : undefined;
    return {
      Items: page, Count: page.length, ScannedCount: evaluated,
      ...(last ? { LastEvaluatedKey: keyOf(last, definition, index) } : {}),
    };
  }

  private sortedItems(table: string, definition: TableDefinition, indexName: string | undefined, partitionValue: string): Item[] {
    let byQuery = this.sorted.get(table);
    if (!byQuery) this.sorted.set(table, (byQuery = new Map()));
    const cacheKey = `${indexName ?? ''}\u0000${partitionValue}`;
    let items = byQuery.get(cacheKey);
    if (items) return items;
    const index = indexName ? definition.globalIndexes.find((i) => i.name === indexName) : undefined;
    if (!index) {
      items = [...(this.tables.get(table)?.get(partitionValue)?.values() ?? [])];
    } else {
      items = [];
      for (const partition of this.tables.get(table)?.values() ?? []) {
        for (const item of partition.values()) {
          if (scalar(item[index.partitionKey.name]) === partitionValue && (!index.sortKey || item[index.sortKey.name] !== undefined)) items.push(item);
        }
      }
    }
    const sortName = index ? index.sortKey?.name : definition.sortKey.name;
    items.sort((a, b) => compareOrder(orderOf(a, definition, sortName), orderOf(b, definition, sortName)));
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

interface QueryInput extends Expressions {
  TableName: string;
  IndexName?: string;
  KeyConditionExpression: string;
  FilterExpression?: string;
  ProjectionExpression?: string;
  ExclusiveStartKey?: Item;
  ScanIndexForward?: boolean;
  Limit?: number;
}

/** cloudtap's tables are named `<prefix>-<id>` (src/store/tables.ts). */
function tableDefinition(table: string): TableDefinition {
  const id = TABLE_IDS.find((candidate) => table.endsWith(`-${candidate}`));
  if (!id) throw new StubValidationError(`the stub store has no table ${table}`);
  return TABLES[id];
}

function attributeName(token: string, input: Expressions): string {
  if (!token.startsWith('#')) return token;
  const name = input.ExpressionAttributeNames?.[token];
  if (name === undefined) throw new StubValidationError(`ExpressionAttributeNames has no ${token}`);
  return name;
}

function valueOf(token: string, input: Expressions): AttributeValue {
  const value = input.ExpressionAttributeValues?.[token];
  if (value === undefined) throw new StubValidationError(`ExpressionAttributeValues has no ${token}`);
  return value;
}

/** A key attribute's value as a string (S, or N as written); other types cannot be keys. */
function scalar(value: AttributeValue | undefined): string {
  if (value === undefined) return '';
  if (typeof value.S === 'string') return value.S;
  if (typeof value.N === 'string') return value.N;
  return JSON.stringify(value);
}

function sortMatches(value: AttributeValue | undefined, test: { op: string; value: string }): boolean {
  const actual = scalar(value);
  switch (test.op) {
    case 'begins_with': return actual.startsWith(test.value);
    case '<': return actual < test.value;
    case '<=': return actual <= test.value;
    case '>': return actual > test.value;
    case '>=': return actual >= test.value;
    default: return actual === test.value;
  }
}

/** An item's place in a query's order: the index's sort key, then the table's keys (unique). */
function orderOf(item: Item, definition: TableDefinition, sortName: string | undefined): string[] {
  return [sortName ? scalar(item[sortName]) : '', scalar(item[definition.partitionKey.name]), scalar(item[definition.sortKey.name])];
}

function compareOrder(a: string[], b: string[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? '';
    const y = b[i] ?? '';
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

function keyOf(item: Item, definition: TableDefinition, index: TableDefinition['globalIndexes'][number] | undefined): Item {
  const names = [definition.partitionKey.name, definition.sortKey.name, ...(index ? [index.partitionKey.name, ...(index.sortKey ? [index.sortKey.name] : [])] : [])];
  return Object.fromEntries(names.filter((name) => item[name] !== undefined).map((name) => [name, item[name] as AttributeValue]));
}

function project(item: Item, input: Expressions & { ProjectionExpression?: string }): Item {
  if (!input.ProjectionExpression) return item;
  const projected: Item = {};
  for (const path of splitTopLevel(input.ProjectionExpression)) {
    if (/[.[]/.test(path)) throw new StubValidationError(`the stub store projects top-level attributes only, not "${path}"`);
    const name = attributeName(path, input);
    if (item[name] !== undefined) projected[name] = item[name] as AttributeValue;
  }
  return projected;
}

/** Splits on the commas outside parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '(') depth++;
    if (char === ')') depth--;
    if (char === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else current += char;
  }
  if (current.trim()) parts.push(current.trim());
  return parts;
}
