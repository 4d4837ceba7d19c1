import { parseCommandArgs } from '../args';
import { COLLECTION_FLAGS, collectionRequestFromFlags } from '../collection-flags';
import { UsageError } from '../errors';
import { formatRunSummary } from '../format';
import { stateMachineRegion } from '../remote/state-machine-arn';
import type { RemoteRunOptions } from '../remote/remote-run';

const OPTIONS = {
  remote: { type: 'boolean' },
  stack: { type: 'string' },
  'state-machine-arn': { type: 'string' },
  ...COLLECTION_FLAGS,
  json: { type: 'boolean' },
} as const;

const REMOTE_FLAGS = ['--remote', '--stack', '--state-machine-arn'];
/** Flags of a local run that mean nothing to the deployed stack. */
const LOCAL_ONLY: Record<string, string> = {
  '--sandbox': 'the sandbox account only exists on this machine',
  '--data-dir': 'the deployed stack keeps its data in its own DynamoDB tables',
  '--thresholds': 'the deployed stack evaluates the thresholds of its cdk.json context; redeploy to change them',
  '--metric-thresholds': 'the deployed stack evaluates the metricThresholds of its cdk.json context; redeploy to change them',
};

function flagName(arg: string): string {
  return arg.split('=')[0] ?? arg;
}

/** Whether `cloudtap run` was asked for a remote run (or given a flag that only a remote run takes). */
export function isRemoteRun(argv: readonly string[]): boolean {
  return argv.some((arg) => REMOTE_FLAGS.includes(flagName(arg)));
}

/**
 * `cloudtap run --remote`: starts the deployed state machine with the same validated request a local run
 * builds, follows the execution to its end and prints the same summary, with the same exit codes.
 */
export async function runRemoteCommand(argv: string[], help: string, options: RemoteRunOptions = {}): Promise<number> {
  for (const arg of argv) {
    const reason = LOCAL_ONLY[flagName(arg)];
    if (reason) throw new UsageError(`${flagName(arg)} cannot be combined with --remote: ${reason}`);
  }
  const { values } = parseCommandArgs('run', argv, OPTIONS);
  if (values.help) {
    console.log(help);
    return 0;
  }
  if (!values.remote) throw new UsageError('--stack and --state-machine-arn name the deployed state machine: add --remote to start it');
  const stateMachineArn = values['state-machine-arn'];
  if (values.stack !== undefined && stateMachineArn !== undefined) throw new UsageError('--stack and --state-machine-arn both name the state machine: give one');
  // Everything is validated before anything is called, so a typo starts nothing.
  const request = collectionRequestFromFlags(values);
  if (stateMachineArn !== undefined) stateMachineRegion(stateMachineArn);

  // The AWS SDK clients load only for a remote run: a local `cloudtap run` does not pay for them.
  const { runRemotely, RemoteRunFailed } = await import('../remote/remote-run');
  let summary;
  try {
    summary = await runRemotely({ ...(values.stack !== undefined ? { stack: values.stack } : {}), ...(stateMachineArn !== undefined ? { stateMachineArn } : {}) }, request, options);
  } catch (error) {
    if (!(error instanceof RemoteRunFailed)) throw error;
    console.error(`cloudtap: ${error.message}`);
    return 1;
  }
  console.log(values.json ? JSON.stringify(summary, null, 2) : formatRunSummary(summary));
  return summary.status === 'succeeded' ? 0 : 3;
}
