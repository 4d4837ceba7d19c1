import type { StateMachineDefinition } from 'aws-local-stepfunctions';

/**
 * The collection workflow, written once as Amazon States Language (JSONPath). The CDK stack deploys exactly
 * this definition (with the Lambda ARNs substituted) and the local runner executes exactly this definition
 * with aws-local-stepfunctions, binding each Task state to its handler in-process.
 */
export const STATE = {
  getTasks: 'GetTasks',
  collectTasks: 'CollectTasks',
  collect: 'Collect',
  recordFailedTask: 'RecordFailedTask',
  finalize: 'Finalize',
} as const;

/** Task states and the Lambda function each invokes. */
export const LAMBDA_STATES = { [STATE.getTasks]: 'getTasks', [STATE.collect]: 'collect', [STATE.finalize]: 'normalize' } as const;
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

/** Typed by the interpreter's own ASL types, so a malformed state fails the type check. */
export type WorkflowDefinition = StateMachineDefinition;

export function collectionWorkflow(): WorkflowDefinition {
  return {
    Comment: 'cloudtap collection run: GetTasks → Map(Collect) → Finalize',
    StartAt: STATE.getTasks,
    States: {
      [STATE.getTasks]: {
        ...invoke('getTasks', {
          'request.$': '$',
          execution: { 'name.$': '$$.Execution.Name', 'startTime.$': '$$.Execution.StartTime' },
        }),
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
              // Results travel through DynamoDB; the Map keeps only the outcome, so thousands of tasks fit the 256 KB payload.
              ResultSelector: { 'taskId.$': '$.Payload.taskId', 'status.$': '$.Payload.status' },
              Retry: [
                lambdaRetry,
                { ErrorEquals: ['cloudtap.Throttled'], IntervalSeconds: 5, MaxAttempts: 3, BackoffRate: 2, JitterStrategy: 'FULL' as const },
              ],
              Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: STATE.recordFailedTask }],
              End: true,
            },
            // A task that failed for good is recorded as failed; the run goes on.
            [STATE.recordFailedTask]: {
              Type: 'Pass' as const,
              Parameters: { status: 'failed', 'caught.$': '$' },
              End: true,
            },
          },
        },
        ResultPath: '$.outcomes',
        Next: STATE.finalize,
      },
      [STATE.finalize]: {
        ...invoke('normalize', {
          mode: 'finalize',
          schemaVersion: 1,
          'runId.$': '$.runId',
          'startedAt.$': '$.startedAt',
          'skipped.$': '$.skipped',
          'probe.$': '$.probe',
          'outcomes.$': '$.outcomes',
        }),
        OutputPath: '$.Payload',
        Retry: [lambdaRetry],
        End: true,
      },
    },
  };
}
