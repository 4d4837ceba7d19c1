import { describe, it, expect } from '@jest/globals';
import { synthesizeCollector, grantsOf } from './collector-fixture';
import { readCollectorDeployment } from '../../lib/stacks/context-knobs';
import { App } from 'aws-cdk-lib';
import { nagPacks } from '../../lib/stacks/nag';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:ops';

describe('notification routes in the stack', () => {
  it('normalize may sns:Publish only to the routes\' topics and events:PutEvents only to their buses', () => {
    const { stack, template } = synthesizeCollector({
      routes: [{ name: 'pager', target: { snsTopicArn: TOPIC } }, { name: 'bus', match: { rule: 'InstanceState' }, target: { eventBus: 'ops-bus' } }],
      flapping: { changes: 2, windowRuns: 5 },
    });
    const grants = grantsOf(stack, template, stack.functions.normalize);
    const publish = grants.filter((g) => g.actions.includes('sns:Publish'));
    expect(publish.flatMap((g) => g.resources)).toEqual([TOPIC]);
    const putEvents = grants.filter((g) => g.actions.includes('events:PutEvents')).flatMap((g) => g.resources);
    expect(JSON.stringify(putEvents)).toContain('event-bus/ops-bus');
    expect(putEvents.some((r) => r === '*')).toBe(false);
    const environment = Object.values(template.findResources('AWS::Lambda::Function'))
      .map((fn) => (fn as { Properties: { Environment?: { Variables?: Record<string, unknown> } } }).Properties.Environment?.Variables ?? {})
      .find((variables) => variables.CLOUDTAP_ROUTES !== undefined);
    expect(JSON.parse(String(environment?.CLOUDTAP_ROUTES)).map((r: { name: string }) => r.name)).toEqual(['pager', 'bus']);
    expect(JSON.parse(String(environment?.CLOUDTAP_FLAPPING))).toEqual({ changes: 2, windowRuns: 5, keepFiringRuns: 1 });
    const findings = nagPacks().flatMap((pack) => pack.validateScope(stack).violations
      .flatMap((violation) => violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath}`)));
    expect(findings).toEqual([]);
  });

  it('a bad route is refused naming the knob, the entry and the field', () => {
    const app = new App({ context: { routes: [{ name: 'x', target: { snsTopicArn: 'not-an-arn' } }] } });
    expect(() => readCollectorDeployment(app.node)).toThrow(/context knob "routes": routes\[0\]\.target\.snsTopicArn: "not-an-arn" is not valid/);
  });
});
