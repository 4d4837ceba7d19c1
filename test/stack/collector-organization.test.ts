import { beforeAll, describe, expect, it } from '@jest/globals';
import { Match } from 'aws-cdk-lib/assertions';
import { functionIamActions } from '../../src/stack-inputs';
import { parseCollectionRequest } from '../../src/dto/collection-request';
import { serviceNames } from '../../src/services/registry';
import { nagPacks } from '../../lib/stacks/nag';
import { grantsOf, logicalId, synthesizeCollector, wildcardResourceActions, type Statement, type SynthesizedCollector } from './collector-fixture';

const ORG = 'o-a1b2c3d4e5';
const OU = 'ou-ab12-cdef3456';

type Resource = { Type: string; Properties: Record<string, unknown> };
type ConditionalStatement = Statement & { Condition?: Record<string, Record<string, unknown>>; Principal?: unknown };

/** Every statement on a function's role, with its condition. */
function statementsOf(synthesized: SynthesizedCollector, fn: SynthesizedCollector['stack']['functions']['collect']): ConditionalStatement[] {
  const { stack, template } = synthesized;
  const roleId = logicalId(stack, fn.role as unknown as { node: { defaultChild?: unknown } });
  return (Object.values(template.findResources('AWS::IAM::Policy')) as { Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: ConditionalStatement[] } } }[])
    .filter((policy) => policy.Properties.Roles.some((role) => role.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

function nagFindings(synthesized: SynthesizedCollector): string[] {
  return nagPacks().flatMap((pack) => pack.validateScope(synthesized.stack).violations
    .flatMap((violation) => violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath}`)));
}

function scheduledInput(synthesized: SynthesizedCollector): unknown {
  const rule = Object.values(synthesized.template.findResources('AWS::Events::Rule')).find((r) => (r as Resource).Properties.ScheduleExpression) as Resource;
  return JSON.parse((rule.Properties.Targets as { Input: string }[])[0]!.Input);
}

describe('the collector stack collecting an AWS Organization', () => {
  let synthesized: SynthesizedCollector;
  beforeAll(() => {
    synthesized = synthesizeCollector({
      organization: JSON.stringify({ include: [OU], exclude: ['123456789012'] }), organizationId: ORG, memberExternalId: 'cloudtap-ext-1',
    });
  });

  it('lets get-tasks, collect and normalize assume the member role by name in the organization\'s accounts only (aws:ResourceOrgID), never on "*"', () => {
    const { stack } = synthesized;
    for (const fn of [stack.functions.getTasks, stack.functions.collect, stack.functions.normalize]) {
      const assume = statementsOf(synthesized, fn).filter((statement) => [statement.Action].flat().includes('sts:AssumeRole'));
      expect(assume).toEqual([{
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::*:role/cloudtap-member']] },
        Condition: { StringEquals: { 'aws:ResourceOrgID': ORG } },
      }]);
      expect(wildcardResourceActions(grantsOf(stack, synthesized.template, fn))).not.toContain('sts:AssumeRole');
    }
  });

  it('lets get-tasks list the organization\'s accounts and OUs: the Organizations calls it declares', () => {
    const { stack, template } = synthesized;
    const declared = functionIamActions().getTasks.filter((action) => action !== 'sts:AssumeRole');
    expect(wildcardResourceActions(grantsOf(stack, template, stack.functions.getTasks))).toEqual([...declared].sort());
    expect(declared.filter((action) => action.startsWith('organizations:')).length).toBeGreaterThan(0);
    for (const fn of [stack.functions.collect, stack.functions.normalize]) {
      expect(grantsOf(stack, template, fn).flatMap((grant) => grant.actions).filter((action) => action.startsWith('organizations:'))).toEqual([]);
    }
  });

  it('collects the chosen OUs on schedule, through the member role (with its external id), in a request get-tasks accepts', () => {
    const input = scheduledInput(synthesized);
    expect(input).toEqual({
      schemaVersion: 1,
      accounts: { organization: { include: [OU], exclude: ['123456789012'], roleName: 'cloudtap-member', externalId: 'cloudtap-ext-1' } },
    });
    expect(parseCollectionRequest(input, serviceNames())).toEqual(input);
  });

  it('tells normalize the member role\'s name and external id, for the describes of a forwarded change', () => {
    const { stack, template } = synthesized;
    const variables = ((template.toJSON().Resources[logicalId(stack, stack.functions.normalize)] as Resource).Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables).toMatchObject({ CLOUDTAP_MEMBER_ROLE_NAME: 'cloudtap-member', CLOUDTAP_MEMBER_EXTERNAL_ID: 'cloudtap-ext-1' });
    expect(variables.CLOUDTAP_MEMBER_ROLE_ARNS).toBeUndefined();
  });

  it('lets principals of the organization, and no one else, put events on the default bus', () => {
    const policies = Object.values(synthesized.template.findResources('AWS::Events::EventBusPolicy')) as Resource[];
    expect(policies).toHaveLength(1);
    expect(policies[0]!.Properties).toEqual({
      EventBusName: 'default',
      StatementId: 'Cloudtap-organization',
      Statement: {
        Sid: 'Cloudtap-organization',
        Effect: 'Allow',
        Principal: '*',
        Action: 'events:PutEvents',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':event-bus/default']] },
        Condition: { StringEquals: { 'aws:PrincipalOrgID': ORG } },
      },
    });
  });

  it('puts the functions\' roles under the path the member role trusts, and not the state machine\'s', () => {
    const { stack, template } = synthesized;
    for (const fn of Object.values(stack.functions)) {
      const role = template.toJSON().Resources[logicalId(stack, fn.role as unknown as { node: { defaultChild?: unknown } })] as Resource;
      expect(role.Properties.Path).toBe('/cloudtap/Cloudtap/');
    }
    const machineRole = template.toJSON().Resources[logicalId(stack, stack.stateMachine.role as unknown as { node: { defaultChild?: unknown } })] as Resource;
    expect(machineRole.Properties.Path).toBeUndefined();
  });

  it('has no unacknowledged cdk-nag finding, the organization-wide AssumeRole acknowledged with its reason', () => {
    expect(nagFindings(synthesized)).toEqual([]);
    const acknowledged = synthesized.stack.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules'))
      .flatMap((m) => Object.entries(m.data as Record<string, string>));
    expect(acknowledged).toContainEqual(['Annotation::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/cloudtap-member]', expect.stringContaining('aws:ResourceOrgID')]);
  });
});

describe('the collector stack collecting a whole organization through a role of another name, without real time', () => {
  let synthesized: SynthesizedCollector;
  beforeAll(() => {
    synthesized = synthesizeCollector({ organization: 'true', organizationId: ORG, memberRoleName: 'inventory-reader', realtime: 'false' });
  });

  it('assumes that role, collects every account on schedule, and opens no bus to the organization', () => {
    const { stack, template } = synthesized;
    expect(scheduledInput(synthesized)).toEqual({ schemaVersion: 1, accounts: { organization: { roleName: 'inventory-reader' } } });
    const assume = statementsOf(synthesized, stack.functions.collect).filter((statement) => [statement.Action].flat().includes('sts:AssumeRole'));
    expect(JSON.stringify(assume[0]?.Resource)).toContain(':iam::*:role/inventory-reader');
    expect(statementsOf(synthesized, stack.functions.normalize).filter((statement) => [statement.Action].flat().includes('sts:AssumeRole'))).toEqual([]);
    template.resourceCountIs('AWS::Events::EventBusPolicy', 0);
    expect(nagFindings(synthesized)).toEqual([]);
  });
});

describe('the collector stack with listed member roles and no organization', () => {
  let synthesized: SynthesizedCollector;
  beforeAll(() => {
    synthesized = synthesizeCollector({ memberRoleArns: 'arn:aws:iam::111111111111:role/cloudtap-member', memberExternalId: 'ext-42' });
  });

  it('grants no Organizations call and no organization-wide AssumeRole, and hands the external id to each listed account', () => {
    const { stack, template } = synthesized;
    for (const fn of Object.values(stack.functions)) {
      const statements = statementsOf(synthesized, fn);
      expect(statements.flatMap((statement) => [statement.Action].flat()).filter((action) => action.startsWith('organizations:'))).toEqual([]);
      expect(statements.filter((statement) => statement.Condition?.StringEquals?.['aws:ResourceOrgID'])).toEqual([]);
    }
    expect(scheduledInput(synthesized)).toEqual({
      schemaVersion: 1, accounts: [{}, { accountId: '111111111111', roleArn: 'arn:aws:iam::111111111111:role/cloudtap-member', externalId: 'ext-42' }],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ CLOUDTAP_MEMBER_ROLE_ARNS: 'arn:aws:iam::111111111111:role/cloudtap-member', CLOUDTAP_MEMBER_EXTERNAL_ID: 'ext-42' }) },
    });
    template.resourceCountIs('AWS::Events::EventBusPolicy', 0);
  });
});
