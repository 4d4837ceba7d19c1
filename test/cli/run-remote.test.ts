import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeExecutionCommand, DescribeMapRunCommand, GetExecutionHistoryCommand, SFNClient, StartExecutionCommand, type DescribeExecutionOutput, type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { runCommand, RUN_HELP } from '../../cli/commands/run';
import { runRemoteCommand } from '../../cli/commands/run-remote';
import { UsageError } from '../../cli/errors';
import { formatRunSummary } from '../../cli/format';
import { HistoryReader, applyHistory, describeMapRuns, initialProgress } from '../../cli/remote/history';
import { renderProgress } from '../../cli/remote/progress';
import { summarizeRun, type RunSummary } from '../../src/dto/run-summary';
import { emptyEventCounts, type TaskResult } from '../../src/dto/task';

const sfn = mockClient(SFNClient);
const cloudformation = mockClient(CloudFormationClient);

const STATE_MACHINE_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:CollectionWorkflow1A2B3C-xYz';
const EXECUTION_ARN = 'arn:aws:states:eu-west-1:123456789012:execution:CollectionWorkflow1A2B3C-xYz:6f1c0a52-1b0e-4c39-9a53-2f1e0c0f4a11';

function result(taskId: string, overrides: Partial<TaskResult> = {}): TaskResult {
  return {
    schemaVersion: 1, taskId, taskType: 'inventory.CloudService', accountId: '123456789012', region: 'eu-west-1', service: 'EC2',
    status: 'succeeded', resources: { seen: 10, created: 1, updated: 0, unchanged: 9, deleted: 0 }, events: emptyEventCounts(),
    completePartitions: [], apiCalls: 4, throttles: 0, writes: 2, durationMs: 800, errors: [], ...overrides,
  };
}

function summary(results: TaskResult[]): RunSummary {
  return summarizeRun({ runId: '20240501T100000Z-6f1c0a52-1b0', startedAt: '2024-05-01T10:00:00.000Z', finishedAt: '2024-05-01T10:02:00.000Z', skipped: [], extraWrites: 3 }, results);
}

const SUCCEEDED = summary([result('CloudService:123456789012:eu-west-1:EC2'), result('Region:123456789012:eu-west-1', { taskType: 'inventory.Region', service: undefined })]);
const PARTIAL = summary([
  result('CloudService:123456789012:eu-west-1:EC2'),
  result('CloudService:123456789012:us-west-2:EC2', { region: 'us-west-2', status: 'failed', errors: [{ code: 'UnauthorizedOperation', message: 'You are not authorized', type: 'EC2.Volume' }] }),
]);

const execution = (status: DescribeExecutionOutput['status'], more: Partial<DescribeExecutionOutput> = {}): DescribeExecutionOutput => ({
  executionArn: EXECUTION_ARN, stateMachineArn: STATE_MACHINE_ARN, name: '6f1c0a52-1b0e-4c39-9a53-2f1e0c0f4a11', status, startDate: new Date(), ...more,
});

function deployedStack(outputs = [{ OutputKey: 'StateMachineArn', OutputValue: STATE_MACHINE_ARN }, { OutputKey: 'RunsTableName', OutputValue: 'Cloudtap-RunsTable' }]) {
  cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'Cloudtap', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(), Outputs: outputs }] });
}

function executionEnds(ending: DescribeExecutionOutput) {
  sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN, startDate: new Date() });
  sfn.on(DescribeExecutionCommand).resolves(ending);
}

let stdout: string[];
let stderr: string[];
const savedRegion = process.env.AWS_REGION;
beforeAll(() => { process.env.AWS_REGION = 'eu-west-1'; });
afterAll(() => { if (savedRegion === undefined) delete process.env.AWS_REGION; else process.env.AWS_REGION = savedRegion; });
beforeEach(() => {
  sfn.reset();
  cloudformation.reset();
  stdout = [];
  stderr = [];
  jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => { stdout.push(args.join(' ')); });
  jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => { stderr.push(args.join(' ')); });
});
afterEach(() => { jest.restoreAllMocks(); });

const startedInput = (): unknown => JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input.input ?? 'null');

describe('which state machine', () => {
  it('is the StateMachineArn output of the stack Cloudtap by default, or of the stack --stack names', async () => {
    deployedStack();
    executionEnds(execution('SUCCEEDED', { output: JSON.stringify(SUCCEEDED) }));
    expect(await runCommand(['--remote'])).toBe(0);
    expect(await runCommand(['--remote', '--stack', 'CloudtapProd'])).toBe(0);
    expect(cloudformation.commandCalls(DescribeStacksCommand).map((call) => call.args[0].input.StackName)).toEqual(['Cloudtap', 'CloudtapProd']);
    expect(sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input.stateMachineArn)).toEqual([STATE_MACHINE_ARN, STATE_MACHINE_ARN]);
  });

  it('a stack without the output: exit 1 with what to do, and nothing is started', async () => {
    deployedStack([{ OutputKey: 'RunsTableName', OutputValue: 'Cloudtap-RunsTable' }]);
    const run = runCommand(['--remote']);
    await expect(run).rejects.toThrow(UsageError);
    await expect(run).rejects.toThrow('stack "Cloudtap" has no StateMachineArn output (its outputs: RunsTableName); is it a cloudtap stack? Deploy the current version with `npx cdk deploy`, or pass --state-machine-arn ARN');
    expect(sfn.calls()).toHaveLength(0);
  });

  it('a stack that does not exist: says where it looked and how to deploy or name it', async () => {
    cloudformation.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id Cloudtap does not exist'), { name: 'ValidationError' }));
    await expect(runCommand(['--remote'])).rejects.toThrow(/^stack "Cloudtap" does not exist in eu-west-1; deploy it with `npx cdk deploy`, or name the deployed stack with --stack NAME/);
    expect(sfn.calls()).toHaveLength(0);
  });

  it('--state-machine-arn skips the stack, and the execution runs in the ARN\'s region', async () => {
    const arn = STATE_MACHINE_ARN.replace('eu-west-1', 'ap-southeast-2');
    executionEnds(execution('SUCCEEDED', { output: JSON.stringify(SUCCEEDED) }));
    expect(await runCommand(['--remote', `--state-machine-arn=${arn}`])).toBe(0);
    expect(cloudformation.calls()).toHaveLength(0);
    const start = sfn.commandCalls(StartExecutionCommand)[0];
    expect(start?.args[0].input.stateMachineArn).toBe(arn);
    expect(await (start?.thisValue as SFNClient).config.region()).toBe('ap-southeast-2');
  });

  it('AccessDenied says which permissions the caller needs', async () => {
    cloudformation.on(DescribeStacksCommand).rejects(Object.assign(new Error('User: arn:aws:iam::123456789012:user/ops is not authorized to perform: cloudformation:DescribeStacks'), { name: 'AccessDenied' }));
    await expect(runCommand(['--remote'])).rejects.toThrow(/needs cloudformation:DescribeStacks, states:StartExecution, states:DescribeExecution, states:GetExecutionHistory/);
  });
});

describe('the execution input', () => {
  it('is the validated CollectionRequest, as a local run builds it (service names normalized, lists split)', async () => {
    deployedStack();
    executionEnds(execution('SUCCEEDED', { output: JSON.stringify(SUCCEEDED) }));
    await runCommand(['--remote', '--services', 'ec2', '--regions', 'eu-west-1,us-east-1', '--regions', 'ap-southeast-2', '--concurrency', '5']);
    expect(startedInput()).toEqual({ schemaVersion: 1, services: ['EC2'], regions: ['eu-west-1', 'us-east-1', 'ap-southeast-2'], concurrency: 5 });
    await runCommand(['--remote']);
    expect(JSON.parse(sfn.commandCalls(StartExecutionCommand)[1]?.args[0].input.input ?? '')).toEqual({ schemaVersion: 1 });
  });

  it('an invalid flag is refused by the flag\'s name before anything is called', async () => {
    await expect(runCommand(['--remote', '--services', 'nope'])).rejects.toThrow('--services: unknown service "nope"; valid services are: EC2, CloudTrail');
    await expect(runCommand(['--remote', '--concurrency', '0'])).rejects.toThrow(/^--concurrency: /);
    await expect(runCommand(['--remote', '--state-machine-arn', 'CollectionWorkflow'])).rejects.toThrow(/^--state-machine-arn: "CollectionWorkflow" is not a state machine ARN/);
    expect([...sfn.calls(), ...cloudformation.calls()]).toHaveLength(0);
  });

  it('local-only flags, and --stack without --remote, are usage errors', async () => {
    await expect(runCommand(['--remote', '--sandbox'])).rejects.toThrow('--sandbox cannot be combined with --remote: the sandbox account only exists on this machine');
    await expect(runCommand(['--remote', '--data-dir', '/tmp/x'])).rejects.toThrow(/^--data-dir cannot be combined with --remote/);
    await expect(runCommand(['--stack', 'Cloudtap'])).rejects.toThrow('--stack and --state-machine-arn name the deployed state machine: add --remote to start it');
    await expect(runCommand(['--remote', '--stack', 'A', '--state-machine-arn', STATE_MACHINE_ARN])).rejects.toThrow(/give one/);
    expect([...sfn.calls(), ...cloudformation.calls()]).toHaveLength(0);
  });
});

describe('the end of the execution', () => {
  it('succeeded: prints the summary as a local run does, exit 0', async () => {
    deployedStack();
    executionEnds(execution('SUCCEEDED', { output: JSON.stringify(SUCCEEDED) }));
    expect(await runCommand(['--remote'])).toBe(0);
    expect(stdout).toEqual([formatRunSummary(SUCCEEDED)]);
    expect(stderr).toEqual([]);
  });

  it('--json prints Finalize\'s output, the RunSummary, as JSON', async () => {
    deployedStack();
    executionEnds(execution('SUCCEEDED', { output: JSON.stringify(SUCCEEDED) }));
    expect(await runCommand(['--remote', '--json'])).toBe(0);
    expect(JSON.parse(stdout.join('\n'))).toEqual(SUCCEEDED);
  });

  it('a summary with failed tasks: exit 3, the failures listed', async () => {
    deployedStack();
    executionEnds(execution('SUCCEEDED', { output: JSON.stringify(PARTIAL) }));
    expect(await runCommand(['--remote'])).toBe(3);
    expect(stdout.join('\n')).toMatch(/completed with failed tasks/);
    expect(stdout.join('\n')).toMatch(/123456789012 +us-west-2 +EC2 +EC2\.Volume +UnauthorizedOperation/);
  });

  it('FAILED: exit 1 with the execution\'s error and cause (the Lambda\'s message), nothing on stdout', async () => {
    deployedStack();
    executionEnds(execution('FAILED', {
      error: 'InvalidInput',
      cause: JSON.stringify({ errorType: 'InvalidInput', errorMessage: 'regions[0]: "eu-west-9" is not enabled in account 123456789012', trace: ['InvalidInput: …'] }),
    }));
    expect(await runCommand(['--remote'])).toBe(1);
    expect(stdout).toEqual([]);
    expect(stderr).toEqual([
      `cloudtap: execution 6f1c0a52-1b0e-4c39-9a53-2f1e0c0f4a11 failed: InvalidInput: regions[0]: "eu-west-9" is not enabled in account 123456789012\n  execution: ${EXECUTION_ARN}`,
    ]);
  });

  it('TIMED_OUT and ABORTED: exit 1, saying which', async () => {
    deployedStack();
    executionEnds(execution('TIMED_OUT'));
    expect(await runCommand(['--remote'])).toBe(1);
    sfn.on(DescribeExecutionCommand).resolves(execution('ABORTED'));
    expect(await runCommand(['--remote'])).toBe(1);
    expect(stderr).toEqual([
      expect.stringMatching(/^cloudtap: execution \S+ timed out \(the stack's runTimeout\): States\.Timeout\n/),
      expect.stringMatching(/^cloudtap: execution \S+ was stopped \(StopExecution\)\n/),
    ]);
  });

  it('polls DescribeExecution with backoff until the execution is no longer running', async () => {
    deployedStack();
    executionEnds(execution('SUCCEEDED', { output: JSON.stringify(SUCCEEDED) }));
    sfn.on(DescribeExecutionCommand)
      .resolvesOnce(execution('RUNNING')).resolvesOnce(execution('RUNNING')).resolvesOnce(execution('RUNNING'))
      .resolves(execution('SUCCEEDED', { output: JSON.stringify(SUCCEEDED) }));
    const sleeps: number[] = [];
    const code = await runRemoteCommand(['--remote'], RUN_HELP, { sleep: async (ms) => { sleeps.push(ms); } });
    expect(code).toBe(0);
    expect(sleeps).toEqual([1000, 1500, 2250]);
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(4);
    // Not on a terminal: no history reads, no progress.
    expect(sfn.commandCalls(GetExecutionHistoryCommand)).toHaveLength(0);
  });
});

describe('progress on a terminal', () => {
  const event = (id: number, type: HistoryEvent['type'], more: Partial<HistoryEvent> = {}): HistoryEvent => ({ id, type, timestamp: new Date(), ...more });
  const MAP_RUN = 'arn:aws:states:eu-west-1:123456789012:mapRun:Cloudtap-collection/Accounts:1';
  const MAP_RUN_2 = 'arn:aws:states:eu-west-1:123456789012:mapRun:Cloudtap-collection/Accounts:2';
  const HISTORY = [
    event(1, 'ExecutionStarted'), event(2, 'TaskStateEntered', { stateEnteredEventDetails: { name: 'GetTasks' } }),
    event(3, 'TaskStateEntered', { stateEnteredEventDetails: { name: 'NextAccounts' } }),
    event(4, 'MapRunStarted', { mapRunStartedEventDetails: { mapRunArn: MAP_RUN } }),
    event(5, 'TaskStateEntered', { stateEnteredEventDetails: { name: 'NextAccounts' } }),
    event(6, 'MapRunStarted', { mapRunStartedEventDetails: { mapRunArn: MAP_RUN_2 } }),
  ];
  const counts = (total: number, succeeded: number, failed: number) => ({ itemCounts: { total, succeeded, failed, pending: 0, running: total - succeeded - failed, timedOut: 0, aborted: 0, resultsWritten: 0 } });

  it('counts accounts from the Map Runs (a page of accounts each), as DescribeMapRun reports them', async () => {
    expect(applyHistory(initialProgress(), HISTORY.slice(0, 3))).toMatchObject({ phase: 'planning', done: 0, failed: 0, mapRuns: [] });
    sfn.on(DescribeMapRunCommand, { mapRunArn: MAP_RUN }).resolves(counts(500, 500, 0));
    sfn.on(DescribeMapRunCommand, { mapRunArn: MAP_RUN_2 }).resolves(counts(120, 40, 2));
    const client = new SFNClient({ region: 'eu-west-1' });
    const progress = await describeMapRuns(client, applyHistory(initialProgress(), [...HISTORY.slice(0, 4), event(7, 'MapRunSucceeded'), ...HISTORY.slice(4)]));
    expect(progress).toMatchObject({ phase: 'collecting', total: 620, done: 542, failed: 2 });
    expect(renderProgress(progress, 65_000, 0)).toBe('[#####################...] 542/620 accounts  2 failed  page 2  1 min 05 s');
    // The ended page, described after it ended, is not described again.
    const again = await describeMapRuns(client, applyHistory(progress, [event(8, 'TaskStateEntered', { stateEnteredEventDetails: { name: 'Finalize' } })]));
    expect(again.phase).toBe('finalizing');
    expect(sfn.commandCalls(DescribeMapRunCommand).map((c) => c.args[0].input.mapRunArn)).toEqual([MAP_RUN, MAP_RUN_2, MAP_RUN_2]);
    expect(renderProgress(undefined, 12_000, 0)).toBe('⠋ running  12 s');
  });

  it('reads only the events since the last poll, newest first', async () => {
    const reversed = (events: HistoryEvent[]) => [...events].reverse();
    sfn.on(GetExecutionHistoryCommand)
      .resolvesOnce({ events: reversed(HISTORY.slice(3)), nextToken: 'page-2' })
      .resolvesOnce({ events: reversed(HISTORY.slice(0, 3)) })
      .resolvesOnce({ events: reversed([...HISTORY, event(7, 'MapRunSucceeded')]).slice(0, 2), nextToken: 'more' });
    const reader = new HistoryReader(new SFNClient({ region: 'eu-west-1' }), EXECUTION_ARN);
    expect((await reader.newEvents()).map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6]);
    expect((await reader.newEvents()).map((e) => e.id)).toEqual([7]);
    const calls = sfn.commandCalls(GetExecutionHistoryCommand).map((call) => call.args[0].input);
    expect(calls.map((input) => [input.reverseOrder, input.includeExecutionData, input.nextToken])).toEqual([[true, false, undefined], [true, false, 'page-2'], [true, false, undefined]]);
  });

  it('draws the line on a TTY while the execution runs, and clears it before the summary', async () => {
    deployedStack();
    executionEnds(execution('SUCCEEDED', { output: JSON.stringify(SUCCEEDED) }));
    sfn.on(DescribeExecutionCommand).resolvesOnce(execution('RUNNING')).resolves(execution('SUCCEEDED', { output: JSON.stringify(SUCCEEDED) }));
    sfn.on(GetExecutionHistoryCommand).resolvesOnce({ events: [...HISTORY.slice(0, 4)].reverse() }).resolves({ events: [] });
    sfn.on(DescribeMapRunCommand).resolves(counts(3, 2, 1));
    const written: string[] = [];
    const tty = { isTTY: true, write: (chunk: string) => { written.push(chunk); return true; } } as unknown as NodeJS.WriteStream;
    expect(await runRemoteCommand(['--remote'], RUN_HELP, { sleep: async () => {}, progressStream: tty })).toBe(0);
    expect(written[0]).toMatch(new RegExp(`^started ${EXECUTION_ARN}\\n  https://eu-west-1\\.console\\.aws\\.amazon\\.com/states/`));
    expect(written.some((chunk) => chunk.includes('3/3 accounts  1 failed'))).toBe(true);
    expect(written.at(-1)).toBe('\r\x1b[K');
    expect(stdout).toEqual([formatRunSummary(SUCCEEDED)]);
  });

  it('without states:GetExecutionHistory, a spinner with the elapsed time', async () => {
    deployedStack();
    executionEnds(execution('SUCCEEDED', { output: JSON.stringify(SUCCEEDED) }));
    sfn.on(DescribeExecutionCommand).resolvesOnce(execution('RUNNING')).resolves(execution('SUCCEEDED', { output: JSON.stringify(SUCCEEDED) }));
    sfn.on(GetExecutionHistoryCommand).rejects(Object.assign(new Error('not authorized to perform: states:GetExecutionHistory'), { name: 'AccessDeniedException' }));
    const written: string[] = [];
    const tty = { isTTY: true, write: (chunk: string) => { written.push(chunk); return true; } } as unknown as NodeJS.WriteStream;
    expect(await runRemoteCommand(['--remote'], RUN_HELP, { sleep: async () => {}, progressStream: tty })).toBe(0);
    expect(written.some((chunk) => /running {2}\d+ s/.test(chunk))).toBe(true);
    expect(sfn.commandCalls(GetExecutionHistoryCommand)).toHaveLength(1);
  });
});
