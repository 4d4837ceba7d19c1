import { Validations, type App, type Stack } from 'aws-cdk-lib';
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
  /** On the snapshot bucket (lib/stacks/snapshots.ts). */
  snapshotAccessLogs: 'the snapshot bucket holds copies Finalize derives from the inventory (the DynamoDB tables, with point-in-time recovery, are the record); its one writer is normalize\'s role, with s3:PutObject on latest/ and history/ only, and it is read through the Athena workgroup, whose queries Athena keeps in its history and CloudTrail records (StartQueryExecution). An access-log bucket would need this same exemption for itself; whoever needs object-level audit turns on CloudTrail S3 data events for this bucket.',
  /** On normalize's role, when snapshots are on. */
  snapshotWrites: 'Finalize writes each run\'s snapshot as one object per table, latest/<table>/data.parquet and history/<table>/dt=<day>/<run id>.parquet, keys known only at run time: s3:PutObject, and nothing else (no read, no delete), on those two prefixes of the stack\'s own bucket.',
} as const;

/** A resource as cdk-nag names it in a finding id: `Fn::Join` flattened, references as `<AWS::Partition>`, attributes as `<LogicalId.Arn>`. */
export function nagResource(stack: Stack, resource: string): string {
  const flatten = (node: unknown): string => {
    if (typeof node === 'string') return node;
    const join = (node as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    if (join) return join[1].map(flatten).join(join[0]);
    const ref = (node as { Ref?: string }).Ref;
    if (ref) return `<${ref}>`;
    const getAtt = (node as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
    if (getAtt) return `<${getAtt[0]}.${getAtt[1]}>`;
    return JSON.stringify(node);
  };
  return flatten(stack.resolve(resource));
}

/** Acknowledges cdk-nag findings on a construct (and everything under it), each with its reason. */
export function acknowledge(construct: IConstruct, reasons: Record<string, string>): void {
  Validations.of(construct).acknowledge(...Object.entries(reasons).map(([id, reason]) => ({ id, reason })));
}
