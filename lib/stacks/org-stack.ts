import { Aws, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { CfnStackSet } from 'aws-cdk-lib/aws-cloudformation';
import type { Construct } from 'constructs';
import { DEFAULT_MEMBER_ROLE_NAME } from '../../src/stack-inputs';
import { COLLECTOR_ACCOUNT_PARAMETER, memberRoleTemplate, type MemberRoleStackProps } from './member-stack';

/** CloudFormation's limit on a TemplateBody passed inline (a StackSet's included). */
export const TEMPLATE_BODY_MAX_BYTES = 51_200;

export type StackSetCallAs = 'SELF' | 'DELEGATED_ADMIN';

export interface OrgStackProps extends StackProps {
  /** The member stack every account gets; the StackSet passes the collector's account to it. */
  readonly member: Omit<MemberRoleStackProps, 'collectorAccountId' | 'collectorRegion'>;
  /**
   * The account the collector runs in.
   * @default the account this stack is deployed in (the collector's, when it runs in the management or delegated administrator account)
   */
  readonly collectorAccountId?: string;
  /** OU or root ids the StackSet deploys to (every account in them, recursively, and accounts that join them later). */
  readonly organizationalUnitIds: readonly string[];
  /** `SELF` in the management account, `DELEGATED_ADMIN` in a delegated administrator account. @default SELF */
  readonly callAs?: StackSetCallAs;
}

/**
 * The member stack in every account of the chosen OUs: a service-managed StackSet with automatic deployment, created
 * in the management account or a delegated administrator account, in the collector's region (this stack's). A
 * service-managed StackSet never deploys to the management account itself.
 */
export class OrgStack extends Stack {
  readonly stackSet: CfnStackSet;
  /** The template every stack instance gets. */
  readonly memberTemplate: Record<string, unknown>;

  constructor(scope: Construct, id: string, props: OrgStackProps) {
    super(scope, id, { description: 'cloudtap: the member role (and real-time forwarding) in every account of the chosen OUs, by StackSet', ...props });
    this.memberTemplate = memberRoleTemplate(props.member, featureFlags(this));
    const templateBody = inlineTemplateBody(this.memberTemplate);
    this.stackSet = new CfnStackSet(this, 'MemberStackSet', {
      stackSetName: `${props.member.collectorStackName}-member`,
      description: `cloudtap: the ${props.member.roleName ?? DEFAULT_MEMBER_ROLE_NAME} role the ${props.member.collectorStackName} collector assumes in each account`,
      permissionModel: 'SERVICE_MANAGED',
      autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
      callAs: props.callAs ?? 'SELF',
      capabilities: ['CAPABILITY_NAMED_IAM'],
      managedExecution: { Active: true },
      // A quarter of the accounts at a time; the rollout stops once a tenth of them failed.
      operationPreferences: { concurrencyMode: 'SOFT_FAILURE_TOLERANCE', maxConcurrentPercentage: 25, failureTolerancePercentage: 10 },
      parameters: [{ parameterKey: COLLECTOR_ACCOUNT_PARAMETER, parameterValue: props.collectorAccountId ?? Aws.ACCOUNT_ID }],
      // In this region, the collector's: the instances' rules forward to the default bus of their own region.
      stackInstancesGroup: [{ deploymentTargets: { organizationalUnitIds: [...props.organizationalUnitIds] }, regions: [Aws.REGION] }],
      templateBody,
    });
    new CfnOutput(this, 'MemberStackSetName', { value: this.stackSet.stackSetName, description: 'The StackSet that deploys the member role' });
  }
}

/** A template as an inline TemplateBody: compact JSON, refused beyond CloudFormation's limit rather than at deploy time. */
export function inlineTemplateBody(template: Record<string, unknown>): string {
  const body = JSON.stringify(template);
  const size = Buffer.byteLength(body);
  if (size > TEMPLATE_BODY_MAX_BYTES) {
    throw new Error(`the member template is ${size} bytes, over the ${TEMPLATE_BODY_MAX_BYTES} bytes CloudFormation takes as a StackSet's TemplateBody: upload it to S3 and give the StackSet its TemplateURL instead`);
  }
  return body;
}

/** The `@aws-cdk/…` feature flags in effect here, for the member stack's own app. */
function featureFlags(scope: Construct): Record<string, unknown> {
  return Object.fromEntries(Object.entries(scope.node.getAllContext()).filter(([key]) => key.startsWith('@aws-cdk/')));
}
