import { DescribeStacksCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { UsageError } from '../errors';
import { explainAwsError } from './aws-errors';
import { STATE_MACHINE_OUTPUT } from './state-machine-arn';

/** The state machine a remote run starts: the deployed stack's `StateMachineArn` output. */
export async function stateMachineArnOfStack(cloudformation: CloudFormationClient, stackName: string): Promise<string> {
  let outputs;
  try {
    const { Stacks } = await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
    outputs = Stacks?.[0]?.Outputs;
  } catch (error) {
    if ((error as { name?: string }).name === 'ValidationError' && /does not exist/i.test((error as Error).message)) {
      const region = await regionOf(cloudformation);
      throw new UsageError(`stack "${stackName}" does not exist in ${region ?? 'the configured region'}; deploy it with \`npx cdk deploy\`, `
        + 'or name the deployed stack with --stack NAME (and its region with AWS_REGION), or pass --state-machine-arn ARN');
    }
    throw explainAwsError(error, `looking up stack "${stackName}"`);
  }
  const arn = outputs?.find((output) => output.OutputKey === STATE_MACHINE_OUTPUT)?.OutputValue;
  if (!arn) {
    const keys = (outputs ?? []).map((output) => output.OutputKey).filter(Boolean);
    throw new UsageError(`stack "${stackName}" has no ${STATE_MACHINE_OUTPUT} output (${keys.length ? `its outputs: ${keys.join(', ')}` : 'it has no outputs'}); `
      + 'is it a cloudtap stack? Deploy the current version with `npx cdk deploy`, or pass --state-machine-arn ARN');
  }
  return arn;
}

async function regionOf(client: CloudFormationClient): Promise<string | undefined> {
  try {
    return await client.config.region();
  } catch {
    return undefined;
  }
}
