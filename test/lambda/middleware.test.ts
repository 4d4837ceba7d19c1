import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { Context } from 'aws-lambda';
import { lambdaHandler } from '../../src/lambda/middleware';
import { collectObservation, getTasksObservation, normalizeObservation } from '../../src/lambda/observations';
import { handlerRuntime } from '../../src/lambda/runtime';
import { TaskThrottledError } from '../../src/collect/collect-task';
import { summarizeRun } from '../../src/dto/run-summary';
import type { Task, TaskResult } from '../../src/dto/task';
import { emptyEventCounts } from '../../src/dto/task';
import type { Alarm } from '../../src/finalize/alarms';
import { handler as getTasksHandler } from '../../lambdas/get-tasks/index';
import { handler as normalizeHandler } from '../../lambdas/normalize/index';

/** What the handlers write, line by line, while a test runs. */
function captureOutput() {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const capture = (lines: string[]) => (chunk: unknown): boolean => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  };
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation(capture(stdout) as typeof process.stdout.write),
    jest.spyOn(process.stderr, 'write').mockImplementation(capture(stderr) as typeof process.stderr.write),
  ];
  return { stdout, stderr, restore: () => spies.forEach((spy) => spy.mockRestore()) };
}

type Json = Record<string, unknown>;
const json = (lines: string[]): Json[] => lines.map((line) => JSON.parse(line) as Json);
const emf = (lines: string[]): Json[] => json(lines).filter((line) => '_aws' in line);
const logLines = (lines: string[]): Json[] => json(lines).filter((line) => 'level' in line);
/** In Lambda both streams go to CloudWatch: Powertools writes warnings and errors to stderr. */
const lambdaLog = (): Json[] => logLines([...output.stdout, ...output.stderr]).sort((a, b) => String(a.timestamp).localeCompare(String(b.timestamp)));

/** As in AWS: the Lambda runtime's variables, tracing off (no X-Ray daemon here), metrics on. */
const IN_LAMBDA = handlerRuntime({
  AWS_LAMBDA_FUNCTION_NAME: 'Cloudtap-CollectFunction', POWERTOOLS_SERVICE_NAME: 'cloudtap', POWERTOOLS_METRICS_NAMESPACE: 'cloudtap',
  POWERTOOLS_TRACE_ENABLED: 'false',
});
/** As the local runner calls the handlers: no Lambda variables at all. */
const LOCAL = handlerRuntime({});

const CONTEXT = {
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  functionName: 'Cloudtap-CollectFunction',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:Cloudtap-CollectFunction',
  memoryLimitInMB: '1024',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

const RUN_ID = '20240501T100000Z-exec-1';

function task(overrides: Partial<Task> = {}): Task {
  return {
    schemaVersion: 1, runId: RUN_ID, taskId: 'CloudService:123456789012:eu-west-1:EC2', taskType: 'inventory.CloudService',
    account: { accountId: '123456789012' }, service: 'EC2', region: 'eu-west-1',
    options: { runStartedAt: '2024-05-01T10:00:00.000Z', ems: 'test' }, ...overrides,
  };
}

function taskResult(t: Task, overrides: Partial<TaskResult> = {}): TaskResult {
  return {
    schemaVersion: 1, taskId: t.taskId, taskType: t.taskType, accountId: t.account.accountId, region: t.region, service: t.service,
    status: 'succeeded', resources: { seen: 120, created: 3, updated: 2, unchanged: 114, deleted: 1 }, events: emptyEventCounts(),
    completePartitions: [], apiCalls: 17, throttles: 0, writes: 9, durationMs: 1432, errors: [], ...overrides,
  };
}

let output: ReturnType<typeof captureOutput>;
beforeEach(() => { output = captureOutput(); });
afterEach(() => output.restore());

describe('logs', () => {
  it('every line of an invocation carries its run id and task id, with the Lambda context', async () => {
    const t = task();
    const handler = lambdaHandler(async () => taskResult(t), collectObservation, IN_LAMBDA);
    await handler(t, CONTEXT);
    const lines = logLines(output.stdout);
    expect(lines).toEqual([expect.objectContaining({
      level: 'INFO', message: 'task succeeded', service: 'cloudtap', runId: RUN_ID, taskId: t.taskId,
      function_request_id: CONTEXT.awsRequestId, function_name: 'Cloudtap-CollectFunction',
      resources: { seen: 120, created: 3, updated: 2, unchanged: 114, deleted: 1 }, apiCalls: 17, writes: 9,
    })]);
    expect(output.stderr).toEqual([]);
  });

  it('tasks the local runner collects at once each keep their own ids on their lines', async () => {
    const handler = lambdaHandler(async (event) => {
      const t = event as Task;
      await new Promise((resolve) => setTimeout(resolve, t.taskId.endsWith('EC2') ? 30 : 5));
      return taskResult(t);
    }, collectObservation, handlerRuntime({ CLOUDTAP_LOG_LEVEL: 'info' }));
    const tasks = [task(), task({ taskId: 'CloudService:123456789012:eu-west-1:CloudTrail', service: 'CloudTrail' }), task({ runId: 'other-run', taskId: 'Region:123456789012:us-east-1', taskType: 'inventory.Region', service: undefined })];
    await Promise.all(tasks.map((t) => handler(t)));
    const lines = logLines(output.stderr);
    expect(lines.map((line) => [line.runId, line.taskId]).sort()).toEqual(tasks.map((t) => [t.runId, t.taskId]).sort());
  });

  it('GetTasks logs as the run its execution starts; Finalize as its run; a real-time event as its EventBridge id', async () => {
    const plan = {
      schemaVersion: 1 as const, runId: RUN_ID, startedAt: '2024-05-01T10:00:00.000Z', concurrency: 20, accountConcurrency: 25, selection: {},
      catalogAccountId: '123456789012', member: {}, cursor: { page: 0 }, lastPage: 0, accounts: 0,
    };
    await lambdaHandler(async () => plan, getTasksObservation, IN_LAMBDA)({ request: {}, execution: { name: 'exec-1', startTime: '2024-05-01T10:00:00.000Z' } }, CONTEXT);
    const summary = summarizeRun({ runId: RUN_ID, startedAt: '2024-05-01T10:00:00.000Z', finishedAt: '2024-05-01T10:01:00.000Z', skipped: [], extraWrites: 0 }, []);
    await lambdaHandler(async () => summary, normalizeObservation, IN_LAMBDA)({ mode: 'finalize', runId: RUN_ID }, CONTEXT);
    const realtime = lambdaHandler(async () => { throw Object.assign(new Error('event.detail: must be an object'), { name: 'InvalidInput' }); }, normalizeObservation, IN_LAMBDA);
    await expect(realtime({ id: 'ev-42', 'detail-type': 'EC2 Instance State-change Notification' }, CONTEXT)).rejects.toThrow();
    expect(lambdaLog().map(({ message, runId, taskId, executionName, eventId }) => ({ message, runId, taskId, executionName, eventId }))).toEqual([
      { message: 'planned 0 accounts', runId: RUN_ID, taskId: 'GetTasks', executionName: 'exec-1', eventId: undefined },
      { message: 'run succeeded', runId: RUN_ID, taskId: undefined, executionName: undefined, eventId: undefined },
      { message: 'Normalize failed: InvalidInput', runId: undefined, taskId: undefined, executionName: undefined, eventId: 'ev-42' },
    ]);
  });

  it('a warm Lambda does not carry one invocation\'s ids onto the next', async () => {
    const handler = lambdaHandler(async (event) => taskResult(event as Task), collectObservation, IN_LAMBDA);
    await handler(task(), CONTEXT);
    await handler(task({ runId: 'run-2', taskId: 'Region:123456789012:us-east-1', taskType: 'inventory.Region', service: undefined }), CONTEXT);
    expect(logLines(output.stdout).map((line) => [line.runId, line.taskId])).toEqual([[RUN_ID, task().taskId], ['run-2', 'Region:123456789012:us-east-1']]);
  });
});

describe('errors', () => {
  it('a cloudtap.Throttled error thrown by the domain reaches the caller with that name, the object itself', async () => {
    const thrown = new TaskThrottledError('CloudService:123456789012:eu-west-1:EC2: still throttled after the SDK\'s retries');
    const handler = lambdaHandler(async () => { throw thrown; }, collectObservation, IN_LAMBDA);
    const caught = await handler(task(), CONTEXT).then(() => undefined, (error: unknown) => error);
    expect(caught).toBe(thrown);
    expect((caught as Error).name).toBe('cloudtap.Throttled');
    // Retried by the state machine: a warning with the error, not an error line.
    expect(lambdaLog()).toEqual([expect.objectContaining({
      level: 'WARN', runId: RUN_ID, taskId: task().taskId, error: expect.objectContaining({ name: 'cloudtap.Throttled' }),
    })]);
  });

  it('an invocation that reaches the Lambda timeout fails as TimeoutError, with its error line and TaskErrors still out', async () => {
    const handler = lambdaHandler(() => new Promise<TaskResult>(() => {}), collectObservation, IN_LAMBDA);
    const nearlyOut = { ...CONTEXT, getRemainingTimeInMillis: () => 40 } as Context;
    await expect(handler(task(), nearlyOut)).rejects.toMatchObject({ name: 'TimeoutError', message: 'Collect ran out of time: the invocation reached the function\'s timeout' });
    expect(lambdaLog()).toEqual([expect.objectContaining({ level: 'ERROR', message: 'Collect failed: TimeoutError', taskId: task().taskId })]);
    expect(emf(output.stdout)).toEqual([expect.objectContaining({ TaskErrors: 1, error: 'TimeoutError' })]);
  });

  it('the real handlers reject invalid input as InvalidInput, called with the event alone as the local runner does', async () => {
    await expect(getTasksHandler({ request: { services: ['nope'] }, execution: { name: 'x', startTime: '2024-05-01T10:00:00.000Z' } }))
      .rejects.toMatchObject({ name: 'InvalidInput', message: expect.stringMatching(/services\[0\]/) });
    await expect(normalizeHandler({ hello: 'world' })).rejects.toMatchObject({ name: 'InvalidInput' });
  });
});

describe('metrics', () => {
  it('a Collect result is published once, as EMF, with the task\'s service and type as dimensions', async () => {
    const t = task();
    const handler = lambdaHandler(async () => taskResult(t), collectObservation, IN_LAMBDA);
    await handler(t, CONTEXT);
    const [blob, ...more] = emf(output.stdout);
    expect(more).toEqual([]);
    expect(blob?._aws).toEqual({
      Timestamp: expect.any(Number),
      CloudWatchMetrics: [{
        Namespace: 'cloudtap',
        Dimensions: [['service', 'taskType']],
        Metrics: expect.arrayContaining([
          { Name: 'Resources', Unit: 'Count' }, { Name: 'ResourcesChanged', Unit: 'Count' }, { Name: 'Writes', Unit: 'Count' },
          { Name: 'ApiCalls', Unit: 'Count' }, { Name: 'Throttles', Unit: 'Count' }, { Name: 'DurationMs', Unit: 'Milliseconds' },
        ]),
      }],
    });
    expect(blob).toMatchObject({
      service: 'EC2', taskType: 'inventory.CloudService', runId: RUN_ID, taskId: t.taskId,
      Resources: 120, ResourcesChanged: 6, Writes: 9, ApiCalls: 17, DurationMs: 1432,
    });
  });

  it('Throttles is published from the result\'s throttle count', async () => {
    const t = task();
    const handler = lambdaHandler(async () => ({ ...taskResult(t), throttles: 4 }), collectObservation, IN_LAMBDA);
    await handler(t, CONTEXT);
    expect(emf(output.stdout)[0]).toMatchObject({ Throttles: 4 });
  });

  it('a task without a service (Region) is dimensioned as service "none"; a task that throws counts one TaskErrors', async () => {
    const region = task({ taskId: 'Region:123456789012:us-east-1', taskType: 'inventory.Region', service: undefined });
    await lambdaHandler(async () => taskResult(region), collectObservation, IN_LAMBDA)(region, CONTEXT);
    const throttled = lambdaHandler(async () => { throw new TaskThrottledError('throttled'); }, collectObservation, IN_LAMBDA);
    await expect(throttled(task(), CONTEXT)).rejects.toThrow('throttled');
    expect(emf(output.stdout)).toEqual([
      expect.objectContaining({ service: 'none', taskType: 'inventory.Region', Resources: 120 }),
      expect.objectContaining({ service: 'EC2', taskType: 'inventory.CloudService', TaskErrors: 1, error: 'cloudtap.Throttled' }),
      // Apart, under the run's dimensions: the Collect errors alarm subtracts these retried invocations.
      expect.objectContaining({ service: 'cloudtap', TaskThrottledRetries: 1 }),
    ]);
  });

  it('Finalize publishes the run\'s failed tasks and raised alarms', async () => {
    const failed = taskResult(task(), { status: 'failed', errors: [{ code: 'UnauthorizedOperation', message: 'no' }] });
    const alarm = (detailType: Alarm['detailType']): Alarm => ({ detailType, threshold: 't', eventId: 'e', severity: 2, group: null, text: '', time: '', runId: RUN_ID, ems: 'test' });
    const summary = {
      ...summarizeRun({ runId: RUN_ID, startedAt: '2024-05-01T10:00:00.000Z', finishedAt: '2024-05-01T10:01:00.000Z', skipped: [], extraWrites: 0 }, [failed, taskResult(task())]),
      alarms: [alarm('cloudtap.Alarm'), alarm('cloudtap.AlarmCleared'), alarm('cloudtap.Alarm')],
    };
    await lambdaHandler(async () => summary, normalizeObservation, IN_LAMBDA)({ mode: 'finalize', runId: RUN_ID }, CONTEXT);
    const [blob] = emf(output.stdout);
    expect(blob).toMatchObject({ service: 'cloudtap', runId: RUN_ID, TasksFailed: 1, Alarms: 2 });
    expect((blob?._aws as { CloudWatchMetrics: { Dimensions: string[][] }[] }).CloudWatchMetrics[0]?.Dimensions).toEqual([['service']]);
    expect(lambdaLog()).toEqual([expect.objectContaining({ level: 'WARN', message: 'run partial', runId: RUN_ID })]);
  });
});

describe('locally (no Lambda variables)', () => {
  it('prints nothing: no log lines, no EMF, no X-Ray — the CLI\'s --json output stays clean', async () => {
    // The X-Ray SDK registers a cls-hooked namespace when it is imported (unless another test file in this worker did).
    const xray = () => (process as unknown as { namespaces?: Record<string, unknown> }).namespaces?.AWSXRay;
    const xrayBefore = xray();
    const t = task();
    await lambdaHandler(async () => taskResult(t), collectObservation, LOCAL)(t);
    await expect(lambdaHandler(async () => { throw new TaskThrottledError('throttled'); }, collectObservation, LOCAL)(t)).rejects.toThrow();
    await expect(normalizeHandler({ mode: 'nope' })).rejects.toMatchObject({ name: 'InvalidInput' });
    expect(output.stdout).toEqual([]);
    expect(output.stderr).toEqual([]);
    expect(xray()).toBe(xrayBefore);
  });

  it('with CLOUDTAP_LOG_LEVEL set, logs go to stderr and metrics stay off', async () => {
    const t = task();
    await lambdaHandler(async () => taskResult(t), collectObservation, handlerRuntime({ CLOUDTAP_LOG_LEVEL: 'debug' }))(t);
    expect(output.stdout).toEqual([]);
    expect(logLines(output.stderr)).toEqual([expect.objectContaining({ level: 'INFO', message: 'task succeeded', runId: RUN_ID, taskId: t.taskId })]);
  });

  it('metrics can be asked for with POWERTOOLS_METRICS_DISABLED=false', async () => {
    const t = task();
    await lambdaHandler(async () => taskResult(t), collectObservation, handlerRuntime({ POWERTOOLS_METRICS_DISABLED: 'false' }))(t);
    expect(emf(output.stdout)).toEqual([expect.objectContaining({ service: 'EC2', Resources: 120 })]);
  });
});
