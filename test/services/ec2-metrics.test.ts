import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { GetMetricDataCommand, ListMetricsCommand, type Dimension, type GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import {
  QUERIES_PER_CALL, TaskMetrics, fetchMetricValues, levelsFor, metricPartition, metricQueries, metricWindow, parseMetricThresholds, severityOf,
  type MetricQuery,
} from '../../src/collect/metrics';
import type { SyncContext } from '../../src/collect/sync-partition';
import { InvalidInputError } from '../../src/dto/validation';
import type { AwsClients } from '../../src/aws/clients';
import { cpuRule, diskRule, instanceMetricRules, loadRule, memoryRule, statusCheckSystemRule } from '../../src/services/ec2/metric-rules';
import { burstBalanceRule } from '../../src/services/ec2/volume-rules';
import type { MetricRule, MetricSubject } from '../../src/services/metric-rule';
import type { ResourceRecord } from '../../src/services/resource-type';
import { collectIamActions, clientCatalog } from '../../src/services/registry';
import { EventStore } from '../../src/store/event-store';
import { ResourceStore } from '../../src/store/resource-store';
import { RunStore } from '../../src/store/run-store';
import { DEFAULT_LEASE_SETTINGS } from '../../src/store/partition-lease';
import type { Workspace } from '../../cli/workspace';
import { localStore } from '../support/local-run';
import { App } from 'aws-cdk-lib';
import { readCollectorDeployment } from '../../lib/stacks/context-knobs';
import { metricSettingsFromEnv } from '../../src/lambda/settings';

const instance = (id: string, state = 'running', role = 'web_server'): ResourceRecord => ({ id, arn: `arn:aws:ec2:us-east-1:111111111111:instance/${id}`, tags: {}, data: { state, role } });
const subjectsOf = (rules: MetricRule[], records: ResourceRecord[]) => new Map(rules.map((rule) => [rule, records.map((r) => rule.subject(r))]));

/** A CloudWatch stand-in: values by `<metric>|<dimension values>`, the agent's series, and every call it was sent. */
function fakeCloudWatch(values: Map<string, number>, series: Map<string, Dimension[][]>, options: { pageEvery?: number; fail?: Error } = {}) {
  const calls: { name: string; input: Record<string, unknown> }[] = [];
  return {
    calls,
    send: async (command: unknown): Promise<never> => {
      if (options.fail) throw options.fail;
      if (command instanceof ListMetricsCommand) {
        calls.push({ name: 'ListMetrics', input: command.input as Record<string, unknown> });
        const all = (series.get(`${command.input.Namespace}/${command.input.MetricName}`) ?? []).map((Dimensions) => ({ Namespace: command.input.Namespace, MetricName: command.input.MetricName, Dimensions }));
        // Two per page: discovery must follow NextToken.
        const start = Number(command.input.NextToken ?? 0);
        return { Metrics: all.slice(start, start + 2), ...(start + 2 < all.length ? { NextToken: String(start + 2) } : {}) } as never;
      }
      if (command instanceof GetMetricDataCommand) {
        const input = command.input as GetMetricDataCommandInput;
        calls.push({ name: 'GetMetricData', input: input as unknown as Record<string, unknown> });
        const queries = input.MetricDataQueries ?? [];
        const start = Number(input.NextToken ?? 0);
        const end = options.pageEvery ? Math.min(queries.length, start + options.pageEvery) : queries.length;
        const results = queries.slice(start, end).map((q) => {
          const metric = q.MetricStat?.Metric;
          const key = `${metric?.MetricName}|${(metric?.Dimensions ?? []).map((d) => d.Value).join('|')}`;
          const value = values.get(key);
          return { Id: q.Id, Values: value === undefined ? [] : [value], Timestamps: value === undefined ? [] : [input.StartTime] };
        });
        return { MetricDataResults: results, ...(end < queries.length ? { NextToken: String(end) } : {}) } as never;
      }
      throw new Error('unexpected command');
    },
  };
}

describe('metric thresholds', () => {
  it('take defaults per rule, a rule-wide entry, and a group entry over both', () => {
    const thresholds = parseMetricThresholds([{ rule: 'CPU', warning: 80 }, { rule: 'CPU', group: 'batch', warning: 95, critical: 99 }], 'file.json');
    expect(levelsFor(cpuRule, 'web_server', thresholds)).toEqual({ warning: 80, critical: 98 });
    expect(levelsFor(cpuRule, 'batch', thresholds)).toEqual({ warning: 95, critical: 99 });
    expect(levelsFor(cpuRule, null, [])).toEqual({ warning: 90, critical: 98 });
    expect(levelsFor(memoryRule, 'batch', thresholds)).toEqual({ warning: 10, critical: 3 });
  });

  it.each([
    [[{ rule: 'Cpu', warning: 80 }], 'm.json[0].rule', /"Cpu" is not a metric rule; valid ones are: CPU, StatusCheckInstance/],
    [[{ rule: 'CPU', warning: 80, above: 3 }], 'm.json[0].above', /unknown field/],
    [[{ rule: 'CPU', warning: 180 }], 'm.json[0].warning', /from 0 to 100, got 180/],
    [[{ rule: 'CPU', warning: '80' }], 'm.json[0].warning', /got "80"/],
    [[{ rule: 'CPU', group: 'web' }], 'm.json[0]', /neither warning nor critical/],
    [[{ rule: 'Mem', warning: 2 }], 'm.json[0].critical', /3 is above the warning level 2/],
    [[{ rule: 'CPU', warning: 99 }], 'm.json[0].critical', /98 is below the warning level 99/],
    [[{ rule: 'Disk', critical: 5 }, { rule: 'Disk', warning: 20 }], 'm.json[1]', /a second entry for rule Disk without a group/],
    [{ rule: 'CPU' }, 'm.json', /must be an array/],
  ])('refuse %j, naming %s', (input, field, problem) => {
    let error: unknown;
    try {
      parseMetricThresholds(input, 'm.json');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).field).toBe(field);
    expect((error as InvalidInputError).message).toMatch(problem);
  });

  it('reach the collect function from cdk.json (`metricThresholds`), validated like a local file, and from its environment', () => {
    const read = (context: Record<string, unknown>) => readCollectorDeployment(new App({ context }).node).props.metricThresholds;
    expect(read({})).toBeUndefined();
    expect(read({ metricThresholds: '[{"rule":"Disk","group":"db","warning":15}]' })).toEqual([{ rule: 'Disk', group: 'db', warning: 15 }]);
    expect(() => read({ metricThresholds: [{ rule: 'CPU', critical: 50 }] })).toThrow('context knob "metricThresholds": metricThresholds[0].critical: 50 is below the warning level 90');
    expect(() => read({ metricThresholds: '[{' })).toThrow('context knob "metricThresholds": "[{" is not JSON');
    expect(metricSettingsFromEnv({ CLOUDTAP_METRIC_THRESHOLDS: '[{"rule":"Load","warning":8,"critical":12}]' })).toEqual({ thresholds: [{ rule: 'Load', warning: 8, critical: 12 }] });
    expect(metricSettingsFromEnv({})).toEqual({ thresholds: [] });
  });

  it('classify values at the levels, above (CPU, load) and below (free memory, burst balance)', () => {
    expect([40, 89.9, 90, 97.9, 98].map((v) => severityOf(cpuRule, v, cpuRule.defaults))).toEqual([5, 5, 2, 2, 1]);
    expect([50, 10.1, 10, 3.1, 3].map((v) => severityOf(memoryRule, v, memoryRule.defaults))).toEqual([5, 5, 2, 2, 1]);
    expect([0, 1].map((v) => severityOf(statusCheckSystemRule, v, statusCheckSystemRule.defaults))).toEqual([5, 1]);
    expect([1.9, 4, 10].map((v) => severityOf(loadRule, v, loadRule.defaults))).toEqual([5, 2, 1]);
    expect([60, 15, 2].map((v) => severityOf(burstBalanceRule, v, burstBalanceRule.defaults))).toEqual([5, 2, 1]);
  });
});

describe('metric queries', () => {
  const agent = (id: string, extra: Dimension[] = []) => [{ Name: 'InstanceId', Value: id }, ...extra];
  const mount = (path: string, device: string) => [{ Name: 'path', Value: path }, { Name: 'device', Value: device }, { Name: 'fstype', Value: 'xfs' }];

  it('one per running instance and rule; agent metrics only for the series the agent publishes (one per mount), none for a stopped instance', () => {
    const records = [instance('i-agent'), instance('i-agentless'), instance('i-stopped', 'stopped')];
    const discovered = new Map([
      ['CWAgent/mem_used_percent', [agent('i-agent'), agent('i-stopped'), agent('i-elsewhere')]],
      ['CWAgent/disk_used_percent', [agent('i-agent', mount('/', 'xvda1')), agent('i-agent', mount('/data', 'xvdf'))]],
    ]);
    const queries = metricQueries(subjectsOf(instanceMetricRules, records), discovered);
    const by = (q: MetricQuery) => `${q.rule.name}:${q.subject.id}${q.dimensions.length > 1 ? `:${q.dimensions[1]?.Value}` : ''}`;
    expect(queries.map(by).sort()).toEqual([
      'CPU:i-agent', 'CPU:i-agentless', 'Disk:i-agent:/', 'Disk:i-agent:/data', 'Mem:i-agent',
      'StatusCheckInstance:i-agent', 'StatusCheckInstance:i-agentless', 'StatusCheckSystem:i-agent', 'StatusCheckSystem:i-agentless',
    ]);
    expect(new Set(queries.map((q) => q.id)).size).toBe(queries.length);
    expect(queries.every((q) => /^[a-z][a-zA-Z0-9_]*$/.test(q.id))).toBe(true);
  });

  it('burst balance only for attached gp2, st1 and sc1 volumes', () => {
    const volume = (id: string, type: string, state: string): ResourceRecord => ({ id, arn: id, tags: {}, data: { volume_type: type, state } });
    const records = [volume('vol-gp2', 'gp2', 'in-use'), volume('vol-gp3', 'gp3', 'in-use'), volume('vol-free', 'st1', 'available')];
    expect(metricQueries(subjectsOf([burstBalanceRule], records), new Map()).map((q) => q.subject.id)).toEqual(['vol-gp2']);
  });

  it('the window is the last complete one, aligned to its length', () => {
    const window = metricWindow(Date.parse('2026-12-02T10:17:31Z'), 10);
    expect(window).toEqual({ start: new Date('2026-12-02T10:00:00Z'), end: new Date('2026-12-02T10:10:00Z'), period: 600 });
  });
});

describe('fetching metric values in bulk', () => {
  const subject = (id: string): MetricSubject => ({ id, name: `web:${id}`, group: 'web' });
  const queries = (n: number): MetricQuery[] => Array.from({ length: n }, (_, i) => ({
    id: `q${i}`, rule: cpuRule, subject: subject(`i-${i}`), dimensions: [{ Name: 'InstanceId', Value: `i-${i}` }],
  }));
  const window = metricWindow(Date.parse('2026-12-02T10:17:31Z'), 10);

  it('asks at most 500 queries a call: ⌈queries ÷ 500⌉ calls, each metric requested once', async () => {
    const values = new Map(Array.from({ length: 1201 }, (_, i) => [`CPUUtilization|i-${i}`, i % 100] as [string, number]));
    const cloudWatch = fakeCloudWatch(values, new Map());
    const fetched = await fetchMetricValues(cloudWatch, queries(1201), window);
    expect(cloudWatch.calls.map((c) => (c.input.MetricDataQueries as unknown[]).length)).toEqual([QUERIES_PER_CALL, QUERIES_PER_CALL, 201]);
    expect(fetched).toMatchObject({ calls: 3, requested: 1201 });
    expect(fetched.values.get('q1200')).toBe(0);
    expect(fetched.values.size).toBe(1201);
    expect(cloudWatch.calls[0]?.input).toMatchObject({ StartTime: window.start, EndTime: window.end, ScanBy: 'TimestampDescending' });
  });

  it('follows NextToken when CloudWatch pages a call', async () => {
    const values = new Map(Array.from({ length: 30 }, (_, i) => [`CPUUtilization|i-${i}`, 50] as [string, number]));
    const cloudWatch = fakeCloudWatch(values, new Map(), { pageEvery: 20 });
    const fetched = await fetchMetricValues(cloudWatch, queries(30), window);
    expect(fetched.calls).toBe(2);
    expect(fetched.values.size).toBe(30);
    expect(cloudWatch.calls[1]?.input.NextToken).toBe('20');
  });

  it('collect is allowed the two CloudWatch calls, and CloudWatch\'s calls are traced as CloudWatch', () => {
    expect(collectIamActions()).toEqual(expect.arrayContaining(['cloudwatch:GetMetricData', 'cloudwatch:ListMetrics']));
    expect(clientCatalog().cloudwatch?.service).toBe('CloudWatch');
  });
});

describe('metric events of a task', () => {
  let workspace: Workspace;
  let run = 0;
  const PARTITION = metricPartition('111111111111', 'us-east-1', 'EC2.Instance');
  beforeAll(async () => {
    workspace = await (await localStore()).open();
  });
  afterAll(async () => {
    await workspace.close();
  });

  async function* pagesOf(records: ResourceRecord[]): AsyncGenerator<ResourceRecord[]> {
    yield records;
  }

  /** One task's evaluation of these instances against these values (a run each, in sequence). */
  async function evaluate(records: ResourceRecord[], values: Map<string, number>, series = new Map<string, Dimension[][]>(), fail?: Error) {
    run++;
    const context: SyncContext = {
      runId: `run-${run}`, runStartedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, run)).toISOString(), seq: run, ems: 'test',
      resources: new ResourceStore(workspace.db), events: new EventStore(workspace.db), runs: new RunStore(workspace.db), db: workspace.db, lease: DEFAULT_LEASE_SETTINGS,
    };
    const cloudWatch = fakeCloudWatch(values, series, fail ? { fail } : {});
    const clients = { sts: undefined as never, get: () => cloudWatch } as unknown as AwsClients;
    const metrics = new TaskMetrics(instanceMetricRules, { thresholds: [] });
    for await (const page of metrics.tap('EC2.Instance', pagesOf(records))) void page;
    const [outcome] = await metrics.evaluate(clients, '111111111111', 'us-east-1', context);
    return { outcome, calls: cloudWatch.calls, usage: metrics.usage };
  }
  const open = async () => [...(await new EventStore(workspace.db).openEventsOf(PARTITION)).values()].map((e) => [e.rule, e.typeNames.map((t) => t.name).join('/'), e.severity, e.text]).sort();

  const cpu = (entries: Record<string, number>) => new Map(Object.entries(entries).map(([id, v]) => [`CPUUtilization|${id}`, v]));
  const fleet = [instance('i-1'), instance('i-2'), instance('i-3', 'running', 'db')];

  it('opens an event per breaching instance and rule, with the value in its text, and writes nothing for the others', async () => {
    const discovered = new Map([['CWAgent/disk_used_percent', [[{ Name: 'InstanceId', Value: 'i-3' }, { Name: 'path', Value: '/data' }]]]]);
    const values = new Map([...cpu({ 'i-1': 95, 'i-2': 40, 'i-3': 20 }), ['disk_used_percent|i-3|/data', 98.5]]);
    // i-1 listed twice (a listing may repeat a resource across pages): measured once.
    const { outcome, calls, usage } = await evaluate([...fleet, instance('i-1')], values, discovered);
    expect(outcome?.events).toEqual({ opened: 2, recurred: 0, cleared: 0 });
    expect(await open()).toEqual([
      ['CPU', 'web_server:i-1', 2, 'WARNING – CPU total 95%'],
      ['Disk', 'db:i-3//data', 1, 'CRITICAL – Disk /data 1.5% free'],
    ]);
    // 3 CPU + 3 + 3 status checks + 1 disk series; memory and load: no series listed, no query.
    expect(calls.filter((c) => c.name === 'GetMetricData')).toHaveLength(1);
    expect(usage).toEqual({ requested: 10, calls: 1, evaluated: 4, ok: 2 });
  });

  it('moves a persisting condition to its new severity, in place (no second event)', async () => {
    const before = workspace.db.writes;
    const { outcome } = await evaluate(fleet, cpu({ 'i-1': 99, 'i-2': 40, 'i-3': 20 }), new Map([['CWAgent/disk_used_percent', [[{ Name: 'InstanceId', Value: 'i-3' }, { Name: 'path', Value: '/data' }]]]]));
    expect(outcome?.events).toEqual({ opened: 0, recurred: 1, cleared: 1 });
    expect((await open())[0]).toEqual(['CPU', 'web_server:i-1', 1, 'CRITICAL – CPU total 99%']);
    // The severity change and the disk's clear (no datapoint this time): two writes.
    expect(workspace.db.writes - before).toBe(2);
    const history = await new EventStore(workspace.db).history((await new EventStore(workspace.db).openEventsOf(PARTITION)).keys().next().value as string);
    expect(history.map((h) => [h.transition, h.severity])).toEqual([['opened', 2], ['changed', 1]]);
  });

  it('a failed metric call clears nothing and reports the partition incomplete', async () => {
    const { outcome } = await evaluate(fleet, cpu({}), new Map(), Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
    expect(outcome).toMatchObject({ partition: PARTITION, error: expect.objectContaining({ name: 'Throttling' }) });
    expect(outcome?.events).toBeUndefined();
    expect((await open()).map((e) => e[0])).toEqual(['CPU']);
  });

  it('a value back within threshold clears the event with the OK text and its value; a stopped instance\'s clears saying so', async () => {
    const { outcome } = await evaluate(fleet, cpu({ 'i-1': 40, 'i-2': 40, 'i-3': 20 }));
    expect(outcome?.events).toEqual({ opened: 0, recurred: 0, cleared: 1 });
    const events: { rule: string; state: string; text: string; severity: number }[] = [];
    for await (const e of new EventStore(workspace.db).scan()) if (e.partition === PARTITION) events.push(e);
    expect(events.find((e) => e.rule === 'CPU')).toMatchObject({ state: 'cleared', severity: 5, text: 'OK – CPU total 40%' });
    expect(events.find((e) => e.rule === 'Disk')).toMatchObject({ state: 'cleared', text: expect.stringMatching(/^OK – Disk no data/) });

    await evaluate(fleet, cpu({ 'i-1': 97 }));
    const { outcome: stopped } = await evaluate([instance('i-1', 'stopped'), ...fleet.slice(1)], cpu({ 'i-2': 40, 'i-3': 20 }));
    expect(stopped?.events).toEqual({ opened: 0, recurred: 0, cleared: 1 });
    const after: { rule: string; text: string }[] = [];
    for await (const e of new EventStore(workspace.db).scan()) if (e.partition === PARTITION && e.rule === 'CPU') after.push(e);
    expect(after[0]?.text).toBe('OK – CPU not measured: instance stopped');
  });

  it('evaluates nothing, and clears nothing, when the instances could not be listed', async () => {
    await evaluate(fleet, cpu({ 'i-1': 97 }));
    const metrics = new TaskMetrics([cpuRule, diskRule], { thresholds: [] });
    async function* failing(): AsyncGenerator<ResourceRecord[]> {
      yield [instance('i-1')];
      throw Object.assign(new Error('denied'), { name: 'UnauthorizedOperation' });
    }
    await expect((async () => { for await (const page of metrics.tap('EC2.Instance', failing())) void page; })()).rejects.toThrow('denied');
    const clients = { sts: undefined as never, get: () => { throw new Error('no call expected'); } } as unknown as AwsClients;
    const outcomes = await metrics.evaluate(clients, '111111111111', 'us-east-1', undefined as unknown as SyncContext);
    expect(outcomes).toEqual([{ type: 'EC2.Instance', partition: PARTITION }]);
    expect((await open()).map((e) => e[0])).toEqual(['CPU']);
  });
});
