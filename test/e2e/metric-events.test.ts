import { describe, it, expect, beforeAll } from '@jest/globals';
import { parseSandboxSpec } from '../../local/sandbox/spec';
import { metricTruth, type MetricCondition, type MetricTruth } from '../../local/sandbox/truth/cloudwatch';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { fetchMetricValues, metricWindow, QUERIES_PER_CALL } from '../../src/collect/metrics';
import { createAwsClients } from '../../src/aws/clients';
import { clientCatalog } from '../../src/services/registry';
import { METRICS_CLIENT } from '../../src/services/metric-rule';
import { startSandboxTarget } from '../../cli/sandbox-target';
import type { RunSummary } from '../../src/dto/run-summary';
import { cpuRule, shown } from '../../src/services/ec2/metric-rules';
import { EventStore, type StoredEvent } from '../../src/store/event-store';
import { RunStore } from '../../src/store/run-store';
import type { TracedCall } from '../../src/aws/call-trace';
import { localStore } from '../support/local-run';

/**
 * Metric events against the sandbox's planted metric conditions (local/sandbox/truth/cloudwatch.ts): one region, EC2
 * only, 25 instances, planted generously so that every rule has conditions; a second run at a later epoch, where some
 * conditions changed level and some ended. (More than 500 queries, through the SDK to the sandbox, at the end.)
 */
const PLANTED = 'metrics=hotCpu:0.2,criticalCpu:0.15,lowMemory:0.2,criticalMemory:0.1,lowDisk:0.2,criticalDisk:0.1,systemCheck:0.1,'
  + 'highLoad:0.15,criticalLoad:0.1,lowBurst:0.2,criticalBurst:0.1,agentless:0.1';
const FIRST = `seed=14&regions=1&instances=25&${PLANTED}`;
const LATER = `${FIRST}&epoch=4`;
const AGENT_RULES = ['Mem', 'Disk', 'Load'];

/** The truth's condition as the collector's rule names it. */
function ruleOf(c: MetricCondition): string {
  switch (c.metric) {
    case 'StatusCheck': return c.check === 'instance' ? 'StatusCheckInstance' : 'StatusCheckSystem';
    default: return c.metric;
  }
}

/** (resource, rule, mount, severity): what must be open. */
const truthKey = (c: MetricCondition): string => [c.resourceId, ruleOf(c), c.mount ?? '', c.level === 'critical' ? 1 : 2].join(' ');
const eventKey = (e: StoredEvent): string => [e.resourceId, e.rule, e.typeNames.find((t) => t.type === 'Mount')?.name ?? '', e.severity].join(' ');
const isMetricEvent = (e: StoredEvent): boolean => e.partition.includes('#metric:');

const STATS: Record<string, string> = { CPU: 'Average', Mem: 'Average', Disk: 'Average', Load: 'Average', BurstBalance: 'Minimum', StatusCheckInstance: 'Maximum', StatusCheckSystem: 'Maximum' };

/**
 * The value a text must show: what GetMetricData answers for the series over the window the collector asked for (the
 * last complete 10 minutes when it evaluated: between the run's start and end), free % for memory and disk.
 */
function expectedValues(truth: MetricTruth, run: RunSummary, c: MetricCondition): string[] {
  const windows = [Date.parse(run.startedAt), Date.parse(run.finishedAt)].map((t) => metricWindow(t, 10));
  return windows.map((w) => {
    const value = truth.value(c.accountId, c.region, { Namespace: c.namespace, MetricName: c.metricName, Dimensions: c.dimensions }, { start: w.start, end: w.end, stat: STATS[ruleOf(c)] as string });
    if (value === undefined) throw new Error(`no value for ${truthKey(c)}`);
    return shown(c.metric === 'Mem' || c.metric === 'Disk' ? 100 - value : value);
  });
}

interface Observed {
  summary: RunSummary;
  truth: MetricTruth;
  events: StoredEvent[];
  calls: { task: string; call: TracedCall }[];
}

describe('metric events (issue 18): open events equal the sandbox\'s planted metric conditions', () => {
  const runs: Observed[] = [];

  beforeAll(async () => {
    const store = await localStore();
    for (const spec of [FIRST, LATER]) {
      const summary = await store.run(spec, { services: ['EC2'] });
      const workspace = await store.open();
      try {
        const events: StoredEvent[] = [];
        for await (const event of new EventStore(workspace.db).scan()) if (isMetricEvent(event)) events.push(event);
        const traces = await new RunStore(workspace.db).taskTraces(summary.runId);
        runs.push({ summary, truth: metricTruth(parseSandboxSpec(spec)), events, calls: traces.flatMap((t) => t.calls.map((call) => ({ task: t.taskId, call }))) });
      } finally {
        await workspace.close();
      }
    }
  });

  it('every planted rule has conditions in the spec, and both runs succeeded', () => {
    const [first, later] = runs as [Observed, Observed];
    expect(first.summary.status).toBe('succeeded');
    expect(later.summary.status).toBe('succeeded');
    expect(new Set(first.truth.conditions.map(ruleOf))).toEqual(new Set(['CPU', 'Mem', 'Disk', 'Load', 'BurstBalance', 'StatusCheckInstance', 'StatusCheckSystem']));
    expect(first.truth.agentless.length).toBeGreaterThan(0);
  });

  it.each([0, 1])('run %i: the open metric events are exactly the truth\'s (instance or volume, rule, mount, severity)', (i) => {
    const { truth, events } = runs[i] as Observed;
    expect(events.filter((e) => e.state === 'open').map(eventKey).sort()).toEqual(truth.conditions.map(truthKey).sort());
  });

  it.each([0, 1])('run %i: each open event\'s text carries the value GetMetricData gave when it opened or changed severity, in Tap\'s form', (i) => {
    const { truth, events } = runs[i] as Observed;
    const open = new Map(events.filter((e) => e.state === 'open').map((e) => [eventKey(e), e]));
    for (const condition of truth.conditions) {
      const event = open.get(truthKey(condition));
      // A condition that persists at its severity is not written again: its text is the value of the run that wrote it.
      const writer = runs.find((r) => r.summary.runId === event?.transitions.at(-1)?.runId);
      expect(writer).toBeDefined();
      const { summary, truth: truthThen } = writer as Observed;
      const label = condition.level === 'critical' ? 'CRITICAL' : 'WARNING';
      if (condition.metric === 'StatusCheck') {
        expect(event?.text).toBe(`CRITICAL – status check failed (${condition.check})`);
        continue;
      }
      const candidates = expectedValues(truthThen, summary, condition);
      const texts = candidates.map((v) => ({
        CPU: `${label} – CPU total ${v}%`, Mem: `${label} – Memory ${v}% free`, Disk: `${label} – Disk ${condition.mount} ${v}% free`,
        Load: `${label} – Load ${v}`, BurstBalance: `${label} – Burst balance ${v}%`,
      } as Record<string, string>)[condition.metric]);
      expect(texts).toContain(event?.text);
    }
  });

  it('instances without the agent have no memory, disk or load event, open or cleared', () => {
    for (const { truth, events } of runs) {
      const agentless = new Set(truth.agentless.map((a) => a.instanceId));
      expect(events.filter((e) => AGENT_RULES.includes(e.rule) && agentless.has(e.resourceId))).toEqual([]);
    }
    // …while instances with the agent do have them.
    expect((runs[0] as Observed).events.filter((e) => AGENT_RULES.includes(e.rule)).length).toBeGreaterThan(0);
  });

  it.each([0, 1])('run %i: GetMetricData calls per account-region ≤ ⌈queries ÷ 500⌉, the metrics requested and their cost in the summary', (i) => {
    const { summary, calls } = runs[i] as Observed;
    const metricCalls = calls.filter(({ call }) => call.service === 'CloudWatch' && call.operation === 'GetMetricData');
    const metrics = summary.metrics;
    expect(metrics).toBeDefined();
    // One region, one account: one task evaluates every query.
    expect(new Set(metricCalls.map((c) => c.task)).size).toBe(1);
    expect(metricCalls).toHaveLength(Math.ceil((metrics?.requested ?? 0) / QUERIES_PER_CALL));
    expect(metrics?.calls).toBe(metricCalls.length);
    expect(metrics?.costUsd).toBeCloseTo((metrics?.requested ?? 0) * 0.00001, 8);
    // Agent series are discovered by ListMetrics, a few paged calls per metric — never one per instance.
    const listCalls = calls.filter(({ call }) => call.service === 'CloudWatch' && call.operation === 'ListMetrics');
    expect(listCalls.length).toBeGreaterThanOrEqual(3);
    expect(listCalls.length).toBeLessThan(10);
  });

  it('a later epoch moves a condition that changed level in place, and clears the ones that ended with their OK text', () => {
    const [first, later] = runs as [Observed, Observed];
    const before = new Map(first.truth.conditions.map((c) => [truthKey(c).replace(/ [12]$/, ''), c]));
    const after = new Map(later.truth.conditions.map((c) => [truthKey(c).replace(/ [12]$/, ''), c]));
    const changed = [...before.keys()].filter((k) => after.has(k) && after.get(k)?.level !== before.get(k)?.level);
    const ended = [...before.keys()].filter((k) => !after.has(k));
    expect(changed.length).toBeGreaterThan(0);
    expect(ended.length).toBeGreaterThan(0);
    const byKey = (e: StoredEvent) => eventKey(e).replace(/ [1-5]$/, '');
    for (const key of changed) {
      const events = later.events.filter((e) => byKey(e) === key);
      expect(events).toHaveLength(1);
      expect(events[0]?.transitions.map((t) => t.transition)).toEqual(['opened', 'changed']);
    }
    const running = new Set(later.truth.running.map((r) => r.instanceId));
    for (const key of ended) {
      const event = later.events.find((e) => byKey(e) === key);
      expect(event).toMatchObject({ state: 'cleared', severity: 5 });
      const instanceId = before.get(key)?.instanceId ?? '';
      // Still running: the OK text carries the value; stopped or gone (a volume detached): it says why there is none.
      const measured = running.has(instanceId) && before.get(key)?.metric !== 'BurstBalance';
      expect(event?.text).toMatch(measured ? /^OK – (CPU total|Memory|Disk \S+|Load) [\d.]+%?( free)?$|^OK – status check passed/ : /^OK – (\w+ (not measured|no data)|Burst balance [\d.]+%$)/);
    }
    expect(later.summary.events.cleared).toBeGreaterThanOrEqual(ended.length);
  });
});

describe('more than 500 metric queries against the sandbox\'s CloudWatch', () => {
  it('go out 500 a call (the sandbox refuses more, as CloudWatch does), every value of an existing series answered', async () => {
    const spec = parseSandboxSpec(FIRST);
    const truth = metricTruth(spec);
    const { accountId, region } = truth.running[0] as { accountId: string; region: string };
    const sandbox = await startSandboxTarget(spec);
    try {
      const client = createAwsClients({ region, accountId }, clientCatalog()).get<CloudWatchClient>(METRICS_CLIENT.name);
      // The instances that run, then ids of no instance (no datapoints) up to 1,201 queries.
      const ids = [...truth.running.map((r) => r.instanceId), ...Array.from({ length: 1201 - truth.running.length }, (_, i) => `i-${i.toString(16).padStart(17, '0')}`)];
      const queries = ids.map((id, i) => ({ id: `q${i}`, rule: cpuRule, subject: { id, name: id, group: null }, dimensions: [{ Name: 'InstanceId', Value: id }] }));
      const window = metricWindow(Date.now(), 10);
      const fetched = await fetchMetricValues(client, queries, window);
      expect(fetched).toMatchObject({ calls: 3, requested: 1201 });
      expect(new Set(fetched.values.keys())).toEqual(new Set(truth.running.map((_, i) => `q${i}`)));
    } finally {
      await sandbox.close();
    }
  });
});
