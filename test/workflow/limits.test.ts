import { describe, it, expect } from '@jest/globals';
import { collectionWorkflow } from '../../lib/workflow/definition';
import { STEP_FUNCTIONS_LIMITS, estimateHistory } from '../../lib/workflow/limits';
import { accountTasks, type AccountPlan, type RunPlan } from '../../src/plan/get-tasks';
import { ACCOUNTS_PER_PAGE } from '../../src/plan/pages';
import { serviceNames } from '../../src/services/registry';
import { mergeAccountSummaries, summarizeRun, type AccountSummary } from '../../src/dto/run-summary';
import { failedTaskResult, type TaskResult } from '../../src/dto/task';
import type { TracedCall } from '../../src/aws/call-trace';
import type { SkippedTarget } from '../../src/dto/run-summary';

/** The 17 regions an AWS account has enabled by default. */
const REGIONS_17 = [
  'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-south-1', 'ap-southeast-1', 'ap-southeast-2', 'ca-central-1',
  'eu-central-1', 'eu-north-1', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'sa-east-1', 'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2',
];
const ACCOUNTS = 10_000;
const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));
/** What the check demands: at most this share of a limit, so that growth (more services, longer ids) has room. */
const HEADROOM = 0.6;

const runId = '20261202T120000Z-0123456789ab';
const startedAt = '2026-12-02T12:00:00.000Z';
const plan: RunPlan = {
  schemaVersion: 1, runId, startedAt, concurrency: 20, accountConcurrency: 25,
  selection: { services: serviceNames(), regions: REGIONS_17 },
  catalogAccountId: '100000000000',
  member: { roleName: 'x'.repeat(64), partition: 'aws-us-gov', externalId: 'e'.repeat(256) },
  cursor: { page: 0 }, lastPage: Math.ceil(ACCOUNTS / ACCOUNTS_PER_PAGE) - 1, accounts: ACCOUNTS,
};
const accountId = (i: number) => String(100_000_000_000 + i);
/** A page as an organization's run stores it: account ids (the role comes from the plan). */
const page = { accounts: Array.from({ length: ACCOUNTS_PER_PAGE }, (_, i) => ({ accountId: accountId(i) })), skipped: [] as SkippedTarget[] };

/** An account's plan for 17 regions and every service, with a probe trace of its three calls (AssumeRole, who, regions). */
function accountPlan(id: string): AccountPlan {
  const account = { accountId: id, roleArn: `arn:aws-us-gov:iam::${id}:role/${'x'.repeat(64)}`, externalId: 'e'.repeat(256) };
  const skipped: SkippedTarget[] = [];
  const tasks = accountTasks(account, REGIONS_17, { ...plan, catalogAccountId: id }, { homeRegion: 'us-east-1', ems: 'cloudtap-production' }, skipped);
  const call = (operation: string): TracedCall => ({
    service: 'STS', operation, region: 'us-east-1', accountId: id, start: startedAt, durationMs: 120, attempts: 8, throttles: 7,
    errorCode: 'ThrottlingException', params: { RoleArn: account.roleArn, RoleSessionName: 'cloudtap', DurationSeconds: 3600 },
  });
  return {
    runId, startedAt, accountId: id, concurrency: 20, tasks, skipped,
    probe: { taskId: `PlanAccount:${id}`, startedAt, durationMs: 400, calls: [call('AssumeRole'), call('GetCallerIdentity'), call('DescribeRegions')] },
  };
}

describe('the workflow at 10,000 accounts × 17 regions × every service', () => {
  const definition = collectionWorkflow();
  const oneAccount = accountPlan(accountId(0));
  const tasksPerAccount = oneAccount.tasks.length;
  const pages = Math.ceil(ACCOUNTS / ACCOUNTS_PER_PAGE);

  it('keeps every state input and output below 256 KB with room to spare', () => {
    // The parent execution's states: the plan, then with a page of accounts, then Finalize's summary.
    const parentState = { ...plan, batch: { accounts: page.accounts } };
    // A child's: its item, its plan, its plan with every task's outcome (the worst: failed, with the longest error name).
    const child = { runId, startedAt, concurrency: 20, selection: plan.selection, catalogAccountId: plan.catalogAccountId, member: plan.member, account: page.accounts[0] };
    const outcomes = oneAccount.tasks.map((t) => ({ taskId: t.taskId, status: 'failed', error: 'E'.repeat(256) }));
    const accountDoneInput = { ...oneAccount, outcomes };
    // A task whose Lambda failed: the task plus Step Functions' caught error (Error ≤ 256, Cause ≤ 32,768 characters).
    const failedTask = { ...oneAccount.tasks[0], failure: { Error: 'E'.repeat(256), Cause: 'C'.repeat(32_768) } };
    // Finalize's output at 10,000 accounts, each failing every task with its own error code: bounded all the same.
    const summaries: AccountSummary[] = Array.from({ length: ACCOUNTS }, (_, i) => {
      const results: TaskResult[] = oneAccount.tasks.slice(0, 5).map((t) => failedTaskResult({ ...t, account: { accountId: accountId(i) } }, { Error: `Code${i % 300}`, Cause: 'm'.repeat(2000) }));
      return { ...summarizeRun({ runId, startedAt, finishedAt: startedAt, skipped: [], extraWrites: 0 }, results), accountId: accountId(i) };
    });
    const summary = mergeAccountSummaries({ runId, startedAt, finishedAt: startedAt, skipped: [], skippedTotal: 0 }, summaries, []);
    const sizes = {
      parentState: bytes(parentState), childItem: bytes(child), accountPlan: bytes(oneAccount),
      accountDoneInput: bytes(accountDoneInput), failedTask: bytes(failedTask), runSummary: bytes(summary),
    };
    for (const [state, size] of Object.entries(sizes)) {
      expect({ state, size, under: size <= STEP_FUNCTIONS_LIMITS.payloadBytes * HEADROOM }).toEqual({ state, size, under: true });
    }
    expect(tasksPerAccount).toBeGreaterThan(17 * 8);
    process.stdout.write(`limits at ${ACCOUNTS} accounts: ${JSON.stringify(sizes)} bytes, ${tasksPerAccount} tasks an account\n`);
  });

  it('keeps every execution history below 25,000 events, every retry used and every failure caught', () => {
    const estimate = estimateHistory(definition, { items: { CollectTasks: tasksPerAccount }, loops: { MoreAccounts: pages - 1 } });
    const child = estimate.children.CollectAccounts;
    expect(child).toBeDefined();
    expect(estimate.events).toBeLessThanOrEqual(STEP_FUNCTIONS_LIMITS.historyEvents * HEADROOM);
    expect(child!.events).toBeLessThanOrEqual(STEP_FUNCTIONS_LIMITS.historyEvents * HEADROOM);
    // The parent grows with pages, not accounts: 20 pages of 500 is a few hundred events even with every retry.
    expect(estimate.events).toBeLessThan(pages * 100);
  });

  it('the history model counts what Step Functions records: a run of one page of one task, nothing retried', () => {
    // Without retries and catches the parent is: Started, GetTasks, NextAccounts, CollectAccounts (Map Run), the Choice, Finalize,
    // ExportSnapshot and its Pass (SnapshotExported), Succeeded.
    const plain = structuredClone(definition) as unknown as { States: Record<string, { Retry?: unknown; Catch?: unknown; ItemProcessor?: { States: Record<string, { Retry?: unknown; Catch?: unknown; ItemProcessor?: { States: Record<string, { Retry?: unknown; Catch?: unknown }> } }> } }> };
    const strip = (states: Record<string, { Retry?: unknown; Catch?: unknown; ItemProcessor?: unknown }>) => {
      for (const state of Object.values(states)) {
        delete state.Retry;
        delete state.Catch;
        if (state.ItemProcessor) strip((state.ItemProcessor as { States: Record<string, { Retry?: unknown; Catch?: unknown }> }).States);
      }
    };
    strip(plain.States);
    const estimate = estimateHistory(plain as unknown as typeof definition, { items: { CollectTasks: 1 }, loops: {} });
    // 2 (execution) + Task 5 + Task 5 + Map 4 + Choice 2 + Task 5 + Task 5 + Pass 2.
    expect(estimate.events).toBe(2 + 5 + 5 + 4 + 2 + 5 + 5 + 2);
    // 2 (execution) + PlanAccount 5 + inline Map (4 + item (2 + Collect 5)) + AccountDone 5.
    expect(estimate.children.CollectAccounts?.events).toBe(2 + 5 + (4 + 2 + 5) + 5);
  });
});

describe('the history model', () => {
  const task = (extra: object) => ({ Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', ...extra });
  const pass = (next?: string) => ({ Type: 'Pass', ...(next ? { Next: next } : { End: true }) });

  it('counts a caught Task\'s Catch path or its path on, whichever is longer, never both', () => {
    // A Task (5 events, no retries) whose Catch leads to one Pass and whose Next to three.
    const definition = {
      StartAt: 'T',
      States: { T: task({ Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }], Next: 'A' }), Caught: pass(), A: pass('B'), B: pass('C'), C: pass() },
    } as unknown as Parameters<typeof estimateHistory>[0];
    expect(estimateHistory(definition, { items: {}, loops: {} }).events).toBe(2 + 5 + 3 * 2);
    const longCatch = { ...definition, States: { ...definition.States, T: task({ Catch: [{ ErrorEquals: ['States.ALL'], Next: 'A' }], Next: 'Caught' }) } } as typeof definition;
    expect(estimateHistory(longCatch, { items: {}, loops: {} }).events).toBe(2 + 5 + 3 * 2);
  });
});

