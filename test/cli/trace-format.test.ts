import { describe, it, expect } from '@jest/globals';
import { barLine, callNotes, formatTrace, storeCallsLine, traceTotals, type RunTrace, type TimeAxis } from '../../cli/commands/trace';
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
