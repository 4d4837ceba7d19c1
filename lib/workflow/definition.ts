import type { StateMachineDefinition } from 'aws-local-stepfunctions';

/**
 * The collection workflow, written once as Amazon States Language (JSONPath). The CDK stack deploys exactly
 * this definition (with the Lambda ARNs substituted) and the local runner executes exactly this definition
 * with aws-local-stepfunctions, binding each Task state to its handler in-process.
 */
export const STATE = {
  getTasks: 'GetTasks',
  nextAccounts: 'NextAccounts',
  collectAccounts: 'CollectAccounts',
  planAccount: 'PlanAccount',
  collectTasks: 'CollectTasks',
  collect: 'Collect',
  recordFailedTask: 'RecordFailedTask',
  failureNotRecorded: 'FailureNotRecorded',
  accountDone: 'AccountDone',
  morePages: 'MoreAccounts',
  turnPage: 'TurnPage',
  finalize: 'Finalize',
  exportSnapshot: 'ExportSnapshot',
  snapshotExported: 'SnapshotExported',
  snapshotFailed: 'SnapshotFailed',
} as const;

/** Task states and the Lambda function each invokes. */
export const LAMBDA_STATES = {
  [STATE.getTasks]: 'getTasks', [STATE.nextAccounts]: 'getTasks', [STATE.planAccount]: 'getTasks',
  [STATE.collect]: 'collect', [STATE.recordFailedTask]: 'normalize', [STATE.accountDone]: 'normalize', [STATE.finalize]: 'normalize',
  [STATE.exportSnapshot]: 'normalize',
} as const;
export type FunctionId = (typeof LAMBDA_STATES)[keyof typeof LAMBDA_STATES];

/** Placeholders CDK's `definitionSubstitutions` replace with the functions' ARNs. */
export const FUNCTION_ARN_PLACEHOLDER: Record<FunctionId, string> = {
  getTasks: '${GetTasksFunctionArn}',
  collect: '${CollectFunctionArn}',
  normalize: '${NormalizeFunctionArn}',
};

/**
 * How long one invocation of each function may run: the Lambda's timeout in the stack and the Task state's
 * TimeoutSeconds here (Step Functions has no default; aws-local-stepfunctions defaults to 60 s).
 */
export const FUNCTION_TIMEOUT_SECONDS: Record<FunctionId, number> = { getTasks: 180, collect: 900, normalize: 600 };

/** Transient Lambda service errors: always worth retrying. */
const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException',
];

const lambdaRetry = { ErrorEquals: LAMBDA_SERVICE_ERRORS, IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2, JitterStrategy: 'FULL' as const };

type JsonObject = { [key: string]: string | number | boolean | null | JsonObject };

function invoke(fn: FunctionId, payload: JsonObject | '$') {
  return {
    Type: 'Task' as const,
    Resource: 'arn:aws:states:::lambda:invoke',
    TimeoutSeconds: FUNCTION_TIMEOUT_SECONDS[fn],
    Parameters: { FunctionName: FUNCTION_ARN_PLACEHOLDER[fn], ...(payload === '$' ? { 'Payload.$': '$' } : { Payload: payload }) } as JsonObject,
  };
}

/**
 * A Distributed Map's processor: child executions (standard: a task may run 15 minutes, longer than an express
 * child's 5). aws-local-stepfunctions' types have no ProcessorConfig (it runs every Map inline, NOTES.md); AWS reads it.
 */
function distributed(processor: ItemProcessor): ItemProcessor {
  return { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, ...processor } as ItemProcessor;
}

type ItemProcessor = Omit<StateMachineDefinition, 'TimeoutSeconds' | 'Version'>;

/**
 * The Distributed Map's own fields (not in the interpreter's types either): the Map Run's label, and failures
 * tolerated — an account whose child execution failed has no ACCOUNT# result, Finalize reports it failed (none of its
 * data is deleted), and the other accounts go on.
 */
const ACCOUNTS_MAP_RUN: object = { Label: 'Accounts', ToleratedFailurePercentage: 100 };

/** Typed by the interpreter's own ASL types, so a malformed state fails the type check. */
export type WorkflowDefinition = StateMachineDefinition;

/**
 * The collection run, for one account or ten thousand:
 *
 *   GetTasks → NextAccounts → CollectAccounts (Distributed Map: a child execution per account:
 *     PlanAccount → CollectTasks (inline Map: Collect | RecordFailedTask) → AccountDone) → MoreAccounts? → … → Finalize
 *     → ExportSnapshot (→ SnapshotExported | SnapshotFailed)
 *
 * GetTasks lists the accounts (given, or from AWS Organizations) into pages in the runs table; no state ever holds
 * the whole list. Each page (src/plan/pages.ts: 500 accounts, ~55 KB) is one Map Run of child executions, each with its own history (an account's ~170 tasks
 * are ~1,500 events of the 25,000 a standard execution may have) and its own payloads (its task list); the parent's
 * history grows by ~15 events per page of 500 accounts. Results travel through DynamoDB: a task's under its id, an
 * account's under ACCOUNT#<id> (AccountDone), and Finalize reads those.
 */
export function collectionWorkflow(): WorkflowDefinition {
  const collectRetry = [
    lambdaRetry,
    { ErrorEquals: ['cloudtap.Throttled'], IntervalSeconds: 5, MaxAttempts: 3, BackoffRate: 2, JitterStrategy: 'FULL' as const },
  ];
  return {
    Comment: 'cloudtap collection run: GetTasks → pages of accounts → Distributed Map (PlanAccount → Map(Collect) → AccountDone) → Finalize → ExportSnapshot',
    StartAt: STATE.getTasks,
    States: {
      [STATE.getTasks]: {
        ...invoke('getTasks', {
          'request.$': '$',
          execution: { 'name.$': '$$.Execution.Name', 'startTime.$': '$$.Execution.StartTime' },
        }),
        OutputPath: '$.Payload',
        Retry: [lambdaRetry],
        Next: STATE.nextAccounts,
      },
      // One page of the run's account list (at most ACCOUNTS_PER_PAGE references), read from the runs table.
      [STATE.nextAccounts]: {
        ...invoke('getTasks', { mode: 'accounts', 'runId.$': '$.runId', 'page.$': '$.cursor.page' }),
        ResultSelector: { 'accounts.$': '$.Payload.accounts' },
        ResultPath: '$.batch',
        Retry: [lambdaRetry],
        Next: STATE.collectAccounts,
      },
      [STATE.collectAccounts]: {
        Type: 'Map' as const,
        ...ACCOUNTS_MAP_RUN,
        ItemsPath: '$.batch.accounts',
        // A child's input is PlanAccount's request as it is.
        ItemSelector: {
          mode: 'account',
          'runId.$': '$.runId',
          'startedAt.$': '$.startedAt',
          'concurrency.$': '$.concurrency',
          'selection.$': '$.selection',
          'catalogAccountId.$': '$.catalogAccountId',
          'member.$': '$.member',
          'account.$': '$$.Map.Item.Value',
        },
        MaxConcurrencyPath: '$.accountConcurrency',
        ItemProcessor: distributed({
          StartAt: STATE.planAccount,
          States: {
            // The account's role (cached per container), its regions, its tasks; unreachable: no tasks, a reason.
            [STATE.planAccount]: {
              ...invoke('getTasks', '$'),
              OutputPath: '$.Payload',
              Retry: [lambdaRetry],
              Next: STATE.collectTasks,
            },
            [STATE.collectTasks]: {
              Type: 'Map' as const,
              ItemsPath: '$.tasks',
              MaxConcurrencyPath: '$.concurrency',
              ItemProcessor: {
                StartAt: STATE.collect,
                States: {
                  [STATE.collect]: {
                    ...invoke('collect', '$'),
                    // Results travel through DynamoDB; the Map keeps only the outcome.
                    ResultSelector: { 'taskId.$': '$.Payload.taskId', 'status.$': '$.Payload.status' },
                    Retry: collectRetry,
                    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: STATE.recordFailedTask }],
                    End: true,
                  },
                  // A task whose Lambda failed for good stored nothing: its error is stored as its result (bounded), and
                  // the Map keeps the same small outcome as for any task — an account's ~170 outcomes stay a few KB.
                  [STATE.recordFailedTask]: {
                    ...invoke('normalize', { mode: 'taskFailed', 'task.$': '$' }),
                    ResultSelector: { 'taskId.$': '$.Payload.taskId', 'status.$': '$.Payload.status' },
                    Retry: [lambdaRetry],
                    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.recordError', Next: STATE.failureNotRecorded }],
                    End: true,
                  },
                  [STATE.failureNotRecorded]: {
                    Type: 'Pass' as const,
                    Parameters: { 'taskId.$': '$.taskId', status: 'failed', 'error.$': '$.failure.Error' },
                    End: true,
                  },
                },
              },
              ResultPath: '$.outcomes',
              Next: STATE.accountDone,
            },
            [STATE.accountDone]: {
              ...invoke('normalize', {
                mode: 'account',
                schemaVersion: 1,
                'runId.$': '$.runId',
                'startedAt.$': '$.startedAt',
                'accountId.$': '$.accountId',
                'skipped.$': '$.skipped',
                'probe.$': '$.probe',
                'outcomes.$': '$.outcomes',
              }),
              OutputPath: '$.Payload',
              Retry: [lambdaRetry],
              End: true,
            },
          },
        }),
        ResultPath: null,
        Next: STATE.morePages,
      },
      [STATE.morePages]: {
        Type: 'Choice' as const,
        Choices: [{ Variable: '$.lastPage', NumericGreaterThanPath: '$.cursor.page', Next: STATE.turnPage }],
        Default: STATE.finalize,
      },
      [STATE.turnPage]: {
        Type: 'Pass' as const,
        Parameters: { 'page.$': 'States.MathAdd($.cursor.page, 1)' },
        ResultPath: '$.cursor',
        Next: STATE.nextAccounts,
      },
      [STATE.finalize]: {
        ...invoke('normalize', { mode: 'finalize', schemaVersion: 1, 'runId.$': '$.runId', 'startedAt.$': '$.startedAt' }),
        OutputPath: '$.Payload',
        Retry: [lambdaRetry],
        Next: STATE.exportSnapshot,
      },
      // The run's snapshot for SQL, beside the summary (`snapshot`); a failed export never fails the run.
      [STATE.exportSnapshot]: {
        ...invoke('normalize', { mode: 'export', schemaVersion: 1, 'runId.$': '$.runId', 'startedAt.$': '$.startedAt' }),
        ResultSelector: { 'outcome.$': '$.Payload' },
        ResultPath: '$.snapshot',
        Retry: [lambdaRetry],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.snapshot', Next: STATE.snapshotFailed }],
        Next: STATE.snapshotExported,
      },
      // A ResultSelector builds an object: the outcome is lifted out of it here (a Pass state's result is its input).
      [STATE.snapshotExported]: {
        Type: 'Pass' as const,
        InputPath: '$.snapshot.outcome',
        ResultPath: '$.snapshot',
        End: true,
      },
      // The function itself failed (timed out, ran out of memory): the caught error, shaped as a failed outcome.
      [STATE.snapshotFailed]: {
        Type: 'Pass' as const,
        InputPath: '$.snapshot',
        Parameters: { status: 'failed', tables: {}, error: { 'code.$': '$.Error', 'message.$': '$.Cause' } },
        ResultPath: '$.snapshot',
        End: true,
      },
    },
  };
}
