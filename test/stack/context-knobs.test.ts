import { describe, expect, it } from '@jest/globals';
import { App } from 'aws-cdk-lib';
import { ContextKnobError, readCollectorDeployment } from '../../lib/stacks/context-knobs';
import { CDK_JSON_CONTEXT } from './collector-fixture';
import { serviceNames } from '../../src/stack-inputs';

function read(context: Record<string, unknown>) {
  return readCollectorDeployment(new App({ context: { ...CDK_JSON_CONTEXT, ...context } }).node);
}

describe('context knobs', () => {
  it('deploys the Cloudtap stack, Map concurrency 20, every six hours, own account only, everything, with cdk.json as it is', () => {
    expect(read({})).toEqual({
      stackName: 'Cloudtap',
      props: {
        defaultConcurrency: 20, scheduleExpression: 'rate(6 hours)', scheduleEnabled: true, memberRoleArns: [], services: [], regions: [], thresholds: [], realtime: true,
        normalizeConcurrency: 10,
      },
    });
  });

  it('falls back to the same defaults when cdk.json sets nothing', () => {
    expect(readCollectorDeployment(new App().node)).toEqual(read({}));
  });

  it('accepts the string forms `cdk deploy -c knob=value` passes', () => {
    expect(read({
      maxConcurrency: '35', maxAccountConcurrency: '50', schedule: 'false', services: 'ec2', regions: 'eu-west-1, us-east-1', normalizeConcurrency: '25',
      alarmEmail: ' ops@example.com ', alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops-alarms',
      memberRoleArns: 'arn:aws:iam::111111111111:role/a,arn:aws:iam::222222222222:role/b,arn:aws:iam::111111111111:role/a',
      adaptiveRetries: 'true',
    }).props).toEqual({
      defaultConcurrency: 35, defaultAccountConcurrency: 50, scheduleExpression: 'rate(6 hours)', scheduleEnabled: false, services: ['EC2'], regions: ['eu-west-1', 'us-east-1'],
      memberRoleArns: ['arn:aws:iam::111111111111:role/a', 'arn:aws:iam::222222222222:role/b'],
      thresholds: [], realtime: true, normalizeConcurrency: 25, alarmEmail: 'ops@example.com', alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops-alarms',
      adaptiveRetries: true,
    });
  });

  it('reads thresholds as a list or a JSON string, validated like a local thresholds file', () => {
    const ssh = { name: 'ssh-open', rule: 'OpenIngress', match: { type: 'Port', name: '22' }, above: 0, severity: 1 };
    expect(read({ thresholds: [ssh] }).props.thresholds).toEqual([ssh]);
    expect(read({ thresholds: JSON.stringify([ssh]) }).props.thresholds).toEqual([ssh]);
    expect(() => read({ thresholds: [{ ...ssh, rule: 'Nope' }] })).toThrow('context knob "thresholds": thresholds[0].rule: "Nope" is not a rule');
    expect(() => read({ thresholds: '[{' })).toThrow('context knob "thresholds": "[{" is not JSON');
  });

  it.each([
    ['rate(1 minute)'], ['rate(15 minutes)'], ['rate(1 day)'], ['cron(0 */6 * * ? *)'], ['cron(15 2 ? * MON-FRI *)'],
  ])('accepts the schedule %s', (expression) => {
    expect(read({ scheduleExpression: expression }).props.scheduleExpression).toBe(expression);
  });

  it.each([
    [{ maxConcurrency: 0 }, 'context knob "maxConcurrency": 0 is not a whole number from 1 to 1000; use e.g. 20'],
    [{ maxConcurrency: 'lots' }, 'context knob "maxConcurrency": "lots" is not a whole number from 1 to 1000'],
    [{ maxAccountConcurrency: 0 }, 'context knob "maxAccountConcurrency": 0 is not a whole number from 1 to 1000'],
    [{ maxConcurrency: 2.5 }, 'context knob "maxConcurrency": 2.5 is not a whole number'],
    [{ maxConcurrency: 1001 }, 'context knob "maxConcurrency": 1001 is not a whole number from 1 to 1000'],
    [{ scheduleExpression: 'every 6 hours' }, 'context knob "scheduleExpression": "every 6 hours" is neither a rate(…) nor a cron(…) expression; use rate('],
    [{ scheduleExpression: 'rate(1 hours)' }, 'context knob "scheduleExpression": rate(1 hours) mixes a singular amount with a plural unit; EventBridge wants rate(1 hour)'],
    [{ scheduleExpression: 'rate(6 hour)' }, 'context knob "scheduleExpression": rate(6 hour) mixes a plural amount with a singular unit'],
    [{ scheduleExpression: 'rate(0 hours)' }, 'context knob "scheduleExpression": rate(0 hours) has a zero interval'],
    [{ scheduleExpression: 'cron(0 3 * *)' }, 'context knob "scheduleExpression": "cron(0 3 * *)" is neither'],
    [{ schedule: 'yes' }, 'context knob "schedule": "yes" is not a boolean; use true or false'],
    [{ memberRoleArns: 'arn:aws:iam::123456789012:user/alice' }, 'context knob "memberRoleArns": "arn:aws:iam::123456789012:user/alice" is not an IAM role ARN; use arn:aws:iam::<12-digit account id>:role/<name>'],
    [{ memberRoleArns: 42 }, 'context knob "memberRoleArns": 42 is not a list of strings'],
    [{ services: ['Glacier'] }, `context knob "services": services[0]: unknown service "Glacier"; valid services are: ${serviceNames().join(', ')}`],
    [{ regions: ['europe'] }, 'context knob "regions": regions[0]: "europe" is not a region name; use names such as us-east-1'],
    [{ normalizeConcurrency: 0 }, 'context knob "normalizeConcurrency": 0 is not a whole number from 1 to 900; use e.g. 10'],
    [{ normalizeConcurrency: 1000 }, 'context knob "normalizeConcurrency": 1000 is not a whole number from 1 to 900'],
    [{ alarmEmail: 'ops team' }, 'context knob "alarmEmail": "ops team" is not an e-mail address; use one address, e.g. ops@example.com'],
    [{ alarmEmail: 'a@example.com,b@example.com' }, 'context knob "alarmEmail": "a@example.com,b@example.com" is not an e-mail address'],
    [{ alarmEmail: 42 }, 'context knob "alarmEmail": 42 is not an e-mail address'],
    [{ alarmTopicArn: 'ops-alarms' }, 'context knob "alarmTopicArn": "ops-alarms" is not an SNS topic ARN; use arn:aws:sns:<region>:<12-digit account id>:<topic name>'],
    [{ alarmTopicArn: 'arn:aws:sqs:eu-west-1:123456789012:ops' }, 'context knob "alarmTopicArn": "arn:aws:sqs:eu-west-1:123456789012:ops" is not an SNS topic ARN'],
    [{ alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops.fifo' }, 'context knob "alarmTopicArn": arn:aws:sns:eu-west-1:123456789012:ops.fifo is a FIFO topic, which CloudWatch alarms cannot publish to'],
    [{ stackName: 'cloud_tap' }, 'context knob "stackName": "cloud_tap" is not a CloudFormation stack name; use letters, digits and hyphens'],
  ])('refuses %j, naming the knob, the problem and what is valid', (context, message) => {
    expect(() => read(context)).toThrow(ContextKnobError);
    expect(() => read(context)).toThrow(message);
  });
});
