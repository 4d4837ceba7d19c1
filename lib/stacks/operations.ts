import { Annotations, ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ALARM, ALARM_CLEARED } from '../../src/stack-inputs';
import {
  OPEN_EVENT_DIMENSIONS, OPEN_EVENTS_METRIC, RUN_METRIC, SERVICE_NAME, TARGET_DIMENSIONS, TARGET_METRIC, TASK_DIMENSIONS, TASK_METRIC, metricsNamespace,
} from '../../src/stack-inputs';
import type { FunctionId } from '../workflow/definition';
import { deadLetterQueue } from './dead-letter-queue';
import { noSuccessWindow } from './schedule-period';

export interface CollectorOperationsProps {
  /** The deployment (stack name): the metrics namespace and the alarms' name prefix. */
  readonly deployment: string;
  /** The deployment's EMS (`stack:account:region`): threshold alarms of other deployments on the bus are not ours. */
  readonly ems: string;
  readonly functions: Record<FunctionId, LambdaFunction>;
  readonly stateMachine: sfn.StateMachine;
  /** Dead-letter queues by what they catch; each gets a depth alarm and a line on the dashboard. */
  readonly deadLetterQueues: Record<string, sqs.IQueue>;
  readonly scheduleExpression: string;
  /** Whether the schedule fires: without it, no run is expected, so nothing watches for the lack of one. */
  readonly scheduleEnabled: boolean;
  /** Forward Finalize's threshold alarms and the heartbeat's CollectorSilent alarms (EventBridge) to the topic. */
  readonly thresholdAlarms: boolean;
  /** Subscribe this address to the alarm topic. */
  readonly alarmEmail?: string;
  /** Send alarms to this existing topic instead of one the stack creates. */
  readonly alarmTopicArn?: string;
}

/** Metrics of a run are recorded once, at its end; an hour is the finest grain worth drawing. */
const GRAPH_PERIOD = Duration.hours(1);
/** Fault alarms look at five minutes: a run's metrics arrive at once, at its end. */
const ALARM_PERIOD = Duration.minutes(5);

/**
 * What an operator sees and hears of a deployment: the dashboard, the alarms, and the topic they (and Finalize's
 * threshold alarms) go to.
 */
export class CollectorOperations extends Construct {
  readonly topic: sns.ITopic;
  /** The dead-letter queues of this construct's own deliveries (the threshold rule, the e-mail subscription). */
  readonly deadLetterQueues: Record<string, sqs.IQueue> = {};
  readonly alarms: Record<string, cw.Alarm> = {};
  readonly dashboard: cw.Dashboard;
  private readonly namespace: string;

  constructor(scope: Construct, id: string, props: CollectorOperationsProps) {
    super(scope, id);
    this.namespace = metricsNamespace(props.deployment);
    this.topic = props.alarmTopicArn ? sns.Topic.fromTopicArn(this, 'AlarmTopic', props.alarmTopicArn) : this.ownTopic();
    if (props.alarmEmail) {
      const queue = deadLetterQueue(this, 'AlarmEmailDeadLetters');
      this.deadLetterQueues['alarm e-mails SNS could not deliver'] = queue;
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail, { deadLetterQueue: queue }));
    }
    if (props.thresholdAlarms) this.forwardThresholdAlarms(props.ems);

    const { functions, stateMachine } = props;
    const executionsFailed = new cw.MathExpression({
      expression: 'FILL(failed, 0) + FILL(timedOut, 0) + FILL(aborted, 0)',
      usingMetrics: { failed: stateMachine.metricFailed(), timedOut: stateMachine.metricTimedOut(), aborted: stateMachine.metricAborted() },
      label: 'runs failed, timed out or aborted',
      period: ALARM_PERIOD,
    });
    this.alarm('RunFailed', executionsFailed, {
      description: 'A collection run failed: its execution failed, timed out or was aborted (nothing was finalized). Open the execution in Step Functions, or `cloudtap trace latest --stack …`.',
      threshold: 0, comparison: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
    this.alarm('RunPartial', this.runMetric(RUN_METRIC.runsPartial, 'Sum', ALARM_PERIOD), {
      description: 'A collection run completed, but some tasks failed or a member account could not be reached: nothing was deleted where a task failed. The dashboard shows which account and region; the run summary says why.',
      threshold: 0, comparison: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
    if (props.scheduleEnabled) {
      const window = noSuccessWindow(props.scheduleExpression);
      if (window.warning) Annotations.of(this).addWarningV2('cloudtap:noSuccessWindow', window.warning);
      this.alarm('NoRecentSuccess', this.runMetric(RUN_METRIC.runsSucceeded, 'Sum', Duration.seconds(window.periodSeconds)), {
        description: `No collection run succeeded in the last ${describeSeconds(window.windowSeconds)} (twice the period of ${props.scheduleExpression}): the inventory is getting stale. Check RunFailed and RunPartial, and the schedule rule.`,
        threshold: 1, comparison: cw.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: window.evaluationPeriods,
        // No run at all is exactly what this alarm is for.
        missing: cw.TreatMissingData.BREACHING,
      });
    }
    for (const [functionId, fn] of Object.entries(functions) as [FunctionId, LambdaFunction][]) {
      const errors = fn.metricErrors({ period: ALARM_PERIOD, statistic: 'Sum' });
      // Collect throws cloudtap.Throttled for the state machine to retry; Lambda counts those as errors too.
      const metric = functionId === 'collect'
        ? new cw.MathExpression({
          expression: 'errors - FILL(throttledRetries, 0)',
          usingMetrics: { errors, throttledRetries: this.runMetric(TASK_METRIC.taskThrottledRetries, 'Sum', ALARM_PERIOD) },
          label: 'Collect errors other than throttled retries', period: ALARM_PERIOD,
        })
        : errors;
      this.alarm(`${pascal(functionId)}Errors`, metric, {
        description: `The ${functionId} Lambda function failed${functionId === 'collect' ? ' (not counting throttled tasks the state machine retries)' : ''}. Its log group has the error with the run and task ids.`,
        threshold: 0, comparison: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
      });
    }
    const queues = { ...props.deadLetterQueues, ...this.deadLetterQueues };
    for (const [what, queue] of Object.entries(queues)) {
      this.alarm(`${queue.node.id}Depth`, queue.metricApproximateNumberOfMessagesVisible({ period: ALARM_PERIOD, statistic: 'Maximum' }), {
        description: `Dead letters: ${what}. Read them in the SQS console (or aws sqs receive-message), fix the cause, then redrive or purge; see README "After cdk deploy".`,
        threshold: 0, comparison: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
      });
    }
    this.dashboard = this.buildDashboard(props, queues);
  }

  /** The stack's own topic: encrypted with a key CloudWatch and EventBridge may use (the AWS managed SNS key admits neither), TLS only. */
  private ownTopic(): sns.Topic {
    const key = new kms.Key(this, 'AlarmTopicKey', { enableKeyRotation: true, description: 'cloudtap alarm topic' });
    const publishers = [new iam.ServicePrincipal('cloudwatch.amazonaws.com'), new iam.ServicePrincipal('events.amazonaws.com')];
    for (const principal of publishers) key.grant(principal, 'kms:Decrypt', 'kms:GenerateDataKey*');
    const topic = new sns.Topic(this, 'AlarmTopic', { displayName: 'cloudtap alarms', masterKey: key, enforceSSL: true });
    const stack = Stack.of(this);
    // A topic policy replaces the default one: CloudWatch alarms of this account are let in explicitly.
    topic.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: {
        ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
        StringEquals: { 'aws:SourceAccount': stack.account },
      },
    }));
    return topic;
  }

  /** Finalize publishes one event per threshold transition on the default bus; this deployment's go to the topic. */
  private forwardThresholdAlarms(ems: string): void {
    const queue = deadLetterQueue(this, 'ThresholdAlarmDeadLetters');
    this.deadLetterQueues['threshold alarms EventBridge could not publish to the topic'] = queue;
    const field = (path: string) => events.EventField.fromPath(path);
    new events.Rule(this, 'ThresholdAlarms', {
      description: 'cloudtap threshold alarms (from Finalize), CollectorSilent alarms (from the heartbeat) and their recoveries → the alarm topic',
      eventPattern: { source: ['cloudtap'], detailType: [ALARM, ALARM_CLEARED], detail: { ems: [ems] } },
      targets: [new targets.SnsTopic(this.topic, {
        message: events.RuleTargetInput.fromText(
          `${field('$.detail-type')}: threshold ${field('$.detail.threshold')} (severity ${field('$.detail.severity')}, group ${field('$.detail.group')}): ${field('$.detail.text')} — run ${field('$.detail.runId')}, ${field('$.detail.ems')}`,
        ),
        deadLetterQueue: queue,
      })],
    });
  }

  private alarm(id: string, metric: cw.IMetric, options: {
    description: string; threshold: number; comparison: cw.ComparisonOperator; evaluationPeriods?: number; missing?: cw.TreatMissingData;
  }): cw.Alarm {
    const alarm = new cw.Alarm(this, id, {
      alarmName: `${Stack.of(this).stackName}-${id}`,
      alarmDescription: options.description,
      metric,
      threshold: options.threshold,
      comparisonOperator: options.comparison,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      // Every period of the window must breach (for the no-recent-success alarm: not one success in any of them).
      datapointsToAlarm: options.evaluationPeriods ?? 1,
      // A fault metric is only published when something happens: no data means nothing went wrong.
      treatMissingData: options.missing ?? cw.TreatMissingData.NOT_BREACHING,
    });
    const action = new SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.alarms[id] = alarm;
    return alarm;
  }

  private runMetric(metricName: string, statistic: string, period: Duration = GRAPH_PERIOD, label?: string): cw.Metric {
    return new cw.Metric({ namespace: this.namespace, metricName, dimensionsMap: { service: SERVICE_NAME }, statistic, period, ...(label ? { label } : {}) });
  }

  /** `SEARCH` over one metric's dimension set: one line per account/region pair or per AWS service, whatever exists. */
  private search(metricName: string, dimensions: readonly string[], statistic: string, label: string): cw.MathExpression {
    const schema = [`"${this.namespace}"`, ...dimensions].join(',');
    return new cw.MathExpression({ expression: `SEARCH('{${schema}} MetricName="${metricName}"', '${statistic}', ${GRAPH_PERIOD.toSeconds()})`, usingMetrics: {}, label, period: GRAPH_PERIOD });
  }

  private buildDashboard(props: CollectorOperationsProps, queues: Record<string, sqs.IQueue>): cw.Dashboard {
    const { functions, stateMachine } = props;
    const dashboard = new cw.Dashboard(this, 'Dashboard', { dashboardName: `${props.deployment}-cloudtap`, defaultInterval: Duration.days(7) });
    const graph = (title: string, left: cw.IMetric[], extra: Partial<cw.GraphWidgetProps> = {}) =>
      new cw.GraphWidget({ title, left, width: 12, height: 6, period: GRAPH_PERIOD, ...extra });
    const fns = Object.entries(functions) as [FunctionId, LambdaFunction][];
    dashboard.addWidgets(
      new cw.TextWidget({
        width: 24, height: 2,
        markdown: `# cloudtap — ${props.deployment}\nRuns on \`${props.scheduleExpression}\`${props.scheduleEnabled ? '' : ' (schedule disabled)'}. Run metrics are recorded when a run ends, in namespace \`${this.namespace}\`; alarms go to the alarm topic. A failed run never reaches Finalize: it shows as a failed execution.`,
      }),
      new cw.AlarmStatusWidget({ title: 'Alarms', alarms: Object.values(this.alarms), width: 24, height: 3 }),
      graph('Runs', [
        this.runMetric(RUN_METRIC.runsSucceeded, 'Sum', GRAPH_PERIOD, 'succeeded'),
        this.runMetric(RUN_METRIC.runsPartial, 'Sum', GRAPH_PERIOD, 'partial'),
        stateMachine.metricFailed({ period: GRAPH_PERIOD, label: 'failed' }),
        stateMachine.metricTimedOut({ period: GRAPH_PERIOD, label: 'timed out' }),
        stateMachine.metricAborted({ period: GRAPH_PERIOD, label: 'aborted' }),
      ], { stacked: true }),
      graph('Run duration (minutes)', [
        new cw.MathExpression({ expression: 'longest / 60000', usingMetrics: { longest: this.runMetric(RUN_METRIC.runDurationMs, 'Maximum') }, label: 'longest run', period: GRAPH_PERIOD }),
        new cw.MathExpression({ expression: 'mean / 60000', usingMetrics: { mean: this.runMetric(RUN_METRIC.runDurationMs, 'Average') }, label: 'average run', period: GRAPH_PERIOD }),
      ]),
      graph('Tasks failed and skipped, per run', [
        this.runMetric(RUN_METRIC.tasksFailed, 'Sum', GRAPH_PERIOD, 'tasks failed'),
        this.runMetric(RUN_METRIC.tasksSkipped, 'Sum', GRAPH_PERIOD, 'targets skipped (incl. regions not opted in)'),
        this.runMetric(RUN_METRIC.accountsUnreachable, 'Sum', GRAPH_PERIOD, 'accounts unreachable'),
      ]),
      graph('Failed tasks and skipped accounts, by account and region', [
        this.search(TARGET_METRIC.tasksFailed, TARGET_DIMENSIONS, 'Sum', 'failed'),
        this.search(TARGET_METRIC.tasksSkipped, TARGET_DIMENSIONS, 'Sum', 'skipped'),
      ]),
      graph('Resources seen and changed, per run', [
        this.runMetric(RUN_METRIC.resourcesSeen, 'Sum', GRAPH_PERIOD, 'seen'),
      ], { right: [this.runMetric(RUN_METRIC.resourcesChanged, 'Sum', GRAPH_PERIOD, 'changed (created, updated, deleted)')] }),
      graph('Resources seen, by service and task type', [this.search(TASK_METRIC.resources, TASK_DIMENSIONS, 'Sum', 'seen')]),
      graph('Events, per run', [
        this.runMetric(RUN_METRIC.eventsOpened, 'Sum', GRAPH_PERIOD, 'opened'),
        this.runMetric(RUN_METRIC.eventsRecurred, 'Sum', GRAPH_PERIOD, 'still open (recurred)'),
        this.runMetric(RUN_METRIC.eventsCleared, 'Sum', GRAPH_PERIOD, 'cleared'),
        this.runMetric(RUN_METRIC.alarms, 'Sum', GRAPH_PERIOD, 'threshold alarms raised'),
      ]),
      graph('Open events by severity (at each run\'s end)', [this.search(OPEN_EVENTS_METRIC, OPEN_EVENT_DIMENSIONS, 'Maximum', 'severity')], { stacked: true }),
      graph('Throttles', [
        this.search(TASK_METRIC.throttles, TASK_DIMENSIONS, 'Sum', 'AWS API throttles'),
        this.runMetric(TASK_METRIC.taskThrottledRetries, 'Sum', GRAPH_PERIOD, 'tasks retried after throttling'),
      ], { right: fns.map(([id, fn]) => fn.metricThrottles({ period: GRAPH_PERIOD, label: `${id} invocations throttled` })) }),
      graph('Lambda errors', fns.map(([id, fn]) => fn.metricErrors({ period: GRAPH_PERIOD, label: id }))),
      graph('Dead-letter queues (messages waiting)', Object.entries(queues).map(([what, queue]) =>
        queue.metricApproximateNumberOfMessagesVisible({ period: GRAPH_PERIOD, statistic: 'Maximum', label: what }))),
    );
    return dashboard;
  }
}

function pascal(id: string): string {
  return id.charAt(0).toUpperCase() + id.slice(1);
}

function describeSeconds(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400} day${seconds === 86400 ? '' : 's'}`;
  if (seconds % 3600 === 0) return `${seconds / 3600} hour${seconds === 3600 ? '' : 's'}`;
  return `${seconds / 60} minutes`;
}
