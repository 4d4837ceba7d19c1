import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { CollectionRequest } from '../../src/dto/collection-request';
import type { RunSummary } from '../../src/dto/run-summary';
import { runSummaryOf, startExecution, waitForExecution, type PollSchedule } from './execution';
import { HistoryReader, applyHistory, describeMapRuns, initialProgress, type RemoteProgress } from './history';
import { remoteProgressLine } from './progress';
import { stateMachineArnOfStack } from './stack';
import { DEFAULT_STACK, stateMachineRegion } from './state-machine-arn';

export { RemoteRunFailed } from './execution';

/** Which deployed state machine: named by its stack's output, or by its ARN. */
export interface RemoteTarget {
  stack?: string;
  stateMachineArn?: string;
}

export interface RemoteRunOptions {
  pollSchedule?: PollSchedule;
  sleep?: (ms: number) => Promise<void>;
  /** Where progress goes: a line on a terminal, nothing otherwise. */
  progressStream?: NodeJS.WriteStream;
}

/**
 * Starts the deployed workflow with the request, follows it to its end and returns Finalize's run summary;
 * a RemoteRunFailed when the execution failed, timed out or was stopped.
 */
export async function runRemotely(target: RemoteTarget, request: CollectionRequest, options: RemoteRunOptions = {}): Promise<RunSummary> {
  const stateMachineArn = target.stateMachineArn ?? await stateMachineArnOfStack(new CloudFormationClient({}), target.stack ?? DEFAULT_STACK);
  // The executions run where the state machine is, whatever the default region says.
  const region = stateMachineRegion(stateMachineArn);
  const sfn = new SFNClient({ region });
  const execution = await startExecution(sfn, stateMachineArn, request);

  const stream = options.progressStream ?? process.stderr;
  if (stream.isTTY) {
    stream.write(`started ${execution.executionArn}\n  https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${execution.executionArn}\n`);
  }
  const progress = remoteProgressLine(stream);
  // The history (and the Map Runs: states:DescribeMapRun) is read only for a terminal; without them the line shows the time only.
  let history: HistoryReader | undefined = stream.isTTY ? new HistoryReader(sfn, execution.executionArn) : undefined;
  let seen: RemoteProgress = initialProgress();
  const showProgress = async (): Promise<void> => {
    if (!history) return progress.update(undefined);
    try {
      seen = await describeMapRuns(sfn, applyHistory(seen, await history.newEvents()));
      progress.update(seen);
    } catch {
      history = undefined;
      progress.update(undefined);
    }
  };

  try {
    await showProgress();
    const ended = await waitForExecution(sfn, execution.executionArn, {
      onRunning: showProgress,
      ...(options.pollSchedule ? { schedule: options.pollSchedule } : {}),
      ...(options.sleep ? { sleep: options.sleep } : {}),
    });
    return runSummaryOf(ended);
  } finally {
    progress.done();
  }
}
