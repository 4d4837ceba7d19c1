import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LAMBDA_NODE_OPTIONS } from './bundling';
import { Annotations, ArnFormat, AssetHashType, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { collectionWorkflow, FUNCTION_ARN_PLACEHOLDER, FUNCTION_TIMEOUT_SECONDS, type FunctionId, type WorkflowDefinition } from '../workflow/definition';
import {
  DEFAULT_CONCURRENCY, DEFAULT_MEMBER_ROLE_NAME, SERVICE_NAME, TABLE_ENV, TABLE_IDS, TABLES, functionIamActions, metricsNamespace, realtimeEventPatterns,
  deployableNamedQueries, DEFAULT_HEARTBEAT, type HeartbeatKnobs, type KeyAttribute, type TableId, type Threshold,
  type MetricThreshold, NOTIFY_ENV, routeTargets, type Route, type Silence,
} from '../../src/stack-inputs';
import { MAX_ALARM_WINDOW_SECONDS, schedulePeriod } from './schedule-period';
import { SCHEMA_VERSION, type CollectionRequest } from '../../src/dto/collection-request';
import { deadLetterQueue } from './dead-letter-queue';
import { NAG_REASONS, acknowledge, nagResource } from './nag';
import { CollectorOperations } from './operations';
import {
  DEFAULT_ATHENA_SCAN_LIMIT_BYTES, DEFAULT_SNAPSHOT_RETENTION_DAYS, SNAPSHOT_OUTPUTS, Snapshots, snapshotDatabaseName, snapshotWorkGroupName,
} from './snapshots';
import { INDEX_ACTIONS, tableAccessOf } from './table-access';

export interface CollectorStackProps extends StackProps {
  /** Tasks in flight per account when a run's request sets none (`CLOUDTAP_DEFAULT_CONCURRENCY`). @default 20 */
  readonly defaultConcurrency?: number;
  /** Accounts in flight (the Distributed Map) when a run's request sets none (`CLOUDTAP_DEFAULT_ACCOUNT_CONCURRENCY`). @default 25 */
  readonly defaultAccountConcurrency?: number;
  /**
   * Roles in member accounts the collector may assume. They are the only resources `sts:AssumeRole` is
   * granted on, and the scheduled run collects them besides the collector's own account. @default none
   */
  readonly memberRoleArns?: readonly string[];
  /** EventBridge schedule expression of the scheduled run. @default rate(6 hours) */
  readonly scheduleExpression?: string;
  /** Whether the schedule fires. A disabled schedule keeps its rule (state DISABLED), so turning it back on replaces nothing. @default true */
  readonly scheduleEnabled?: boolean;
  /** Services the scheduled run collects. @default every registered service */
  readonly services?: readonly string[];
  /** Regions the scheduled run collects. @default every enabled region of each account */
  readonly regions?: readonly string[];
  /** How long the Lambdas' and the state machine's logs are kept. @default one month */
  readonly logRetention?: logs.RetentionDays;
  /** A run still going after this is stopped (Step Functions `TimeoutSeconds`). @default 2 hours */
  readonly runTimeout?: Duration;
  /** Thresholds Finalize evaluates; each breach and recovery is published once to the default event bus. @default none */
  readonly thresholds?: readonly Threshold[];
  /** Notification routes (README, "Notifications"): normalize may publish only to their topics and buses. @default none */
  readonly routes?: readonly Route[];
  /** Silences declared in context (besides `cloudtap silence add`'s). @default none */
  readonly silences?: readonly Silence[];
  /** Flapping limits and keep-firing runs. @default {changes: 3, windowRuns: 6, keepFiringRuns: 1} */
  readonly flapping?: { changes: number; windowRuns: number; keepFiringRuns: number };
  /** Levels of the metric rules (CPU, Memory, Disk, …) per rule and group, evaluated by Collect. @default each rule's own */
  readonly metricThresholds?: readonly MetricThreshold[];
  /**
   * Heartbeats: normalize runs `{mode: "heartbeat"}` on the run schedule and opens CollectorSilent when no run
   * succeeded within `silentAfterSchedules` periods; AccountDone opens StaleInventory for a partition not collected
   * completely in `staleAfterRuns` runs in a row. @default { silentAfterSchedules: 2, staleAfterRuns: 3 }
   */
  readonly heartbeat?: HeartbeatKnobs;
  /** Route EC2 state changes and CloudTrail API calls to normalize, for real-time updates between runs. @default true */
  readonly realtime?: boolean;
  /**
   * Concurrent executions reserved for (and the most allowed to) normalize, which EventBridge invokes once per
   * change: a burst waits in Lambda's asynchronous queue instead of taking the account's concurrency. @default 10
   */
  readonly normalizeConcurrency?: number;
  /** An address subscribed to the alarm topic (it must confirm the subscription). @default none */
  readonly alarmEmail?: string;
  /** Alarms go to this existing SNS topic instead of one the stack creates. @default a topic of the stack */
  readonly alarmTopicArn?: string;
  /**
   * Collect the accounts of this AWS Organization (listed at each run, `include`/`exclude` as in the request's
   * `accounts.organization`), each through its member role (`memberRoleName`). Cannot be combined with
   * `memberRoleArns`. @default off
   */
  readonly organization?: OrganizationCollection;
  /** The member role's name in every account of the organization (the member stack's). @default cloudtap-member */
  readonly memberRoleName?: string;
  /** The external id the member roles require (`sts:ExternalId`). @default none */
  readonly memberExternalId?: string;
  /**
   * SQL over the runs: Finalize exports each run's snapshot to a bucket of the stack, with Glue tables over it and an
   * Athena workgroup with cloudtap's named queries (lib/stacks/snapshots.ts). @default true
   */
  readonly snapshots?: boolean;
  /** Days each run's snapshot is kept under `history/` (the `_history` tables). @default 30 */
  readonly snapshotRetentionDays?: number;
  /** The Athena workgroup cancels a query that would scan more than this many bytes (at least 10 MB). @default 10 GB */
  readonly athenaScanLimitBytes?: number;
  /**
   * The SDK's adaptive retry mode for collect's AWS calls: after a throttle, a client-side rate per account, region and
   * service, kept by the Lambda container across tasks (`CLOUDTAP_SDK_RETRY_MODE`). @default false (standard retries)
   */
  readonly adaptiveRetries?: boolean;
}

export interface OrganizationCollection {
  /** The organization's id, `o-` and 10 to 32 lowercase letters or digits: what `aws:ResourceOrgID` and `aws:PrincipalOrgID` are compared with. */
  readonly id: string;
  /** OU, root or account ids the scheduled run collects (OUs recursively). @default the whole organization */
  readonly include?: readonly string[];
  /** OU or account ids the scheduled run leaves out. @default none */
  readonly exclude?: readonly string[];
}

export const DEFAULT_SCHEDULE_EXPRESSION = 'rate(6 hours)';
export const DEFAULT_RUN_TIMEOUT = Duration.hours(2);
export const DEFAULT_NORMALIZE_CONCURRENCY = 10;

/** AWS documents at most this many concurrent iterations for an inline Map, whatever MaxConcurrency says. */
const INLINE_MAP_MAX_CONCURRENCY = 40;

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUNDLE_SCRIPT = fileURLToPath(new URL('./bundle-lambda.ts', import.meta.url));

/** The three functions: where their handler is and what one invocation may need. */
const FUNCTIONS: Record<FunctionId, { dir: string; description: string; memorySize: number; timeout: Duration }> = {
  getTasks: {
    dir: 'get-tasks', description: 'cloudtap GetTasks: validates the run request, probes accounts and regions, emits the tasks',
    memorySize: 512, timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS.getTasks),
  },
  // One task is one service in one region: a large region pages through many thousands of resources.
  collect: {
    dir: 'collect', description: 'cloudtap Collect: collects one service in one region into the inventory',
    memorySize: 1024, timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS.collect),
  },
  normalize: {
    dir: 'normalize', description: 'cloudtap Normalize: finalizes a run (deletions, cleared events, thresholds, summary)',
    memorySize: 1024, timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS.normalize),
  },
};

const ATTRIBUTE_TYPE: Record<KeyAttribute['type'], dynamodb.AttributeType> = { S: dynamodb.AttributeType.STRING, N: dynamodb.AttributeType.NUMBER };

function dynamoAttribute(attribute: KeyAttribute): dynamodb.Attribute {
  return { name: attribute.name, type: ATTRIBUTE_TYPE[attribute.type] };
}

/**
 * The IAM path of the roles that call AWS for the collector (get-tasks, collect, normalize): what a member role
 * trusts (lib/stacks/member-stack.ts). CloudFormation generates the roles' names (and shortens a long stack name in
 * them), so a name prefix would be fragile; the path is fixed and names the deployment.
 */
export function collectorRolePath(stackName: string): string {
  return `/cloudtap/${stackName}/`;
}

/** Construct ids of the real-time rules, one per pattern: `RealtimeEc2ApiCalls`, `RealtimeEc2EC2InstanceStateChangeNotification`, … */
export function realtimeRuleId(pattern: RealtimeEventPattern): string {
  const words = (text: string) => text.split(/[^A-Za-z0-9]+/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
  return `Realtime${words(pattern.source[0]!.replace(/^aws\./, ''))}${pattern.detail ? 'ApiCalls' : words(pattern.detailType[0]!)}`;
}

/** What a real-time rule's description says it matches. */
export function realtimeRuleSubject(pattern: RealtimeEventPattern): string {
  return `${pattern.source[0]} ${pattern.detail ? 'API calls' : pattern.detailType.join(', ')}`;
}

type RealtimeEventPattern = ReturnType<typeof realtimeEventPatterns>[number];

/** `get-tasks` → `GetTasks`: construct ids read like the functions' names. */
function pascalCase(name: string): string {
  return name.split('-').map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join('');
}

/** `${CollectFunctionArn}` → `CollectFunctionArn`, the key `definitionSubstitutions` wants. */
function substitutionName(placeholder: string): string {
  return placeholder.replace(/^\$\{(.+)\}$/, '$1');
}

/**
 * cloudtap in one account: the inventory, event and run tables, the three Lambdas, the collection state machine
 * (the very definition the local runner executes) and its schedule.
 */
export class CollectorStack extends Stack {
  readonly tables: Record<TableId, dynamodb.Table>;
  readonly functions: Record<FunctionId, LambdaFunction>;
  readonly stateMachine: sfn.StateMachine;
  readonly schedule: events.Rule;
  /** Fires normalize's heartbeat (`{mode: "heartbeat"}`) on the run schedule: what notices that runs stopped. */
  readonly heartbeatSchedule: events.Rule;
  readonly logGroups: Record<FunctionId, logs.LogGroup>;
  /** Dead-letter queues by what they catch. */
  readonly deadLetterQueues: Record<string, sqs.Queue>;
  readonly operations: CollectorOperations;
  /** The snapshot bucket, Glue tables and Athena workgroup; absent with `snapshots: false`. */
  readonly snapshots?: Snapshots;

  constructor(scope: Construct, id: string, props: CollectorStackProps = {}) {
    super(scope, id, props);
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const memberRoleArns = [...new Set(props.memberRoleArns ?? [])];
    const organization = props.organization;
    if (organization && memberRoleArns.length) {
      throw new Error('CollectorStack: organization and memberRoleArns exclude each other (an organization\'s accounts are listed at each run and reached through memberRoleName)');
    }
    const memberRoleName = props.memberRoleName ?? DEFAULT_MEMBER_ROLE_NAME;
    const members: MemberRoles = {
      roleArns: memberRoleArns,
      ...(organization ? { organization: { id: organization.id, roleArn: `arn:${this.partition}:iam::*:role/${memberRoleName}` } } : {}),
    };

    this.tables = {} as Record<TableId, dynamodb.Table>;
    for (const tableId of TABLE_IDS) {
      const definition = TABLES[tableId];
      const table = new dynamodb.Table(this, `${pascalCase(tableId)}Table`, {
        partitionKey: dynamoAttribute(definition.partitionKey),
        sortKey: dynamoAttribute(definition.sortKey),
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        // The AWS managed key (aws/dynamodb): encrypted with KMS and auditable in CloudTrail, with no key to
        // pay for, rotate or lose — a deleted customer key would make the retained inventory unreadable.
        encryption: dynamodb.TableEncryption.AWS_MANAGED,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        // The inventory and its history must outlive the stack.
        removalPolicy: RemovalPolicy.RETAIN,
      });
      for (const index of definition.globalIndexes) {
        table.addGlobalSecondaryIndex({
          indexName: index.name,
          partitionKey: dynamoAttribute(index.partitionKey),
          ...(index.sortKey ? { sortKey: dynamoAttribute(index.sortKey) } : {}),
        });
      }
      this.tables[tableId] = table;
    }

    const defaultConcurrency = props.defaultConcurrency ?? DEFAULT_CONCURRENCY;
    if (defaultConcurrency > INLINE_MAP_MAX_CONCURRENCY) {
      Annotations.of(this).addWarningV2('cloudtap:inlineMapConcurrency',
        `maxConcurrency ${defaultConcurrency} exceeds the ${INLINE_MAP_MAX_CONCURRENCY} concurrent iterations an inline Map runs; a run will not go faster than ${INLINE_MAP_MAX_CONCURRENCY} at once`);
    }
    const environment: Record<string, string> = {
      CLOUDTAP_HOME_REGION: this.region,
      CLOUDTAP_DEFAULT_CONCURRENCY: String(defaultConcurrency),
      ...(props.defaultAccountConcurrency ? { CLOUDTAP_DEFAULT_ACCOUNT_CONCURRENCY: String(props.defaultAccountConcurrency) } : {}),
      ...(props.adaptiveRetries ? { CLOUDTAP_SDK_RETRY_MODE: 'adaptive' } : {}),
      CLOUDTAP_EMS: `${this.stackName}:${this.account}:${this.region}`,
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: metricsNamespace(this.stackName),
      NODE_OPTIONS: LAMBDA_NODE_OPTIONS.join(' '),
      ...Object.fromEntries(TABLE_IDS.map((tableId) => [TABLE_ENV[tableId], this.tables[tableId].tableName])),
    };

    this.functions = {} as Record<FunctionId, LambdaFunction>;
    this.logGroups = {} as Record<FunctionId, logs.LogGroup>;
    this.deadLetterQueues = {};
    const realtime = props.realtime ?? true;
    for (const [functionId, spec] of Object.entries(FUNCTIONS) as [FunctionId, (typeof FUNCTIONS)[FunctionId]][]) {
      const name = `${pascalCase(spec.dir)}Function`;
      const logGroup = new logs.LogGroup(this, `${name}Logs`, { retention: logRetention });
      // A role of its own instead of AWSLambdaBasicExecutionRole (logs:* on *): it may write to its own log group only.
      const role = new iam.Role(this, `${name}Role`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description: `${spec.description} (execution role)`, path: collectorRolePath(this.stackName),
      });
      logGroup.grantWrite(role);
      // Only normalize is invoked asynchronously (by EventBridge): what it fails for good is kept.
      const asyncDeadLetters = functionId === 'normalize' ? deadLetterQueue(this, 'NormalizeDeadLetters') : undefined;
      if (asyncDeadLetters) this.deadLetterQueues['real-time events normalize failed to apply (after Lambda\'s retries)'] = asyncDeadLetters;
      const fn = new LambdaFunction(this, name, {
        code: bundledCode(`${REPO_ROOT}lambdas/${spec.dir}/index.ts`),
        handler: 'index.handler',
        runtime: Runtime.NODEJS_22_X,
        architecture: Architecture.ARM_64,
        description: spec.description,
        memorySize: spec.memorySize,
        timeout: spec.timeout,
        tracing: Tracing.ACTIVE,
        environment,
        role,
        logGroup,
        ...(asyncDeadLetters ? { deadLetterQueue: asyncDeadLetters } : {}),
        ...(functionId === 'normalize' ? { reservedConcurrentExecutions: props.normalizeConcurrency ?? DEFAULT_NORMALIZE_CONCURRENCY } : {}),
      });
      acknowledge(fn, {
        'AwsSolutions-L1': NAG_REASONS.runtime,
        'Serverless-LambdaLatestVersion': NAG_REASONS.runtime,
        ...(asyncDeadLetters ? {} : { 'Serverless-LambdaDLQ': NAG_REASONS.synchronousOnly }),
      });
      acknowledge(role, {
        'AwsSolutions-IAM5[Resource::*]': NAG_REASONS.functionWildcard,
        ...(members.organization ? { [`AwsSolutions-IAM5[Resource::${nagResource(this, members.organization.roleArn)}]`]: NAG_REASONS.organizationMemberRoles } : {}),
      });
      this.functions[functionId] = fn;
      this.logGroups[functionId] = logGroup;
    }
    const { getTasks, collect, normalize } = this.functions;

    // IAM comes only from the calls the code declares. Describe*/List* calls have no resource-level
    // permissions (Resource "*"); sts:AssumeRole is scoped to the member roles, or not granted at all.
    const iamActions = functionIamActions();
    allowCalls(getTasks, iamActions.getTasks, members);
    allowCalls(collect, iamActions.collect, members);
    if ((props.metricThresholds ?? []).length > 0) collect.addEnvironment('CLOUDTAP_METRIC_THRESHOLDS', JSON.stringify(props.metricThresholds));
    // Table actions: lib/stacks/table-access.ts, on each table's ARN and its indexes' by name.
    for (const [functionId, fn] of Object.entries(this.functions) as [FunctionId, LambdaFunction][]) {
      for (const [tableId, actions] of tableAccessOf(functionId, TABLE_IDS)) {
        const table = this.tables[tableId];
        fn.addToRolePolicy(new iam.PolicyStatement({ actions: [...actions], resources: [table.tableArn] }));
        const indexActions = actions.filter((action) => INDEX_ACTIONS.includes(action));
        const indexes = TABLES[tableId].globalIndexes.map((index) => `${table.tableArn}/index/${index.name}`);
        if (indexActions.length && indexes.length) fn.addToRolePolicy(new iam.PolicyStatement({ actions: indexActions, resources: indexes }));
      }
    }
    // Alarms: one EventBridge event per threshold transition, on this account's default bus.
    const alarmBus = events.EventBus.fromEventBusName(this, 'AlarmBus', 'default');
    normalize.addEnvironment('CLOUDTAP_EVENT_BUS', alarmBus.eventBusName);
    normalize.addEnvironment('CLOUDTAP_THRESHOLDS', JSON.stringify(props.thresholds ?? []));
    // Notifications: only to the topics and buses the routes name.
    if ((props.routes ?? []).length > 0) normalize.addEnvironment(NOTIFY_ENV.routes, JSON.stringify(props.routes));
    if ((props.silences ?? []).length > 0) normalize.addEnvironment(NOTIFY_ENV.silences, JSON.stringify(props.silences));
    if (props.flapping) normalize.addEnvironment(NOTIFY_ENV.flapping, JSON.stringify(props.flapping));
    const routed = routeTargets(props.routes ?? []);
    if (routed.topics.length > 0) normalize.addToRolePolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: routed.topics }));
    if (routed.buses.length > 0) {
      normalize.addToRolePolicy(new iam.PolicyStatement({
        actions: ['events:PutEvents'],
        resources: routed.buses.map((bus) => (bus.startsWith('arn:') ? bus : this.formatArn({ service: 'events', resource: 'event-bus', resourceName: bus }))),
      }));
    }
    // The heartbeat measures silence in periods of the run schedule, derived as the no-recent-success alarm derives
    // its window (a schedule it cannot model: half the longest window an alarm watches, with the alarm's warning).
    const scheduleExpression = props.scheduleExpression ?? DEFAULT_SCHEDULE_EXPRESSION;
    normalize.addEnvironment('CLOUDTAP_HEARTBEAT', JSON.stringify(props.heartbeat ?? DEFAULT_HEARTBEAT));
    normalize.addEnvironment('CLOUDTAP_SCHEDULE_EXPRESSION', scheduleExpression);
    normalize.addEnvironment('CLOUDTAP_SCHEDULE_PERIOD_SECONDS', String(schedulePeriod(scheduleExpression).seconds ?? MAX_ALARM_WINDOW_SECONDS / 2));
    alarmBus.grantPutEventsTo(normalize);

    // Named, so that its role can start its own child executions (the Distributed Map of accounts) without a cycle.
    const stateMachineName = `${this.stackName}-collection`;
    this.stateMachine = new sfn.StateMachine(this, 'CollectionWorkflow', {
      stateMachineName,
      definitionBody: sfn.DefinitionBody.fromString(JSON.stringify(deployedWorkflow(props.runTimeout ?? DEFAULT_RUN_TIMEOUT))),
      definitionSubstitutions: Object.fromEntries(
        (Object.keys(FUNCTION_ARN_PLACEHOLDER) as FunctionId[]).map((fid) => [substitutionName(FUNCTION_ARN_PLACEHOLDER[fid]), this.functions[fid].functionArn]),
      ),
      tracingEnabled: true,
      logs: {
        // The /aws/vendedlogs/ prefix keeps Step Functions from growing the account's CloudWatch Logs resource policy.
        destination: new logs.LogGroup(this, 'CollectionWorkflowLogs', {
          logGroupName: `/aws/vendedlogs/states/${this.stackName}-collection`,
          retention: logRetention,
          // A retained log group with a fixed name would make redeploying a deleted stack fail ("already exists").
          removalPolicy: RemovalPolicy.DESTROY,
        }),
        // Every state transition (no execution data: requests and results stay out of the logs).
        level: sfn.LogLevel.ALL,
        includeExecutionData: false,
      },
    });
    // The definition is a string, so CDK cannot infer the invocations: grant exactly the three functions (unqualified,
    // as the definition names them; grantInvoke would add every version and alias, `:*`).
    this.stateMachine.addToRolePolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: Object.values(this.functions).map((fn) => fn.functionArn) }));
    // The Distributed Map runs each account as a child execution of this state machine (AWS docs, "IAM policies for
    // Distributed Map states"): start them, and describe or stop them, and nothing else.
    this.stateMachine.addToRolePolicy(new iam.PolicyStatement({
      actions: ['states:StartExecution'],
      resources: [Stack.of(this).formatArn({ service: 'states', resource: 'stateMachine', resourceName: stateMachineName, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
    }));
    this.stateMachine.addToRolePolicy(new iam.PolicyStatement({
      actions: ['states:DescribeExecution', 'states:StopExecution'],
      resources: [Stack.of(this).formatArn({ service: 'states', resource: 'execution', resourceName: `${stateMachineName}/*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
    }));
    acknowledge(this.stateMachine.role, {
      'AwsSolutions-IAM5[Resource::*]': NAG_REASONS.stateMachineWildcard,
      [`AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${stateMachineName}/*]`]: NAG_REASONS.childExecutions,
    });

    const scheduleDeadLetters = deadLetterQueue(this, 'ScheduleDeadLetters');
    this.deadLetterQueues['scheduled runs (and heartbeats) EventBridge could not start'] = scheduleDeadLetters;
    this.schedule = new events.Rule(this, 'CollectionSchedule', {
      description: 'Starts a cloudtap collection run',
      schedule: events.Schedule.expression(props.scheduleExpression ?? DEFAULT_SCHEDULE_EXPRESSION),
      enabled: props.scheduleEnabled ?? true,
      targets: [new targets.SfnStateMachine(this.stateMachine, {
        input: events.RuleTargetInput.fromObject(scheduledRequest(props)), deadLetterQueue: scheduleDeadLetters,
      })],
    });
    // Something must notice the absence of runs, so it cannot be the run itself: normalize, on a rule of its own.
    this.heartbeatSchedule = new events.Rule(this, 'HeartbeatSchedule', {
      description: 'cloudtap heartbeat: opens CollectorSilent when no collection run succeeded within the heartbeat window',
      schedule: events.Schedule.expression(scheduleExpression),
      enabled: props.scheduleEnabled ?? true,
      targets: [new targets.LambdaFunction(normalize, {
        event: events.RuleTargetInput.fromObject({ mode: 'heartbeat' }), retryAttempts: 2, deadLetterQueue: scheduleDeadLetters,
      })],
    });

    if (realtime) {
      // Real time: the resources a change names are described again by normalize, with the types' own calls.
      // A member account's notification is described in that account, through its member role.
      allowCalls(normalize, iamActions.normalize, members);
      if (memberRoleArns.length) normalize.addEnvironment('CLOUDTAP_MEMBER_ROLE_ARNS', memberRoleArns.join(','));
      if (organization) normalize.addEnvironment('CLOUDTAP_MEMBER_ROLE_NAME', memberRoleName);
      if (props.memberExternalId && (organization || memberRoleArns.length)) normalize.addEnvironment('CLOUDTAP_MEMBER_EXTERNAL_ID', props.memberExternalId);
      const realtimeDeadLetters = deadLetterQueue(this, 'RealtimeDeadLetters');
      this.deadLetterQueues['real-time events EventBridge could not hand to normalize'] = realtimeDeadLetters;
      const target = new targets.LambdaFunction(normalize, { retryAttempts: 4, deadLetterQueue: realtimeDeadLetters });
      // One rule per pattern the services declare (their sources, notifications and the API calls that change them).
      // Events the member stacks forward arrive on this bus too, and these rules match them like the account's own.
      for (const pattern of realtimeEventPatterns()) {
        new events.Rule(this, realtimeRuleId(pattern), {
          description: `${realtimeRuleSubject(pattern)} → cloudtap normalize (inventory and events between runs)`,
          eventPattern: pattern,
          targets: [target],
        });
      }
      if (organization) {
        // The member stacks' rules put their accounts' events on this bus: any principal of the organization may,
        // no one else. (PutEvents cannot forge an aws.* source: only events a rule forwards carry one.)
        const statementId = `${this.stackName}-organization`.slice(0, 64);
        new events.CfnEventBusPolicy(this, 'OrganizationEventsPolicy', {
          eventBusName: alarmBus.eventBusName,
          statementId,
          statement: {
            Sid: statementId,
            Effect: 'Allow',
            Principal: '*',
            Action: 'events:PutEvents',
            Resource: alarmBus.eventBusArn,
            Condition: { StringEquals: { 'aws:PrincipalOrgID': organization.id } },
          },
        });
      }
    }

    if (props.snapshots ?? true) {
      this.snapshots = new Snapshots(this, 'Snapshots', {
        retentionDays: props.snapshotRetentionDays ?? DEFAULT_SNAPSHOT_RETENTION_DAYS,
        scanLimitBytes: props.athenaScanLimitBytes ?? DEFAULT_ATHENA_SCAN_LIMIT_BYTES,
        databaseName: snapshotDatabaseName(this.stackName),
        workGroupName: snapshotWorkGroupName(this.stackName),
        namedQueries: deployableNamedQueries(),
        writer: normalize,
      });
    }

    this.operations = new CollectorOperations(this, 'Operations', {
      deployment: this.stackName,
      ems: environment.CLOUDTAP_EMS!,
      functions: this.functions,
      stateMachine: this.stateMachine,
      deadLetterQueues: this.deadLetterQueues,
      scheduleExpression: props.scheduleExpression ?? DEFAULT_SCHEDULE_EXPRESSION,
      scheduleEnabled: props.scheduleEnabled ?? true,
      // The heartbeat's CollectorSilent alarms go the threshold alarms' way.
      thresholdAlarms: (props.thresholds ?? []).length > 0 || (props.scheduleEnabled ?? true),
      ...(props.alarmEmail ? { alarmEmail: props.alarmEmail } : {}),
      ...(props.alarmTopicArn ? { alarmTopicArn: props.alarmTopicArn } : {}),
    });

    new CfnOutput(this, 'StateMachineArn', { value: this.stateMachine.stateMachineArn, description: 'The collection state machine (cloudtap run --remote starts it)' });
    // One output per table, `<Id>TableName`: what `--stack` reads to find the tables.
    for (const tableId of TABLE_IDS) {
      new CfnOutput(this, `${pascalCase(tableId)}TableName`, { value: this.tables[tableId].tableName, description: `The ${tableId} table (src/store/tables.ts)` });
    }
    if (this.snapshots) {
      // What `cloudtap query --stack` reads.
      new CfnOutput(this, SNAPSHOT_OUTPUTS.bucket, { value: this.snapshots.bucket.bucketName, description: 'The bucket of the runs\' snapshots (latest/, history/) and Athena\'s results (athena-results/)' });
      new CfnOutput(this, SNAPSHOT_OUTPUTS.database, { value: this.snapshots.database.ref, description: 'The Glue database of the snapshot tables' });
      new CfnOutput(this, SNAPSHOT_OUTPUTS.workGroup, { value: this.snapshots.workGroup.ref, description: 'The Athena workgroup to query them in (scan limit, result location, named queries)' });
    }
  }
}

/**
 * The workflow as deployed: the local definition, plus the run's timeout. CDK's `timeout` prop only applies to
 * definitions built from CDK states, so for a string definition `TimeoutSeconds` has to be in the ASL itself
 * (without it a Standard workflow may run for a year).
 */
export function deployedWorkflow(runTimeout: Duration = DEFAULT_RUN_TIMEOUT): WorkflowDefinition {
  return { ...collectionWorkflow(), TimeoutSeconds: runTimeout.toSeconds() };
}

/**
 * The execution input of the scheduled run: the organization's accounts (each through its member role), or the
 * collector's own account plus each member account when roles are given.
 */
export function scheduledRequest(
  props: Pick<CollectorStackProps, 'services' | 'regions' | 'memberRoleArns' | 'organization' | 'memberRoleName' | 'memberExternalId'>,
): CollectionRequest {
  const memberRoleArns = [...new Set(props.memberRoleArns ?? [])];
  const externalId = props.memberExternalId ? { externalId: props.memberExternalId } : {};
  const { organization } = props;
  return {
    schemaVersion: SCHEMA_VERSION,
    ...(props.services?.length ? { services: [...props.services] } : {}),
    ...(props.regions?.length ? { regions: [...props.regions] } : {}),
    ...(organization
      ? {
        accounts: {
          organization: {
            ...(organization.include?.length ? { include: [...organization.include] } : {}),
            ...(organization.exclude?.length ? { exclude: [...organization.exclude] } : {}),
            roleName: props.memberRoleName ?? DEFAULT_MEMBER_ROLE_NAME,
            ...externalId,
          },
        },
      }
      : {}),
    ...(!organization && memberRoleArns.length
      ? { accounts: [{}, ...memberRoleArns.map((roleArn) => ({ accountId: roleArn.split(':')[4]!, roleArn, ...externalId }))] }
      : {}),
  };
}

/**
 * A function's code: its entry bundled on this machine with the esbuild options of lib/stacks/bundling.ts, the
 * ones the benchmark measures (NodejsFunction cannot take the esbuild plugin they include). The asset hash is the
 * bundle's own.
 */
function bundledCode(entry: string): Code {
  return Code.fromAsset(dirname(entry), {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Never pulled: local bundling bundles or throws, it does not fall back to Docker.
      image: Runtime.NODEJS_22_X.bundlingImage,
      local: {
        tryBundle(outputDir) {
          const result = spawnSync(process.execPath, ['--import', 'tsx', BUNDLE_SCRIPT, entry, outputDir], { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
          if (result.status !== 0) throw new Error(`bundling ${entry} failed: ${result.error?.message ?? `lib/stacks/bundle-lambda.ts exited with ${result.status ?? result.signal}`}`);
          return true;
        },
      },
    },
  });
}

/** The roles the functions may assume: listed ARNs, and the member role's name in the organization's accounts. */
interface MemberRoles {
  roleArns: readonly string[];
  organization?: { id: string; roleArn: string };
}

/**
 * Grants the declared calls: `sts:AssumeRole` on the member roles only (dropped when there are none), the
 * Organizations calls only when the organization is collected, the rest on "*".
 */
function allowCalls(fn: LambdaFunction, declaredActions: readonly string[], members: MemberRoles): void {
  const actions = [...new Set(declaredActions)].filter((action) => members.organization || !action.startsWith('organizations:')).sort();
  const readCalls = actions.filter((action) => action !== 'sts:AssumeRole');
  if (readCalls.length) fn.addToRolePolicy(new iam.PolicyStatement({ actions: readCalls, resources: ['*'] }));
  if (!actions.includes('sts:AssumeRole')) return;
  if (members.roleArns.length) fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: [...members.roleArns] }));
  if (members.organization) {
    // The accounts are listed at each run, so the role is named in every account and the organization bounds it.
    fn.addToRolePolicy(new iam.PolicyStatement({
      actions: ['sts:AssumeRole'],
      resources: [members.organization.roleArn],
      conditions: { StringEquals: { 'aws:ResourceOrgID': members.organization.id } },
    }));
  }
}
