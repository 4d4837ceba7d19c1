import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startStubDynamoDb, type StubDynamoDb } from '../../bench/stub-dynamodb';
import { Database, storeClient } from '../../src/store/dynamo';
import { EventStore, type NewEvent } from '../../src/store/event-store';
import { ResourceStore, partitionKey, recordHash } from '../../src/store/resource-store';
import { localTableNames } from '../../src/store/tables';
import type { ResourceRecord } from '../../src/services/resource-type';

// The bench measures the collect handler's unchanged re-run against this stub: it must hand the stores back
// what they wrote, through their own queries (pages, projections, an index, a filter), or the measurement
// would be of a different run.
describe('the bench\'s stub store answers the stores\' own calls', () => {
  let stub: StubDynamoDb;
  let db: Database;
  beforeAll(async () => {
    stub = await startStubDynamoDb();
    db = new Database(storeClient('us-east-1', stub.endpoint), localTableNames('cloudtap'));
  });
  afterAll(async () => {
    db.client.destroy();
    await stub.close();
  });

  const partition = partitionKey('111111111111', 'us-east-1', 'EC2.Volume');
  const record = (i: number): ResourceRecord => ({
    id: `vol-${String(i).padStart(6, '0')}`, arn: `arn:aws:ec2:us-east-1:111111111111:volume/vol-${i}`, name: `volume ${i}`, tags: { Name: `volume ${i}` },
    // ~2.7 KB a record: 1,200 of them take several 1 MB pages.
    data: { size: i, padding: 'x'.repeat(2500) },
  });

  it('returns a partition\'s index over several pages, in key order, with what markDeleted changed', async () => {
    const resources = new ResourceStore(db);
    const records = Array.from({ length: 1200 }, (_, i) => record(1199 - i));
    for (const r of records) await resources.create(partition, r, recordHash(r, []), { seq: 1, time: '2026-11-21T00:00:00.000Z', runId: 'run-1' });
    expect(await resources.markDeleted(partition, 'vol-000007', { seq: 2, time: '2026-11-21T01:00:00.000Z', runId: 'run-2' })).toBe(true);

    const entries = [];
    for await (const entry of resources.indexEntries(partition)) entries.push(entry);
    expect(entries.map((e) => e.id)).toEqual(records.map((r) => r.id).sort());
    expect(entries.filter((e) => e.deleted).map((e) => e.id)).toEqual(['vol-000007']);
    const byId = new Map(records.map((r) => [r.id, recordHash(r, [])]));
    expect(entries.every((e) => e.hash === byId.get(e.id))).toBe(true);
    expect(stub.requests.Query).toBeGreaterThan(2);
    // The deletion's history item is kept in the history table, as the real one keeps it.
    expect((await resources.history(partition, 'vol-000007')).map((h) => h.change)).toEqual(['deleted']);
  });

  it('finds open events by partition through the index, leaving out cleared ones and other partitions', async () => {
    const events = new EventStore(db);
    const event = (id: string, on: string): NewEvent => ({
      id, class: 'cloudtap.Inventory', ems: 'cloudtap', rule: 'unencrypted', group: null, typeNames: [], severity: 2, text: `${id} is open`, partition: on, resourceId: id,
    });
    const at = { seq: 1, time: '2026-11-21T00:00:00.000Z', runId: 'run-1' };
    expect(await events.open(event('e-1', partition), at)).toBe('opened');
    expect(await events.open(event('e-2', partition), at)).toBe('opened');
    expect(await events.open(event('e-3', 'elsewhere'), at)).toBe('opened');
    const open = await events.openEventsOf(partition);
    expect([...open.keys()].sort()).toEqual(['e-1', 'e-2']);
    // Counted when run-1's record lands (the ledger), not by the opening itself.
    expect(open.get('e-1')).toMatchObject({ state: 'open', count: 0, countedThroughSeq: 0, firstTime: '2026-11-21T00:00:00.000Z', transitions: [{ transition: 'opened', runId: 'run-1' }] });
    await events.clear(open.get('e-2')!, { count: 1, firstTime: '2026-11-21T00:00:00.000Z', lastTime: '2026-11-21T00:00:00.000Z' }, 'ok', { seq: 2, time: '2026-11-21T02:00:00.000Z', runId: 'run-2' });
    const ids = [];
    for await (const id of events.openEventIdsOf(partition)) ids.push(id);
    expect(ids).toEqual(['e-1']);
  });

  it('refuses what it does not understand, by name, instead of answering wrongly', async () => {
    await expect(db.client.query({
      TableName: db.tables.resources, KeyConditionExpression: 'pk = :p', FilterExpression: 'size(tags) > :n', ExpressionAttributeValues: { ':p': partition, ':n': 1 },
    })).rejects.toThrow(/does not understand the filter "size\(tags\) > :n"/);
  });
});
