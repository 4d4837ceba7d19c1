import { describe, it, expect } from '@jest/globals';
import { NO_FACTS } from '../../src/services/rule';
import {
  DescribeInstanceAttributeCommand, DescribeInstancesCommand, DescribeInstanceStatusCommand,
  type DescribeInstanceStatusCommandInput, type Instance, type InstanceStatus,
} from '@aws-sdk/client-ec2';
import { instanceType, STATUS_IDS_PER_CALL } from '../../src/services/ec2/instance';
import { instanceStateRule } from '../../src/services/ec2/instance-rules';
import { collectType, mockedContext, onlyRecord } from './collect-type';

function instance(n: number, state: 'running' | 'stopped' | 'terminated' = 'running'): Instance {
  return {
    InstanceId: `i-${n.toString(16).padStart(17, '0')}`,
    InstanceType: 't3.micro',
    State: { Code: state === 'running' ? 16 : state === 'stopped' ? 80 : 48, Name: state },
    Tags: [{ Key: 'Role', Value: 'web_server' }],
  };
}

/** A DescribeInstanceStatus item as the SDK deserializes it. */
function status(id: string, checks: { instance?: 'ok' | 'impaired'; system?: 'ok' | 'impaired' } = {}): InstanceStatus {
  const summary = (value: 'ok' | 'impaired') => ({ Status: value, Details: [{ Name: 'reachability' as const, Status: value === 'ok' ? 'passed' as const : 'failed' as const }] });
  return {
    InstanceId: id,
    AvailabilityZone: 'eu-west-1a',
    InstanceState: { Code: 16, Name: 'running' },
    InstanceStatus: summary(checks.instance ?? 'ok'),
    SystemStatus: summary(checks.system ?? 'ok'),
    Events: [],
  };
}

describe('EC2.Instance impairment (DescribeInstanceStatus)', () => {
  it('a small page is checked by its instance ids in one call; an instance or system check failing is impaired', async () => {
    const { context, ec2 } = mockedContext();
    const instances = [instance(1), instance(2), instance(3), instance(4, 'stopped'), instance(5, 'terminated')];
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ ReservationId: 'r-1', Instances: instances }] });
    ec2.on(DescribeInstanceStatusCommand).resolves({
      InstanceStatuses: [status('i-00000000000000001', { instance: 'impaired' }), status('i-00000000000000002', { system: 'impaired' }), status('i-00000000000000003')],
    });

    const [page] = await collectType(instanceType, context);

    const calls = ec2.commandCalls(DescribeInstanceStatusCommand);
    expect(calls).toHaveLength(1);
    // Only instances whose checks run are asked about; MaxResults cannot be combined with ids.
    expect(calls[0]?.args[0].input).toEqual({ InstanceIds: ['i-00000000000000001', 'i-00000000000000002', 'i-00000000000000003'], IncludeAllInstances: true });
    expect(page?.map((r) => [r.id, r.data.impaired])).toEqual([
      ['i-00000000000000001', true], ['i-00000000000000002', true], ['i-00000000000000003', false],
      ['i-00000000000000004', false], ['i-00000000000000005', false],
    ]);
    expect(ec2.commandCalls(DescribeInstanceAttributeCommand)).toHaveLength(0);
  });

  it('pages of more than 100 instances share one region-wide listing, paged at 1000', async () => {
    const { context, ec2 } = mockedContext();
    const first = Array.from({ length: 1000 }, (_, i) => instance(i + 1));
    const second = Array.from({ length: 300 }, (_, i) => instance(i + 1001));
    ec2.on(DescribeInstancesCommand)
      .resolvesOnce({ Reservations: [{ Instances: first }], NextToken: 'instances-2' })
      .resolvesOnce({ Reservations: [{ Instances: second }] });
    const all = [...first, ...second].map((i) => status(i.InstanceId as string, { instance: i.InstanceId === 'i-00000000000000514' ? 'impaired' : 'ok' }));
    ec2.on(DescribeInstanceStatusCommand).callsFake((input: DescribeInstanceStatusCommandInput) => {
      const offset = input.NextToken ? Number(input.NextToken) : 0;
      const end = offset + (input.MaxResults ?? 0);
      return { InstanceStatuses: all.slice(offset, end), ...(end < all.length ? { NextToken: String(end) } : {}) };
    });

    const pages = await collectType(instanceType, context);

    const inputs = ec2.commandCalls(DescribeInstanceStatusCommand).map((c) => c.args[0].input);
    expect(inputs).toEqual([
      { IncludeAllInstances: true, MaxResults: 1000, NextToken: undefined },
      { IncludeAllInstances: true, MaxResults: 1000, NextToken: '1000' },
    ]);
    // By ids, the same two pages would have cost 1000/100 + 300/100 = 13 calls.
    expect(inputs.every((input) => input.InstanceIds === undefined)).toBe(true);
    const impaired = pages.flat().filter((r) => r.data.impaired === true).map((r) => r.id);
    expect(impaired).toEqual(['i-00000000000000514']);
  });

  it('an impaired running instance is a WARNING of the InstanceState rule', async () => {
    const { context, ec2 } = mockedContext();
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance(7)] }] });
    ec2.on(DescribeInstanceStatusCommand).resolves({ InstanceStatuses: [status('i-00000000000000007', { system: 'impaired' })] });
    const record = onlyRecord(await collectType(instanceType, context));
    expect(instanceStateRule.evaluate(record, NO_FACTS)).toEqual([{
      severity: 2, group: 'web_server', typeNames: [{ type: 'ID', name: 'web_server:i-00000000000000007' }],
      text: 'WARNING – instance i-00000000000000007 (web_server) is impaired',
    }]);
  });

  it('a page of exactly 100 instances to check still costs one call by ids', async () => {
    const { context, ec2 } = mockedContext();
    const instances = Array.from({ length: STATUS_IDS_PER_CALL }, (_, i) => instance(i + 1));
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: instances }] });
    ec2.on(DescribeInstanceStatusCommand).resolves({ InstanceStatuses: [] });
    await collectType(instanceType, context);
    const calls = ec2.commandCalls(DescribeInstanceStatusCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input.InstanceIds).toHaveLength(100);
  });

  it('impaired is part of the change hash: health changes are history, like state', () => {
    expect(instanceType.volatileFields).not.toContain('impaired');
  });
});
