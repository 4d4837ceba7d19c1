import { beforeAll, describe, expect, it } from '@jest/globals';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { readDeployment } from '../../lib/stacks/context-knobs';
import { MemberRoleStack } from '../../lib/stacks/member-stack';
import { nagPacks } from '../../lib/stacks/nag';
import { OrgStack, TEMPLATE_BODY_MAX_BYTES, inlineTemplateBody } from '../../lib/stacks/org-stack';
import { CDK_JSON_CONTEXT } from './collector-fixture';

const OUS = ['ou-ab12-cdef3456', 'r-ab12'];

interface SynthesizedOrg {
  stack: OrgStack;
  stackSet: Record<string, unknown>;
}

/** The organization stack as bin/app.ts builds it from `context`, with cdk.json's context. */
function synthesizeOrg(context: Record<string, unknown>): SynthesizedOrg {
  const app = new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [], ...context } });
  const { organization } = readDeployment(app.node);
  if (!organization) throw new Error('no organization stack for this context');
  const stack = new OrgStack(app, organization.stackName, organization.props);
  const resources = Object.values(Template.fromStack(stack).toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>);
  expect(resources.map((resource) => resource.Type)).toEqual(['AWS::CloudFormation::StackSet']);
  return { stack, stackSet: resources[0]!.Properties };
}

function nagFindings(stack: OrgStack): string[] {
  return nagPacks().flatMap((pack) => pack.validateScope(stack).violations
    .flatMap((violation) => violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath}`)));
}

describe('the organization stack (a StackSet of the member stack)', () => {
  let synthesized: SynthesizedOrg;
  beforeAll(() => {
    synthesized = synthesizeOrg({ organization: true, organizationId: 'o-a1b2c3d4e5', organizationUnits: OUS.join(','), memberExternalId: 'cloudtap-ext-1' });
  });

  it('is named CloudtapOrg and deploys, service-managed, to every account of the chosen OUs and every account that joins them, in this region', () => {
    expect(synthesized.stack.stackName).toBe('CloudtapOrg');
    expect(synthesized.stackSet).toMatchObject({
      StackSetName: 'Cloudtap-member',
      PermissionModel: 'SERVICE_MANAGED',
      AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
      CallAs: 'SELF',
      Capabilities: ['CAPABILITY_NAMED_IAM'],
      StackInstancesGroup: [{ DeploymentTargets: { OrganizationalUnitIds: OUS }, Regions: [{ Ref: 'AWS::Region' }] }],
      Parameters: [{ ParameterKey: 'CollectorAccountId', ParameterValue: { Ref: 'AWS::AccountId' } }],
      // A quarter of the accounts at a time, stopping once a tenth failed; concurrent StackSet operations queue.
      OperationPreferences: { ConcurrencyMode: 'SOFT_FAILURE_TOLERANCE', MaxConcurrentPercentage: 25, FailureTolerancePercentage: 10 },
      ManagedExecution: { Active: true },
    });
  });

  it('deploys exactly the member stack\'s template, synthesized on its own', () => {
    const app = new App({ context: CDK_JSON_CONTEXT });
    const member = new MemberRoleStack(app, 'CloudtapMemberRole', { collectorStackName: 'Cloudtap', externalId: 'cloudtap-ext-1' });
    const body = synthesized.stackSet.TemplateBody as string;
    expect(typeof body).toBe('string');
    expect(JSON.parse(body)).toEqual(Template.fromStack(member).toJSON());
    expect(body).toContain('"sts:ExternalId":"cloudtap-ext-1"');
    expect(body).not.toContain('aws:cdk:path');
  });

  it('stays within the 51,200 bytes CloudFormation takes as an inline TemplateBody', () => {
    const bytes = Buffer.byteLength(synthesized.stackSet.TemplateBody as string);
    expect(TEMPLATE_BODY_MAX_BYTES).toBe(51_200);
    expect(bytes).toBeLessThan(TEMPLATE_BODY_MAX_BYTES);
    // Room for the services to come: today's template is about a quarter of the limit.
    expect(bytes).toBeLessThan(TEMPLATE_BODY_MAX_BYTES / 2);
  });

  it('refuses a template over that limit, saying what to do', () => {
    expect(() => inlineTemplateBody({ Description: 'x'.repeat(TEMPLATE_BODY_MAX_BYTES) })).toThrow(/over the 51200 bytes .* TemplateURL/);
    expect(inlineTemplateBody({ Description: 'small' })).toBe('{"Description":"small"}');
  });

  it('has no unacknowledged cdk-nag finding', () => {
    expect(nagFindings(synthesized.stack)).toEqual([]);
  });
});

describe('the organization stack in a delegated administrator account, for a collector in another account', () => {
  it('calls as the delegated administrator and tells every member role the collector\'s account', () => {
    const { stackSet } = synthesizeOrg({
      stackName: 'Inventory', organization: true, organizationId: 'o-a1b2c3d4e5', organizationUnits: ['ou-ab12-cdef3456'],
      stackSetCallAs: 'DELEGATED_ADMIN', collectorAccountId: '222222222222', memberRoleName: 'inventory-reader', realtime: false,
    });
    expect(stackSet).toMatchObject({
      StackSetName: 'Inventory-member',
      CallAs: 'DELEGATED_ADMIN',
      Parameters: [{ ParameterKey: 'CollectorAccountId', ParameterValue: '222222222222' }],
    });
    const member = JSON.parse(stackSet.TemplateBody as string) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    expect(Object.values(member.Resources).map((resource) => resource.Type)).toEqual(['AWS::IAM::Role']);
    expect(Object.values(member.Resources)[0]?.Properties.RoleName).toBe('inventory-reader');
    expect(JSON.stringify(member)).toContain(':role/cloudtap/Inventory/*');
  });
});
