import { RunLedger } from './occurrences';
import type { TapEvent } from '../dto/tap-event';
import type { Database } from '../store/dynamo';
import type { StoredEvent } from '../store/event-store';
import { Expressions, emptyReadStats, readPages, type ReadStats, type StoreRead } from '../store/read-pages';
import { RunStore } from '../store/run-store';

/**
 * The events' read side. Every event leaves here through `RunLedger.view`: a stored open event's `count` and
 * `lastTime` are only final up to its `countedThrough`, and the ledger adds the runs since.
 */

export type EventStateFilter = 'open' | 'cleared' | 'all';

/** What to list; every field given must hold. */
export interface EventQuery {
  state: EventStateFilter;
  /** Severity this or more severe (1 most severe … 5 OK). */
  maxSeverity?: number;
  group?: string;
  accountId?: string;
  rule?: string;
}

/** The events a query selects, as an operator sees them (count and last time brought up to date). */
export async function listEvents(db: Database, query: EventQuery, stats: ReadStats = emptyReadStats()): Promise<TapEvent[]> {
  const stored: StoredEvent[] = [];
  for (const read of eventReads(db.tables.events, query)) {
    for await (const item of readPages(db, read, stats)) stored.push(item as unknown as StoredEvent);
  }
  return viewEvents(db, stored);
}

/** One event as an operator sees it, or undefined when there is none with that id. */
export async function eventById(db: Database, eventId: string): Promise<TapEvent | undefined> {
  const output = await db.client.get({ TableName: db.tables.events, Key: { pk: eventId, sk: 'EVENT' } });
  if (!output.Item) return undefined;
  const [event] = await viewEvents(db, [output.Item as StoredEvent]);
  return event;
}

/** The one way stored events become what an operator reads: through the run ledger's view. */
export async function viewEvents(db: Database, stored: readonly StoredEvent[]): Promise<TapEvent[]> {
  const ledger = await RunLedger.covering(stored, new RunStore(db));
  return stored.map((event) => ledger.view(event));
}

/**
 * The Queries that answer an event query: by account, else by group (each sorted by state, so the open ones
 * are read without the cleared ones), else by state and severity. `all` states by state reads both states.
 */
export function eventReads(table: string, query: EventQuery): StoreRead[] {
  const states = query.state === 'all' ? undefined : [query.state];
  if (query.accountId !== undefined) return [stateSortedRead(table, 'byAccount', 'accountId', query.accountId, states?.[0], query)];
  if (query.group !== undefined) return [stateSortedRead(table, 'byGroup', 'eventGroup', query.group, states?.[0], query)];
  return (states ?? ['open', 'cleared']).map((state) => {
    const expressions = new Expressions();
    const conditions = [`${expressions.name('state')} = ${expressions.value(state)}`];
    if (query.maxSeverity !== undefined) conditions.push(`${expressions.name('severity')} <= ${expressions.value(query.maxSeverity)}`);
    return read(table, 'byState', conditions, residualFilters(expressions, query, { severity: true }), expressions);
  });
}

function stateSortedRead(table: string, index: string, keyAttribute: string, keyValue: string, state: string | undefined, query: EventQuery): StoreRead {
  const expressions = new Expressions();
  const conditions = [`${expressions.name(keyAttribute)} = ${expressions.value(keyValue)}`];
  if (state) conditions.push(`${expressions.name('state')} = ${expressions.value(state)}`);
  return read(table, index, conditions, residualFilters(expressions, query, { group: index === 'byGroup' }), expressions);
}

function read(table: string, index: string, conditions: string[], filters: string[], expressions: Expressions): StoreRead {
  return {
    query: {
      TableName: table,
      IndexName: index,
      KeyConditionExpression: conditions.join(' AND '),
      ...(filters.length > 0 ? { FilterExpression: filters.join(' AND ') } : {}),
      ...expressions.attributes(),
    },
  };
}

/** Filters for what a read's key does not settle (the account is always a key when given). */
function residualFilters(expressions: Expressions, query: EventQuery, covered: { severity?: boolean; group?: boolean }): string[] {
  const filters: string[] = [];
  if (query.maxSeverity !== undefined && !covered.severity) filters.push(`${expressions.name('severity')} <= ${expressions.value(query.maxSeverity)}`);
  if (query.group !== undefined && !covered.group) filters.push(`${expressions.name('group')} = ${expressions.value(query.group)}`);
  if (query.rule !== undefined) filters.push(`${expressions.name('rule')} = ${expressions.value(query.rule)}`);
  return filters;
}
