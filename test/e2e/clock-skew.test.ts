import { describe, it, expect } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { parseSandboxSpec } from '../../local/sandbox/spec';
import { diffTruth, resourceKey, sandboxTruth, type SandboxTruth, type TruthCondition } from '../../local/sandbox/truth';
import { currentEvents } from '../../cli/commands/events';
import { EventStore } from '../../src/store/event-store';
import { ResourceStore, type StoredResource } from '../../src/store/resource-store';
import type { TapEvent } from '../../src/events/tap-event';
import { runToCompletion } from '../crash/harness';
import { localStore } from '../support/local-run';

const SKEWED_CLOCK = fileURLToPath(new URL('../support/skewed-clock.mjs', import.meta.url));
const HOUR_MS = 3_600_000;

/** The truth's key of a collected record (types the truth does not list have none). */
function truthKeyOf(r: StoredResource): string | undefined {
  if (r.type === 'CloudServiceType' || r.type === 'CloudTrail.Event') return undefined;
  if (r.type === 'Region') return r.data.enabled ? resourceKey({ accountId: r.accountId, region: r.resourceId, type: 'EC2.Region', id: r.resourceId }) : undefined;
  return resourceKey({ accountId: r.accountId, region: r.region, type: r.type as never, id: r.resourceId });
}

/**
 * A planted condition as the type-name pairs its event must carry, from the Tap model and the sandbox's own
 * description (as test/e2e/events-truth.test.ts does), never from cloudtap's rules.
 */
function conditionKey(c: TruthCondition): string {
  const d = c.detail as Record<string, unknown>;
  switch (c.rule) {
    case 'InstanceState':
      return `${c.rule} ID=${c.group ?? 'unknown'}:${c.id}`;
    case 'OpenIngress': {
      const protocol = d.protocol === '-1' ? 'all' : String(d.protocol);
      const range = d.protocol === '-1' ? '0-65535' : `${String(d.fromPort)}-${String(d.toPort)}`;
      return `${c.rule} ID=${c.id} Rule=ingress:${protocol}:${range}:${String(d.cidr)}`;
    }
    case 'UnattachedVolume':
      return `${c.rule} ID=${c.id}`;
    case 'UnencryptedVolume':
      return d.attachedInstanceId ? `${c.rule} ID=${c.group ?? 'unknown'}:${String(d.attachedInstanceId)} Volume=${c.id}` : `${c.rule} ID=${c.id}`;
    case 'TrailLogging':
      return `${c.rule} ID=${String(d.trailName)}`;
    case 'NoTrail':
      return `${c.rule} ID=${c.region}`;
  }
}

/** An event in the same terms; OpenIngress on its group → rule pairs (the port pair names the worst port). */
function eventKey(e: Pick<TapEvent, 'rule' | 'typeNames' | 'partition'>): string {
  const pairs = e.rule === 'OpenIngress' ? e.typeNames.slice(0, 2) : e.typeNames;
  const key = `${e.rule} ${pairs.map((p) => `${p.type}=${p.name}`).join(' ')}`;
  // The other services' names are unique per region only (an Auto Scaling group's, a table's).
  return CORE_RULES.has(e.rule) ? key : `${key} @${e.partition.split('#')[1] ?? ''}`;
}

const CORE_RULES = new Set(['InstanceState', 'OpenIngress', 'UnattachedVolume', 'UnencryptedVolume', 'TrailLogging', 'NoTrail']);

/** Every planted condition: EC2's and CloudTrail's in Tap terms, and the other services' by rule and resource (their events name it `ID=<id>`). */
const conditionsAt = (spec: string): Set<string> => {
  const truth = sandboxTruth(parseSandboxSpec(spec));
  return new Set([...truth.conditions.map(conditionKey), ...truth.services.conditions.map((c) => `${c.rule} ID=${c.id} @${c.region}`)]);
};
const minus = (a: Set<string>, b: Set<string>): string[] => [...a].filter((k) => !b.has(k)).sort();

describe('a collector whose clock is an hour behind the previous run\'s', () => {
  it('changes, deletes and clears exactly what the sandbox changed between the two epochs', async () => {
    // `metrics=none`: no metric conditions planted but the impaired instances' failed status checks, whose events (their
    // own partitions) are left out here; metric events are held to the truth in test/e2e/metric-events.test.ts.
    const base = 'seed=31&regions=2&instances=60&metrics=none';
    const store = await localStore();
    // The first run's machine is an hour ahead: every time it stores is an hour later than the second run's.
    const first = await runToCompletion(`${base}&epoch=0`, store.dataDir, {
      nodeArgs: ['--import', SKEWED_CLOCK], env: { CLOUDTAP_TEST_CLOCK_SKEW_MS: String(HOUR_MS) },
    });
    expect(Date.parse(first.summary.startedAt as string) - Date.now()).toBeGreaterThan(HOUR_MS - 10 * 60_000);
    const second = await runToCompletion(`${base}&epoch=3`, store.dataDir);
    expect(Date.parse(second.summary.startedAt as string)).toBeLessThan(Date.parse(first.summary.startedAt as string));

    const truths = [0, 1, 2, 3].map((epoch) => sandboxTruth(parseSandboxSpec(`${base}&epoch=${epoch}`)));
    const diff = diffTruth(truths[0] as SandboxTruth, truths[3] as SandboxTruth);
    // An instance stopped at both epochs but started and stopped again between them has the same attributes in the
    // truth, but the time of its stop — which the collector records from the transition reason — changed.
    const statesOf = (truth: SandboxTruth) => new Map(truth.resources.filter((r) => r.type === 'EC2.Instance').map((r) => [resourceKey(r), r.attributes.state]));
    const [atStart, between1, between2, atEnd] = truths.map(statesOf) as Map<string, unknown>[] as [Map<string, unknown>, Map<string, unknown>, Map<string, unknown>, Map<string, unknown>];
    const flipped = [...atStart.keys()].filter((key) => atStart.get(key) === 'stopped' && atEnd.get(key) === 'stopped' && !diff.updated.includes(key)
      && [between1, between2].some((states) => states.get(key) !== 'stopped'));
    const updated = [...diff.updated, ...flipped].sort();
    expect(diff.updated.length).toBeGreaterThan(0);
    expect(diff.deleted.length).toBeGreaterThan(0);
    const before = conditionsAt(`${base}&epoch=0`);
    const after = conditionsAt(`${base}&epoch=3`);
    expect(minus(before, after).length).toBeGreaterThan(0);

    // Before sequence numbers, this run reported 437 unchanged, 0 updated, 0 deleted and 0 cleared.
    expect(second.summary.resources).toMatchObject({ updated: updated.length, deleted: diff.deleted.length });
    const clearedInRun = (second.summary.events as { cleared: number }).cleared;

    const workspace = await store.open();
    try {
      const runId = second.summary.runId as string;
      const resources = new ResourceStore(workspace.db);
      const byRun = { created: [] as string[], updated: [] as string[], deleted: [] as string[] };
      for await (const r of resources.scan()) {
        const key = truthKeyOf(r);
        if (!key || r.runId !== runId) continue;
        const history = await resources.history(r.pk, r.resourceId);
        if (r.deletedAt) byRun.deleted.push(key);
        else if (history.length === 0) byRun.created.push(key);
        else byRun.updated.push(key);
        // Each change is on the record's history, as the later run's, after the earlier run's (if any).
        if (r.deletedAt || history.length > 0) expect(history.at(-1)).toMatchObject({ runId, change: r.deletedAt ? 'deleted' : expect.stringMatching(/^(updated|restored)$/) });
      }
      expect(byRun.created.sort()).toEqual([...diff.created].sort());
      expect(byRun.updated.sort()).toEqual(updated);
      expect(byRun.deleted.sort()).toEqual([...diff.deleted].sort());

      const all = await currentEvents(workspace.db);
      const events = all.filter((e) => !e.partition.includes('#metric:'));
      expect(clearedInRun).toBe(minus(before, after).length + all.filter((e) => e.partition.includes('#metric:') && e.state === 'cleared').length);
      const open = events.filter((e) => e.state === 'open');
      const cleared = events.filter((e) => e.state === 'cleared');
      expect(open.map(eventKey).sort()).toEqual([...after].sort());
      expect(cleared.map(eventKey).sort()).toEqual(minus(before, after));
      const eventStore = new EventStore(workspace.db);
      for (const event of cleared) {
        expect(event).toMatchObject({ severity: 5, count: 1 });
        expect((await eventStore.history(event.id)).map((h) => [h.transition, h.runId])).toEqual([['opened', first.summary.runId], ['cleared', runId]]);
      }
      // A condition that held through both runs counts both, whatever their clocks said.
      const persisting = new Set([...before].filter((k) => after.has(k)));
      expect(persisting.size).toBeGreaterThan(0);
      for (const event of open) expect(event.count).toBe(persisting.has(eventKey(event)) ? 2 : 1);
    } finally {
      await workspace.close();
    }
  });
});
