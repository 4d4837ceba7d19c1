import type { Acknowledgement, Severity, TapEvent, TypeName } from '../dto/tap-event';
import { batchGet, conditionalWrite, queryItems, scanItems, type Database } from './dynamo';
import { eventIndexAttributes, notifyPendingKey } from './tables';
import type { Observation } from './resource-store';

/**
 * An event as stored. `count` and `lastTime` are materialized up to the observation `countedThroughSeq`; every
 * later finished run that collected the event's partition completely (and so saw the condition still holding)
 * adds one more occurrence (`RunLedger`). A steady-state run therefore writes nothing for conditions that
 * persist, and a run that never finished (killed, timed out) counts nothing.
 */
export interface StoredEvent extends TapEvent {
  pk: string;
  sk: 'EVENT';
  countedThroughSeq: number;
  /** The observation that last cleared the event: only a newer one may reopen it. */
  clearedSeq?: number;
  /** While a notification is pending (the outbox, events.byNotify): set by every open and clear, removed by the notifier. */
  notify?: string;
  /** The last notification sent for the event (src/notify): a resolve is sent only after a trigger. */
  notified?: { action: 'trigger' | 'resolve'; at: string; severity: Severity; routes: string[] };
  /** A threshold alarm a silence withheld (the first of the silence): published, if still due, when the silence ends. */
  alarmWithheld?: string;
  /**
   * Every transition, oldest first, written by the same update as the transition itself: a transition and its
   * history entry cannot be separated.
   */
  transitions: EventHistoryEntry[];
}

export interface EventHistoryEntry {
  time: string;
  /**
   * `silenced`: a notification was withheld by a silence; `notified`: a notification was sent (trigger or resolve);
   * `flapping` / `settled`: the event started or stopped flapping.
   */
  /** `changed`: an open event's severity changed (a CPU WARNING that became CRITICAL), with its new text. */
  transition: 'opened' | 'reopened' | 'changed' | 'cleared' | 'acknowledged' | 'silenced' | 'notified' | 'flapping' | 'settled';
  /** The event's severity after the transition (an acknowledgement changes none). */
  severity?: Severity;
  text: string;
  seq?: number;
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
   * Opens an event, or reopens one that an older observation cleared. Returns the transition, or undefined when
   * it was open already (a retried task, an overlapping run): the condition then counts once. One write.
   *
   * A run's observation is counted when the run finishes (the ledger counts every finished run after
   * `countedThroughSeq`), so that a run that never finishes counts nothing; a real-time observation (`counted`)
   * has no run to finish and counts at once.
   */
  async open(event: NewEvent, at: Observation, options: { counted?: boolean } = {}): Promise<'opened' | 'reopened' | undefined> {
    const entry: EventHistoryEntry = { time: at.time, transition: 'opened', severity: event.severity, text: event.text, seq: at.seq, runId: at.runId };
    const indexed = eventIndexAttributes(event);
    const output = await conditionalWrite(this.db, () => this.db.client.update({
      TableName: this.table,
      Key: { pk: event.id, sk: 'EVENT' },
      UpdateExpression: [
        'SET #class = :class, ems = :ems, #rule = :rule, #group = :group, typeNames = :typeNames, severity = :severity,',
        '#state = :open, #text = :text, #partition = :partition, resourceId = :resourceId, id = :id, accountId = :account,',
        indexed.eventGroup ? 'eventGroup = :eventGroup,' : '',
        'firstTime = if_not_exists(firstTime, :t), lastTime = if_not_exists(lastTime, :t), countedThroughSeq = :counted,',
        `#count = if_not_exists(#count, :zero)${options.counted ? ' + :one' : ''},`,
        'transitions = list_append(if_not_exists(transitions, :none), :entry), #notify = :notify',
        `REMOVE acknowledged${indexed.eventGroup ? '' : ', eventGroup'}`,
      ].join(' '),
      ConditionExpression: 'attribute_not_exists(pk) OR (#state = :cleared AND clearedSeq < :seq)',
      ExpressionAttributeNames: {
        '#class': 'class', '#rule': 'rule', '#group': 'group', '#state': 'state', '#text': 'text', '#partition': 'partition', '#count': 'count',
        '#notify': 'notify',
      },
      ExpressionAttributeValues: {
        ':class': event.class, ':ems': event.ems, ':rule': event.rule, ':group': event.group, ':typeNames': event.typeNames,
        ':severity': event.severity, ':open': 'open', ':cleared': 'cleared', ':text': event.text, ':partition': event.partition,
        ':resourceId': event.resourceId, ':id': event.id, ':account': indexed.accountId, ':t': at.time, ':seq': at.seq,
        ':counted': options.counted ? at.seq : at.seq - 1, ':zero': 0, ':none': [], ':entry': [entry], ':notify': notifyPendingKey(event.id),
        ...(options.counted ? { ':one': 1 } : {}),
        ...(indexed.eventGroup ? { ':eventGroup': indexed.eventGroup } : {}),
      },
      ReturnValues: 'UPDATED_OLD',
    }));
    if (!output) return undefined;
    return output.Attributes?.state === 'cleared' ? 'reopened' : 'opened';
  }

  /** A real-time observation of a condition that is still open: one more occurrence, counted at once. */
  async recordOccurrence(event: StoredEvent, materialized: { count: number; lastTime: string }, at: Observation): Promise<boolean> {
    const written = await conditionalWrite(this.db, () => this.db.client.update({
      TableName: this.table,
      Key: { pk: event.id, sk: 'EVENT' },
      UpdateExpression: 'SET #count = :count, lastTime = :t, countedThroughSeq = :seq',
      ConditionExpression: '#state = :open AND countedThroughSeq < :seq',
      ExpressionAttributeNames: { '#state': 'state', '#count': 'count' },
      ExpressionAttributeValues: { ':open': 'open', ':count': materialized.count + 1, ':t': at.time, ':seq': at.seq },
    }));
    return written !== undefined;
  }

  /**
   * Clears an open event: severity 5, the OK text, its occurrences materialized, the transition recorded, in one
   * write. Never deletes it. An event a newer observation counted stays open.
   */
  async clear(event: StoredEvent, materialized: { count: number; firstTime: string; lastTime: string }, okText: string, at: Observation): Promise<boolean> {
    const entry: EventHistoryEntry = { time: at.time, transition: 'cleared', severity: 5, text: okText, seq: at.seq, runId: at.runId };
    const written = await conditionalWrite(this.db, () => this.db.client.update({
      TableName: this.table,
      Key: { pk: event.id, sk: 'EVENT' },
      UpdateExpression: [
        'SET #state = :cleared, severity = :ok, #text = :text, clearedAt = :t, clearedSeq = :seq, #count = :count,',
        'firstTime = :first, lastTime = :last, countedThroughSeq = :seq, transitions = list_append(if_not_exists(transitions, :none), :entry),',
        '#notify = :notify',
      ].join(' '),
      ConditionExpression: '#state = :open AND countedThroughSeq < :seq',
      ExpressionAttributeNames: { '#state': 'state', '#text': 'text', '#count': 'count', '#notify': 'notify' },
      ExpressionAttributeValues: {
        ':cleared': 'cleared', ':open': 'open', ':ok': 5, ':text': okText, ':t': at.time, ':seq': at.seq, ':notify': notifyPendingKey(event.id),
        ':count': materialized.count, ':first': materialized.firstTime, ':last': materialized.lastTime, ':none': [], ':entry': [entry],
      },
    }));
    return written !== undefined;
  }

  /**
   * Moves an open event to the severity its condition now has (a CPU WARNING that became CRITICAL, or back), with the
   * finding's text (its value), records the change in its history (`changed`) and puts it in the outbox (a route may
   * match the new severity only). One conditional write: only while the event is open at the severity it was read
   * with (of two overlapping runs, the first to write wins; the next run sets it right). Its count is untouched: the
   * run ledger goes on counting the open event.
   */
  async changeSeverity(event: NewEvent, from: Severity, at: Observation): Promise<boolean> {
    const entry: EventHistoryEntry = { time: at.time, transition: 'changed', severity: event.severity, text: event.text, seq: at.seq, runId: at.runId };
    const written = await conditionalWrite(this.db, () => this.db.client.update({
      TableName: this.table,
      Key: { pk: event.id, sk: 'EVENT' },
      UpdateExpression: 'SET severity = :severity, #text = :text, transitions = list_append(if_not_exists(transitions, :none), :entry), #notify = :notify',
      ConditionExpression: '#state = :open AND severity = :from',
      ExpressionAttributeNames: { '#state': 'state', '#text': 'text', '#notify': 'notify' },
      ExpressionAttributeValues: {
        ':severity': event.severity, ':text': event.text, ':open': 'open', ':from': from, ':none': [], ':entry': [entry],
        ':notify': notifyPendingKey(event.id),
      },
    }));
    return written !== undefined;
  }

  async acknowledge(eventId: string, ack: Acknowledgement): Promise<StoredEvent> {
    const output = await conditionalWrite(this.db, () => this.db.client.update({
      TableName: this.table,
      Key: { pk: eventId, sk: 'EVENT' },
      UpdateExpression: 'SET acknowledged = :ack, transitions = list_append(if_not_exists(transitions, :none), :entry)',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: {
        ':ack': ack, ':none': [],
        ':entry': [{ time: ack.at, transition: 'acknowledged', note: ack.note, text: `acknowledged by ${ack.by}` } satisfies EventHistoryEntry],
      },
      ReturnValues: 'ALL_NEW',
    }));
    if (!output) throw new Error(`no event with id ${eventId}; list them with: cloudtap events --state all`);
    return output.Attributes as unknown as StoredEvent;
  }

  /**
   * How many events are open, by severity: one COUNT query of the byState index per severity (it examines only the
   * open events, and returns no items).
   */
  async countOpenBySeverity(): Promise<Record<Severity, number>> {
    const counts = { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 } as Record<Severity, number>;
    for (const severity of [1, 2, 3, 4, 5] as Severity[]) {
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await this.db.client.query({
          TableName: this.table, IndexName: 'byState', Select: 'COUNT',
          KeyConditionExpression: '#state = :open AND severity = :severity',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':open': 'open', ':severity': severity },
          ExclusiveStartKey: startKey,
        });
        counts[severity] += page.Count ?? 0;
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    }
    return counts;
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

  /** Every transition of an event, oldest first; an opening after a clear reads as `reopened`. */
  async history(eventId: string): Promise<(EventHistoryEntry & { eventId: string })[]> {
    const event = await this.get(eventId);
    let opened = false;
    return (event?.transitions ?? []).map((entry) => {
      const transition = entry.transition === 'opened' && opened ? 'reopened' : entry.transition;
      if (entry.transition === 'opened') opened = true;
      return { eventId, ...entry, transition };
    });
  }

  /** The events among `ids` that exist and are open, read from the table itself (an index entry may be stale). */
  async openAmong(ids: readonly string[]): Promise<Set<string>> {
    const items = await batchGet(this.db, this.table, ids.map((id) => ({ pk: id, sk: 'EVENT' })), { expression: 'pk, #state', names: { '#state': 'state' } });
    return new Set(items.filter((item) => item.state === 'open').map((item) => item.pk as string));
  }

  async *scan(): AsyncGenerator<StoredEvent> {
    const items = scanItems(this.db, { TableName: this.table, FilterExpression: 'sk = :event', ExpressionAttributeValues: { ':event': 'EVENT' } });
    for await (const item of items) yield item as unknown as StoredEvent;
  }
}
