import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CloudWatchClient, GetMetricDataCommand, ListMetricsCommand, paginateListMetrics, type GetMetricDataCommandInput, type Metric,
  type MetricDataQuery, type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { epochTime } from '../../local/sandbox/clock';
import { startSandbox, type RunningSandbox } from '../../local/sandbox/server';
import { BANDS, LOAD_METRIC } from '../../local/sandbox/services/cloudwatch-model';
import { formatSandboxSpec, parseSandboxSpec, type SandboxSpec } from '../../local/sandbox/spec';
import { sandboxTruth } from '../../local/sandbox/truth';
import { metricTruth, TRUTH_WINDOW_MINUTES, type MetricTruth } from '../../local/sandbox/truth/cloudwatch';
import { PRIMARY_CREDENTIALS, ec2Client, failureOf } from './sdk';

const ACCOUNT = '111111111111';
const REGION = 'us-east-1';
const MINUTE = 60_000;
const PLANTED = 'metrics=hotCpu:0.15,criticalCpu:0.1,lowMemory:0.15,criticalMemory:0.1,lowDisk:0.15,criticalDisk:0.1,systemCheck:0.1,'
  + 'highLoad:0.1,criticalLoad:0.1,lowBurst:0.3,criticalBurst:0.2,agentless:0.25';

function cloudWatchClient(sandbox: RunningSandbox): CloudWatchClient {
  return new CloudWatchClient({ region: REGION, endpoint: sandbox.url, credentials: PRIMARY_CREDENTIALS, maxAttempts: 1 });
}

function query(id: string, metric: Metric, stat = 'Average', period = 60): MetricDataQuery {
  return { Id: id, MetricStat: { Metric: metric, Period: period, Stat: stat } };
}

const instanceOf = (metric: Metric) => metric.Dimensions?.find((dimension) => dimension.Name === 'InstanceId')?.Value;

/** Every page of a GetMetricData call, results of one query joined. */
async function allMetricData(client: CloudWatchClient, input: GetMetricDataCommandInput): Promise<{ results: Map<string, MetricDataResult>; calls: number; statuses: string[] }> {
  const results = new Map<string, MetricDataResult>();
  const statuses: string[] = [];
  let calls = 0;
  let NextToken: string | undefined;
  do {
    const page = await client.send(new GetMetricDataCommand({ ...input, NextToken }));
    calls++;
    for (const result of page.MetricDataResults ?? []) {
      statuses.push(result.StatusCode ?? '');
      const seen = results.get(result.Id ?? '');
      if (!seen) results.set(result.Id ?? '', { ...result, Timestamps: [...(result.Timestamps ?? [])], Values: [...(result.Values ?? [])] });
      else {
        seen.Timestamps?.push(...(result.Timestamps ?? []));
        seen.Values?.push(...(result.Values ?? []));
        seen.StatusCode = result.StatusCode;
      }
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return { results, calls, statuses };
}

describe('CloudWatch in the sandbox (GetMetricData, ListMetrics, planted metric conditions)', () => {
  let sandbox: RunningSandbox;
  let client: CloudWatchClient;
  let spec: SandboxSpec;
  let truth: MetricTruth;
  let listed: Metric[];
  /** The listed metrics that publish now: those of running instances and their volumes. */
  let live: Metric[];
  let at: Date;
  beforeAll(async () => {
    spec = parseSandboxSpec(`seed=1&regions=1&instances=80&epoch=3&${PLANTED}`);
    sandbox = await startSandbox(spec);
    client = cloudWatchClient(sandbox);
    truth = metricTruth(spec);
    at = epochTime(spec.epoch);
    listed = [];
    for await (const page of paginateListMetrics({ client }, {})) listed.push(...(page.Metrics ?? []));
    // Listed are also the metrics of instances stopped within two weeks: those have no datapoints now.
    const publishing = new Set(truth.running.flatMap((instance) => [instance.instanceId, ...instance.burstVolumes]));
    live = listed.filter((metric) => publishing.has(metric.Dimensions?.[0]?.Value ?? ''));
  });
  afterAll(() => sandbox.close());

  it('plants every condition class in this spec, and sandboxTruth carries the same conditions', () => {
    const kinds = new Set(truth.conditions.map((condition) => `${condition.metric}:${condition.level}`));
    for (const kind of ['CPU', 'Mem', 'Disk', 'Load', 'BurstBalance']) {
      expect(kinds).toContain(`${kind}:warning`);
      expect(kinds).toContain(`${kind}:critical`);
    }
    expect(truth.conditions.filter((condition) => condition.metric === 'StatusCheck').map((condition) => condition.check).sort()).toEqual(expect.arrayContaining(['instance', 'system']));
    expect(truth.agentless.length).toBeGreaterThan(0);
    expect(sandboxTruth(spec).metrics.conditions).toEqual(truth.conditions);
  });

  it('GetMetricData answers 500 queries in one call with the truth\'s datapoints, dates and values intact', async () => {
    expect(listed.length).toBeGreaterThan(500);
    const stats = ['Average', 'Maximum', 'Minimum', 'Sum', 'SampleCount'];
    const queries = listed.slice(0, 500).map((metric, n) => query(`q${n}`, metric, stats[n % stats.length], n % 2 === 0 ? 60 : 300));
    const start = new Date(at.getTime() - 30 * MINUTE);
    const answer = await client.send(new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: start, EndTime: at, ScanBy: 'TimestampAscending' }));
    expect(answer.NextToken).toBeUndefined();
    expect(answer.MetricDataResults).toHaveLength(500);
    answer.MetricDataResults?.forEach((result, n) => {
      const asked = queries[n]?.MetricStat;
      const expected = truth.datapoints(ACCOUNT, REGION, asked?.Metric ?? {}, { start, end: at, period: asked?.Period, stat: asked?.Stat });
      expect(result.Id).toBe(`q${n}`);
      expect(result.Label).toBe(asked?.Metric?.MetricName);
      expect(result.StatusCode).toBe('Complete');
      expect(result.Timestamps?.every((time) => time instanceof Date)).toBe(true);
      expect(result.Timestamps).toEqual(expected.timestamps);
      expect(result.Values).toEqual(expected.values);
    });
    // Running instances publish every minute: a 30-minute window at period 60 has 30 datapoints.
    const full = answer.MetricDataResults?.filter((result, n) => n % 2 === 0 && (result.Values?.length ?? 0) > 0) ?? [];
    expect(full.length).toBeGreaterThan(150);
    expect(full.every((result) => result.Values?.length === 30)).toBe(true);
  });

  it('refuses 501 queries with ValidationError, like AWS, and an Expression query as not implemented', async () => {
    const metric = listed[0] as Metric;
    const tooMany = await failureOf(client.send(new GetMetricDataCommand({
      MetricDataQueries: Array.from({ length: 501 }, (_, n) => query(`q${n}`, metric)), StartTime: new Date(at.getTime() - MINUTE * 5), EndTime: at,
    })));
    expect(tooMany.name).toBe('ValidationException');
    expect((tooMany as { Code?: string }).Code).toBe('ValidationError');
    expect(tooMany.$metadata?.httpStatusCode).toBe(400);
    expect(tooMany.message).toMatch(/less than or equal to 500/);
    const expression = await failureOf(client.send(new GetMetricDataCommand({
      MetricDataQueries: [{ Id: 'e1', Expression: 'SELECT AVG(CPUUtilization) FROM "AWS/EC2"' }], StartTime: new Date(at.getTime() - MINUTE * 5), EndTime: at,
    })));
    expect((expression as { Code?: string }).Code).toBe('ValidationError');
    expect(expression.message).toMatch(/Expression.*not implemented/);
    const duplicate = await failureOf(client.send(new GetMetricDataCommand({
      MetricDataQueries: [query('a', metric), query('a', metric)], StartTime: new Date(at.getTime() - MINUTE * 5), EndTime: at,
    })));
    expect(duplicate.message).toMatch(/not unique/);
  });

  it('pages by MaxDatapoints: a cut result is PartialData, the pages together equal one unpaged answer', async () => {
    const queries = live.slice(0, 7).map((metric, n) => query(`m${n}`, metric));
    const input = { MetricDataQueries: queries, StartTime: new Date(at.getTime() - 20 * MINUTE), EndTime: at };
    const whole = await allMetricData(client, input);
    expect(whole.calls).toBe(1);
    const paged = await allMetricData(client, { ...input, MaxDatapoints: 13 });
    expect(paged.calls).toBeGreaterThan(5);
    expect(paged.statuses).toContain('PartialData');
    expect([...paged.results.values()]).toEqual([...whole.results.values()]);
    // Newest first by default.
    const times = whole.results.get('m0')?.Timestamps?.map((time) => time.getTime()) ?? [];
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const stale = await failureOf(client.send(new GetMetricDataCommand({ ...input, MaxDatapoints: 13, NextToken: 'bm90LWEtdG9rZW4' })));
    expect((stale as { Code?: string }).Code).toBe('InvalidNextToken');
  });

  it('ListMetrics pages 500 at a time and filters by namespace, metric name and dimensions', async () => {
    const first = await client.send(new ListMetricsCommand({}));
    expect(first.Metrics).toHaveLength(500);
    expect(first.NextToken).toBeDefined();
    expect(new Set(listed.map((metric) => JSON.stringify(metric))).size).toBe(listed.length);
    const instance = instanceOf(listed.find((metric) => metric.Namespace === 'CWAgent') as Metric) as string;
    const ofInstance = await client.send(new ListMetricsCommand({ Dimensions: [{ Name: 'InstanceId', Value: instance }] }));
    expect(ofInstance.Metrics?.map((metric) => `${metric.Namespace}/${metric.MetricName}`).sort()).toEqual(
      listed.filter((metric) => instanceOf(metric) === instance).map((metric) => `${metric.Namespace}/${metric.MetricName}`).sort());
    expect(ofInstance.Metrics?.map((metric) => metric.MetricName)).toEqual(expect.arrayContaining(['CPUUtilization', 'StatusCheckFailed_Instance', 'StatusCheckFailed_System', 'mem_used_percent', 'disk_used_percent', LOAD_METRIC]));
    const disks = await client.send(new ListMetricsCommand({ Namespace: 'CWAgent', MetricName: 'disk_used_percent', Dimensions: [{ Name: 'path', Value: '/data' }] }));
    expect(disks.Metrics?.length).toBeGreaterThan(0);
    expect(disks.Metrics?.every((metric) => metric.Dimensions?.map((dimension) => dimension.Name).join() === 'InstanceId,path,device,fstype'
      && metric.Dimensions.find((dimension) => dimension.Name === 'path')?.Value === '/data')).toBe(true);
    const burst = await client.send(new ListMetricsCommand({ Namespace: 'AWS/EBS', RecentlyActive: 'PT3H' }));
    expect(burst.Metrics?.length).toBeGreaterThan(0);
    expect(burst.Metrics?.every((metric) => metric.MetricName === 'BurstBalance' && metric.Dimensions?.[0]?.Name === 'VolumeId')).toBe(true);
    const wrong = await failureOf(client.send(new ListMetricsCommand({ RecentlyActive: 'P1D' as 'PT3H' })));
    expect((wrong as { Code?: string }).Code).toBe('ValidationError');
  });

  it('agentless instances publish no CWAgent metric; every other running instance does', async () => {
    const agentless = new Set(truth.agentless.map((instance) => instance.instanceId));
    const withAgent = new Set(listed.filter((metric) => metric.Namespace === 'CWAgent').map(instanceOf));
    const running = truth.running.map((instance) => instance.instanceId);
    expect(running.filter((id) => !withAgent.has(id)).sort()).toEqual([...agentless].sort());
    const id = [...agentless][0] as string;
    const answer = await client.send(new GetMetricDataCommand({
      MetricDataQueries: [
        query('mem', { Namespace: 'CWAgent', MetricName: 'mem_used_percent', Dimensions: [{ Name: 'InstanceId', Value: id }] }),
        query('cpu', { Namespace: 'AWS/EC2', MetricName: 'CPUUtilization', Dimensions: [{ Name: 'InstanceId', Value: id }] }),
      ],
      StartTime: new Date(at.getTime() - 10 * MINUTE), EndTime: at,
    }));
    expect(answer.MetricDataResults?.map((result) => result.Values?.length)).toEqual([0, 10]);
    expect(truth.conditions.filter((condition) => agentless.has(condition.instanceId) && ['Mem', 'Disk', 'Load'].includes(condition.metric))).toEqual([]);
  });

  it('stopped and terminated instances have no datapoints', async () => {
    const { Reservations } = await ec2Client(sandbox, REGION).send(new DescribeInstancesCommand({}));
    const instances = (Reservations ?? []).flatMap((reservation) => reservation.Instances ?? []);
    const notRunning = instances.filter((instance) => instance.State?.Name !== 'running').map((instance) => instance.InstanceId as string);
    expect(notRunning.length).toBeGreaterThan(0);
    expect(instances.filter((instance) => instance.State?.Name === 'running').map((instance) => instance.InstanceId).sort()).toEqual(truth.running.map((instance) => instance.instanceId).sort());
    const answer = await client.send(new GetMetricDataCommand({
      MetricDataQueries: notRunning.map((id, n) => query(`s${n}`, { Namespace: 'AWS/EC2', MetricName: 'CPUUtilization', Dimensions: [{ Name: 'InstanceId', Value: id }] })),
      StartTime: new Date(at.getTime() - 30 * MINUTE), EndTime: new Date(at.getTime() + 30 * MINUTE),
    }));
    expect(answer.MetricDataResults?.map((result) => result.Values?.length ?? 0)).toEqual(notRunning.map(() => 0));
  });

  it('the truth agrees with GetMetricData: planted conditions and their values, and every other series normal, over any window', async () => {
    const start = new Date(at.getTime() - TRUTH_WINDOW_MINUTES * MINUTE);
    const wallClock = Math.floor(Date.now() / MINUTE) * MINUTE;
    const windows = [{ start, end: at }, { start: new Date(wallClock - 15 * MINUTE), end: new Date(wallClock) }];
    const metrics = live;
    expect(metrics.length).toBeGreaterThan(400);
    const conditionOf = new Map(truth.conditions.map((condition) => [JSON.stringify([condition.namespace, condition.metricName, condition.dimensions]), condition]));
    const failingCheck = new Set(truth.conditions.filter((condition) => condition.metric === 'StatusCheck').map((condition) => condition.instanceId));
    for (const window of windows) {
      for (let from = 0; from < metrics.length; from += 166) {
        const batch = metrics.slice(from, from + 166);
        const queries = batch.flatMap((metric, n) => ['Average', 'Maximum', 'Minimum'].map((stat) => query(`${stat.toLowerCase()}${n}`, metric, stat, 3600)));
        const answer = await client.send(new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: window.start, EndTime: window.end }));
        const byId = new Map((answer.MetricDataResults ?? []).map((result) => [result.Id, result.Values?.[0]]));
        const value = (id: string) => byId.get(id);
        batch.forEach((metric, n) => {
          const condition = conditionOf.get(JSON.stringify([metric.Namespace, metric.MetricName, metric.Dimensions]));
          const kind = metric.MetricName === 'CPUUtilization' ? 'CPU' : metric.MetricName === 'mem_used_percent' ? 'Mem' : metric.MetricName === 'disk_used_percent' ? 'Disk'
            : metric.MetricName === LOAD_METRIC ? 'Load' : metric.MetricName === 'BurstBalance' ? 'BurstBalance' : 'StatusCheck';
          const combinedCheck = metric.MetricName === 'StatusCheckFailed' && failingCheck.has(instanceOf(metric) ?? '');
          const band = condition ? condition.band : combinedCheck ? [1, 1] : kind === 'StatusCheck' ? [0, 0] : BANDS[kind].normal;
          for (const stat of ['average', 'maximum', 'minimum']) {
            const found = value(`${stat}${n}`);
            expect(found).toBeDefined();
            expect(found).toBeGreaterThanOrEqual(band[0] as number);
            expect(found).toBeLessThanOrEqual(band[1] as number);
          }
          if (condition && window.end === at) expect(value(`average${n}`)).toBe(condition.value);
        });
      }
    }
    // The thresholds of issue 18 classify the bands: CPU ≥ 90 / 98, memory and disk free ≤ 10 / 3.
    for (const condition of truth.conditions) {
      if (condition.metric === 'CPU') expect(condition.value >= 98 ? 'critical' : condition.value >= 90 ? 'warning' : 'ok').toBe(condition.level);
      if (condition.metric === 'Mem' || condition.metric === 'Disk') expect(100 - condition.value <= 3 ? 'critical' : 100 - condition.value <= 10 ? 'warning' : 'ok').toBe(condition.level);
    }
  });

  it('the server\'s machinery applies: fail= rules name CloudWatch operations, errors carry the query code', async () => {
    const failing = await startSandbox(parseSandboxSpec('regions=1&instances=3&throttle=1&fail=*:CloudWatch.ListMetrics:AccessDenied'));
    try {
      const error = await failureOf(cloudWatchClient(failing).send(new ListMetricsCommand({})));
      expect(error.name).toBe('AccessDenied');
      expect(failing.stats().byOperation['CloudWatch.ListMetrics']).toBe(1);
      const throttled = await failureOf(cloudWatchClient(failing).send(new GetMetricDataCommand({
        MetricDataQueries: [query('a', { Namespace: 'AWS/EC2', MetricName: 'CPUUtilization' })], StartTime: new Date(at.getTime() - MINUTE), EndTime: at,
      })));
      expect([throttled.name, failing.stats().throttled]).toEqual(['Throttling', 1]);
      const elsewhere = new CloudWatchClient({ region: 'eu-west-3', endpoint: failing.url, credentials: PRIMARY_CREDENTIALS, maxAttempts: 1 });
      expect((await failureOf(elsewhere.send(new ListMetricsCommand({})))).name).toBe('InvalidClientTokenId');
    } finally {
      await failing.close();
    }
  });
});

describe('planted metric conditions over the epochs', () => {
  it('a later epoch opens, escalates and clears some conditions, and keeps most', () => {
    const key = (condition: { resourceId: string; metric: string; mount?: string }) => `${condition.resourceId} ${condition.metric} ${condition.mount ?? ''}`;
    const levels = (epoch: number) => new Map(metricTruth(parseSandboxSpec(`seed=1&regions=1&instances=80&epoch=${epoch}&${PLANTED}`)).conditions
      .map((condition) => [key(condition), condition.level]));
    const before = levels(3);
    const after = levels(9);
    const kept = [...before].filter(([id, level]) => after.get(id) === level);
    const escalated = [...before].filter(([id, level]) => level === 'warning' && after.get(id) === 'critical');
    const cleared = [...before.keys()].filter((id) => !after.has(id));
    const opened = [...after.keys()].filter((id) => !before.has(id));
    expect(kept.length).toBeGreaterThan(before.size / 2);
    expect([escalated.length, cleared.length, opened.length].every((count) => count > 0)).toBe(true);
  });
});

describe('the metrics= spec key', () => {
  it('parses and formats fractions by class, and none', () => {
    const spec = parseSandboxSpec('metrics=hotCpu:0.2,agentless:0');
    expect(spec.metrics).toEqual({ hotCpu: 0.2, agentless: 0 });
    expect(formatSandboxSpec(spec)).toBe('metrics=hotCpu:0.2,agentless:0');
    expect(formatSandboxSpec(parseSandboxSpec('metrics=none'))).toBe('metrics=none');
    expect(metricTruth(parseSandboxSpec('regions=1&instances=30&metrics=none')).conditions.filter((condition) => condition.metric !== 'StatusCheck' || condition.check !== 'instance')).toEqual([]);
  });

  it('refuses unknown classes, fractions outside 0..1, and pairs over 1', () => {
    expect(() => parseSandboxSpec('metrics=hotDisk:0.2')).toThrow(/"metrics" entries must look like class:fraction, class one of hotCpu/);
    expect(() => parseSandboxSpec('metrics=hotCpu:2')).toThrow(/fraction from 0 to 1/);
    expect(() => parseSandboxSpec('metrics=hotCpu:0.6,criticalCpu:0.5')).toThrow(/criticalCpu \+ hotCpu must not exceed 1/);
  });
});
