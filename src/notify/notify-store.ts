import { batchGet, conditionalWrite, queryItems, type Database } from '../store/dynamo';
import { NOTIFY_SHARDS, notifyShardKey } from '../store/tables';
import type { StoredEvent } from '../store/event-store';
import type { Silence } from './silences';

/**
 * Silences (pk `SILENCE`, sk = silence id) and notification groups (pk `ROUTEGROUP#<route>`, sk = the group's key) live
 * in the runs table: few items, read whole at each Finalize. Neither carries `kind`, so neither enters runs.bySeq.
 */
const SILENCE_PK = 'SILENCE';
const groupPk = (route: string) => `ROUTEGROUP#${route}`;

/** A route's group, between runs: when it was first pending and last notified, and the events it has firing. */
export interface RouteGroupState {
  route: string;
  groupKey: string;
  labels: Record<string, string>;
  /** When the group first had an alert waiting (group wait counts from here). */
  firstPendingAt?: string;
  lastNotifiedAt?: string;
  /** The events whose trigger was sent and not yet resolved (at most MAX_FIRING_IDS: reminders name those). */
  firing: string[];
}

/** ~75 bytes an id: a group item stays far below DynamoDB's 400 KB. */
export const MAX_FIRING_IDS = 3000;

export class NotifyStore {
  constructor(private readonly db: Database) {}

  async listSilences(): Promise<Silence[]> {
    const silences: Silence[] = [];
    for await (const item of queryItems(this.db, {
      TableName: this.db.tables.runs, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': SILENCE_PK },
    })) {
      const { pk: _pk, sk: _sk, ...silence } = item;
      silences.push({ ...(silence as unknown as Silence), source: 'store' });
    }
    return silences;
  }

  /** Stores a silence; the same silence added twice is one item (its id is a hash of what and when). */
  async putSilence(silence: Silence): Promise<void> {
    const { source: _source, ...stored } = silence;
    await this.db.client.put({ TableName: this.db.tables.runs, Item: { pk: SILENCE_PK, sk: silence.id, ...stored } });
    this.db.countWrites(1);
  }

  /** Removes a silence; false when there is none with that id. */
  async removeSilence(id: string): Promise<boolean> {
    const output = await conditionalWrite(this.db, () => this.db.client.delete({
      TableName: this.db.tables.runs, Key: { pk: SILENCE_PK, sk: id }, ConditionExpression: 'attribute_exists(pk)',
    }));
    return output !== undefined;
  }

  async groups(route: string): Promise<RouteGroupState[]> {
    const groups: RouteGroupState[] = [];
    for await (const item of queryItems(this.db, {
      TableName: this.db.tables.runs, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': groupPk(route) },
    })) groups.push(item as unknown as RouteGroupState);
    return groups;
  }

  async putGroup(state: RouteGroupState): Promise<void> {
    const firing = state.firing.slice(-MAX_FIRING_IDS);
    await this.db.client.put({ TableName: this.db.tables.runs, Item: { pk: groupPk(state.route), sk: state.groupKey, ...state, firing } });
    this.db.countWrites(1);
  }

  /**
   * The events waiting in the outbox (events.byNotify): transitions not yet notified, and events held back (silenced,
   * flapping, within keep-firing). At most `limit`; the rest wait for the next Finalize.
   */
  async pending(limit: number): Promise<{ events: StoredEvent[]; more: boolean }> {
    const events: StoredEvent[] = [];
    for (let shard = 0; shard < NOTIFY_SHARDS; shard++) {
      for await (const item of queryItems(this.db, {
        TableName: this.db.tables.events, IndexName: 'byNotify', KeyConditionExpression: '#notify = :key',
        ExpressionAttributeNames: { '#notify': 'notify' }, ExpressionAttributeValues: { ':key': notifyShardKey(shard) },
      })) {
        if (events.length >= limit) return { events, more: true };
        events.push(item as unknown as StoredEvent);
      }
    }
    return { events, more: false };
  }

  /** The events themselves (a reminder re-sends their triggers), read from the table, not an index. */
  async events(ids: readonly string[]): Promise<StoredEvent[]> {
    const items = await batchGet(this.db, this.db.tables.events, ids.map((id) => ({ pk: id, sk: 'EVENT' })));
    return items as unknown as StoredEvent[];
  }
}
