import { beforeAll, describe, expect, it } from '@jest/globals';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { nagPacks } from '../../lib/stacks/nag';
import { noSuccessWindow, schedulePeriod } from '../../lib/stacks/schedule-period';
import { RUN_METRIC, TASK_METRIC } from '../../src/lambda/metric-names';
import { logicalId, synthesizeCollector, type SynthesizedCollector } from './collector-fixture';
import { realtimeEventPatterns } from '../../src/stack-inputs';

type Resource = { Type: string; Properties: Record<string, unknown> };

const THRESHOLD = { name: 'ssh-open', rule: 'OpenIngress', match: { type: 'Port', name: '22' }, above: 0, severity: 1 };

function alarms(synthesized: SynthesizedCollector): Record<string, Resource['Properties']> {
  const byName: Record<string, Resource['Properties']> = {};
  for (const alarm of Object.values(synthesized.template.findResources('AWS::CloudWatch::Alarm')) as Resource[]) {
    byName[String(alarm.Properties.AlarmName).replace(/^[^-]+-/, '')] = alarm.Properties;
  }
  return byName;
}

/** Every finding of the AwsSolutions and Serverless packs not acknowledged, as `rule at path`. */
function nagFindings(synthesized: SynthesizedCollector): string[] {
  return nagPacks().flatMap((pack) => pack.validateScope(synthesized.stack).violations
    .flatMap((violation) => violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath}`)));
}

describe('operating the stack, with cdk.json defaults', () => {
  let synthesized: SynthesizedCollector;
  beforeAll(() => {
    synthesized = synthesizeCollector();
  });

  it('has no cdk-nag finding (AwsSolutions, Serverless) that is not acknowledged, and every acknowledgement says why', () => {
    expect(nagFindings(synthesized)).toEqual([]);
    const acknowledged = synthesized.stack.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules'))
      .flatMap((m) => Object.values(m.data as Record<string, string>));
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const reason of acknowledged) expect(reason.length).toBeGreaterThan(40);
  });

  it('sends every alarm, and its recovery, to a topic of the stack: KMS-encrypted with rotation, TLS only, CloudWatch and EventBridge admitted', () => {
    const { stack, template } = synthesized;
    const topicId = logicalId(stack, stack.operations.topic as unknown as { node: { defaultChild?: unknown } });
    const topic = template.toJSON().Resources[topicId] as Resource;
    expect(topic.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [expect.stringContaining('AlarmTopicKey'), 'Arn'] });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    const key = only(template.findResources('AWS::KMS::Key'));
    const keyPrincipals = JSON.stringify(key.Properties.KeyPolicy);
    expect(keyPrincipals).toContain('cloudwatch.amazonaws.com');
    expect(keyPrincipals).toContain('events.amazonaws.com');
    const policy = JSON.stringify(only(template.findResources('AWS::SNS::TopicPolicy')).Properties.PolicyDocument);
    expect(policy).toContain('"aws:SecureTransport":"false"');
    expect(policy).toContain('cloudwatch.amazonaws.com');
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    for (const [name, alarm] of Object.entries(alarms(synthesized))) {
      expect({ name, actions: alarm.AlarmActions, ok: alarm.OKActions }).toEqual({ name, actions: [{ Ref: topicId }], ok: [{ Ref: topicId }] });
    }
  });

  it('alarms on a failed run: failed, timed-out or aborted executions of the state machine', () => {
    const { stack } = synthesized;
    const alarm = alarms(synthesized).RunFailed!;
    expect(alarm).toMatchObject({ ComparisonOperator: 'GreaterThanThreshold', Threshold: 0, EvaluationPeriods: 1, TreatMissingData: 'notBreaching' });
    const metrics = alarm.Metrics as { Id: string; Expression?: string; MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions: unknown[] } } }[];
    expect(metrics.find((m) => m.Expression)?.Expression).toBe('FILL(failed, 0) + FILL(timedOut, 0) + FILL(aborted, 0)');
    expect(metrics.filter((m) => m.MetricStat).map((m) => m.MetricStat!.Metric.MetricName).sort()).toEqual(['ExecutionsAborted', 'ExecutionsFailed', 'ExecutionsTimedOut']);
    for (const m of metrics.filter((x) => x.MetricStat)) {
      expect(m.MetricStat!.Metric).toMatchObject({ Namespace: 'AWS/States', Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: logicalId(stack, stack.stateMachine) } }] });
    }
  });

  it('alarms on a partial run and on no successful run within twice the schedule\'s period, from the metrics Finalize publishes', () => {
    const { RunPartial: partial, NoRecentSuccess: stale } = alarms(synthesized);
    expect(partial).toMatchObject({
      Namespace: 'cloudtap/Cloudtap', MetricName: RUN_METRIC.runsPartial, Dimensions: [{ Name: 'service', Value: 'cloudtap' }],
      Statistic: 'Sum', Period: 300, ComparisonOperator: 'GreaterThanThreshold', Threshold: 0,
    });
    // rate(6 hours): twelve hours without a RunsSucceeded, and no data at all counts as none.
    expect(stale).toMatchObject({
      Namespace: 'cloudtap/Cloudtap', MetricName: RUN_METRIC.runsSucceeded, Statistic: 'Sum', Period: 12 * 3600, EvaluationPeriods: 1,
      ComparisonOperator: 'LessThanThreshold', Threshold: 1, TreatMissingData: 'breaching',
    });
  });

  it('alarms on each function\'s errors; Collect\'s without the throttled tasks the state machine retries', () => {
    const { stack } = synthesized;
    const all = alarms(synthesized);
    for (const [name, fn] of [['GetTasksErrors', stack.functions.getTasks], ['NormalizeErrors', stack.functions.normalize]] as const) {
      expect(all[name]).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(stack, fn) } }], Threshold: 0 });
    }
    const collect = all.CollectErrors!.Metrics as { Expression?: string; MetricStat?: { Metric: { Namespace: string; MetricName: string } } }[];
    expect(collect.find((m) => m.Expression)?.Expression).toBe('errors - FILL(throttledRetries, 0)');
    expect(collect.flatMap((m) => (m.MetricStat ? [`${m.MetricStat.Metric.Namespace} ${m.MetricStat.Metric.MetricName}`] : [])).sort())
      .toEqual(['AWS/Lambda Errors', `cloudtap/Cloudtap ${TASK_METRIC.taskThrottledRetries}`]);
  });

  it('gives the schedule target, the real-time targets and normalize\'s asynchronous invocations encrypted, TLS-only dead-letter queues, each with a depth alarm', () => {
    const { stack, template } = synthesized;
    const queueIds = Object.values({ ...stack.deadLetterQueues, ...stack.operations.deadLetterQueues }).map((queue) => logicalId(stack, queue));
    expect(queueIds).toHaveLength(4);
    const ruleTargets = Object.values(template.findResources('AWS::Events::Rule')).flatMap((rule) => (rule as Resource).Properties.Targets as { DeadLetterConfig?: { Arn: unknown } }[]);
    // The schedule, the heartbeat's, the forwarding of cloudtap's alarms (CollectorSilent) and one rule per real-time pattern the services declare.
    expect(ruleTargets.length).toBe(3 + realtimeEventPatterns().length);
    for (const target of ruleTargets) expect(queueIds).toContain((target.DeadLetterConfig?.Arn as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]);
    const normalize = template.toJSON().Resources[logicalId(stack, stack.functions.normalize)] as Resource;
    expect(queueIds).toContain((normalize.Properties.DeadLetterConfig as { TargetArn: { 'Fn::GetAtt': string[] } }).TargetArn['Fn::GetAtt'][0]);
    for (const id of queueIds) {
      expect((template.toJSON().Resources[id] as Resource).Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
      });
      const depth = Object.values(alarms(synthesized)).filter((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible'
        && JSON.stringify(a.Dimensions).includes(id));
      expect(depth).toEqual([expect.objectContaining({ Namespace: 'AWS/SQS', Statistic: 'Maximum', ComparisonOperator: 'GreaterThanThreshold', Threshold: 0 })]);
    }
  });

  it('reserves ten concurrent executions for normalize, and none for the others', () => {
    const { stack, template } = synthesized;
    const concurrency = (fn: unknown) => (template.toJSON().Resources[logicalId(stack, fn as { node: { defaultChild?: unknown } })] as Resource).Properties.ReservedConcurrentExecutions;
    expect(concurrency(stack.functions.normalize)).toBe(10);
    expect(concurrency(stack.functions.collect)).toBeUndefined();
    expect(concurrency(stack.functions.getTasks)).toBeUndefined();
  });

  it('draws the dashboard: runs and duration, failed and skipped tasks by account and region, resources, events, throttles, Lambda errors, dead letters', () => {
    const dashboard = only(synthesized.template.findResources('AWS::CloudWatch::Dashboard'));
    // The body is a Fn::Join of JSON text and tokens (ARNs, names, the region), which all sit inside JSON strings.
    const parts = (dashboard.Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
    const body = JSON.parse(parts.map((part) => (typeof part === 'string' ? part : 'TOKEN')).join('')) as { widgets: unknown[] };
    expect(body.widgets.length).toBeGreaterThanOrEqual(12);
    const text = JSON.stringify(body);
    for (const title of ['Alarms', 'Runs', 'Run duration (minutes)', 'Tasks failed and skipped, per run', 'Failed tasks and skipped accounts, by account and region',
      'Resources seen and changed, per run', 'Resources seen, by service and task type', 'Events, per run', 'Open events by severity (at each run\'s end)', 'Throttles', 'Lambda errors', 'Dead-letter queues (messages waiting)']) {
      expect(text).toContain(`"title":"${title}"`);
    }
    for (const metric of [RUN_METRIC.runsSucceeded, RUN_METRIC.runsPartial, RUN_METRIC.runDurationMs, RUN_METRIC.tasksFailed, RUN_METRIC.tasksSkipped,
      RUN_METRIC.resourcesSeen, RUN_METRIC.resourcesChanged, RUN_METRIC.eventsOpened, RUN_METRIC.eventsCleared, 'ExecutionsFailed', 'Errors', 'ApproximateNumberOfMessagesVisible']) {
      expect(text).toContain(`"${metric}"`);
    }
    const expressions = JSON.stringify(body).match(/SEARCH\([^)]*\)/g)?.map((e) => e.replace(/\\"/g, '"'));
    expect(expressions).toEqual(expect.arrayContaining([
      'SEARCH(\'{"cloudtap/Cloudtap",account,region} MetricName="TasksFailed"\', \'Sum\', 3600)',
      'SEARCH(\'{"cloudtap/Cloudtap",service,taskType} MetricName="Throttles"\', \'Sum\', 3600)',
      'SEARCH(\'{"cloudtap/Cloudtap",service,severity} MetricName="EventsOpen"\', \'Maximum\', 3600)',
    ]));
  });
});

describe('operating the stack, with an e-mail address, thresholds and a weekday cron', () => {
  let synthesized: SynthesizedCollector;
  beforeAll(() => {
    synthesized = synthesizeCollector({ alarmEmail: 'ops@example.com', thresholds: [THRESHOLD], scheduleExpression: 'cron(0 3 ? * MON-FRI *)', normalizeConcurrency: '25' });
  });

  it('subscribes the address, with a dead-letter queue of its own', () => {
    const { template } = synthesized;
    const subscription = only(template.findResources('AWS::SNS::Subscription'));
    expect(subscription.Properties).toMatchObject({ Protocol: 'email', Endpoint: 'ops@example.com', RedrivePolicy: { deadLetterTargetArn: expect.anything() } });
  });

  it('forwards this deployment\'s threshold alarms from the default bus to the topic, with a dead-letter queue', () => {
    const { stack, template } = synthesized;
    const rules = (Object.values(template.findResources('AWS::Events::Rule')) as Resource[]).filter((rule) => JSON.stringify(rule.Properties.EventPattern ?? {}).includes('cloudtap'));
    expect(rules).toHaveLength(1);
    expect(rules[0]!.Properties.EventPattern).toEqual({
      source: ['cloudtap'], 'detail-type': ['cloudtap.Alarm', 'cloudtap.AlarmCleared'],
      detail: { ems: [{ 'Fn::Join': ['', ['Cloudtap:', { Ref: 'AWS::AccountId' }, ':', { Ref: 'AWS::Region' }]] }] },
    });
    const [target] = rules[0]!.Properties.Targets as { Arn: unknown; DeadLetterConfig: unknown; InputTransformer: { InputTemplate: string } }[];
    expect(target?.Arn).toEqual({ Ref: logicalId(stack, stack.operations.topic as unknown as { node: { defaultChild?: unknown } }) });
    expect(target?.DeadLetterConfig).toBeDefined();
    expect(target?.InputTransformer.InputTemplate).toContain('threshold <detail-threshold>');
  });

  it('watches a weekday schedule for twice its longest gap (Friday to Monday: 144 hours, in hourly periods that must all be empty)', () => {
    expect(alarms(synthesized).NoRecentSuccess).toMatchObject({ Period: 3600, EvaluationPeriods: 144, DatapointsToAlarm: 144, TreatMissingData: 'breaching' });
  });

  it('reserves the configured concurrency for normalize, and has a depth alarm for each of its five dead-letter queues', () => {
    synthesized.template.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 25 });
    expect(Object.values(alarms(synthesized)).filter((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible')).toHaveLength(5);
  });

  it('has no unacknowledged cdk-nag finding', () => {
    expect(nagFindings(synthesized)).toEqual([]);
  });
});

describe('operating the stack, with an existing topic, no real time and the schedule off', () => {
  let synthesized: SynthesizedCollector;
  beforeAll(() => {
    synthesized = synthesizeCollector({ alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops-alarms', realtime: false, schedule: false });
  });

  it('creates no topic and no key, and sends every alarm to the existing one', () => {
    const { template } = synthesized;
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.resourceCountIs('AWS::KMS::Key', 0);
    for (const alarm of Object.values(alarms(synthesized))) expect(alarm.AlarmActions).toEqual(['arn:aws:sns:eu-west-1:123456789012:ops-alarms']);
  });

  it('expects no run while the schedule is off, so nothing alarms on the lack of one', () => {
    expect(alarms(synthesized).NoRecentSuccess).toBeUndefined();
    expect(Object.keys(alarms(synthesized))).toEqual(expect.arrayContaining(['RunFailed', 'RunPartial', 'CollectErrors']));
  });

  it('has no unacknowledged cdk-nag finding', () => {
    expect(nagFindings(synthesized)).toEqual([]);
  });
});

describe('the schedule\'s period', () => {
  it.each([
    ['rate(1 minute)', 60], ['rate(15 minutes)', 900], ['rate(6 hours)', 6 * 3600], ['rate(1 day)', 86400],
    ['cron(0 */6 * * ? *)', 6 * 3600], ['cron(0 3 * * ? *)', 86400], ['cron(0 3 ? * MON-FRI *)', 72 * 3600], ['cron(30 8,17 ? * 2-6 *)', 63 * 3600],
    ['cron(0 0 1 * ? *)', 31 * 86400], ['cron(0/20 * * * ? *)', 1200],
  ])('%s: %i seconds between two runs at most', (expression, seconds) => {
    expect(schedulePeriod(expression)).toEqual({ seconds });
  });

  it.each([['cron(0 0 L * ? *)'], ['cron(0 0 ? * 6#3 *)'], ['cron(0 0 1 1 ? 2030)']])('does not model %s', (expression) => {
    expect(schedulePeriod(expression).unmodelled).toEqual(expect.any(String));
  });

  it('watches up to a day in one period, beyond that in hours, and at most the seven days an alarm can watch, with a warning', () => {
    expect(noSuccessWindow('rate(6 hours)')).toEqual({ periodSeconds: 12 * 3600, evaluationPeriods: 1, windowSeconds: 12 * 3600 });
    expect(noSuccessWindow('rate(1 day)')).toEqual({ periodSeconds: 3600, evaluationPeriods: 48, windowSeconds: 48 * 3600 });
    expect(noSuccessWindow('cron(0 0 1 * ? *)')).toMatchObject({ periodSeconds: 3600, evaluationPeriods: 168, warning: expect.stringContaining('longer than a CloudWatch alarm can watch') });
    expect(noSuccessWindow('cron(0 0 L * ? *)')).toMatchObject({ evaluationPeriods: 168, warning: expect.stringContaining('cannot derive a period') });
  });

  it('says so at synth when it cannot watch twice the period', () => {
    const { stack } = synthesizeCollector({ scheduleExpression: 'cron(0 0 1 * ? *)' });
    Annotations.fromStack(stack).hasWarning('/Cloudtap/Operations', Match.stringLikeRegexp('longer than a CloudWatch alarm can watch'));
  });
});

function only(resources: Record<string, unknown>): Resource {
  const values = Object.values(resources);
  expect(values).toHaveLength(1);
  return values[0] as Resource;
}
