/**
 * The CDK app: `npx cdk synth|deploy` (cdk.json runs this with tsx). Knobs come from CDK context; see
 * lib/stacks/context-knobs.ts. The stack is environment-agnostic, so synth needs no AWS credentials.
 */
import { App } from 'aws-cdk-lib';
import { CollectorStack } from '../lib/stacks/collector-stack';
import { ContextKnobError, readCollectorDeployment } from '../lib/stacks/context-knobs';
import { addNagChecks } from '../lib/stacks/nag';

const app = new App();
// cdk-nag's AwsSolutions and Serverless packs: an unacknowledged finding stops the synth (lib/stacks/nag.ts).
addNagChecks(app);
try {
  const { stackName, props } = readCollectorDeployment(app.node);
  new CollectorStack(app, stackName, { ...props, description: 'cloudtap: serverless AWS inventory and Tap event collector' });
} catch (error) {
  if (!(error instanceof ContextKnobError)) throw error;
  console.error(`cloudtap: ${error.message}`);
  process.exit(1);
}
