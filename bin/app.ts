/**
 * The CDK app: `npx cdk synth|deploy` (cdk.json runs this with tsx). Knobs come from CDK context; see
 * lib/stacks/context-knobs.ts. The stacks are environment-agnostic, so synth needs no AWS credentials.
 * With no knob set it has one stack, the collector; `memberStack` adds the member role stack (`<stackName>MemberRole`)
 * and `organizationUnits` the StackSet that deploys it across an organization (`<stackName>Org`).
 */
import { App } from 'aws-cdk-lib';
import { CollectorStack } from '../lib/stacks/collector-stack';
import { ContextKnobError, readDeployment } from '../lib/stacks/context-knobs';
import { MemberRoleStack } from '../lib/stacks/member-stack';
import { addNagChecks } from '../lib/stacks/nag';
import { OrgStack } from '../lib/stacks/org-stack';

const app = new App();
// cdk-nag's AwsSolutions and Serverless packs: an unacknowledged finding stops the synth (lib/stacks/nag.ts).
addNagChecks(app);
try {
  const { collector, member, organization } = readDeployment(app.node);
  new CollectorStack(app, collector.stackName, { ...collector.props, description: 'cloudtap: serverless AWS inventory and Tap event collector' });
  if (member) new MemberRoleStack(app, member.stackName, member.props);
  if (organization) new OrgStack(app, organization.stackName, organization.props);
} catch (error) {
  if (!(error instanceof ContextKnobError)) throw error;
  console.error(`cloudtap: ${error.message}`);
  process.exit(1);
}
