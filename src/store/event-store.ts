import type { Acknowledgement, Severity, TapEvent, TypeName } from '../events/tap-event';
import { conditionalWrite, queryItems, scanItems, type Database } from './dynamo';

/**
 * An event as stored. `count` and `lastTime` are materialized up to `countedThrough`; every later run that
 * collected the event's partition completely (and so saw the condition still holding) adds one more
 * occurrence. A steady-state run therefore writes nothing for conditions that persist.
 */
export interface StoredEvent extends TapEvent {
  pk: string;
  sk: 'EVENT';
  countedThrough: string;
  /**
   * The first opening, kept on the event itself so that opening costs one write; `history` lists it first.
   * (Events opened before it was kept here have an `opened` history item instead.)
   */
  opened?: Opening;
}

/** When and by which run an event was first opened, with its severity and text then. */
export interface Opening {
  time: string;
  runId: string;
  severity: Severity;
  text: string;
}

export interface EventHistoryEntry {
  eventId: string;
  time: string;
  transition: 'opened' | 'reopened' | 'cleared' | 'acknowledged' | 'observed';
  severity: Severity;
  text: string;
  runId?: string;
  note?: string;
}

export interface NewEvent {
  id: string;
  class: string;
  ems: string;
  rule: string;
  group: string | null;
  typeNames: TypeName[];
  severity: Severity;
  text: string;
  partition: string;
  resourceId: string;
}

export class EventStore {
  constructor(private readonly db: Database) {}

  private get table(): string {
    return this.db.tables.events;
  }

  /** Open events whose condition the collection of `partition` observes. */
  async openEventsOf(partition: string): Promise<Map<string, StoredEvent>> {
    const open = new Map<string, StoredEvent>();
    for await (const item of this.queryOpen(partition)) open.set(item.pk as string, item as unknown as StoredEvent);
    return open;
  }

  /** The ids of those events, one page at a time: a region's are tens of thousands, ~1.5 KB each as items. */
  async *openEventIdsOf(partition: string): AsyncGenerator<string> {
    for await (const item of this.queryOpen(partition, 'pk')) yield item.pk as string;
  }

  private queryOpen(partition: string, projection?: string): AsyncGenerator<Record<string, unknown>> {
    return queryItems(this.db, {
      TableName: this.table,
      IndexName: 'byPartition',
      KeyConditionExpression: '#partition = :p',
      FilterExpression: '#state = :open',
      ...(projection ? { ProjectionExpression: projection } : {}),
      ExpressionAttributeNames: { '#partition': 'partition', '#state': 'state' },
      ExpressionAttributeValues: { ':p': partition, ':open': 'open' },
    });
  }

  /**
   * Opens an event, or reopens a cleared one (count + 1). Returns the transition, or undefined when it
   * was already open (a retried task, or an overlapping run): the condition then counts once. A first
   * opening is one write (the event carries it); a reopening also appends a history item.
   */
  async open(event: NewEvent, time: string, runId: string, countedThrough = time): Promise<'opened' | 'reopened' | undefined> {
    const output = await conditionalWrite(this.db, () => this.db.client.update({
      TableName: this.table,
      Key: { pk: event.id, sk: 'EVENT' },
      UpdateExpression: [
        'SET #class = :class, ems = :ems, #rule = :rule, #group = :group, typeNames = :typeNames, severity = :severity,',
        '#state = :open, #text = :text, #partition = :partition, resourceId = :resourceId, id = :id,',
        'firstTime = if_not_exists(firstTime, :t), lastTime = :t, countedThrough = :counted,',
        '#count = if_not_exists(#count, :zero) + :one, opened = if_not_exists(opened, :opening) REMOVE acknowledged, clearedAt',
      ].join(' '),
      ConditionExpression: 'attribute_not_exists(pk) OR (#state = :cleared AND lastTime < :t)',
      ExpressionAttributeNames: {
        '#class': 'class', '#rule': 'rule', '#group': 'group', '#state': 'state', '#text': 'text', '#partition': 'partition', '#count': 'count',
      },
      ExpressionAttributeValues: {
        ':class': event.class, ':ems': event.ems, ':rule': event.rule, ':group': event.group, ':typeNames': event.typeNames,
        ':severity': event.severity, ':open': 'open', ':cleared': 'cleared', ':text': event.text, ':partition': event.partition,
        ':resourceId': event.resourceId, ':id': event.id, ':t': time, ':counted': countedThrough, ':zero': 0, ':one': 1,
        ':opening': { time, runId, severity: event.severity, text: event.text } satisfies Opening,
      },
      ReturnValues: 'UPDATED_OLD',
    }));
    if (!output) return undefined;
    if (output.Attributes?.state !== 'cleared') return 'opened';
    await this.appendHistory({ eventId: event.id, time, transition: 'reopened', severity: event.severity, text: event.text, runId });
    return 'reopened';
  }

  /** A real-time observation of a condition that is still open: one more occurrence, lastTime moves forward only. */
  async recordOccurrence(event: StoredEvent, materialized: { count: number; lastTime: string }, time: string, countedThrough = time): Promise<boolean> {
    const written = await conditionalWrite(this.db, () => this.db.client.update({
      TableName: this.table,
      Key: { pk: event.id, sk: 'EVENT' },
      UpdateExpression: 'SET #count = :count, lastTime = :t, countedThrough = :counted',
      ConditionExpression: '#state = :open AND countedThrough < :counted',
      ExpressionAttributeNames: { '#state': 'state', '#count': 'count' },
      // An observation older than the stored last time does not move it back.
      ExpressionAttributeValues: { ':open': 'open', ':count': materialized.count + 1, ':t': time > materialized.lastTime ? time : materialized.lastTime, ':counted': countedThrough },
    }));
    return written !== undefined;
  }

  /** Clears an open event: severity 5, the OK text, its occurrences materialized. Never deletes it. */
  async clear(event: StoredEvent, materialized: { count: number; lastTime: string }, okText: string, time: string, runId: string): Promise<boolean> {
    const written = await conditionalWrite(this.db, () => this.db.client.update({
      TableName: this.table,
      Key: { pk: event.id, sk: 'EVENT' },
      UpdateExpression: 'SET #state = :cleared, severity = :ok, #text = :text, clearedAt = :t, #count = :count, lastTime = :last, countedThrough = :t',
      ConditionExpression: '#state = :open AND countedThrough < :t',
      ExpressionAttributeNames: { '#state': 'state', '#text': 'text', '#count': 'count' },
      ExpressionAttributeValues: {
        ':cleared': 'cleared', ':open': 'open', ':ok': 5, ':text': okText, ':t': time,
        ':count': materialized.count, ':last': materialized.lastTime,
      },
    }));
    if (!written) return false;
    await this.appendHistory({ eventId: event.id, time, transition: 'cleared', severity: 5, text: okText, runId });
    return true;
  }

  async acknowledge(eventId: string, ack: Acknowledgement): Promise<StoredEvent> {
    const output = await conditionalWrite(this.db, () => this.db.client.update({
      TableName: this.table,
      Key: { pk: eventId, sk: 'EVENT' },
      UpdateExpression: 'SET acknowledged = :ack',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':ack': ack },
      ReturnValues: 'ALL_NEW',
    }));
    if (!output) throw new Error(`no event with id ${eventId}; list them with: cloudtap events --state all`);
    const event = output.Attributes as unknown as StoredEvent;
    await this.appendHistory({ eventId, time: ack.at, transition: 'acknowledged', severity: event.severity, text: event.text, note: ack.note });
    return event;
  }

  /** Every open event (the byState index). */
  async listOpen(): Promise<StoredEvent[]> {
    const open: StoredEvent[] = [];
    for await (const item of queryItems(this.db, {
      TableName: this.table,
      IndexName: 'byState',
      KeyConditionExpression: '#state = :open',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':open': 'open' },
    })) open.push(item as unknown as StoredEvent);
    return open;
  }

  async get(eventId: string): Promise<StoredEvent | undefined> {
    const output = await this.db.client.get({ TableName: this.table, Key: { pk: eventId, sk: 'EVENT' } });
    return output.Item as StoredEvent | undefined;
  }

  /** Every transition of an event, oldest first: its first opening (kept on the event), then the history items. */
  async history(eventId: string): Promise<EventHistoryEntry[]> {
    const entries: EventHistoryEntry[] = [];
    let opened: Opening | undefined;
    for await (const item of queryItems(this.db, { TableName: this.table, KeyConditionExpression: 'pk = :id', ExpressionAttributeValues: { ':id': eventId } })) {
      if (item.sk === 'EVENT') opened = (item as unknown as StoredEvent).opened;
      else entries.push(item as unknown as EventHistoryEntry);
    }
    return opened ? [{ eventId, transition: 'opened', ...opened }, ...entries] : entries;
  }

  async *scan(): AsyncGenerator<StoredEvent> {
    const items = scanItems(this.db, { TableName: this.table, FilterExpression: 'sk = :event', ExpressionAttributeValues: { ':event': 'EVENT' } });
    for await (const item of items) yield item as unknown as StoredEvent;
  }

  /** Keyed by time and transition: a retried transition lands on the same item. */
  private async appendHistory(entry: EventHistoryEntry): Promise<void> {
    await this.db.client.put({ TableName: this.table, Item: { pk: entry.eventId, sk: `H#${entry.time}#${entry.transition}`, ...entry } });
    this.db.countWrites(1);
  }
}
