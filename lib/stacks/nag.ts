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
  functionWildcard: 'Resource::* only for actions that have no resource-level permissions: the Describe/List/Get calls the resource types declare (ec2:Describe*, cloudtrail:DescribeTrails, …), sts:GetCallerIdentity, and xray:PutTraceSegments/PutTelemetryRecords for active tracing. Tables, log groups, queues, the event bus and member roles are granted by ARN.',
  /** On the state machine's role. */
  stateMachineWildcard: 'Resource::* only for CloudWatch Logs delivery (logs:CreateLogDelivery, GetLogDelivery, UpdateLogDelivery, DeleteLogDelivery, ListLogDeliveries, PutResourcePolicy, DescribeResourcePolicies, DescribeLogGroups) and X-Ray (xray:PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets), none of which has resource-level permissions; the functions are granted by ARN.',
  runtime: 'nodejs22.x is the runtime cloudtap is built and tested for (lib/stacks/bundling.ts targets node22, shared/NOTES.md); a newer one is adopted by a deliberate upgrade with its own tests, not by a linter.',
  synchronousOnly: 'invoked only synchronously, by the state machine: a failure is the Task state\'s error, retried and caught by the workflow (lib/workflow/definition.ts), and a Lambda dead-letter queue only ever receives asynchronous invocations.',
} as const;

/** Acknowledges cdk-nag findings on a construct (and everything under it), each with its reason. */
export function acknowledge(construct: IConstruct, reasons: Record<string, string>): void {
  Validations.of(construct).acknowledge(...Object.entries(reasons).map(([id, reason]) => ({ id, reason })));
}
