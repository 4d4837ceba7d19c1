import { describe, it, expect } from '@jest/globals';
import { StateMachine } from 'aws-local-stepfunctions';
import { collectionWorkflow, STATE } from '../../lib/workflow/definition';

type Json = Parameters<StateMachine['run']>[0];

/** Lambda's error shape as the lambda:invoke integration reports it. */
function lambdaError(name: string, message: string): Error {
  const error = new Error(JSON.stringify({ errorType: name, errorMessage: message }));
  error.name = name;
  return error;
}

const plan = {
  runId: 'run-1', startedAt: '2026-01-01T00:00:00.000Z', concurrency: 2, skipped: [],
  probe: { taskId: 'GetTasks', startedAt: '2026-01-01T00:00:00.000Z', durationMs: 1, calls: [] },
  tasks: [{ taskId: 'a' }, { taskId: 'b' }, { taskId: 'c' }],
};

function run(collect: (task: { taskId: string }, attempt: number) => unknown) {
  const attempts = new Map<string, number>();
  let inFlight = 0;
  let maxInFlight = 0;
  let finalizeInput: unknown;
  const machine = new StateMachine(collectionWorkflow());
  const execution = machine.run({} as Json, {
    overrides: {
      taskResourceLocalHandlers: {
        [STATE.getTasks]: async () => ({ Payload: plan }),
        [STATE.collect]: async (input: Json) => {
          const task = (input as { Payload: { taskId: string } }).Payload;
          const attempt = (attempts.get(task.taskId) ?? 0) + 1;
          attempts.set(task.taskId, attempt);
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await new Promise((r) => setTimeout(r, 5));
          inFlight--;
          return { Payload: collect(task, attempt) as Json };
        },
        [STATE.finalize]: async (input: Json) => {
          finalizeInput = (input as { Payload: unknown }).Payload;
          return { Payload: { done: true } };
        },
      },
      retryIntervalOverrides: { [STATE.collect]: 0 },
    },
    context: { Execution: { Id: 'local:test', Name: 'test', StartTime: '2026-01-01T00:00:00.000Z', Input: {} } },
  });
  return { result: execution.result, attempts, maxInFlight: () => maxInFlight, finalizeInput: () => finalizeInput as { outcomes: unknown[] } };
}

describe('the collection workflow, executed by the Step Functions interpreter', () => {
  it('fans tasks out with the MaxConcurrency get-tasks chose and hands Finalize one outcome per task', async () => {
    const execution = run((task) => ({ taskId: task.taskId, status: 'succeeded', resources: { seen: 1 } }));
    await execution.result;
    expect(execution.maxInFlight()).toBe(2);
    expect(execution.finalizeInput().outcomes).toEqual([
      { taskId: 'a', status: 'succeeded' }, { taskId: 'b', status: 'succeeded' }, { taskId: 'c', status: 'succeeded' },
    ]);
  });

  it('retries a throttled task and records a task that keeps failing, without failing the run', async () => {
    const execution = run((task, attempt) => {
      if (task.taskId === 'a' && attempt === 1) throw lambdaError('cloudtap.Throttled', 'slow down');
      if (task.taskId === 'b') throw lambdaError('Error', 'boom');
      return { taskId: task.taskId, status: 'succeeded' };
    });
    await execution.result;
    expect(execution.attempts.get('a')).toBe(2);
    expect(execution.attempts.get('b')).toBe(1);
    const outcomes = execution.finalizeInput().outcomes as Record<string, unknown>[];
    expect(outcomes[0]).toEqual({ taskId: 'a', status: 'succeeded' });
    expect(outcomes[1]).toMatchObject({ status: 'failed', caught: { taskId: 'b', failure: { Error: 'Error' } } });
    expect(outcomes[2]).toEqual({ taskId: 'c', status: 'succeeded' });
  });

  it('is plain JSONPath ASL: no JSONata, Map over $.tasks, Lambda invoke integration', () => {
    const definition = collectionWorkflow();
    const text = JSON.stringify(definition);
    expect(text).not.toMatch(/QueryLanguage|JSONata/);
    expect(definition.States[STATE.collectTasks]).toMatchObject({ Type: 'Map', ItemsPath: '$.tasks', MaxConcurrencyPath: '$.concurrency' });
    expect(text.match(/arn:aws:states:::lambda:invoke/g)).toHaveLength(3);
  });
});

describe('task timeouts', () => {
  it('every Task state times out with its Lambda, not at an interpreter\'s default', () => {
    const tasks: Record<string, unknown>[] = [];
    const visit = (states: Record<string, Record<string, unknown>>) => {
      for (const state of Object.values(states)) {
        if (state.Type === 'Task') tasks.push(state);
        const processor = state.ItemProcessor as { States: Record<string, Record<string, unknown>> } | undefined;
        if (processor) visit(processor.States);
      }
    };
    visit(collectionWorkflow().States as unknown as Record<string, Record<string, unknown>>);
    expect(tasks.map((t) => t.TimeoutSeconds)).toEqual([180, 900, 600]);
  });
});
