import { beforeAll, describe, expect, it } from '@jest/globals';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { memberReadActions, realtimeEventPatterns } from '../../src/stack-inputs';
import { MemberRoleStack, type MemberRoleStackProps } from '../../lib/stacks/member-stack';
import { nagPacks } from '../../lib/stacks/nag';
import { CDK_JSON_CONTEXT } from './collector-fixture';

type Resource = { Type: string; Properties: Record<string, unknown>; Condition?: string };
type PolicyStatement = { Effect: string; Action: string | string[]; Resource?: unknown; Principal?: unknown; Condition?: unknown };

interface SynthesizedMember {
  stack: MemberRoleStack;
  template: Template;
  resources: Record<string, Resource>;
}

/** The member stack as bin/app.ts builds it (`-c memberStack=true`), with cdk.json's context. */
function synthesizeMember(props: Partial<MemberRoleStackProps> = {}): SynthesizedMember {
  const app = new App({ context: CDK_JSON_CONTEXT });
  const stack = new MemberRoleStack(app, 'CloudtapMemberRole', { collectorStackName: 'Cloudtap', ...props });
  const template = Template.fromStack(stack);
  return { stack, template, resources: template.toJSON().Resources as Record<string, Resource> };
}

function ofType(synthesized: SynthesizedMember, type: string): [string, Resource][] {
  return Object.entries(synthesized.resources).filter(([, resource]) => resource.Type === type);
}

function memberRole(synthesized: SynthesizedMember): Resource {
  const id = synthesized.stack.getLogicalId(synthesized.stack.role.node.defaultChild as never);
  return synthesized.resources[id]!;
}

function nagFindings(stack: MemberRoleStack): string[] {
  return nagPacks().flatMap((pack) => pack.validateScope(stack).violations
    .flatMap((violation) => violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath}`)));
}

const COLLECTOR_ACCOUNT = { Ref: 'CollectorAccountId' };
const COLLECTOR_BUS = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:', { Ref: 'AWS::Region' }, ':', COLLECTOR_ACCOUNT, ':event-bus/default']] };

describe('the member stack', () => {
  let synthesized: SynthesizedMember;
  beforeAll(() => {
    synthesized = synthesizeMember();
  });

  it('allows exactly the read actions the resource types declare (memberReadActions), sorted, on Resource "*", and nothing else', () => {
    const role = memberRole(synthesized);
    expect(role.Properties.RoleName).toBe('cloudtap-member');
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    const policies = role.Properties.Policies as { PolicyName: string; PolicyDocument: { Statement: PolicyStatement[] } }[];
    expect(policies).toHaveLength(1);
    expect(policies[0]!.PolicyDocument.Statement).toEqual([{ Effect: 'Allow', Action: memberReadActions(), Resource: '*' }]);
    expect(memberReadActions()).toEqual([...memberReadActions()].sort());
    expect(memberReadActions().filter((action) => action.includes('*') || /^(sts|organizations):/.test(action))).toEqual([]);
    expect(memberReadActions()).toEqual(expect.arrayContaining(['ec2:DescribeInstances', 'cloudtrail:DescribeTrails', 's3:ListAllMyBuckets']));
    // No other policy is attached to the member role.
    const roleId = synthesized.stack.getLogicalId(synthesized.stack.role.node.defaultChild as never);
    const attached = ofType(synthesized, 'AWS::IAM::Policy').filter(([, policy]) => JSON.stringify(policy.Properties.Roles).includes(roleId));
    expect(attached).toEqual([]);
    // IAM's limit on a role's inline policies.
    expect(JSON.stringify(policies[0]!.PolicyDocument).length).toBeLessThan(10_240);
  });

  it('is assumable only by the collector\'s functions: the collector account, narrowed to the roles under the collector\'s role path, no external id unless one is set', () => {
    const trust = (memberRole(synthesized).Properties.AssumeRolePolicyDocument as { Statement: PolicyStatement[] }).Statement;
    expect(trust).toEqual([{
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', COLLECTOR_ACCOUNT, ':root']] } },
      Condition: { ArnLike: { 'aws:PrincipalArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', COLLECTOR_ACCOUNT, ':role/cloudtap/Cloudtap/*']] } } },
    }]);
    expect(synthesized.template.toJSON().Parameters).toEqual({
      CollectorAccountId: expect.objectContaining({ Type: 'String', AllowedPattern: '^\\d{12}$' }),
    });
    expect((synthesized.template.toJSON().Parameters as Record<string, { Default?: string }>).CollectorAccountId?.Default).toBeUndefined();
  });

  it('requires the external id when one is set, and defaults the collector account to collectorAccountId', () => {
    const withExternalId = synthesizeMember({ externalId: 'cloudtap-ext-1', collectorAccountId: '111111111111', collectorStackName: 'CloudtapStaging', roleName: 'inventory-reader' });
    const role = memberRole(withExternalId);
    expect(role.Properties.RoleName).toBe('inventory-reader');
    const [statement] = (role.Properties.AssumeRolePolicyDocument as { Statement: PolicyStatement[] }).Statement;
    expect(statement?.Condition).toEqual({
      ArnLike: { 'aws:PrincipalArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', COLLECTOR_ACCOUNT, ':role/cloudtap/CloudtapStaging/*']] } },
      StringEquals: { 'sts:ExternalId': 'cloudtap-ext-1' },
    });
    expect((withExternalId.template.toJSON().Parameters as Record<string, { Default?: string }>).CollectorAccountId?.Default).toBe('111111111111');
  });

  it('forwards every real-time pattern the collector routes (one rule each) to the collector\'s default bus, through a role that may put events there only', () => {
    const rules = ofType(synthesized, 'AWS::Events::Rule').map(([, rule]) => rule);
    const declared = realtimeEventPatterns().map(({ detailType, ...pattern }) => ({ ...pattern, 'detail-type': detailType }));
    expect(rules.map((rule) => rule.Properties.EventPattern)).toEqual(declared);
    const forwardRoleId = synthesized.stack.getLogicalId(synthesized.stack.node.findChild('ForwardRole').node.defaultChild as never);
    for (const rule of rules) {
      expect(rule.Properties.Targets).toEqual([{ Id: 'Target0', Arn: COLLECTOR_BUS, RoleArn: { 'Fn::GetAtt': [forwardRoleId, 'Arn'] } }]);
      expect(rule.Properties.State).toBe('ENABLED');
    }
    const forwardPolicies = ofType(synthesized, 'AWS::IAM::Policy').filter(([, policy]) => JSON.stringify(policy.Properties.Roles).includes(forwardRoleId));
    expect(forwardPolicies.flatMap(([, policy]) => (policy.Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement))
      .toEqual([{ Effect: 'Allow', Action: 'events:PutEvents', Resource: COLLECTOR_BUS }]);
    const forwardTrust = (synthesized.resources[forwardRoleId]!.Properties.AssumeRolePolicyDocument as { Statement: PolicyStatement[] }).Statement;
    expect(forwardTrust).toEqual([{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'events.amazonaws.com' } }]);
  });

  it('forwards nothing from the collector\'s own account, whose events are on that bus already', () => {
    expect(synthesized.template.toJSON().Conditions).toEqual({
      NotCollectorAccount: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AWS::AccountId' }, COLLECTOR_ACCOUNT] }] },
    });
    const conditional = Object.values(synthesized.resources).filter((resource) => resource.Condition === 'NotCollectorAccount');
    expect(conditional.map((resource) => resource.Type).sort()).toEqual([
      ...realtimeEventPatterns().map(() => 'AWS::Events::Rule'), 'AWS::IAM::Policy', 'AWS::IAM::Role',
    ].sort());
    expect(memberRole(synthesized).Condition).toBeUndefined();
  });

  it('forwards to the bus of the collector\'s region when it is given', () => {
    const elsewhere = synthesizeMember({ collectorRegion: 'eu-west-1' });
    const [, rule] = ofType(elsewhere, 'AWS::Events::Rule')[0]!;
    expect((rule.Properties.Targets as { Arn: unknown }[])[0]?.Arn).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:eu-west-1:', COLLECTOR_ACCOUNT, ':event-bus/default']],
    });
  });

  it('without real time, is the role alone', () => {
    const roleOnly = synthesizeMember({ realtime: false });
    expect(Object.values(roleOnly.resources).map((resource) => resource.Type)).toEqual(['AWS::IAM::Role']);
    expect(roleOnly.template.toJSON().Conditions).toBeUndefined();
    expect(nagFindings(roleOnly.stack)).toEqual([]);
  });

  it('deploys where CDK never bootstrapped (a StackSet\'s accounts): no bootstrap version check, no CDK metadata resource', () => {
    const json = synthesized.template.toJSON();
    expect(json.Rules).toBeUndefined();
    expect(Object.keys(json.Parameters as object)).toEqual(['CollectorAccountId']);
    expect(ofType(synthesized, 'AWS::CDK::Metadata')).toEqual([]);
  });

  it('has no unacknowledged cdk-nag finding (AwsSolutions, Serverless), each acknowledgement with its reason', () => {
    expect(nagFindings(synthesized.stack)).toEqual([]);
    const acknowledged = synthesized.stack.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules'))
      .flatMap((m) => Object.entries(m.data as Record<string, string>));
    expect(acknowledged.map(([id]) => id).sort()).toEqual([
      'Annotation::AwsSolutions-IAM5[Resource::*]', ...realtimeEventPatterns().map(() => 'Annotation::Serverless-EventBusDLQ'),
    ].sort());
    for (const [, reason] of acknowledged) expect(reason.length).toBeGreaterThan(40);
  });
});
