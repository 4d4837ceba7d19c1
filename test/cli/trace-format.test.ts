import { describe, it, expect } from '@jest/globals';
import {
  accountTracePage, accountTraces, barLine, callNotes, formatAccountPage, formatTrace, storeCallsLine, traceTotals,
  type AccountOutcome, type RunTrace, type TimeAxis, type TracedTask,
} from '../../cli/commands/trace';
import type { TracedCall } from '../../src/aws/call-trace';

const RUN_START = Date.parse('2026-01-01T00:00:00.000Z');
const at = (ms: number): string => new Date(RUN_START + ms).toISOString();

function call(overrides: Partial<TracedCall>): TracedCall {
  return { service: 'EC2', operation: 'DescribeVpcs', region: 'us-east-1', start: at(0), durationMs: 10, attempts: 1, throttles: 0, params: {}, ...overrides };
}

describe('a task bar', () => {
  const axis: TimeAxis = { startMs: RUN_START, spanMs: 1000, columns: 100 };

  it('sits at its start offset, as long as its share of the run', () => {
    const bar = barLine(axis, at(500), 250);
    expect(bar).toHaveLength(102);
    expect(bar.indexOf('█')).toBe(51);
    expect(bar.match(/█/g)).toHaveLength(25);
  });

  it('is one character even for an instant task, and never runs past the axis', () => {
    expect(barLine(axis, at(999), 0).match(/█/g)).toHaveLength(1);
    expect(barLine(axis, at(900), 5000)).toMatch(/^│ {90}█{10}│$/);
  });
});

describe('a call line', () => {
  it('names retries, throttles and the error only when there were any', () => {
    expect(callNotes(call({}))).toBe('');
    expect(callNotes(call({ attempts: 3, throttles: 2 }))).toBe('3 attempts (2 retries), 2 throttles');
    expect(callNotes(call({ attempts: 8, throttles: 8, errorCode: 'RequestLimitExceeded' }))).toBe('8 attempts (7 retries), 8 throttles, error RequestLimitExceeded');
  });

  it('sums a task\'s DynamoDB calls instead of listing them', () => {
    const store = [call({ service: 'DynamoDB', operation: 'Query', durationMs: 300 }), call({ service: 'DynamoDB', operation: 'PutItem', durationMs: 900 }), call({ service: 'DynamoDB', operation: 'PutItem', durationMs: 100 })];
    expect(storeCallsLine([call({}), ...store])).toBe('    DynamoDB: 3 calls, 1.3 s summed (Query 1, PutItem 2)');
    expect(storeCallsLine([call({})])).toBeUndefined();
  });
});

describe('the timeline of a run', () => {
  const trace: RunTrace = {
    runId: 'run-1',
    run: {
      runId: 'run-1', status: 'partial', startedAt: at(0), finishedAt: at(2000), durationMs: 2000,
      tasks: { total: 1, succeeded: 0, failed: 1, skipped: 0 },
      resources: { seen: 0, created: 0, updated: 0, unchanged: 0, deleted: 0 }, events: { opened: 0, recurred: 0, cleared: 0 },
      writes: 0, apiCalls: 3,
      failures: [{ taskId: 'CloudService:111111111111:eu-west-1:EC2', account: '111111111111', region: 'eu-west-1', service: 'EC2', code: 'UnauthorizedOperation', message: 'not authorized' }],
      skipped: [],
    },
    tasks: [
      { taskId: 'GetTasks', startedAt: at(0), durationMs: 200, calls: [call({ service: 'STS', operation: 'GetCallerIdentity', durationMs: 150 })] },
      {
        taskId: 'CloudService:111111111111:eu-west-1:EC2', startedAt: at(400), durationMs: 1600, status: 'failed', error: { code: 'UnauthorizedOperation', message: 'not authorized' },
        calls: [
          call({ region: 'eu-west-1', start: at(500), durationMs: 1200, attempts: 3, throttles: 2 }),
          call({ operation: 'DescribeInstances', region: 'eu-west-1', start: at(1700), durationMs: 50, errorCode: 'UnauthorizedOperation' }),
          call({ service: 'DynamoDB', operation: 'Query', start: at(410), durationMs: 40 }),
        ],
      },
    ],
  };

  it('puts each task\'s calls under its bar and ends with the slowest work and the totals', () => {
    const text = formatTrace(trace, 60);
    expect(text).toContain('CloudService:111111111111:eu-west-1:EC2  +400 ms, 1.6 s, 2 AWS calls  FAILED UnauthorizedOperation: not authorized');
    expect(text).toMatch(/\+500 ms {2}EC2\.DescribeVpcs +eu-west-1 +1\.2 s {2}3 attempts \(2 retries\), 2 throttles\n/);
    expect(text).toMatch(/EC2\.DescribeInstances +eu-west-1 +50 ms {2}error UnauthorizedOperation\n/);
    expect(text).toMatch(/Slowest tasks\n +1\.6 s {2}CloudService:111111111111:eu-west-1:EC2\n/);
    expect(text).toContain('Totals: 3 AWS calls, 2 retries, 2 throttles, 1 error; 1 DynamoDB call');
    expect(Math.max(...text.split('\n').filter((l) => l.startsWith('│')).map((l) => l.length))).toBe(60);
  });

  it('counts only the AWS calls as AWS calls', () => {
    expect(traceTotals(trace.tasks)).toEqual({ awsCalls: 3, retries: 2, throttles: 2, errors: 1, storeCalls: 1, storeMs: 40 });
  });
});

describe('the account list of a run', () => {
  const task = (taskId: string, startMs: number, durationMs: number, status?: TracedTask['status'], calls: TracedCall[] = []): TracedTask => ({
    taskId, startedAt: at(startMs), durationMs, calls, ...(status ? { status } : {}),
  });
  const tasks: TracedTask[] = [
    task('GetTasks', 0, 100, undefined, [call({ service: 'STS', operation: 'GetCallerIdentity' })]),
    // A task of the run itself, whatever its id says after a colon, is no account's.
    task('ExportSnapshot:run-1', 2500, 10, undefined, [call({})]),
    task('PlanAccount:111111111111', 100, 50, undefined, [call({ service: 'STS', operation: 'GetCallerIdentity' })]),
    task('Region:111111111111:us-east-1', 200, 300, 'succeeded', [call({ attempts: 3, throttles: 2 })]),
    task('CloudService:111111111111:us-east-1:EC2', 200, 900, 'failed', [call({ errorCode: 'UnauthorizedOperation' }), call({ service: 'DynamoDB', operation: 'Query' })]),
    task('PlanAccount:222222222222', 100, 40),
    task('Region:222222222222:us-east-1', 150, 2000, 'succeeded', [call({})]),
    task('PlanAccount:333333333333', 100, 40),
    task('Region:333333333333:us-east-1', 150, 100, 'succeeded'),
    task('PlanAccount:444444444444', 100, 30),
    task('Region:444444444444:us-east-1', 150, 100, 'succeeded'),
    // A run stored before accounts had summaries: this account is judged by its tasks.
    task('Region:777777777777:us-east-1', 150, 10, 'failed'),
  ];
  const outcomes: AccountOutcome[] = [
    { accountId: '111111111111', status: 'partial' },
    { accountId: '222222222222', status: 'succeeded' },
    { accountId: '333333333333', status: 'succeeded' },
    { accountId: '444444444444', status: 'failed', reason: 'its collection did not finish' },
    { accountId: '555555555555', status: 'inactive', reason: 'suspended' },
    { accountId: '666666666666', status: 'unreachable', reason: 'AccessDenied' },
  ];
  const accounts = accountTraces(tasks, outcomes);

  it('sums each account\'s own tasks: results, AWS calls, retries, throttles, errors, wall time, slowest task', () => {
    expect(accounts.find((a) => a.accountId === '111111111111')).toEqual({
      accountId: '111111111111', status: 'partial', tasks: 2, failedTasks: 1, awsCalls: 3, retries: 2, throttles: 2, errors: 1,
      startedAt: at(100), durationMs: 1000, slowestTask: { taskId: 'CloudService:111111111111:us-east-1:EC2', durationMs: 900 },
    });
    expect(accounts.find((a) => a.accountId === '555555555555')).toEqual({
      accountId: '555555555555', status: 'inactive', reason: 'suspended', tasks: 0, failedTasks: 0, awsCalls: 0, retries: 0, throttles: 0, errors: 0, durationMs: 0,
    });
    expect(accounts.find((a) => a.accountId === '777777777777')).toMatchObject({ status: 'partial', tasks: 1, failedTasks: 1 });
    expect(accounts.map((a) => a.accountId)).not.toContain(undefined);
    expect(accounts).toHaveLength(7);
  });

  it('puts the accounts that need a look first (not finished, unreachable, partial), then the slowest, the inactive last', () => {
    expect(accounts.map((a) => [a.accountId, a.status])).toEqual([
      ['444444444444', 'failed'], ['666666666666', 'unreachable'], ['111111111111', 'partial'], ['777777777777', 'partial'],
      ['222222222222', 'succeeded'], ['333333333333', 'succeeded'], ['555555555555', 'inactive'],
    ]);
  });

  it('pages after an account of the list, and refuses one it does not have', () => {
    const first = accountTracePage('run-1', accounts, { limit: 3 });
    expect(first.counts).toEqual({ total: 7, succeeded: 2, partial: 2, unreachable: 1, failed: 1, inactive: 1 });
    expect(first.next).toBe('111111111111');
    const second = accountTracePage('run-1', accounts, { limit: 3, after: first.next as string });
    const last = accountTracePage('run-1', accounts, { limit: 3, after: second.next as string });
    expect([...first.accounts, ...second.accounts, ...last.accounts]).toEqual(accounts);
    expect(last.next).toBeUndefined();
    expect(accountTracePage('run-1', accounts, { limit: 7 }).next).toBeUndefined();
    expect(() => accountTracePage('run-1', accounts, { limit: 3, after: '999999999999' })).toThrow(/--after: run run-1 has no account 999999999999/);
  });

  it('reads as a table, statuses in words, with the command for the next page and for one account\'s timeline', () => {
    const text = formatAccountPage(accountTracePage('run-1', accounts, { limit: 3 }), 'latest', 3);
    expect(text.split('\n')[0]).toBe('Run run-1  7 accounts: 2 succeeded, 2 with failed tasks, 1 unreachable, 1 not finished, 1 inactive (not collected)');
    expect(text).toMatch(/\n444444444444 +not finished +1 +0 +0 +0 +0 +0 +150 ms +100 ms {2}Region:us-east-1\n666666666666 +unreachable( +0){6}\n/);
    expect(text).toMatch(/\n111111111111 +partial +2 +1 +3 +2 +2 +1 +1\.0 s +900 ms {2}CloudService:us-east-1:EC2\n/);
    expect(text).toContain('Next page: cloudtap trace run-1 --accounts --after 111111111111 --limit 3\nOne account\'s timeline: cloudtap trace run-1 --account 444444444444');
  });
});
