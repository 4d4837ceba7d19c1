import { describe, it, expect } from '@jest/globals';
import { parseSandboxSpec } from '../../local/sandbox/spec';
import { sandboxTruth, type TruthCondition } from '../../local/sandbox/truth';
import { currentEvents } from '../../cli/commands/events';
import type { TapEvent } from '../../src/events/tap-event';
import { localStore } from '../support/local-run';
import { EventStore } from '../../src/store/event-store';

const ADMIN_PORTS = [22, 3389];

/**
 * What Tap event a planted condition should be, written from the Tap model (shared/DESIGN.md) and the
 * sandbox's own description of what it planted — not by calling cloudtap's rules.
 */
function expectedEvent(c: TruthCondition): { rule: string; class: string; group: string | null; severity: number; pinpoint: string } {
  const d = c.detail as Record<string, unknown>;
  switch (c.rule) {
    case 'InstanceState':
      return { rule: c.rule, class: 'AWS_EC2', group: c.group, severity: 2, pinpoint: `ID=${c.group ?? 'unknown'}:${c.id}` };
    case 'OpenIngress': {
      const ports = [Number(d.fromPort ?? 0), Number(d.toPort ?? 65535)];
      const admin = ADMIN_PORTS.some((p) => (ports[0] as number) <= p && p <= (ports[1] as number)) || d.protocol === '-1';
      const protocol = d.protocol === '-1' ? 'all' : String(d.protocol);
      const range = d.protocol === '-1' ? '0-65535' : `${String(d.fromPort)}-${String(d.toPort)}`;
      return { rule: c.rule, class: 'AWS_EC2', group: c.group, severity: admin ? 1 : 2, pinpoint: `ID=${c.id} Rule=ingress:${protocol}:${range}:${String(d.cidr)}` };
    }
    case 'UnattachedVolume':
      return { rule: c.rule, class: 'AWS_EC2', group: c.group, severity: 3, pinpoint: `ID=${c.id}` };
    case 'UnencryptedVolume':
      return d.attachedInstanceId
        ? { rule: c.rule, class: 'AWS_EC2', group: c.group, severity: 3, pinpoint: `ID=${c.group ?? 'unknown'}:${String(d.attachedInstanceId)} Volume=${c.id}` }
        : { rule: c.rule, class: 'AWS_EC2', group: c.group, severity: 3, pinpoint: `ID=${c.id}` };
    case 'TrailLogging':
      return { rule: c.rule, class: 'AWS_CloudTrail', group: null, severity: 2, pinpoint: `ID=${String(d.trailName)}` };
    case 'NoTrail':
      return { rule: c.rule, class: 'AWS_CloudTrail', group: null, severity: 2, pinpoint: `ID=${c.region}` };
  }
}

/** An open event in the same terms; OpenIngress is compared on its group → rule pairs (the port pair names the worst port). */
function actualEvent(e: TapEvent) {
  const pairs = e.rule === 'OpenIngress' ? e.typeNames.slice(0, 2) : e.typeNames;
  return { rule: e.rule, class: e.class, group: e.group, severity: e.severity, pinpoint: pairs.map((p) => `${p.type}=${p.name}`).join(' ') };
}

const byKey = (a: { rule: string; pinpoint: string }, b: { rule: string; pinpoint: string }) => `${a.rule} ${a.pinpoint}`.localeCompare(`${b.rule} ${b.pinpoint}`);
const unique = <T>(items: T[]): T[] => [...new Map(items.map((i) => [JSON.stringify(i), i])).values()];

async function openEvents(store: Awaited<ReturnType<typeof localStore>>): Promise<TapEvent[]> {
  const workspace = await store.open();
  try {
    return (await currentEvents(workspace.db)).filter((e) => e.state === 'open');
  } finally {
    await workspace.close();
  }
}

describe.each([
  ['seed=21&regions=2&instances=40'],
  ['seed=22&regions=3&instances=25&epoch=3'],
  ['seed=23&regions=1&instances=60&accounts=2'],
])('the open events are exactly the conditions the sandbox planted: %s', (spec) => {
  it('identity, severity, group and type-name pairs', async () => {
    const store = await localStore();
    const summary = await store.run(spec);
    expect(summary.failures).toEqual([]);
    const expected = unique(sandboxTruth(parseSandboxSpec(spec)).conditions.map(expectedEvent)).sort(byKey);
    expect(expected.length).toBeGreaterThan(0);
    const actual = (await openEvents(store)).map(actualEvent).sort(byKey);
    expect(actual).toEqual(expected);
  });
});

describe('counting and clearing', () => {
  it('two runs count a persisting condition twice, with firstTime before lastTime', async () => {
    const store = await localStore();
    await store.run('seed=24&regions=1&instances=30');
    const first = await openEvents(store);
    expect(first.every((e) => e.count === 1 && e.firstTime === e.lastTime)).toBe(true);
    await store.run('seed=24&regions=1&instances=30');
    const second = await openEvents(store);
    expect(second.map((e) => e.id).sort()).toEqual(first.map((e) => e.id).sort());
    for (const event of second) {
      expect(event.count).toBe(2);
      expect(event.firstTime < event.lastTime).toBe(true);
    }
  });

  it('an epoch that fixes a condition clears its event (severity 5, OK text), and the history keeps both transitions', async () => {
    const store = await localStore();
    const base = 'seed=25&regions=2&instances=40';
    await store.run(`${base}&epoch=0`);
    const before = new Map((await openEvents(store)).map((e) => [e.id, e]));
    const summary = await store.run(`${base}&epoch=3`);
    expect(summary.events.cleared).toBeGreaterThan(0);
    const workspace = await store.open();
    try {
      const all = await currentEvents(workspace.db);
      const cleared = all.filter((e) => e.state === 'cleared');
      expect(cleared.length).toBe(summary.events.cleared);
      const still = new Set(sandboxTruth(parseSandboxSpec(`${base}&epoch=3`)).conditions.map((c) => `${c.rule} ${expectedEvent(c).pinpoint}`));
      for (const event of cleared) {
        expect(before.has(event.id)).toBe(true);
        expect(event.severity).toBe(5);
        expect(event.text).toMatch(/^OK – /);
        expect(event.count).toBe(1);
        expect(still.has(`${event.rule} ${actualEvent(event).pinpoint}`)).toBe(false);
        const history = await new EventStore(workspace.db).history(event.id);
        expect(history.map((h) => h.transition)).toEqual(['opened', 'cleared']);
      }
    } finally {
      await workspace.close();
    }
  });
});
