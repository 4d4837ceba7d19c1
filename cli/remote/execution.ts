import { DescribeExecutionCommand, StartExecutionCommand, type DescribeExecutionOutput, type SFNClient } from '@aws-sdk/client-sfn';
import type { CollectionRequest } from '../../src/dto/collection-request';
import type { RunSummary } from '../../src/dto/run-summary';
import { isRecord } from '../../src/dto/validation';
import { UsageError } from '../errors';
import { explainAwsError } from './aws-errors';

/** A remote run that did not produce a summary: the execution failed, timed out or was stopped. */
export class RemoteRunFailed extends Error {
  override readonly name = 'RemoteRunFailed';
}

export interface StartedExecution {
  executionArn: string;
  startDate: Date;
}

/** Starts the deployed workflow with the request as its input, exactly as the schedule or the console would. */
export async function startExecution(sfn: SFNClient, stateMachineArn: string, request: CollectionRequest): Promise<StartedExecution> {
  try {
    const output = await sfn.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(request) }));
    if (!output.executionArn) throw new Error(`StartExecution of ${stateMachineArn} returned no execution ARN`);
    return { executionArn: output.executionArn, startDate: output.startDate ?? new Date() };
  } catch (error) {
    if ((error as { name?: string }).name === 'StateMachineDoesNotExist') {
      throw new UsageError(`state machine ${stateMachineArn} does not exist (was the stack deleted?); deploy it with \`npx cdk deploy\` or pass the right --stack or --state-machine-arn`);
    }
    throw explainAwsError(error, `starting ${stateMachineArn}`);
  }
}

/** Between polls: from 1 s up to `maxDelayMs`, so a short run returns at once and a long one costs few calls. */
export interface PollSchedule {
  firstDelayMs: number;
  maxDelayMs: number;
  factor: number;
}

export const DEFAULT_POLL_SCHEDULE: PollSchedule = { firstDelayMs: 1000, maxDelayMs: 5000, factor: 1.5 };

export interface WaitOptions {
  schedule?: PollSchedule;
  sleep?: (ms: number) => Promise<void>;
  /** Called after each poll that found the execution still running. */
  onRunning?: () => Promise<void> | void;
}

const sleepFor = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls DescribeExecution until the execution is no longer running, with backoff. */
export async function waitForExecution(sfn: SFNClient, executionArn: string, options: WaitOptions = {}): Promise<DescribeExecutionOutput> {
  const schedule = options.schedule ?? DEFAULT_POLL_SCHEDULE;
  const sleep = options.sleep ?? sleepFor;
  let delay = schedule.firstDelayMs;
  for (;;) {
    let execution: DescribeExecutionOutput;
    try {
      execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    } catch (error) {
      throw explainAwsError(error, `following ${executionArn}`);
    }
    // PENDING_REDRIVE: someone redrove a failed execution; it is about to run again.
    if (execution.status !== 'RUNNING' && execution.status !== 'PENDING_REDRIVE') return execution;
    await options.onRunning?.();
    await sleep(delay);
    delay = Math.min(schedule.maxDelayMs, delay * schedule.factor);
  }
}

const ENDED_BECAUSE: Record<string, string> = {
  FAILED: 'failed',
  TIMED_OUT: 'timed out (the stack\'s runTimeout)',
  ABORTED: 'was stopped (StopExecution)',
};

/** The run summary Finalize returned, or why there is none: the execution's own error and cause. */
export function runSummaryOf(execution: DescribeExecutionOutput): RunSummary {
  const where = execution.executionArn ?? 'the execution';
  if (execution.status !== 'SUCCEEDED') {
    const ended = ENDED_BECAUSE[execution.status ?? ''] ?? `ended ${execution.status ?? 'without a status'}`;
    const error = execution.error ?? (execution.status === 'TIMED_OUT' ? 'States.Timeout' : undefined);
    const cause = causeMessage(execution.cause);
    const reason = [error, cause].filter(Boolean).join(': ');
    throw new RemoteRunFailed(`execution ${execution.name ?? where} ${ended}${reason ? `: ${reason}` : ''}\n  execution: ${where}`);
  }
  let output: unknown;
  try {
    output = JSON.parse(execution.output ?? 'null');
  } catch {
    output = undefined;
  }
  if (!isRunSummary(output)) {
    throw new RemoteRunFailed(`execution ${execution.name ?? where} succeeded, but its output is not a run summary (is the deployed stack an older cloudtap? redeploy it)\n  execution: ${where}`);
  }
  return output;
}

/** A Lambda error's cause is `{"errorType","errorMessage","trace"}` JSON: the message is what the user needs. */
function causeMessage(cause: string | undefined): string | undefined {
  if (!cause) return undefined;
  try {
    const parsed: unknown = JSON.parse(cause);
    if (isRecord(parsed) && typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // plain text
  }
  return cause;
}

function isRunSummary(value: unknown): value is RunSummary {
  return isRecord(value) && typeof value.runId === 'string' && (value.status === 'succeeded' || value.status === 'partial')
    && isRecord(value.tasks) && typeof value.tasks.failed === 'number' && Array.isArray(value.failures);
}
