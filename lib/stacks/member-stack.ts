import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Aws, CfnCondition, CfnParameter, DefaultStackSynthesizer, Fn, Stack, type CfnResource, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { DEFAULT_MEMBER_ROLE_NAME, memberReadActions, realtimeEventPatterns } from '../../src/stack-inputs';
import { collectorRolePath, realtimeRuleId, realtimeRuleSubject } from './collector-stack';
import { NAG_REASONS, acknowledge, addNagChecks } from './nag';

export interface MemberRoleStackProps extends StackProps {
  /** The collector's stack name: the member role trusts only the roles under its path (`collectorRolePath`). */
  readonly collectorStackName: string;
  /**
   * The collector's account, the default of the template's `CollectorAccountId` parameter (a StackSet passes it).
   * @default none: the parameter must be given at deploy time
   */
  readonly collectorAccountId?: string;
  /**
   * The region of the collector's default event bus that the rules forward to.
   * @default the region the member stack is deployed in (a StackSet instance in the collector's region)
   */
  readonly collectorRegion?: string;
  /** The role's name, fixed so that the collector knows it in every account. @default cloudtap-member */
  readonly roleName?: string;
  /** The external id the collector must present (`sts:ExternalId`). @default none */
  readonly externalId?: string;
  /** Forward the account's real-time events (the collector's `realtimeEventPatterns()`) to the collector's default bus. @default true */
  readonly realtime?: boolean;
}

/** The template parameter a StackSet (or `cdk deploy --parameters`) sets to the collector's account id. */
export const COLLECTOR_ACCOUNT_PARAMETER = 'CollectorAccountId';

/**
 * What cloudtap needs in an account it collects: a role the collector's functions may assume, allowed exactly the
 * read calls the resource types declare, and (with `realtime`) one EventBridge rule per real-time pattern that
 * forwards the account's changes to the collector's default event bus. Deployed in every account of an organization
 * by a StackSet (lib/stacks/org-stack.ts), or on its own with `cdk deploy <stackName>MemberRole`.
 */
export class MemberRoleStack extends Stack {
  readonly role: iam.Role;
  readonly forwardRules: events.Rule[] = [];

  constructor(scope: Construct, id: string, props: MemberRoleStackProps) {
    super(scope, id, {
      // The template also goes into a StackSet, whose target accounts are not CDK-bootstrapped: no bootstrap check.
      synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
      analyticsReporting: false,
      description: 'cloudtap member role: lets the cloudtap collector read this account, and forwards its changes in real time',
      ...props,
    });
    const collectorAccount = new CfnParameter(this, COLLECTOR_ACCOUNT_PARAMETER, {
      type: 'String',
      description: 'The account the cloudtap collector runs in (its functions assume the member role)',
      allowedPattern: '^\\d{12}$',
      constraintDescription: 'an account id is 12 digits',
      ...(props.collectorAccountId ? { default: props.collectorAccountId } : {}),
    }).valueAsString;

    // The account trusts the collector's account, and only the functions under the collector's role path within it:
    // their names are generated (and change when a role is replaced), their path is fixed.
    const conditions: Record<string, Record<string, string>> = {
      ArnLike: { 'aws:PrincipalArn': `arn:${Aws.PARTITION}:iam::${collectorAccount}:role${collectorRolePath(props.collectorStackName)}*` },
    };
    if (props.externalId) conditions.StringEquals = { 'sts:ExternalId': props.externalId };
    this.role = new iam.Role(this, 'MemberRole', {
      roleName: props.roleName ?? DEFAULT_MEMBER_ROLE_NAME,
      description: `cloudtap: the ${props.collectorStackName} collector reads this account (the read calls its resource types declare)`,
      assumedBy: new iam.AccountPrincipal(collectorAccount).withConditions(conditions),
      inlinePolicies: {
        read: new iam.PolicyDocument({ statements: [new iam.PolicyStatement({ actions: memberReadActions(), resources: ['*'] })] }),
      },
    });
    acknowledge(this.role, { 'AwsSolutions-IAM5[Resource::*]': NAG_REASONS.memberReadOnly });

    if (props.realtime ?? true) {
      const collectorBus = events.EventBus.fromEventBusArn(this, 'CollectorBus',
        `arn:${Aws.PARTITION}:events:${props.collectorRegion ?? Aws.REGION}:${collectorAccount}:event-bus/default`);
      // The collector's own account (a member of an OU the StackSet targets) already has its events on that bus.
      const notCollector = new CfnCondition(this, 'NotCollectorAccount', { expression: Fn.conditionNot(Fn.conditionEquals(Aws.ACCOUNT_ID, collectorAccount)) });
      const forwardRole = new iam.Role(this, 'ForwardRole', {
        assumedBy: new iam.ServicePrincipal('events.amazonaws.com'),
        description: 'cloudtap: EventBridge forwards this account\'s changes to the collector\'s default event bus',
      });
      const target = new targets.EventBus(collectorBus, { role: forwardRole });
      for (const pattern of realtimeEventPatterns()) {
        const rule = new events.Rule(this, realtimeRuleId(pattern), {
          description: `${realtimeRuleSubject(pattern)} → the cloudtap collector's event bus`,
          eventPattern: pattern,
          targets: [target],
        });
        (rule.node.defaultChild as CfnResource).cfnOptions.condition = notCollector;
        acknowledge(rule, { 'Serverless-EventBusDLQ': NAG_REASONS.forwardedWithoutDeadLetters });
        this.forwardRules.push(rule);
      }
      for (const resource of [forwardRole.node.defaultChild, forwardRole.node.tryFindChild('DefaultPolicy')?.node.defaultChild]) {
        (resource as CfnResource).cfnOptions.condition = notCollector;
      }
    }
  }
}

/**
 * The member stack's CloudFormation template, synthesized in an app of its own (checked by cdk-nag like every stack):
 * what a StackSet deploys. `context`: feature flags to synthesize with (the outer app's), so the template is the
 * one `cdk synth` writes for the member stack.
 */
export function memberRoleTemplate(props: MemberRoleStackProps, context: Record<string, unknown> = {}): Record<string, unknown> {
  const outdir = mkdtempSync(join(tmpdir(), 'cloudtap-member-'));
  try {
    const app = new App({
      outdir,
      autoSynth: false,
      analyticsReporting: false,
      treeMetadata: false,
      // Over what the CDK CLI passes: no construct paths in the template a StackSet deploys.
      postCliContext: { ...context, 'aws:cdk:enable-path-metadata': false },
    });
    addNagChecks(app);
    const stack = new MemberRoleStack(app, 'MemberRole', props);
    return app.synth().getStackArtifact(stack.artifactId).template as Record<string, unknown>;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
