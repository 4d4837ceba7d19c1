import { describe, it, expect, beforeAll } from '@jest/globals';
import { App } from 'aws-cdk-lib';
import { readCollectorDeployment } from '../../lib/stacks/context-knobs';
import { DEFAULT_SCHEDULE_EXPRESSION } from '../../lib/stacks/collector-stack';
import { DEFAULT_SCHEDULE } from '../../cli/commands/heartbeat';
import { CDK_JSON_CONTEXT, logicalId, synthesizeCollector, type SynthesizedCollector } from './collector-fixture';

type Resource = { Properties: Record<string, unknown> };

describe('the heartbeat in the stack', () => {
  let synthesized: SynthesizedCollector;
  beforeAll(() => {
    synthesized = synthesizeCollector({ scheduleExpression: 'rate(1 hour)', heartbeat: { silentAfterSchedules: 3, staleAfterRuns: 5 } });
  });

  it('is a schedule of its own, on the run schedule, that invokes normalize with mode heartbeat (with a dead-letter queue)', () => {
    const { stack, template } = synthesized;
    const rule = template.toJSON().Resources[logicalId(stack, stack.heartbeatSchedule)] as Resource;
    expect(rule.Properties).toMatchObject({ ScheduleExpression: 'rate(1 hour)', State: 'ENABLED' });
    const [target, ...others] = rule.Properties.Targets as { Arn: unknown; Input: string; DeadLetterConfig?: unknown }[];
    expect(others).toEqual([]);
    expect(target?.Arn).toEqual({ 'Fn::GetAtt': [logicalId(stack, stack.functions.normalize), 'Arn'] });
    expect(JSON.parse(target!.Input)).toEqual({ mode: 'heartbeat' });
    expect(target?.DeadLetterConfig).toBeDefined();
    const collection = template.toJSON().Resources[logicalId(stack, stack.schedule)] as Resource;
    expect(collection.Properties.ScheduleExpression).toBe(rule.Properties.ScheduleExpression);
  });

  it('gives normalize the knobs and the schedule\'s period, and forwards the CollectorSilent alarms to the topic', () => {
    const { stack, template } = synthesized;
    const normalize = template.toJSON().Resources[logicalId(stack, stack.functions.normalize)] as Resource;
    expect((normalize.Properties.Environment as { Variables: Record<string, string> }).Variables).toMatchObject({
      CLOUDTAP_HEARTBEAT: JSON.stringify({ silentAfterSchedules: 3, staleAfterRuns: 5 }),
      CLOUDTAP_SCHEDULE_EXPRESSION: 'rate(1 hour)',
      CLOUDTAP_SCHEDULE_PERIOD_SECONDS: '3600',
    });
    const forwarding = (Object.values(template.findResources('AWS::Events::Rule')) as Resource[])
      .filter((r) => JSON.stringify(r.Properties.EventPattern ?? {}).includes('cloudtap.Alarm'));
    expect(forwarding).toHaveLength(1);
  });

  it('cloudtap heartbeat measures in the stack\'s default schedule unless told another', () => {
    expect(DEFAULT_SCHEDULE).toBe(DEFAULT_SCHEDULE_EXPRESSION);
  });

  it('refuses a bad heartbeat knob, naming the field and what is valid', () => {
    const read = (heartbeat: unknown) => readCollectorDeployment(new App({ context: { ...CDK_JSON_CONTEXT, heartbeat } }).node);
    expect(() => read({ staleAfterRuns: 0 })).toThrow(/context knob "heartbeat": heartbeat\.staleAfterRuns: must be a whole number from 1 to 1000, got 0; use e\.g\. \{"silentAfterSchedules": 2, "staleAfterRuns": 3\}/);
    expect(() => read('{"silentAfterSchedules": 2,')).toThrow(/context knob "heartbeat": .* is not JSON/);
    expect(() => read({ silent: 2 })).toThrow(/heartbeat\.silent: unknown field/);
    expect(read('{"staleAfterRuns": 4}').props.heartbeat).toEqual({ silentAfterSchedules: 2, staleAfterRuns: 4 });
    expect(read({}).props.heartbeat).toBeUndefined();
  });
});
