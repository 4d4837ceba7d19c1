import { describe, expect, it } from '@jest/globals';
import type { Context } from 'aws-lambda';
import { lambdaHandler } from '../../src/lambda/middleware';
import { collectObservation, normalizeObservation, runOutcome } from '../../src/lambda/observations';
import { handlerRuntime } from '../../src/lambda/runtime';
import { TaskThrottledError } from '../../src/collect/collect-task';
import { summarizeRun, type RunSummary, type SkippedTarget } from '../../src/dto/run-summary';
import { emptyEventCounts, type TaskResult } from '../../src/dto/task';
import { MAX_TARGET_BREAKDOWN, RUN_METRIC, TASK_METRIC, metricsNamespace } from '../../src/lambda/metric-names';
import { capturedOutput } from '../support/captured-output';

type Json = Record<string, unknown>;
type Emf = Json & { _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] } };

const NAMESPACE = metricsNamespace('Cloudtap');
const IN_LAMBDA = handlerRuntime({
  AWS_LAMBDA_FUNCTION_NAME: 'Cloudtap-NormalizeFunction', POWERTOOLS_SERVICE_NAME: 'cloudtap', POWERTOOLS_METRICS_NAMESPACE: NAMESPACE,
  POWERTOOLS_TRACE_ENABLED: 'false',
});
const CONTEXT = { awsRequestId: 'r-1', functionName: 'Cloudtap-NormalizeFunction', getRemainingTimeInMillis: () => 60_000 } as unknown as Context;
const RUN_ID = '20240501T100000Z-exec-1';

const output = capturedOutput({ stderr: false });

const emf = (): Emf[] => output.lines().map((line) => JSON.parse(line) as Json).filter((line): line is Emf => '_aws' in line);

function result(account: string, region: string, status: TaskResult['status'], n = 0): TaskResult {
  return {
    schemaVersion: 1, taskId: `CloudService:${account}:${region}:EC2:${n}`, taskType: 'inventory.CloudService', accountId: account, region, service: 'EC2',
    status, resources: { seen: 10, created: 1, updated: 2, unchanged: 7, deleted: 0 }, events: { ...emptyEventCounts(), opened: 2, recurred: 3 },
    completePartitions: [], apiCalls: 4, throttles: 0, writes: 5, durationMs: 100,
    errors: status === 'failed' ? [{ code: 'UnauthorizedOperation', message: 'denied' }, { code: 'UnauthorizedOperation', message: 'denied again' }] : [],
  };
}

function summary(results: TaskResult[], skipped: SkippedTarget[] = []): RunSummary {
  return summarizeRun({ runId: RUN_ID, startedAt: '2024-05-01T10:00:00.000Z', finishedAt: '2024-05-01T10:02:30.000Z', skipped, extraWrites: 0 }, results);
}

async function finalize(run: RunSummary): Promise<Emf[]> {
  await lambdaHandler(async () => run, normalizeObservation, IN_LAMBDA)({ mode: 'finalize', runId: RUN_ID }, CONTEXT);
  return emf();
}

describe('run metrics (Finalize)', () => {
  it('a clean run counts one succeeded run, its duration, resources and events, under the deployment\'s namespace', async () => {
    const [run, ...breakdowns] = await finalize(summary([result('111111111111', 'eu-west-1', 'succeeded')],
      [{ accountId: '111111111111', region: 'ap-east-1', reason: 'region not opted in (OptInStatus not-opted-in)' }]));
    expect(breakdowns).toEqual([]);
    expect(run?._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'cloudtap/Cloudtap', Dimensions: [['service']] });
    expect(run).toMatchObject({
      service: 'cloudtap', RunsSucceeded: 1, RunsPartial: 0, RunDurationMs: 150_000,
      TasksFailed: 0, TasksSkipped: 1, AccountsUnreachable: 0, ResourcesSeen: 10, ResourcesChanged: 3, EventsOpened: 2, EventsRecurred: 3,
    });
  });

  it('publishes the events open at the run\'s end, one value per severity', async () => {
    const run = summary([result('111111111111', 'eu-west-1', 'succeeded')]);
    run.openEvents = { 1: 2, 2: 7, 3: 0, 4: 0, 5: 0 };
    const [, ...breakdowns] = await finalize(run);
    expect(breakdowns.map((line) => [line.severity, line.EventsOpen])).toEqual([['1', 2], ['2', 7], ['3', 0], ['4', 0], ['5', 0]]);
    expect(breakdowns[0]?._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'cloudtap/Cloudtap', Dimensions: [['service', 'severity']] });
  });

  it('failed tasks make the run partial, with no breakdown of their own (Collect publishes those)', async () => {
    const [run, ...breakdowns] = await finalize(summary([
      result('111111111111', 'eu-west-1', 'failed', 1), result('111111111111', 'eu-west-1', 'failed', 2), result('222222222222', 'eu-west-1', 'succeeded'),
    ]));
    expect(run).toMatchObject({ RunsSucceeded: 0, RunsPartial: 1, TasksFailed: 2 });
    expect(breakdowns).toEqual([]);
  });

  it('an unreachable member account makes the run partial and shows as that account, all regions, skipped', async () => {
    const [run, ...breakdowns] = await finalize(summary([result('111111111111', 'eu-west-1', 'succeeded')],
      [{ accountId: '222222222222', reason: 'role arn:aws:iam::222222222222:role/x could not be reached: AccessDenied – no' }]));
    expect(run).toMatchObject({ RunsSucceeded: 0, RunsPartial: 1, AccountsUnreachable: 1, TasksSkipped: 1 });
    expect(breakdowns).toEqual([expect.objectContaining({ account: '222222222222', region: 'all', TasksSkipped: 1 })]);
  });

  it('many unreachable accounts publish at most the capped number of breakdowns, the rest summed as other', async () => {
    const skipped = Array.from({ length: 25 }, (_, a) => ({ accountId: String(a).padStart(12, '0'), reason: 'could not be reached' }));
    const [run, ...breakdowns] = await finalize(summary([result('111111111111', 'eu-west-1', 'succeeded')], skipped));
    expect(run).toMatchObject({ AccountsUnreachable: 25, RunsPartial: 1 });
    expect(breakdowns).toHaveLength(MAX_TARGET_BREAKDOWN);
    expect(breakdowns.reduce((sum, line) => sum + Number(line.TasksSkipped), 0)).toBe(25);
    expect(breakdowns.at(-1)).toMatchObject({ account: 'other', region: 'other', TasksSkipped: 25 - (MAX_TARGET_BREAKDOWN - 1) });
  });

  it('a summary that says partial counts as partial', () => {
    const run = summary([result('111111111111', 'eu-west-1', 'succeeded')]);
    expect(runOutcome(run)).toBe('succeeded');
    expect(runOutcome({ ...run, status: 'partial' })).toBe('partial');
  });

  it('publishes every run metric the stack reads', async () => {
    const [run] = await finalize(summary([result('111111111111', 'eu-west-1', 'succeeded')]));
    expect(run?._aws.CloudWatchMetrics[0]?.Metrics.map((m) => m.Name).sort()).toEqual(Object.values(RUN_METRIC).sort());
  });
});

describe('task metrics (Collect)', () => {
  it('a task that ends failed is also counted by its account and region; a succeeded one is not', async () => {
    await lambdaHandler(async () => result('111111111111', 'eu-west-1', 'succeeded'), collectObservation, IN_LAMBDA)({ runId: RUN_ID }, CONTEXT);
    await lambdaHandler(async () => result('222222222222', 'us-east-1', 'failed'), collectObservation, IN_LAMBDA)({ runId: RUN_ID }, CONTEXT);
    const lines = emf();
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatchObject({ account: '222222222222', region: 'us-east-1', TasksFailed: 1 });
    expect(lines[2]?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['account', 'region']]);
  });

  it('a throttled task counts as a task error and as a throttled retry; another error only as a task error', async () => {
    const task = { runId: RUN_ID, taskId: 't', taskType: 'inventory.CloudService', service: 'EC2' };
    await expect(lambdaHandler(async () => { throw new TaskThrottledError('throttled'); }, collectObservation, IN_LAMBDA)(task, CONTEXT)).rejects.toThrow();
    await expect(lambdaHandler(async () => { throw new Error('boom'); }, collectObservation, IN_LAMBDA)(task, CONTEXT)).rejects.toThrow();
    const [throttled, retry, failed, ...more] = emf();
    expect(throttled).toMatchObject({ service: 'EC2', [TASK_METRIC.taskErrors]: 1 });
    expect(retry).toMatchObject({ service: 'cloudtap', [TASK_METRIC.taskThrottledRetries]: 1 });
    expect(retry?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['service']]);
    expect(failed).toMatchObject({ service: 'EC2', [TASK_METRIC.taskErrors]: 1 });
    expect(more).toEqual([]);
  });
});
