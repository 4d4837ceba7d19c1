import { describe, it, expect } from '@jest/globals';
import { SUMMARY_LIMITS, summarizeRun, type SkippedTarget } from '../../src/dto/run-summary';
import { emptyEventCounts, emptyResourceCounts, type TaskError, type TaskResult } from '../../src/dto/task';

const RUN = { runId: '20261201T100000Z-storm', startedAt: '2026-12-01T10:00:00.000Z', finishedAt: '2026-12-01T10:05:00.000Z', extraWrites: 0 };
const TYPES = ['EC2.Instance', 'EC2.Volume', 'EC2.Snapshot', 'EC2.Image', 'EC2.Vpc', 'EC2.Subnet', 'EC2.SecurityGroup', 'EC2.NetworkInterface', 'EC2.Address'];

function result(accountId: string, region: string, status: TaskResult['status'], errors: TaskError[] = []): TaskResult {
  return {
    schemaVersion: 1, taskId: `CloudService:${accountId}:${region}:EC2`, taskType: 'inventory.CloudService', accountId, region, service: 'EC2',
    status, resources: emptyResourceCounts(), events: emptyEventCounts(), completePartitions: [], apiCalls: errors.length, throttles: 0,
    writes: 1, durationMs: 10, errors, ...(errors[0] ? { error: errors[0] } : {}),
  };
}

const account = (n: number) => String(100000000000 + n);

describe('a run summary whatever fails', () => {
  it('stays far below Step Functions\' 256 KB: 1,000 accounts × 17 regions, every type denied with a 4 KB message', () => {
    const message = `You are not authorized to perform this operation. Encoded authorization failure message: ${'x'.repeat(4000)}`;
    const results: TaskResult[] = [];
    for (let a = 0; a < 1_000; a++) {
      for (let r = 0; r < 17; r++) {
        results.push(result(account(a), `region-${r}`, 'failed', TYPES.map((type) => ({ type, code: a % 2 ? 'UnauthorizedOperation' : 'AccessDenied', message }))));
      }
    }
    const skipped: SkippedTarget[] = Array.from({ length: 5000 }, (_, n) => ({ accountId: account(20_000 + n), reason: `could not be reached: AccessDenied – ${message}` }));
    const summary = summarizeRun({ ...RUN, skipped }, results);
    const bytes = Buffer.byteLength(JSON.stringify(summary));
    expect(bytes).toBeLessThan(90 * 1024);
    expect(summary.failureCount).toBe(1_000 * 17 * TYPES.length);
    expect(summary.failures).toHaveLength(SUMMARY_LIMITS.listedFailures);
    expect(summary.failureGroups).toHaveLength(SUMMARY_LIMITS.failureGroups);
    expect(summary.failureGroupsOmitted).toEqual({ groups: 1_000 - SUMMARY_LIMITS.failureGroups, failures: (1_000 - SUMMARY_LIMITS.failureGroups) * 17 * TYPES.length });
    expect(summary.skipped).toHaveLength(SUMMARY_LIMITS.listedSkipped);
    expect(summary.skippedOmitted).toBe(5000 - SUMMARY_LIMITS.listedSkipped);
    expect(summary.accountsUnreachable).toBe(5000);
    expect(summary.tasks).toEqual({ total: 17_000 + 5000, succeeded: 0, failed: 17_000, skipped: 5000 });
  });

  it('groups failures by account and code, the largest first, with counts, one message and the first task ids', () => {
    const denied = (type: string): TaskError => ({ type, code: 'UnauthorizedOperation', message: `no ${type}` });
    const results = [
      result(account(1), 'us-east-1', 'failed', [denied('EC2.Volume'), denied('EC2.Vpc')]),
      result(account(1), 'eu-west-1', 'failed', [denied('EC2.Volume')]),
      result(account(1), 'us-west-2', 'failed', [{ code: 'InternalError', message: 'boom' }]),
      result(account(2), 'us-east-1', 'succeeded'),
    ];
    const summary = summarizeRun({ ...RUN, skipped: [] }, results);
    expect(summary.status).toBe('partial');
    expect(summary.failureGroups).toEqual([
      { account: account(1), code: 'UnauthorizedOperation', failures: 3, tasks: 2, regions: 2, message: 'no EC2.Volume', taskIds: [`CloudService:${account(1)}:eu-west-1:EC2`, `CloudService:${account(1)}:us-east-1:EC2`] },
      { account: account(1), code: 'InternalError', failures: 1, tasks: 1, regions: 1, message: 'boom', taskIds: [`CloudService:${account(1)}:us-west-2:EC2`] },
    ]);
    // Few failures: every one is listed, as before.
    expect(summary.failures).toHaveLength(4);
    expect(summary.failureGroupsOmitted).toBeUndefined();
  });

  it('lists the first failure of every group before filling the sample', () => {
    const results = Array.from({ length: 40 }, (_, n) => result(account(n % 2), `region-${n}`, 'failed', [{ code: n % 2 ? 'B' : 'A', message: 'm' }]));
    results.push(result(account(9), 'region-z', 'failed', [{ code: 'Rare', message: 'only once' }]));
    const summary = summarizeRun({ ...RUN, skipped: [] }, results);
    expect(summary.failures).toHaveLength(SUMMARY_LIMITS.listedFailures);
    expect(summary.failures.map((f) => f.code)).toEqual(expect.arrayContaining(['A', 'B', 'Rare']));
  });

  it('is partial when a member account could not be reached, and not for a region that is not opted in', () => {
    const ok = [result(account(1), 'us-east-1', 'succeeded')];
    const notOptedIn = summarizeRun({ ...RUN, skipped: [{ accountId: account(1), region: 'af-south-1', reason: 'region not opted in' }] }, ok);
    expect(notOptedIn.status).toBe('succeeded');
    expect(notOptedIn.accountsUnreachable).toBe(0);
    const unreachable = summarizeRun({ ...RUN, skipped: [{ accountId: account(2), reason: 'could not be reached: AccessDenied' }] }, ok);
    expect(unreachable.status).toBe('partial');
    expect(unreachable.accountsUnreachable).toBe(1);
    expect(unreachable.tasks.failed).toBe(0);
  });
});
