import { describe, expect, it } from '@jest/globals';
import type { Context } from 'aws-lambda';
import { lambdaHandler } from '../../src/lambda/middleware';
import { normalizeObservation } from '../../src/lambda/observations';
import { handlerRuntime } from '../../src/lambda/runtime';
import type { SnapshotOutcome } from '../../src/dto/run-summary';
import { RUN_METRIC, SNAPSHOT_METRIC, metricsNamespace } from '../../src/lambda/metric-names';
import { formatSnapshot } from '../../cli/format';
import { capturedOutput } from '../support/captured-output';

type Json = Record<string, unknown>;

const IN_LAMBDA = handlerRuntime({
  AWS_LAMBDA_FUNCTION_NAME: 'Cloudtap-NormalizeFunction', POWERTOOLS_SERVICE_NAME: 'cloudtap', POWERTOOLS_METRICS_NAMESPACE: metricsNamespace('Cloudtap'),
  POWERTOOLS_TRACE_ENABLED: 'false',
});
const CONTEXT = { awsRequestId: 'r-1', functionName: 'Cloudtap-NormalizeFunction', getRemainingTimeInMillis: () => 60_000 } as unknown as Context;

const output = capturedOutput({ stderr: true });

const exported: SnapshotOutcome = {
  status: 'exported', location: 's3://bucket/', durationMs: 420, tables: { resources: { rows: 12_000, bytes: 1_000_000 }, runs: { rows: 1, bytes: 258_000 } },
};
const failed: SnapshotOutcome = { status: 'failed', location: 's3://bucket/', tables: {}, durationMs: 30, error: { code: 'AccessDenied', message: 'the snapshot of run r was not exported to s3://bucket/: Access Denied' } };

async function exportInvocation(outcome: SnapshotOutcome): Promise<Json[]> {
  await lambdaHandler(async () => outcome, normalizeObservation, IN_LAMBDA)({ mode: 'export', runId: 'run-1', startedAt: '2026-12-01T00:00:00.000Z' }, CONTEXT);
  return output.lines().map((line) => JSON.parse(line) as Json);
}

describe('ExportSnapshot in the logs and metrics', () => {
  it('an export logs its outcome under the run and counts SnapshotsFailed 0, its duration and bytes; no run metric twice', async () => {
    const lines = await exportInvocation(exported);
    expect(lines.find((l) => l.message === 'snapshot exported')).toMatchObject({ level: 'INFO', runId: 'run-1', rows: 12_001, bytes: 1_258_000 });
    const emf = lines.filter((l) => '_aws' in l);
    expect(emf).toHaveLength(1);
    expect(emf[0]).toMatchObject({ [SNAPSHOT_METRIC.snapshotsFailed]: 0, [SNAPSHOT_METRIC.snapshotDurationMs]: 420, [SNAPSHOT_METRIC.snapshotBytes]: 1_258_000 });
    expect(emf[0]).not.toHaveProperty(RUN_METRIC.runsSucceeded);
  });

  it('a failed export warns with its error and counts SnapshotsFailed 1', async () => {
    const lines = await exportInvocation(failed);
    expect(lines.find((l) => l.message === 'snapshot failed')).toMatchObject({ level: 'WARN', error: failed.error });
    expect(lines.find((l) => '_aws' in l)).toMatchObject({ [SNAPSHOT_METRIC.snapshotsFailed]: 1 });
  });
});

describe('the run summary\'s snapshot line', () => {
  it('says how many tables, rows and bytes went where, in how long — or why not', () => {
    expect(formatSnapshot(exported)).toBe('snapshot   2 tables, 12,001 rows, 1.2 MB → s3://bucket/ in 420 ms');
    expect(formatSnapshot(failed)).toBe('snapshot   FAILED (AccessDenied): the snapshot of run r was not exported to s3://bucket/: Access Denied');
    // The workflow's own catch: Step Functions' Cause is Lambda's JSON.
    expect(formatSnapshot({ status: 'failed', tables: {}, error: { code: 'Sandbox.Timedout', message: '{"errorType":"Sandbox.Timedout","errorMessage":"Task timed out after 600.00 seconds"}' } }))
      .toBe('snapshot   FAILED (Sandbox.Timedout): Task timed out after 600.00 seconds');
    expect(formatSnapshot({ status: 'disabled', tables: {} })).toMatch(/not exported: no CLOUDTAP_SNAPSHOT_BUCKET or CLOUDTAP_SNAPSHOT_DIR/);
  });
});
