import '../src/polyfills';
import { randomUUID } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';

type JSONValue = Parameters<StateMachine['run']>[0];
import { collectionWorkflow, LAMBDA_STATES, type FunctionId } from '../lib/workflow/definition';
import { handler as getTasks } from '../lambdas/get-tasks/index';
import { handler as collect } from '../lambdas/collect/index';
import { handler as normalize } from '../lambdas/normalize/index';
import type { RunSummary } from '../src/dto/run-summary';
import type { AccountPlan } from '../src/plan/get-tasks';
import type { TaskResult } from '../src/dto/task';

const HANDLERS: Record<FunctionId, (event: unknown) => Promise<unknown>> = { getTasks, collect, normalize };

export interface RunProgress {
  /** Tasks planned so far: each account adds its own when its child execution plans it. */
  total: number;
  done: number;
  failed: number;
  resourcesSeen: number;
  /** Accounts planned, and done (AccountDone). */
  accounts: number;
  accountsDone: number;
}

export interface LocalRunOptions {
  /** The execution input (a CollectionRequest), exactly as StartExecution would receive it. */
  input: unknown;
  executionName?: string;
  onProgress?: (progress: RunProgress) => void;
  /**
   * Every event the interpreter logs (StateEntered with the state's input, StateExited with its output, StateRetried,
   * MapIteration…): those of a Map iteration carry its `index` — for a child execution of the accounts' Map, the
   * account's, also on the events of its own tasks' Map (test/workflow/limits-run.test.ts measures a run with them).
   */
  onStateEvent?: (event: StateEvent) => void;
}

export interface StateEvent {
  type: string;
  index?: number;
  state?: { name: string; type: string; input?: unknown; output?: unknown };
  parentState?: { name: string };
}

/** Raised when the execution itself failed (as a Step Functions execution would: status FAILED). */
export class ExecutionFailedError extends Error {
  constructor(readonly error: string, override readonly cause: string) {
    super(`${error}: ${cause}`);
    this.name = 'ExecutionFailed';
  }
}

/**
 * Executes the deployed workflow definition in-process: aws-local-stepfunctions interprets the ASL (Map
 * concurrency, Retry, Catch) and each Task state calls its Lambda handler here, with Lambda's JSON
 * round-trip of payloads and errors. The handlers read their configuration from the environment, as in AWS.
 */
export async function runWorkflowLocally(options: LocalRunOptions): Promise<RunSummary> {
  const progress: RunProgress = { total: 0, done: 0, failed: 0, resourcesSeen: 0, accounts: 0, accountsDone: 0 };
  const observe = (fn: FunctionId, output: unknown): void => {
    const o = output as Record<string, unknown>;
    if (fn === 'getTasks' && 'tasks' in o) {
      progress.total += (output as AccountPlan).tasks.length;
      progress.accounts++;
    }
    if (fn === 'collect') {
      const result = output as TaskResult;
      progress.done++;
      progress.resourcesSeen += result.resources.seen;
      if (result.status === 'failed') progress.failed++;
    }
    // RecordFailedTask: a task whose Lambda failed for good is done, failed.
    if (fn === 'normalize' && 'taskId' in o) {
      progress.done++;
      progress.failed++;
    }
    if (fn === 'normalize' && 'accountId' in o && !('tasks' in o)) progress.accountsDone++;
    options.onProgress?.({ ...progress });
  };
  const localHandlers = Object.fromEntries(
    Object.entries(LAMBDA_STATES).map(([state, fn]) => [state, lambdaInvoke(fn, (output) => observe(fn, output))]),
  );
  const machine = new StateMachine(collectionWorkflow(), { validationOptions: { checkArn: true, checkPaths: true } });
  const name = options.executionName ?? randomUUID();
  const startTime = new Date().toISOString();
  const execution = machine.run(options.input as JSONValue, {
    overrides: { taskResourceLocalHandlers: localHandlers },
    context: { Execution: { Id: `local:${name}`, Name: name, StartTime: startTime, Input: options.input as JSONValue } },
  });
  const listening = options.onStateEvent ? (async () => {
    for await (const event of execution.eventLogs) options.onStateEvent?.(event as StateEvent);
  })() : undefined;
  try {
    const summary = (await execution.result) as unknown as RunSummary;
    await listening;
    return summary;
  } catch (error) {
    // The interpreter wraps the state's error (the execution's Error and Cause) in an ExecutionError.
    const wrapped = error as { name?: string; message?: string; cause?: { name?: string; message?: string } };
    const e = wrapped.name === 'ExecutionError' && wrapped.cause ? wrapped.cause : wrapped;
    throw new ExecutionFailedError(e.name ?? 'States.Runtime', lambdaErrorMessage(e.message ?? String(error)));
  }
}

/** The `arn:aws:states:::lambda:invoke` integration: `{FunctionName, Payload}` in, `{Payload}` out, JSON on the wire. */
function lambdaInvoke(fn: FunctionId, observe: (output: unknown) => void) {
  return async (input: JSONValue): Promise<JSONValue> => {
    try {
      const payload = (input as { Payload?: JSONValue } | null)?.Payload ?? null;
      const output = await HANDLERS[fn](JSON.parse(JSON.stringify(payload)));
      observe(output);
      return { Payload: JSON.parse(JSON.stringify(output ?? null)) as JSONValue };
    } catch (error) {
      // Lambda reports a function error as errorType/errorMessage; Step Functions matches Retry/Catch on errorType.
      const e = error as { name?: string; message?: string };
      const failure = new Error(JSON.stringify({ errorType: e.name ?? 'Error', errorMessage: e.message ?? String(error) }));
      failure.name = e.name ?? 'Error';
      throw failure;
    }
  };
}

function lambdaErrorMessage(cause: string): string {
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: string };
    return parsed.errorMessage ?? cause;
  } catch {
    return cause;
  }
}
