import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { syncPartition, type PartitionSource, type SyncContext } from '../../src/collect/sync-partition';
import type { TapRule } from '../../src/services/rule';
import type { ResourceRecord } from '../../src/services/resource-type';
import { EventStore } from '../../src/store/event-store';
import { ResourceStore } from '../../src/store/resource-store';
import { RunStore } from '../../src/store/run-store';
import { DEFAULT_LEASE_SETTINGS } from '../../src/store/partition-lease';
import type { Workspace } from '../../cli/workspace';
import { localStore } from '../support/local-run';

const PARTITION = '111111111111#us-east-1#EC2.Volume';

const volume = (id: string, state = 'in-use'): ResourceRecord => ({ id, arn: `arn:aws:ec2:us-east-1:111111111111:volume/${id}`, tags: {}, data: { state } });

/** A rule for the test: an `available` volume is a finding. */
const unattached: TapRule = {
  name: 'TestUnattached', resourceType: 'EC2.Volume', eventClass: 'AWS_EC2',
  evaluate: (record) => (record.data.state === 'available' ? [{ severity: 3, typeNames: [{ type: 'ID', name: record.id }], group: null, text: `MINOR – ${record.id} is available` }] : []),
  clearText: (typeNames) => `OK – ${typeNames[0]?.name ?? ''} is attached`,
};

async function* pagesOf(...pages: ResourceRecord[][]): AsyncGenerator<ResourceRecord[]> {
  for (const page of pages) yield page;
}

async function* failingAfter(page: ResourceRecord[]): AsyncGenerator<ResourceRecord[]> {
  yield page;
  throw Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
}

describe('one partition brought in line with a listing', () => {
  let workspace: Workspace;
  let run = 0;
  beforeAll(async () => {
    workspace = await (await localStore()).open();
  });
  afterAll(async () => {
    await workspace.close();
  });

  const sync = (pages: AsyncIterable<ResourceRecord[]>) => {
    run++;
    // Runs a second apart, in sequence: every condition compares observation sequence numbers.
    const runStartedAt = new Date(Date.UTC(2026, 0, 1, 0, 0, run)).toISOString();
    const context: SyncContext = {
      runId: `run-${run}`, runStartedAt, seq: run, ems: 'test',
      resources: new ResourceStore(workspace.db), events: new EventStore(workspace.db), runs: new RunStore(workspace.db),
      db: workspace.db, lease: DEFAULT_LEASE_SETTINGS,
    };
    const source: PartitionSource = { partition: PARTITION, pages, volatileFields: [], rules: [unattached] };
    return syncPartition(source, context);
  };
  const stored = async () => new ResourceStore(workspace.db).listPartition(PARTITION);
  const openEvents = async () => [...(await new EventStore(workspace.db).openEventsOf(PARTITION)).values()];

  it('creates what is new; a record listed twice is written and counted once', async () => {
    const outcome = await sync(pagesOf([volume('vol-a'), volume('vol-b', 'available')], [volume('vol-a'), volume('vol-c')]));
    expect(outcome.resources).toEqual({ seen: 3, created: 3, updated: 0, unchanged: 0, deleted: 0 });
    expect(outcome.events).toEqual({ opened: 1, recurred: 0, cleared: 0 });
    expect((await stored()).map((r) => r.resourceId).sort()).toEqual(['vol-a', 'vol-b', 'vol-c']);
  });

  it('an unchanged listing writes nothing; a condition that holds recurs without a write', async () => {
    const writes = workspace.db.writes;
    const outcome = await sync(pagesOf([volume('vol-a'), volume('vol-b', 'available'), volume('vol-c')]));
    expect(outcome.resources).toEqual({ seen: 3, created: 0, updated: 0, unchanged: 3, deleted: 0 });
    expect(outcome.events).toEqual({ opened: 0, recurred: 1, cleared: 0 });
    expect(workspace.db.writes).toBe(writes);
  });

  it('a listing that fails deletes nothing and clears nothing', async () => {
    await expect(sync(failingAfter([volume('vol-a')]))).rejects.toThrow('Rate exceeded');
    expect((await stored()).map((r) => r.resourceId).sort()).toEqual(['vol-a', 'vol-b', 'vol-c']);
    expect((await openEvents()).map((e) => e.resourceId)).toEqual(['vol-b']);
  });

  it('a complete listing deletes what it did not return and clears the conditions gone with it', async () => {
    const outcome = await sync(pagesOf([volume('vol-a', 'deleting'), volume('vol-c')]));
    expect(outcome.resources).toEqual({ seen: 2, created: 0, updated: 1, unchanged: 1, deleted: 1 });
    expect(outcome.events).toEqual({ opened: 0, recurred: 0, cleared: 1 });
    expect((await stored()).map((r) => r.resourceId).sort()).toEqual(['vol-a', 'vol-c']);
    expect(await openEvents()).toEqual([]);
  });

  it('a deleted record listed again is restored, with its history', async () => {
    const outcome = await sync(pagesOf([volume('vol-a', 'deleting'), volume('vol-b', 'available'), volume('vol-c')]));
    expect(outcome.resources).toEqual({ seen: 3, created: 0, updated: 1, unchanged: 2, deleted: 0 });
    expect(outcome.events).toEqual({ opened: 1, recurred: 0, cleared: 0 });
    const history = await new ResourceStore(workspace.db).history(PARTITION, 'vol-b');
    expect(history.map((h) => h.change)).toEqual(['deleted', 'restored']);
    expect((await stored()).map((r) => r.resourceId).sort()).toEqual(['vol-a', 'vol-b', 'vol-c']);
  });

  it('an event another run cleared meanwhile is not cleared twice', async () => {
    const events = new EventStore(workspace.db);
    const [event] = await openEvents();
    if (!event) throw new Error('the test expects an open event');
    const pages = (async function* () {
      // Another run clears the event while this listing goes on.
      await events.clear(event, { count: event.count, firstTime: event.firstTime, lastTime: event.lastTime }, 'OK – cleared by another run', { seq: run + 1, time: '2026-01-01T00:00:59.000Z', runId: 'other-run' });
      yield [volume('vol-a', 'deleting'), volume('vol-c')];
    })();
    const outcome = await sync(pages);
    expect(outcome.events).toEqual({ opened: 0, recurred: 0, cleared: 0 });
    expect(outcome.resources.deleted).toBe(1);
    expect((await events.history(event.id)).filter((h) => h.transition === 'cleared').map((h) => h.runId)).toEqual(['run-4', 'other-run']);
  });
});
