import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** The cdk-nag packs every synth runs (bin/app.ts) and the stack test checks: a finding not acknowledged stops the synth. */
export function nagPacks(): [AwsSolutionsChecks, ServerlessChecks] {
  return [new AwsSolutionsChecks(), new ServerlessChecks()];
}

export function addNagChecks(app: App): void {
  Validations.of(app).addPlugins(...nagPacks());
}

/**
 * Why each finding cloudtap keeps is right: the one place these reasons are written, applied where the resource is
 * built.
 */
export const NAG_REASONS = {
  /** On each function's role. */
  functionWildcard: 'Resource::* only for actions that have no resource-level permissions: the Describe/List/Get calls the resource types declare (ec2:Describe*, cloudtrail:DescribeTrails, …), sts:GetCallerIdentity, the organizations:List*/Describe* calls that list an organization\'s accounts (only in organization mode), and xray:PutTraceSegments/PutTelemetryRecords for active tracing. Tables, log groups, queues, the event bus and member roles are granted by ARN.',
  /** On each function's role, in organization mode. */
  organizationMemberRoles: 'sts:AssumeRole on the member role\'s name in any account (iam::*) because the organization\'s accounts are listed at each run, not known at deploy time; the statement\'s condition aws:ResourceOrgID limits it to roles in the organization\'s own accounts.',
  /** On the member role (lib/stacks/member-stack.ts). */
  memberReadOnly: 'Resource::* only for the read calls (Describe/List/Get) the resource types declare, the same list the collector\'s own policy has (memberReadActions in src/stack-inputs.ts): they have no resource-level permissions, and the role must read every resource of its account.',
  /** On the member stack's forwarding rules. */
  forwardedWithoutDeadLetters: 'a change the rule cannot forward (after EventBridge\'s 24 hours of retries) is not lost for good: the next scheduled run lists every resource of the account again; a dead-letter queue in each member account would have no reader.',
  /** On the state machine's role. */
  childExecutions: 'the Distributed Map of accounts starts child executions of this state machine and may describe or stop them: their ARNs are <state machine>/<map run>:<id>, known only at run time, so the grant is every execution of this one state machine.',
  stateMachineWildcard: 'Resource::* only for CloudWatch Logs delivery (logs:CreateLogDelivery, GetLogDelivery, UpdateLogDelivery, DeleteLogDelivery, ListLogDeliveries, PutResourcePolicy, DescribeResourcePolicies, DescribeLogGroups) and X-Ray (xray:PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets), none of which has resource-level permissions; the functions are granted by ARN.',
  runtime: 'nodejs22.x is the runtime cloudtap is built and tested for (lib/stacks/bundling.ts targets node22, shared/NOTES.md); a newer one is adopted by a deliberate upgrade with its own tests, not by a linter.',
  synchronousOnly: 'invoked only synchronously, by the state machine: a failure is the Task state\'s error, retried and caught by the workflow (lib/workflow/definition.ts), and a Lambda dead-letter queue only ever receives asynchronous invocations.',
} as const;

/** Acknowledges cdk-nag findings on a construct (and everything under it), each with its reason. */
export function acknowledge(construct: IConstruct, reasons: Record<string, string>): void {
  Validations.of(construct).acknowledge(...Object.entries(reasons).map(([id, reason]) => ({ id, reason })));
}
