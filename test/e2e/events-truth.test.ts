import { describe, it, expect } from '@jest/globals';
import { parseSandboxSpec } from '../../local/sandbox/spec';
import { sandboxTruth } from '../../local/sandbox/truth';
import { CORE_RULES, expectedEvent, unique } from '../support/tap-truth';
import { currentEvents } from '../../cli/commands/events';
import type { TapEvent } from '../../src/events/tap-event';
import { localStore } from '../support/local-run';
import { EventStore } from '../../src/store/event-store';
import { eventById } from '../../src/events/event-queries';
import { scanItems } from '../../src/store/dynamo';
import type { Workspace } from '../../cli/workspace';
import { allServices } from '../../src/services/registry';

/** An open event in the same terms; OpenIngress is compared on its group → rule pairs (the port pair names the worst port). */
function actualEvent(e: TapEvent) {
  const pairs = e.rule === 'OpenIngress' ? e.typeNames.slice(0, 2) : e.typeNames;
  return { account: accountOf(e), rule: e.rule, class: e.class, group: e.group, severity: e.severity, pinpoint: pairs.map((p) => `${p.type}=${p.name}`).join(' ') };
}

/** The account an event is about: the first part of its partition. */
const accountOf = (e: Pick<TapEvent, 'partition'>): string => e.partition.split('#')[0] ?? '';

const byKey = (a: { account: string; rule: string; pinpoint: string }, b: { account: string; rule: string; pinpoint: string }) =>
  `${a.account} ${a.rule} ${a.pinpoint}`.localeCompare(`${b.account} ${b.rule} ${b.pinpoint}`);

async function scanEventsTable(workspace: Workspace): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for await (const item of scanItems(workspace.db, { TableName: workspace.tables.events })) items.push(item);
  return items;
}

async function openEvents(store: Awaited<ReturnType<typeof localStore>>): Promise<TapEvent[]> {
  const workspace = await store.open();
  try {
    return (await currentEvents(workspace.db)).filter((e) => e.state === 'open');
  } finally {
    await workspace.close();
  }
}

// `metrics=none`: no metric conditions planted but the impaired instances' failed status checks; metric events (their
// own partitions, `#metric:`) are held to the truth in test/e2e/metric-events.test.ts.
const isMetricEvent = (e: TapEvent): boolean => e.partition.includes('#metric:');

describe.each([
  ['seed=21&regions=2&instances=40&metrics=none'],
  ['seed=22&regions=3&instances=25&epoch=3&metrics=none'],
  ['seed=23&regions=1&instances=60&accounts=2&metrics=none'],
])('the open events are exactly the conditions the sandbox planted: %s', (spec) => {
  it('identity, severity, group and type-name pairs', async () => {
    const store = await localStore();
    const summary = await store.run(spec);
    expect(summary.failures).toEqual([]);
    const truth = sandboxTruth(parseSandboxSpec(spec));
    const expected = unique(truth.conditions.map(expectedEvent)).sort(byKey);
    expect(expected.length).toBeGreaterThan(0);
    const open = await openEvents(store);
    const actual = open.filter((e) => CORE_RULES.has(e.rule)).map(actualEvent).sort(byKey);
    expect(actual).toEqual(expected);
    // Every rule of the services added as plugins: one open event per planted condition, on its resource, at its severity.
    const plugins = open.filter((e) => !CORE_RULES.has(e.rule) && !isMetricEvent(e)).map((e) => `${accountOf(e)} ${e.rule} ${e.resourceId} ${e.severity}`).sort();
    const planted = truth.services.conditions.map((c) => `${c.accountId} ${c.rule} ${c.id} ${c.severity}`).sort();
    expect(plugins).toEqual(planted);
    // … and the sandbox plants a condition of every rule those services declare.
    const declared = allServices().flatMap((s) => s.rules.map((r) => r.name)).filter((rule) => !CORE_RULES.has(rule));
    expect([...new Set(truth.services.conditions.map((c) => c.rule))].sort()).toEqual([...new Set(declared)].sort());
    // The summary's open events by severity (the dashboard's) count the same events.
    const bySeverity: Record<string, number> = { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 };
    for (const event of open) bySeverity[event.severity] = (bySeverity[event.severity] ?? 0) + 1;
    expect(summary.openEvents).toEqual(bySeverity);
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

  it('an epoch that fixes a condition clears its event (severity 5, OK text); its return reopens it; the history keeps every transition', async () => {
    const store = await localStore();
    const base = 'seed=25&regions=2&instances=40&metrics=none';
    const first = await store.run(`${base}&epoch=0`);
    const before = new Map((await openEvents(store)).map((e) => [e.id, e]));
    let workspace = await store.open();
    try {
      // Opening is one write: the event item carries its first opening, no history item is written for it.
      const items = await scanEventsTable(workspace);
      expect(items.filter((item) => item.sk !== 'EVENT')).toEqual([]);
      expect(items.length).toBe(first.events.opened);
    } finally {
      await workspace.close();
    }
    const summary = await store.run(`${base}&epoch=3`);
    expect(summary.events.cleared).toBeGreaterThan(0);
    workspace = await store.open();
    let cleared: TapEvent[];
    try {
      const all = await currentEvents(workspace.db);
      cleared = all.filter((e) => e.state === 'cleared');
      expect(cleared.length).toBe(summary.events.cleared);
      const still = new Set(sandboxTruth(parseSandboxSpec(`${base}&epoch=3`)).conditions.map((c) => `${c.rule} ${expectedEvent(c).pinpoint}`));
      for (const event of cleared) {
        const opened = before.get(event.id);
        expect(opened).toBeDefined();
        expect(event.severity).toBe(5);
        expect(event.text).toMatch(/^OK – /);
        expect(event.count).toBe(1);
        expect(still.has(`${event.rule} ${actualEvent(event).pinpoint}`)).toBe(false);
        const history = await new EventStore(workspace.db).history(event.id);
        expect(history.map((h) => h.transition)).toEqual(['opened', 'cleared']);
        expect(history[0]).toMatchObject({ runId: first.runId, time: opened?.firstTime, severity: opened?.severity, text: opened?.text });
        expect(history[1]).toMatchObject({ runId: summary.runId, severity: 5, text: event.text });
      }
    } finally {
      await workspace.close();
    }

    // The sandbox back at epoch 0: every cleared condition holds again.
    const third = await store.run(`${base}&epoch=0`);
    expect(third.events.opened).toBe(cleared.length);
    workspace = await store.open();
    try {
      const events = new EventStore(workspace.db);
      for (const event of cleared) {
        // As every reader sees it: the reopening run's occurrence is counted by the run ledger once that run finished.
        const reopened = await eventById(workspace.db, event.id);
        expect(reopened).toMatchObject({ state: 'open', count: 2, severity: before.get(event.id)?.severity, text: before.get(event.id)?.text });
        const history = await events.history(event.id);
        expect(history.map((h) => h.transition)).toEqual(['opened', 'cleared', 'reopened']);
        expect(history.map((h) => h.runId)).toEqual([first.runId, summary.runId, third.runId]);
      }
    } finally {
      await workspace.close();
    }
  });
});
