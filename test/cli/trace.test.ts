import { describe, it, expect, beforeAll } from '@jest/globals';
import { startSandbox, type RunningSandbox, type SandboxStats } from '../../local/sandbox/server';
import { parseSandboxSpec } from '../../local/sandbox/spec';
import type { RunSummary } from '../../src/dto/run-summary';
import type { TracedCall } from '../../src/aws/call-trace';
import type { RunTrace } from '../../cli/commands/trace';
import { cloudtap, tempDir, type CliResult } from '../support/cli';
import { formatDuration } from '../../cli/format';
import { sandboxEndpointVariables } from '../../local/sandbox/endpoints';
import { isStoreCall } from '../../src/aws/call-trace';

/** The AWS endpoints of a standalone sandbox, as `cloudtap run` without --sandbox reaches LocalStack. */
function sandboxEnvironment(sandbox: RunningSandbox): NodeJS.ProcessEnv {
  return {
    ...sandboxEndpointVariables(sandbox.url),
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'example', AWS_REGION: 'us-east-1', CLOUDTAP_HOME_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

interface TracedRun {
  dataDir: string;
  summary: RunSummary;
  served: SandboxStats;
  trace: RunTrace;
  /** `cloudtap trace <run-id>` as text, piped (100 columns). */
  text: CliResult;
}

/**
 * One `cloudtap run` against a sandbox of its own (what the sandbox served is counted by the sandbox itself),
 * then its trace: `trace latest --json` and `trace <run-id>` as text.
 */
async function runAndTrace(spec: string): Promise<TracedRun> {
  const sandbox = await startSandbox(parseSandboxSpec(spec), { port: 0 });
  const dataDir = await tempDir();
  let summary: RunSummary;
  let served: SandboxStats;
  try {
    const result = await cloudtap(['run', '--json', '--data-dir', dataDir], sandboxEnvironment(sandbox));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    summary = JSON.parse(result.stdout) as RunSummary;
    served = sandbox.stats();
  } finally {
    await sandbox.close();
  }
  const trace = await traceJson(dataDir, 'latest');
  const text = await cloudtap(['trace', summary.runId, '--data-dir', dataDir]);
  return { dataDir, summary, served, trace, text };
}

async function traceJson(dataDir: string, runRef: string): Promise<RunTrace> {
  const result = await cloudtap(['trace', runRef, '--json', '--data-dir', dataDir]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as RunTrace;
}

const awsCalls = (trace: RunTrace): TracedCall[] => trace.tasks.flatMap((t) => t.calls).filter((c) => !isStoreCall(c));
const sum = (calls: TracedCall[], field: 'attempts' | 'throttles'): number => calls.reduce((total, c) => total + c[field], 0);

let plain: TracedRun;
let throttled: TracedRun;

// The two runs are independent (a sandbox and a data directory each): collect them side by side.
beforeAll(async () => {
  [plain, throttled] = await Promise.all([runAndTrace('seed=3&regions=2&instances=20'), runAndTrace('seed=3&regions=2&instances=20&throttle=0.2')]);
}, 120_000);

describe('cloudtap trace of a run', () => {
  it('lists every AWS call the run made: as many as the sandbox served, operation by operation', () => {
    expect(plain.trace.runId).toBe(plain.summary.runId);
    expect(plain.trace.run).toEqual(plain.summary);
    const calls = awsCalls(plain.trace);
    expect(calls).toHaveLength(plain.served.requests);
    const byOperation: Record<string, number> = {};
    for (const call of calls) byOperation[`${call.service}.${call.operation}`] = (byOperation[`${call.service}.${call.operation}`] ?? 0) + 1;
    expect(byOperation).toEqual(plain.served.byOperation);
    // The only errors are S3's way of saying a bucket has no such setting (no encryption, no public access block).
    const notConfigured = (code: string | undefined) => !code || /^(NoSuch\w+|ServerSideEncryptionConfigurationNotFoundError)$/.test(code);
    expect(calls.filter((c) => !(c.attempts === 1 && c.throttles === 0 && notConfigured(c.errorCode)))).toEqual([]);
  });

  it('groups the calls by task: get-tasks\' probe, then each task\'s own calls in its region and service, in order', () => {
    expect(plain.trace.tasks.map((t) => t.taskId)).toContain('GetTasks');
    // Besides the tasks: get-tasks' probe, and each account's own (PlanAccount: its role, who it is, its regions).
    expect(plain.trace.tasks.filter((t) => t.taskId !== 'GetTasks' && !t.taskId.startsWith('PlanAccount:'))).toHaveLength(plain.summary.tasks.total - plain.summary.tasks.skipped);
    expect(plain.trace.tasks.map((t) => t.taskId)).toContain('PlanAccount:111111111111');
    for (const task of plain.trace.tasks) {
      const starts = task.calls.map((c) => c.start);
      expect(starts).toEqual([...starts].sort());
      const [kind, , region, service] = task.taskId.split(':');
      if (kind !== 'CloudService') continue;
      expect(task.status).toBe('succeeded');
      // A global service (S3) reads each bucket's settings in the bucket's region.
      // EC2's task also reads its instances' and volumes' metrics from CloudWatch (metric events), in its region.
      const services = service === 'EC2' ? ['EC2', 'CloudWatch'] : [service];
      for (const call of task.calls.filter((c) => !isStoreCall(c))) {
        expect([services.includes(call.service ?? '') ? service : call.service, service === 'S3' ? region : call.region]).toEqual([service, region]);
      }
    }
    // The store's own calls are in the trace too, so a slow write shows up where it happened.
    expect(plain.trace.tasks.some((t) => t.calls.some((c) => isStoreCall(c) && c.service === 'DynamoDB' && c.operation === 'BatchWriteItem'))).toBe(true);
  });

  it('renders a timeline: a 100-column bar per task, its calls under it, DynamoDB summed, then the summary', () => {
    expect(plain.text.code).toBe(0);
    const lines = plain.text.stdout.split('\n');
    expect(lines[0]).toContain(`Run ${plain.trace.runId}  succeeded`);
    for (const task of plain.trace.tasks) {
      const header = lines.findIndex((l) => l.startsWith(`${task.taskId}  +`));
      expect(header).toBeGreaterThan(0);
      expect(lines[header + 1]).toMatch(/^│ *█+ *│$/);
      expect(lines[header + 1]).toHaveLength(100);
      const callLines = lines.slice(header + 2).findIndex((l) => !l.startsWith('    '));
      const expected = task.calls.filter((c) => !isStoreCall(c)).length + (task.calls.some((c) => isStoreCall(c)) ? 1 : 0);
      expect(callLines).toBe(expected);
    }
    expect(plain.text.stdout).toMatch(/DescribeInstances +us-east-1 +\d/);
    expect(plain.text.stdout).toMatch(/DynamoDB: \d+ calls, .* summed \(.*BatchWriteItem \d+/);
    // The five slowest tasks, slowest first, durations right-aligned in one column (exactly, from the run's own trace).
    const slowest = [...plain.trace.tasks].sort((a, b) => b.durationMs - a.durationMs).slice(0, 5);
    const width = Math.max(...slowest.map((t) => formatDuration(t.durationMs).length));
    expect(plain.text.stdout).toContain(['Slowest tasks', ...slowest.map((t) => `  ${formatDuration(t.durationMs).padStart(width)}  ${t.taskId}`)].join('\n'));
    expect(plain.text.stdout).toMatch(/Slowest AWS calls\n/);
    expect(plain.text.stdout).toContain(`Totals: ${plain.served.requests} AWS calls, 0 retries, 0 throttles, ${plain.served.failed} errors`);
  });

  it('--list shows the run with its id, and an unknown run id says how to find one', async () => {
    const list = await cloudtap(['trace', '--list', '--data-dir', plain.dataDir]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`${plain.trace.runId} +\\S+ \\S+ +[\\d.]+ m?s +succeeded`));
    const unknown = await cloudtap(['trace', 'no-such-run', '--data-dir', plain.dataDir]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no run with id "no-such-run".*cloudtap trace --list/);
  });
});

describe('cloudtap trace of a throttled run', () => {
  it('shows the retries: every attempt the sandbox served is one of a traced call\'s attempts', () => {
    expect(throttled.served.throttled).toBeGreaterThan(0);
    const calls = awsCalls(throttled.trace);
    expect(sum(calls, 'attempts')).toBe(throttled.served.requests);
    expect(calls.filter((c) => c.attempts > 1).length).toBeGreaterThan(0);
    expect(throttled.text.stdout).toMatch(/us-(east-1|west-2) +[\d.]+ m?s {2}\d+ attempts \(\d+ retr(y|ies)\)/);
    expect(throttled.text.stdout).toMatch(/Totals: \d+ AWS calls, [1-9]\d* retr(y|ies)/);
  });

  // Fails today: src/aws/clients.ts counts throttles in the `deserialize` step, inside the SDK's deserializer,
  // where no error is thrown yet, so every call records `throttles: 0`. Remove `.failing` once it is fixed.
  it('counts every throttled attempt as a throttle, and the timeline says so', () => {
    const calls = awsCalls(throttled.trace);
    expect(sum(calls, 'throttles')).toBe(throttled.served.throttled);
    expect(calls.some((c) => c.attempts > 1 && c.throttles > 0)).toBe(true);
    expect(throttled.text.stdout).toMatch(/\d+ attempts \(\d+ retr(y|ies)\), \d+ throttles?/);
  });
});
