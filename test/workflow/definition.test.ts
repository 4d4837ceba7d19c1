import { describe, it, expect } from '@jest/globals';
import { StateMachine } from 'aws-local-stepfunctions';
import { collectionWorkflow, FUNCTION_TIMEOUT_SECONDS, LAMBDA_STATES, STATE } from '../../lib/workflow/definition';

type Json = Parameters<StateMachine['run']>[0];

/** Lambda's error shape as the lambda:invoke integration reports it. */
function lambdaError(name: string, message: string): Error {
  const error = new Error(JSON.stringify({ errorType: name, errorMessage: message }));
  error.name = name;
  return error;
}

/** Two pages of two accounts; each account plans three tasks. */
const PAGES: Record<number, { accountId: string }[]> = { 0: [{ accountId: 'A' }, { accountId: 'B' }], 1: [{ accountId: 'C' }, { accountId: 'D' }] };
const plan = {
  runId: 'run-1', startedAt: '2026-01-01T00:00:00.000Z', concurrency: 2, accountConcurrency: 3, selection: {}, catalogAccountId: 'A', member: {},
  cursor: { page: 0 }, lastPage: 1, accounts: 4,
};

interface Hooks {
  collect: (task: { taskId: string }, attempt: number) => unknown;
  recordFailed?: (input: { task: Record<string, unknown> }) => unknown;
  exportSnapshot?: (input: Record<string, unknown>) => unknown;
}

function run(hooks: Hooks) {
  const attempts = new Map<string, number>();
  const inFlight = new Map<string, number>();
  const maxInFlight = new Map<string, number>();
  const pagesRead: number[] = [];
  const accountDone: { accountId: string; outcomes: unknown[] }[] = [];
  const recorded: Record<string, unknown>[] = [];
  let finalizeInput: unknown;
  let exportInput: unknown;
  const machine = new StateMachine(collectionWorkflow());
  const payload = (input: Json) => (input as { Payload: Record<string, unknown> }).Payload;
  const execution = machine.run({} as Json, {
    overrides: {
      taskResourceLocalHandlers: {
        [STATE.getTasks]: async () => ({ Payload: plan }),
        [STATE.nextAccounts]: async (input: Json) => {
          const page = payload(input).page as number;
          pagesRead.push(page);
          return { Payload: { accounts: PAGES[page], skipped: [] } as unknown as Json };
        },
        [STATE.planAccount]: async (input: Json) => {
          const { account, runId } = payload(input) as { account: { accountId: string }; runId: string };
          const tasks = ['1', '2', '3'].map((n) => ({ runId, taskId: `${account.accountId}${n}`, account }));
          return { Payload: { runId, startedAt: plan.startedAt, accountId: account.accountId, concurrency: 2, tasks, skipped: [], probe: { calls: [] } } as unknown as Json };
        },
        [STATE.collect]: async (input: Json) => {
          const task = payload(input) as { taskId: string; account: { accountId: string } };
          const attempt = (attempts.get(task.taskId) ?? 0) + 1;
          attempts.set(task.taskId, attempt);
          const account = task.account.accountId;
          inFlight.set(account, (inFlight.get(account) ?? 0) + 1);
          maxInFlight.set(account, Math.max(maxInFlight.get(account) ?? 0, inFlight.get(account)!));
          await new Promise((r) => setTimeout(r, 5));
          inFlight.set(account, inFlight.get(account)! - 1);
          return { Payload: hooks.collect(task, attempt) as Json };
        },
        [STATE.recordFailedTask]: async (input: Json) => {
          const request = payload(input) as { task: Record<string, unknown> };
          recorded.push(request.task);
          return { Payload: (hooks.recordFailed?.(request) ?? { taskId: request.task.taskId, status: 'failed' }) as Json };
        },
        [STATE.accountDone]: async (input: Json) => {
          const request = payload(input) as { accountId: string; outcomes: unknown[] };
          accountDone.push(request);
          return { Payload: { accountId: request.accountId, status: 'succeeded' } };
        },
        [STATE.finalize]: async (input: Json) => {
          finalizeInput = payload(input);
          return { Payload: { runId: plan.runId, startedAt: plan.startedAt, status: 'succeeded' } };
        },
        [STATE.exportSnapshot]: async (input: Json) => {
          exportInput = payload(input);
          return { Payload: (hooks.exportSnapshot?.(payload(input)) ?? { status: 'exported', location: '/snapshots', tables: {}, durationMs: 1 }) as Json };
        },
      },
      retryIntervalOverrides: { [STATE.collect]: 0, [STATE.recordFailedTask]: 0, [STATE.exportSnapshot]: 0 },
    },
    context: { Execution: { Id: 'local:test', Name: 'test', StartTime: '2026-01-01T00:00:00.000Z', Input: {} } },
  });
  const outcomesOf = (accountId: string) => accountDone.find((a) => a.accountId === accountId)?.outcomes as Record<string, unknown>[];
  return { result: execution.result, attempts, maxInFlight, pagesRead, accountDone, recorded, outcomesOf, finalizeInput: () => finalizeInput, exportInput: () => exportInput };
}

describe('the collection workflow, executed by the Step Functions interpreter', () => {
  it('reads the accounts page by page, plans and collects each in its own child, tasks at the concurrency the plan chose', async () => {
    const execution = run({ collect: (task) => ({ taskId: task.taskId, status: 'succeeded', resources: { seen: 1 } }) });
    await execution.result;
    expect(execution.pagesRead).toEqual([0, 1]);
    expect(execution.accountDone.map((a) => a.accountId).sort()).toEqual(['A', 'B', 'C', 'D']);
    expect(execution.outcomesOf('C')).toEqual([
      { taskId: 'C1', status: 'succeeded' }, { taskId: 'C2', status: 'succeeded' }, { taskId: 'C3', status: 'succeeded' },
    ]);
    expect(Math.max(...execution.maxInFlight.values())).toBe(2);
    // Finalize gets the run, never the outcomes: they are the accounts' (AccountDone stored them).
    expect(execution.finalizeInput()).toEqual({ mode: 'finalize', schemaVersion: 1, runId: 'run-1', startedAt: plan.startedAt });
  });

  it('retries a throttled task and records a task that keeps failing, without failing the run', async () => {
    const execution = run({
      collect: (task, attempt) => {
        if (task.taskId === 'A1' && attempt === 1) throw lambdaError('cloudtap.Throttled', 'slow down');
        if (task.taskId === 'A2') throw lambdaError('Error', 'boom');
        return { taskId: task.taskId, status: 'succeeded' };
      },
    });
    await execution.result;
    expect(execution.attempts.get('A1')).toBe(2);
    expect(execution.attempts.get('A2')).toBe(1);
    expect(execution.recorded).toEqual([expect.objectContaining({ taskId: 'A2', failure: expect.objectContaining({ Error: 'Error' }) })]);
    expect(execution.outcomesOf('A')).toEqual([
      { taskId: 'A1', status: 'succeeded' }, { taskId: 'A2', status: 'failed' }, { taskId: 'A3', status: 'succeeded' },
    ]);
  });

  it('keeps a small outcome when even recording the failure fails', async () => {
    const execution = run({
      collect: (task) => {
        if (task.taskId === 'B3') throw lambdaError('States.Timeout', 'timed out');
        return { taskId: task.taskId, status: 'succeeded' };
      },
      recordFailed: () => { throw lambdaError('Error', 'the store is down'); },
    });
    await execution.result;
    expect(execution.outcomesOf('B')[2]).toEqual({ taskId: 'B3', status: 'failed', error: 'States.Timeout' });
  });

  it('is plain JSONPath ASL: a Distributed Map of accounts (child executions, failures tolerated), an inline Map of tasks', () => {
    const definition = collectionWorkflow();
    const text = JSON.stringify(definition);
    expect(text).not.toMatch(/QueryLanguage|JSONata/);
    const accounts = definition.States[STATE.collectAccounts] as unknown as Record<string, unknown> & { ItemProcessor: { States: Record<string, unknown> } };
    expect(accounts).toMatchObject({
      Type: 'Map', ItemsPath: '$.batch.accounts', MaxConcurrencyPath: '$.accountConcurrency', ToleratedFailurePercentage: 100, ResultPath: null,
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' } },
    });
    expect(accounts.ItemProcessor.States[STATE.collectTasks]).toMatchObject({ Type: 'Map', ItemsPath: '$.tasks', MaxConcurrencyPath: '$.concurrency' });
    expect(text.match(/arn:aws:states:::lambda:invoke/g)).toHaveLength(8);
  });
});

describe('the snapshot export after Finalize', () => {
  const collect = (task: { taskId: string }) => ({ taskId: task.taskId, status: 'succeeded' });

  it('runs once the run is final, and its outcome is the summary\'s `snapshot`', async () => {
    const outcome = { status: 'exported', location: '/data/snapshots', tables: { runs: { rows: 1, bytes: 900 } }, durationMs: 12 };
    const execution = run({ collect, exportSnapshot: () => outcome });
    expect(await execution.result).toEqual({ runId: 'run-1', startedAt: plan.startedAt, status: 'succeeded', snapshot: outcome });
    expect(execution.exportInput()).toEqual({ mode: 'export', schemaVersion: 1, runId: 'run-1', startedAt: plan.startedAt });
  });

  it('never fails the run: an export whose function fails leaves the summary as Finalize made it, with the failure beside it', async () => {
    const execution = run({ collect, exportSnapshot: () => { throw lambdaError('Sandbox.Timedout', 'Task timed out after 600.00 seconds'); } });
    const output = await execution.result as Record<string, unknown>;
    expect(output).toEqual({
      runId: 'run-1', startedAt: plan.startedAt, status: 'succeeded',
      snapshot: { status: 'failed', tables: {}, error: { code: 'Sandbox.Timedout', message: expect.stringContaining('Task timed out') } },
    });
  });
});

describe('task timeouts', () => {
  it('every Task state times out with its Lambda, not at an interpreter\'s default', () => {
    const tasks: [string, Record<string, unknown>][] = [];
    const visit = (states: Record<string, Record<string, unknown>>) => {
      for (const [name, state] of Object.entries(states)) {
        if (state.Type === 'Task') tasks.push([name, state]);
        const processor = state.ItemProcessor as { States: Record<string, Record<string, unknown>> } | undefined;
        if (processor) visit(processor.States);
      }
    };
    visit(collectionWorkflow().States as unknown as Record<string, Record<string, unknown>>);
    expect(tasks).toHaveLength(8);
    for (const [name, state] of tasks) {
      expect([name, state.TimeoutSeconds]).toEqual([name, FUNCTION_TIMEOUT_SECONDS[LAMBDA_STATES[name as keyof typeof LAMBDA_STATES]]]);
    }
  });
});
