import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { itemSize, writeUnits } from '../../bench/dynamo-capacity';
import { startStubDynamoDb, type StubDynamoDb } from '../../bench/stub-dynamodb';
import { Database, storeClient } from '../../src/store/dynamo';
import { EventStore, type NewEvent } from '../../src/store/event-store';
import { listEvents } from '../../src/events/event-queries';
import { listResources } from '../../src/store/inventory-queries';
import { ResourceStore, partitionKey, recordHash } from '../../src/store/resource-store';
import { RunStore, type StoredRun } from '../../src/store/run-store';
import { recentRuns } from '../../src/store/run-queries';
import { localTableNames } from '../../src/store/tables';
import type { ResourceRecord } from '../../src/services/resource-type';
import { mapWithConcurrency } from '../../src/util/concurrency';

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
  const record = (i: number, padding = 2500): ResourceRecord => ({
    id: `vol-${String(i).padStart(6, '0')}`, arn: `arn:aws:ec2:us-east-1:111111111111:volume/vol-${i}`, name: `volume ${i}`, tags: { Name: `volume ${i}` },
    data: { size: i, padding: 'x'.repeat(padding) },
  });

  it('returns a partition\'s index over several pages, in key order, with what markDeleted changed', async () => {
    const resources = new ResourceStore(db);
    // ~8.2 KB a record: 450 of them take several 1 MB pages.
    const records = Array.from({ length: 450 }, (_, i) => record(449 - i, 8000));
    await mapWithConcurrency(records, 16, (r) => resources.create(partition, r, recordHash(r, []), { seq: 1, time: '2026-11-21T00:00:00.000Z', runId: 'run-1' }));
    expect(await resources.markDeleted(partition, 'vol-000007', { seq: 2, time: '2026-11-21T01:00:00.000Z', runId: 'run-2' })).toBe(true);

    const entries = [];
    for await (const entry of resources.indexEntries(partition)) entries.push(entry);
    expect(entries.map((e) => e.id)).toEqual(records.map((r) => r.id).sort());
    expect(entries.filter((e) => e.deleted).map((e) => e.id)).toEqual(['vol-000007']);
    const byId = new Map(records.map((r) => [r.id, recordHash(r, [])]));
    expect(entries).toHaveLength(450);
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

  it('takes sequence numbers atomically and orders runs by them as numbers, newest first with a limit', async () => {
    const runs = new RunStore(db);
    const first = await runs.sequenceOf('run-seq-a');
    const second = await runs.sequenceOf('run-seq-b');
    expect(second).toBe(first + 1);
    // Asked again (another task of the run, a retry), the run keeps its number.
    expect(await new RunStore(new Database(db.client, db.tables)).sequenceOf('run-seq-a')).toBe(first);
    const run = (runId: string, seq: number) => ({ runId, seq, startedAt: `2026-12-0${seq % 9}T00:00:00.000Z`, completePartitions: [partition] }) as unknown as StoredRun;
    // 9 < 10 < 11 as numbers, though not as strings.
    for (const [id, seq] of [['r-10', 10], ['r-9', 9], ['r-11', 11], ['r-2', 2]] as const) await runs.saveRun(run(id, seq));
    expect((await runs.runsAfter(8)).map((r) => r.seq)).toEqual([9, 10, 11]);
    expect((await runs.latestRun())?.seq).toBe(11);
    expect((await recentRuns(db, 2)).map((r) => r.seq)).toEqual([11, 10]);
  });

  it('keeps an older observation from overwriting a newer one, and records a change with its history', async () => {
    const resources = new ResourceStore(db);
    const on = partitionKey('222222222222', 'eu-west-1', 'EC2.Instance');
    const v1: ResourceRecord = { id: 'i-1', arn: 'arn:i-1', name: 'one', tags: { Environment: 'prod' }, data: { state: 'running' } };
    const v2: ResourceRecord = { ...v1, tags: {}, data: { state: 'stopped' } };
    const at = (seq: number) => ({ seq, time: `2026-12-01T0${seq}:00:00.000Z`, runId: `run-${seq}` });
    expect(await resources.create(on, v1, recordHash(v1, []), at(5))).toBe('created');
    expect((await listResources(db, { tags: [['Environment', 'prod']] })).map((r) => r.id)).toEqual(['i-1']);
    // Created again by an older run: the condition fails, the stored record is newer, nothing changes.
    expect(await resources.create(on, v2, recordHash(v2, []), at(4))).toBe('unchanged');
    expect((await resources.get(on, 'i-1'))?.data).toEqual({ state: 'running' });
    // A newer observation updates it (compare-and-set on seq), its tag index attribute removed with the tag.
    expect(await resources.create(on, v2, recordHash(v2, []), at(6))).toBe('updated');
    expect(await resources.get(on, 'i-1')).toMatchObject({ seq: 6, firstSeen: at(5).time, lastChanged: at(6).time, data: { state: 'stopped' } });
    expect(await listResources(db, { tags: [['Environment', 'prod']] })).toEqual([]);
    expect(await resources.history(on, 'i-1')).toEqual([
      expect.objectContaining({ change: 'updated', fromSeq: 5, toSeq: 6, diff: { 'tags.Environment': { from: 'prod', to: null }, 'data.state': { from: 'running', to: 'stopped' } } }),
    ]);
    expect(await resources.markDeleted(on, 'i-1', at(3))).toBe(false);
    expect(await resources.markDeleted(on, 'i-1', at(7))).toBe(true);
    expect(await resources.markDeleted(on, 'i-1', at(8))).toBe(false);
    expect((await resources.history(on, 'i-1')).map((h) => h.change)).toEqual(['updated', 'deleted']);
  });

  it('opens an event once, clears it only for a newer observation, reopens it only after the clear, and confirms by BatchGetItem', async () => {
    const events = new EventStore(db);
    const on = partitionKey('333333333333', 'us-east-1', 'EC2.Volume');
    const event: NewEvent = {
      id: 'e-cas', class: 'cloudtap.Inventory', ems: 'cloudtap', rule: 'unattached', group: 'storage', typeNames: [], severity: 3, text: 'unattached', partition: on, resourceId: 'vol-1',
    };
    const at = (seq: number) => ({ seq, time: `2026-12-01T0${seq}:00:00.000Z`, runId: `run-${seq}` });
    expect(await events.open(event, at(3))).toBe('opened');
    expect(await events.open(event, at(4))).toBeUndefined();
    const stored = (await events.get('e-cas'))!;
    expect(stored).toMatchObject({ accountId: '333333333333', eventGroup: 'storage', countedThroughSeq: 2 });
    expect(await events.openAmong(['e-cas', 'e-missing'])).toEqual(new Set(['e-cas']));
    const materialized = { count: 1, firstTime: at(3).time, lastTime: at(3).time };
    expect(await events.clear(stored, materialized, 'ok', at(2))).toBe(false);
    expect(await events.clear(stored, materialized, 'ok', at(5))).toBe(true);
    expect(await events.openAmong(['e-cas'])).toEqual(new Set());
    // An observation older than the clear does not reopen it; a newer one does.
    expect(await events.open(event, at(4))).toBeUndefined();
    expect(await events.open(event, at(6))).toBe('reopened');
    expect((await events.history('e-cas')).map((h) => h.transition)).toEqual(['opened', 'cleared', 'reopened']);
    // byState sorts by severity as a number; byGroup and byAccount by state.
    expect((await listEvents(db, { state: 'open', maxSeverity: 3 })).map((e) => e.id)).toContain('e-cas');
    expect((await listEvents(db, { state: 'open', maxSeverity: 2 })).map((e) => e.id)).not.toContain('e-cas');
    expect((await listEvents(db, { state: 'open', group: 'storage' })).map((e) => e.id)).toEqual(['e-cas']);
    expect((await listEvents(db, { state: 'cleared', accountId: '333333333333' }))).toEqual([]);
  });

  it('meters what DynamoDB would bill: write units per KB of the item, and as much again for each index entry written', async () => {
    stub.resetMeter();
    const resources = new ResourceStore(db);
    const on = partitionKey('444444444444', 'us-east-1', 'EC2.Volume');
    expect(await resources.create(on, record(1), recordHash(record(1), []), { seq: 1, time: '2026-12-01T00:00:00.000Z', runId: 'run-1' })).toBe('created');
    const meter = stub.meter();
    const resourcesMeter = meter.tables[db.tables.resources]!;
    // ~2.7 KB: 3 units for the item, and 3 for each of the three indexes it is in (byResourceId, byType, byAccount).
    expect(resourcesMeter).toMatchObject({ itemsWritten: 1, writeUnits: 12, indexWriteUnits: 9, conditionalFailures: 0 });
    expect(meter.requests).toEqual({ PutItem: 1 });
  });

  it('sizes items as DynamoDB documents it: UTF-8 names and values, numbers by significant digits, 3 bytes and 1 per element for lists and maps', () => {
    expect(itemSize({ pk: { S: 'ab' }, n: { N: '123' } })).toBe(2 + 2 + 1 + 3);
    expect(itemSize({ é: { S: 'é' } })).toBe(4);
    expect(itemSize({ l: { L: [{ BOOL: true }, { NULL: true }] } })).toBe(1 + 3 + 2 * 2);
    expect(itemSize({ m: { M: { ab: { N: '-1.5' } } } })).toBe(1 + 3 + 1 + 2 + 2);
    expect(writeUnits({ s: { S: 'x'.repeat(1023) } })).toBe(1);
    expect(writeUnits({ s: { S: 'x'.repeat(1024) } })).toBe(2);
  });

  it('refuses what DynamoDB refuses, with its message, and what it does not answer, by name', async () => {
    await expect(db.client.update({
      TableName: db.tables.resources, Key: { pk: partition, sk: 'vol-000001' }, UpdateExpression: 'SET data = :d', ExpressionAttributeValues: { ':d': 1 },
    })).rejects.toThrow(/reserved keyword: data/);
    await expect(db.client.query({
      TableName: db.tables.events, IndexName: 'byState', KeyConditionExpression: '#s = :open', ConsistentRead: true, ExpressionAttributeNames: { '#s': 'state' }, ExpressionAttributeValues: { ':open': 'open' },
    })).rejects.toThrow(/Consistent reads are not supported on global secondary indexes/);
    await expect(db.client.query({
      TableName: db.tables.resources, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': partition, ':unused': 1 },
    })).rejects.toThrow(/unused in expressions/);
    await expect(db.client.put({ TableName: db.tables.events, Item: { pk: 'e-bad', sk: 'EVENT', state: 'open', severity: 'high' } })).rejects.toThrow(/Type mismatch for Index Key severity/);
    await expect(db.client.scan({ TableName: db.tables.resources })).rejects.toThrow(/the stub store does not answer Scan/);
    await expect(db.client.get({ TableName: db.tables.resources, Key: { pk: partition, sk: 'vol-000001' }, AttributesToGet: ['pk'] })).rejects.toThrow(/does not understand GetItem's AttributesToGet/);
  });
});
