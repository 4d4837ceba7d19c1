import { DescribeStacksCommand, type CloudFormationClient, type Output } from '@aws-sdk/client-cloudformation';
import { TABLE_IDS, type TableId, type TableNames } from '../../src/store/tables';
import { UsageError } from '../errors';
import { explainAwsError } from './aws-errors';
import { STATE_MACHINE_OUTPUT } from './state-machine-arn';

/**
 * The output naming each table: `ResourcesTableName`, `EventsTableName`, `RunsTableName` — the table id in
 * PascalCase + `TableName`, as lib/stacks/collector-stack.ts declares them. A table added to TABLES needs its
 * output under the same rule.
 */
export const TABLE_OUTPUTS: Record<TableId, string> = Object.fromEntries(
  TABLE_IDS.map((id) => [id, `${id.split('-').map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join('')}TableName`]),
) as Record<TableId, string>;

/** What reading a deployed stack's store calls, for an AccessDenied message that says what to grant. */
export const STACK_READ_ACTIONS = ['cloudformation:DescribeStacks', 'dynamodb:DescribeTable', 'dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:Scan'];

/** The state machine a remote run starts: the deployed stack's `StateMachineArn` output. */
export async function stateMachineArnOfStack(cloudformation: CloudFormationClient, stackName: string): Promise<string> {
  const outputs = await stackOutputs(cloudformation, stackName, {
    notFound: (region) => `stack "${stackName}" does not exist in ${region ?? 'the configured region'}; deploy it with \`npx cdk deploy\`, `
      + 'or name the deployed stack with --stack NAME (and its region with AWS_REGION), or pass --state-machine-arn ARN',
    explain: (error) => explainAwsError(error, `looking up stack "${stackName}"`),
  });
  const arn = outputs.find((output) => output.OutputKey === STATE_MACHINE_OUTPUT)?.OutputValue;
  if (!arn) {
    throw new UsageError(`stack "${stackName}" has no ${STATE_MACHINE_OUTPUT} output (${describeOutputs(outputs)}); `
      + 'is it a cloudtap stack? Deploy the current version with `npx cdk deploy`, or pass --state-machine-arn ARN');
  }
  return arn;
}

/** The deployed stack's table names, from its outputs (one per table, see TABLE_OUTPUTS). */
export async function tableNamesOfStack(cloudformation: CloudFormationClient, stackName: string): Promise<TableNames> {
  const outputs = await stackOutputs(cloudformation, stackName, {
    notFound: (region, message) => `stack "${stackName}" not found in ${region ?? 'the configured region'} (DescribeStacks: ${message}); `
      + 'deploy it with `npx cdk deploy`, or pass --region R (and --profile P) where it is deployed',
    explain: (error) => explainStackReadError(error, `looking up stack "${stackName}"`),
  });
  const names = {} as TableNames;
  const missing: string[] = [];
  for (const id of TABLE_IDS) {
    const name = outputs.find((output) => output.OutputKey === TABLE_OUTPUTS[id])?.OutputValue;
    if (name) names[id] = name;
    else missing.push(TABLE_OUTPUTS[id]);
  }
  if (missing.length > 0) {
    throw new UsageError(`stack "${stackName}" has no ${missing.join(', ')} output${missing.length === 1 ? '' : 's'} (${describeOutputs(outputs)}); `
      + 'is it a cloudtap stack? Deploy the current version with `npx cdk deploy`');
  }
  return names;
}

/** An SDK error from reading a deployed stack's store, as something the user can act on. */
export function explainStackReadError(error: unknown, doing: string): unknown {
  const e = error as { name?: string; message?: string };
  const message = e.message ?? String(error);
  if (/Region is missing/i.test(message)) return new UsageError(`${doing}: no AWS region; pass --region R, or set AWS_REGION (or use a profile with a region)`);
  if (e.name === 'AccessDeniedException' || e.name === 'AccessDenied' || /not authorized to perform/i.test(message)) {
    return new UsageError(`${doing}: ${message}\nreading a deployed stack needs ${STACK_READ_ACTIONS.join(', ')} on its tables`);
  }
  return explainAwsError(error, doing);
}

export interface LookupMessages {
  notFound(region: string | undefined, message: string): string;
  explain(error: unknown): unknown;
}

export async function stackOutputs(cloudformation: CloudFormationClient, stackName: string, messages: LookupMessages): Promise<Output[]> {
  try {
    const { Stacks } = await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
    return Stacks?.[0]?.Outputs ?? [];
  } catch (error) {
    if ((error as { name?: string }).name === 'ValidationError' && /does not exist/i.test((error as Error).message)) {
      throw new UsageError(messages.notFound(await regionOf(cloudformation), (error as Error).message));
    }
    throw messages.explain(error);
  }
}

function describeOutputs(outputs: Output[]): string {
  const keys = outputs.map((output) => output.OutputKey).filter(Boolean);
  return keys.length ? `its outputs: ${keys.join(', ')}` : 'it has no outputs';
}

async function regionOf(client: CloudFormationClient): Promise<string | undefined> {
  try {
    return await client.config.region();
  } catch {
    return undefined;
  }
}
