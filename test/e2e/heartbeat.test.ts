import { describe, it, expect, beforeAll } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { overlayEnvironment } from '../../cli/environment';
import { heartbeatCommand } from '../../cli/commands/heartbeat';
import type { RunSummary } from '../../src/dto/run-summary';
import { heartbeat, type HeartbeatResult, type HeartbeatSettings } from '../../src/heartbeat/collector-silent';
import { recordOnly } from '../../src/finalize/alarms';
import { EventStore, type StoredEvent } from '../../src/store/event-store';
import { RunStore } from '../../src/store/run-store';
import { trackStaleInventory } from '../../src/heartbeat/stale-inventory';
import type { TaskResult } from '../../src/dto/task';
import { defaultNotifySettings } from '../../src/notify/notifier';
import { parseRoutes } from '../../src/notify/routes';
import { parseSilences } from '../../src/notify/silences';
import type { Notification } from '../../src/notify/delivery';
import { localStore } from '../support/local-run';
import { cloudtap, tempDir } from '../support/cli';

const HOUR = 3600_000;
/** What a local run calls itself (CLOUDTAP_EMS unset). */
const EMS = 'cloudtap-local';
/** What the heartbeat's notifier sent to the one route (every event, PagerDuty-shaped alerts). */
const sent: Notification[] = [];
const SETTINGS: HeartbeatSettings = {
  ems: EMS, silentAfterSchedules: 2, scheduleExpression: 'rate(1 hour)', periodSeconds: 3600, alarms: recordOnly,
  notify: { ...defaultNotifySettings({ send: async (_target, notifications) => { sent.push(...notifications); } }), routes: parseRoutes([{ name: 'pager', target: { eventBus: 'ops' } }], 'routes') },
};
const after = (iso: string, offsetMs: number) => new Date(Date.parse(iso) + offsetMs);
const seconds = (iso: string) => iso.replace(/\.\d{3}Z$/, 'Z');

/** One DynamoDB listing fails in one region; the other region's, and the account's own tasks, succeed. */
const FAILING = 'seed=9&regions=2&instances=1&fail=us-west-2:DynamoDB.ListTables:AccessDeniedException';
const STALE = '111111111111#us-west-2#DynamoDB.Table';

type Store = Awaited<ReturnType<typeof localStore>>;

/**
 * One store through a new install's first heartbeats, four runs (K = 2 through the knob) and the heartbeats after them;
 * time is driven by explicit `now` arguments, around the runs' own clocks.
 */
describe('heartbeats', () => {
  let store: Store;
  /** The install's first heartbeat: well before the runs, on their own clock. */
  const installed = new Date(Date.now() - 10 * HOUR);
  const beats: Record<string, HeartbeatResult> = {};
  const runs: RunSummary[] = [];
  /** Open StaleInventory events after each run. */
  const stale: StoredEvent[][] = [];
  let silentEvent: StoredEvent | undefined;

  async function beat(name: string, now: Date): Promise<void> {
    const workspace = await store.open();
    try {
      beats[name] = await heartbeat(workspace.db, SETTINGS, now);
    } finally {
      await workspace.close();
    }
  }

  async function openEvents(rule: string): Promise<StoredEvent[]> {
    const workspace = await store.open();
    try {
      return (await new EventStore(workspace.db).listOpen()).filter((e) => e.rule === rule);
    } finally {
      await workspace.close();
    }
  }

  async function run(spec: string, request: Record<string, unknown> = {}): Promise<RunSummary> {
    const summary = await store.run(spec, { services: ['DynamoDB'], ...request });
    runs.push(summary);
    stale.push(await openEvents('StaleInventory'));
    return summary;
  }

  beforeAll(async () => {
    store = await localStore();
    // A new install: the store exists, no run has finished yet.
    await (await store.open()).close();
    await beat('first', installed);
    await beat('oneAndAHalf', after(installed.toISOString(), 1.5 * HOUR));
    await beat('twoPeriods', after(installed.toISOString(), 2 * HOUR + 1000));
    await beat('threePeriods', after(installed.toISOString(), 3 * HOUR));
    // K = 2 through the knob (cdk.json's heartbeat.staleAfterRuns reaches the Lambdas the same way).
    const restore = overlayEnvironment({ CLOUDTAP_HEARTBEAT: JSON.stringify({ staleAfterRuns: 2 }) });
    try {
      const partial = await run(FAILING);
      await beat('afterPartial', after(partial.finishedAt, HOUR));
      await beat('silentAgain', after(partial.finishedAt, 2 * HOUR + 1000));
      await run(FAILING);
      // Partial again, elsewhere, and without us-west-2 at all: the stale partition is neither collected nor missed.
      await run('seed=9&regions=2&instances=1&fail=us-east-1:DynamoDB.ListTables:AccessDeniedException', { regions: ['us-east-1'] });
      const complete = await run('seed=9&regions=2&instances=1');
      await beat('recovered', after(complete.finishedAt, HOUR));
      await beat('justInside', after(complete.finishedAt, 2 * HOUR - 1000));
      await beat('justOutside', after(complete.finishedAt, 2 * HOUR + 1000));
      await beat('stillSilent', after(complete.finishedAt, 3 * HOUR));
    } finally {
      restore();
    }
    [silentEvent] = await openEvents('CollectorSilent');
  }, 120_000);

  describe('CollectorSilent', () => {
    it('raises no alarm before the first scheduled run had its chance: a new install is measured from its first heartbeat', () => {
      expect(beats.first).toMatchObject({ silent: false, since: installed.toISOString(), alarms: [] });
      expect(beats.first?.lastSuccess).toBeUndefined();
      expect(beats.oneAndAHalf).toMatchObject({ silent: false, alarms: [], writes: 0 });
    });

    it('opens (severity 1) with one alarm once N × the period passed with no successful run, and only once', () => {
      expect(beats.twoPeriods).toMatchObject({ silent: true, transition: 'opened' });
      expect(beats.twoPeriods?.alarms).toEqual([expect.objectContaining({
        detailType: 'cloudtap.Alarm', threshold: 'CollectorSilent', severity: 1, group: null, ems: EMS,
        text: `CRITICAL – no successful collection since the first heartbeat at ${seconds(installed.toISOString())} (no run has collected anything yet) (2 × rate(1 hour))`,
      })]);
      expect(beats.threePeriods).toMatchObject({ silent: true, alarms: [] });
      expect(beats.threePeriods?.transition).toBeUndefined();
    });

    it('notifies the routes itself while no run ends to do it: the opening is triggered at once', () => {
      expect(beats.twoPeriods?.notifications).toMatchObject({ sent: 1, alerts: 1 });
      expect(sent[0]?.alerts).toEqual([expect.objectContaining({
        event_action: 'trigger', payload: expect.objectContaining({ severity: 'critical', custom_details: expect.objectContaining({ rule: 'CollectorSilent' }) }),
      })]);
      // A quiet heartbeat (not silent, nothing open) leaves the outbox to Finalize.
      expect(beats.oneAndAHalf?.notifications).toBeUndefined();
    });

    it('clears, with the recovery alarm, after a run that collected something — a partial run counts', () => {
      expect(runs[0]?.status).toBe('partial');
      expect(beats.afterPartial).toMatchObject({ silent: false, transition: 'cleared', lastSuccess: { runId: runs[0]?.runId, finishedAt: runs[0]?.finishedAt } });
      expect(beats.afterPartial?.alarms).toEqual([expect.objectContaining({ detailType: 'cloudtap.AlarmCleared', severity: 5, text: `OK – collector ${EMS} collected successfully again` })]);
      expect(beats.silentAgain).toMatchObject({ silent: true, transition: 'reopened' });
      expect(runs[3]?.status).toBe('succeeded');
      expect(beats.recovered).toMatchObject({ silent: false, transition: 'cleared', lastSuccess: { runId: runs[3]?.runId, finishedAt: runs[3]?.finishedAt } });
    });

    it('measures from the last success: silent just after N × the period, not just before', () => {
      expect(beats.justInside).toMatchObject({ silent: false, alarms: [], writes: 0 });
      expect(beats.justOutside).toMatchObject({ silent: true, transition: 'reopened' });
      expect(beats.justOutside?.alarms[0]?.text).toBe(`CRITICAL – no successful collection since ${seconds(runs[3]!.finishedAt)} (2 × rate(1 hour))`);
      expect(beats.stillSilent).toMatchObject({ silent: true, alarms: [] });
      expect(silentEvent).toMatchObject({ class: 'cloudtap', severity: 1, group: null, typeNames: [{ type: 'Collector', name: EMS }] });
      // Each heartbeat that found the collector silent is one occurrence: twoPeriods, threePeriods, silentAgain, justOutside, stillSilent.
      expect(silentEvent?.count).toBe(5);
    });
  });

  describe('StaleInventory', () => {
    it('opens nothing before K runs missed the partition', () => {
      expect(runs[0]?.failures).toEqual([expect.objectContaining({ region: 'us-west-2', service: 'DynamoDB', code: 'AccessDeniedException' })]);
      expect(stale[0]).toEqual([]);
    });

    it('opens exactly the failing partition\'s event at K runs, naming the partition, the runs missed and the last complete collection', () => {
      expect(stale[1]).toEqual([expect.objectContaining({
        class: 'cloudtap', rule: 'StaleInventory', severity: 2, group: null, typeNames: [{ type: 'Partition', name: STALE }],
        text: `WARNING – partition ${STALE} not collected completely in 2 runs in a row, since the run of ${runs[0]?.startedAt}; no complete collection in the 20 runs before`,
      })]);
    });

    it('a run that failed partly elsewhere, and did not collect the partition, clears nothing and opens nothing new', () => {
      expect(runs[2]?.status).toBe('partial');
      expect(stale[2]?.map((e) => e.typeNames)).toEqual([[{ type: 'Partition', name: STALE }]]);
    });

    it('a complete run clears it', () => {
      expect(runs[3]?.status).toBe('succeeded');
      expect(stale[3]).toEqual([]);
      expect(runs[3]?.events.cleared).toBe(1);
    });
  });

  describe('cloudtap heartbeat', () => {
    it('runs the same evaluation against the local store: here it clears the silence, since a run just succeeded', async () => {
      const result = await cloudtap(['heartbeat', '--schedule', 'rate(1 hour)', '--json', '--data-dir', store.dataDir]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({
        mode: 'heartbeat', silent: false, silentAfterSeconds: 7200, transition: 'cleared', lastSuccess: { runId: runs[3]?.runId },
      });
    });

    it('refuses a schedule it cannot measure, and bad knobs, naming the flag and field, before opening the store', async () => {
      const dir = await tempDir();
      const missing = join(dir, 'no-store');
      await expect(heartbeatCommand(['--schedule', 'every hour', '--data-dir', missing])).rejects.toThrow(/--schedule: "every hour" has no period cloudtap can derive/);
      await expect(heartbeatCommand(['--silent-after-schedules', '0', '--data-dir', missing])).rejects.toThrow(/--silent-after-schedules: must be a whole number from 1 to 100, got 0/);
      const file = join(dir, 'heartbeat.json');
      await writeFile(file, JSON.stringify({ staleAfterRuns: 3, silentAfter: 2 }));
      await expect(heartbeatCommand(['--settings', file, '--data-dir', missing])).rejects.toThrow(/--settings: .*heartbeat\.json\.silentAfter: unknown field; valid fields are: silentAfterSchedules, staleAfterRuns/);
    });
  });
});

describe('CollectorSilent under a silence (a planned stop of the collector)', () => {
  it('holds the alarm while the silence covers the collector, and publishes it once when the silence has ended', async () => {
    const store = await localStore();
    const installed = new Date(Date.now() - 10 * HOUR);
    const [silence] = parseSilences([{ match: `Collector=${EMS}`, from: installed.toISOString(), until: after(installed.toISOString(), 3 * HOUR).toISOString(), reason: 'collector moved, CHG-7' }], 'silences');
    const settings: HeartbeatSettings = { ...SETTINGS, notify: { ...defaultNotifySettings(), silences: silence ? [silence] : [] } };
    const workspace = await store.open();
    try {
      await heartbeat(workspace.db, settings, installed);
      const silenced = await heartbeat(workspace.db, settings, after(installed.toISOString(), 2 * HOUR + 1000));
      expect(silenced).toMatchObject({ silent: true, transition: 'opened', alarms: [] });
      const [event] = (await new EventStore(workspace.db).listOpen()).filter((e) => e.rule === 'CollectorSilent');
      expect(event?.silenced).toEqual({ id: silence?.id, until: silence?.until, reason: 'collector moved, CHG-7' });
      // Still silent when the silence ends: the withheld alarm is published then, once.
      const released = await heartbeat(workspace.db, settings, after(installed.toISOString(), 3 * HOUR + 1000));
      expect(released.alarms).toEqual([expect.objectContaining({ detailType: 'cloudtap.Alarm', threshold: 'CollectorSilent', severity: 1 })]);
      expect((await heartbeat(workspace.db, settings, after(installed.toISOString(), 4 * HOUR))).alarms).toEqual([]);
    } finally {
      await workspace.close();
    }
  });
});

describe('StaleInventory counts only runs that finished', () => {
  it('a run that never finished counts nothing, and a retried AccountDone counts once', async () => {
    const store = await localStore();
    const workspace = await store.open();
    try {
      const { db } = workspace;
      const failed: TaskResult = {
        schemaVersion: 1, taskId: 'CloudService:111111111111:us-west-2:DynamoDB', taskType: 'inventory.CloudService', accountId: '111111111111',
        region: 'us-west-2', service: 'DynamoDB', status: 'failed', resources: { seen: 0, created: 0, updated: 0, unchanged: 0, deleted: 0 },
        events: { opened: 0, recurred: 0, cleared: 0 }, completePartitions: [], apiCalls: 1, throttles: 0, writes: 1, durationMs: 1,
        errors: [{ code: 'AccessDeniedException', message: 'denied', type: 'DynamoDB.Table' }],
      };
      const accountDone = (seq: number) => trackStaleInventory('111111111111', [failed], db, {
        runId: `run-${seq}`, runStartedAt: `2026-12-0${seq}T03:00:00.000Z`, seq, ems: EMS, events: new EventStore(db), runs: new RunStore(db),
      }, 2);
      const finished = (seq: number) => db.client.put({
        TableName: db.tables.runs, Item: { pk: `run-${seq}`, sk: 'RUN', kind: 'run', runId: `run-${seq}`, seq, startedAt: `2026-12-0${seq}T03:00:00.000Z` },
      });
      expect((await accountDone(1))?.counts.opened).toBe(0);
      // run-1 never finished (no run item): run-2 is the streak's first run that counts.
      expect((await accountDone(2))?.counts.opened).toBe(0);
      await finished(2);
      const third = await accountDone(3);
      expect(third?.counts.opened).toBe(1);
      const retried = await accountDone(3);
      expect(retried?.counts).toEqual({ opened: 0, recurred: 1, cleared: 0 });
      const open = (await new EventStore(db).listOpen()).filter((e) => e.rule === 'StaleInventory');
      expect(open.map((e) => e.text)).toEqual([
        `WARNING – partition ${STALE} not collected completely in 2 runs in a row, since the run of 2026-12-02T03:00:00.000Z; no complete collection in the 20 runs before`,
      ]);
    } finally {
      await workspace.close();
    }
  });
});
