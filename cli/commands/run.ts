import type { CollectionRequest } from '../../src/dto/collection-request';
import type { RunSummary } from '../../src/dto/run-summary';
import { runWorkflowLocally, ExecutionFailedError, type LocalRunOptions } from '../../local/runner';
import { parseCommandArgs, readJsonFlagFile } from '../args';
import { COLLECTION_FLAGS, collectionRequestFromFlags } from '../collection-flags';
import { UsageError, flagMessage } from '../errors';
import { formatRunSummary } from '../format';
import { progressLine } from '../progress';
import { parseSpecFlag, startSandboxTarget, type SandboxTarget } from '../sandbox-target';
import { openWorkspace, DEFAULT_DATA_DIR, snapshotDirectory } from '../workspace';
import type { SandboxSpec } from '../../local/sandbox/spec';
import { parseThresholds, type Threshold } from '../../src/events/threshold';
import { parseMetricThresholds, type MetricThreshold } from '../../src/collect/metrics';
import { overlayEnvironment } from '../environment';
import { SNAPSHOT_ENV } from '../../src/lambda/settings';
import { isRemoteRun, runRemoteCommand } from './run-remote';
import { parseRoutes, type Route } from '../../src/notify/routes';
import { NOTIFY_ENV } from '../../src/notify/settings';

export const RUN_HELP = `Usage: cloudtap run [--sandbox[=SPEC]] [--services S,…] [--regions R,…] [--concurrency N] [--json] [--data-dir DIR]
                    [--organization [--include ID,…] [--exclude ID,…] [--member-role NAME] [--external-id ID]] [--account-concurrency N]
       cloudtap run --remote [--stack NAME | --state-machine-arn ARN] [--services S,…] [--regions R,…] [--concurrency N] [--organization …] [--json]

One collection run, locally, through the same workflow definition the CDK stack deploys.

  --sandbox[=SPEC]   collect the built-in sandbox account (SPEC: seed=1&regions=4&instances=25&epoch=0…)
                     without it, the real AWS APIs through the SDK's credentials and endpoint variables
  --services S,…     services to collect (default: all)
  --regions R,…      regions to collect (default: every enabled region)
  --concurrency N    tasks collected at once in each account (the per-account Map's MaxConcurrency)
  --account-concurrency N
                     accounts collected at once (the Distributed Map's MaxConcurrency; locally 1 by default)
  --organization     collect the accounts of the collector's AWS Organization (it must be the management account
                     or a delegated administrator); --include/--exclude take OU, root or account ids (OUs
                     recursively); members are reached through the role --member-role (default cloudtap-member)
  --json             print the run summary as JSON
  --data-dir DIR     where the embedded DynamoDB keeps its data (default ${DEFAULT_DATA_DIR}/), and the run's snapshot for
                     SQL goes (DIR/snapshots/, or CLOUDTAP_SNAPSHOT_DIR; \`cloudtap query\` reads it)
  --thresholds FILE  a JSON list of thresholds, evaluated at the end of the run (see README, "Thresholds")
  --metric-thresholds FILE
                     a JSON list of metric rule levels per rule and group, e.g. [{"rule":"CPU","warning":85}]
                     (see README, "Metric events")
  --routes FILE      a JSON list of notification routes to SNS topics or EventBridge buses (see README, "Notifications");
                     with --sandbox they go to the sandbox's SNS and EventBridge

  --remote           start the deployed state machine instead (StartExecution), follow it to its end and print
                     the same summary; AWS credentials and region from the SDK's usual chain (AWS_PROFILE, AWS_REGION)
  --stack NAME       the deployed stack whose StateMachineArn output names the state machine (default Cloudtap)
  --state-machine-arn ARN  the state machine itself, without a stack lookup

Exit codes: 0 every task succeeded (regions not opted in are skipped); 3 some tasks failed or member accounts could
not be reached (the run is partial); 1 invalid input, or the collector's own account could not be reached, or
another fatal error — and nothing collected.`;

const OPTIONS = {
  sandbox: { type: 'string' },
  ...COLLECTION_FLAGS,
  json: { type: 'boolean' },
  'data-dir': { type: 'string' },
  thresholds: { type: 'string' },
  'metric-thresholds': { type: 'string' },
  routes: { type: 'string' },
  remote: { type: 'boolean' },
  stack: { type: 'string' },
  'state-machine-arn': { type: 'string' },
} as const;

/** `--sandbox` alone means the default account; parseArgs wants a value, so give it an empty one. */
function normalizeSandboxFlag(argv: string[]): string[] {
  return argv.map((arg) => (arg === '--sandbox' ? '--sandbox=' : arg));
}

export async function runCommand(argv: string[]): Promise<number> {
  if (isRemoteRun(argv)) return runRemoteCommand(argv, RUN_HELP);
  const { values } = parseCommandArgs('run', normalizeSandboxFlag(argv), OPTIONS);
  if (values.help) {
    console.log(RUN_HELP);
    return 0;
  }
  // Everything is validated before anything starts, so bad input writes nothing.
  const spec: SandboxSpec | undefined = values.sandbox !== undefined ? parseSpecFlag(values.sandbox) : undefined;
  const request = collectionRequestFromFlags(values);

  const thresholds = values.thresholds !== undefined ? await readThresholdsFile(values.thresholds) : undefined;
  const metricThresholds = values['metric-thresholds'] !== undefined ? await readMetricThresholdsFile(values['metric-thresholds']) : undefined;
  const routes = values.routes !== undefined ? await readJsonFlagFile('--routes', values.routes, (json) => parseRoutes(json, values.routes ?? '')) : undefined;
  const summary = await collectLocally(request, {
    spec, dataDir: values['data-dir'], progress: true, ...(thresholds ? { thresholds } : {}), ...(metricThresholds ? { metricThresholds } : {}),
    ...(routes ? { routes } : {}),
  });
  console.log(values.json ? JSON.stringify(summary, null, 2) : formatRunSummary(summary));
  // 3 is "completed, but not everything asked for was collected": tasks failed, or member accounts could not be
  // reached (status partial). A run that cannot collect at all (the collector's own account unreachable, bad input)
  // never gets here: it fails, exit 1.
  return summary.status === 'succeeded' ? 0 : 3;
}

export interface LocalCollectionOptions {
  spec?: SandboxSpec;
  dataDir?: string;
  progress?: boolean;
  /** Thresholds Finalize evaluates (in AWS they come from cdk.json context). */
  thresholds?: Threshold[];
  /** Levels of the metric rules, per rule and group (in AWS: cdk.json `metricThresholds`). */
  metricThresholds?: MetricThreshold[];
  /** Notification routes and flapping limits (in AWS: cdk.json `routes`, `flapping`). */
  routes?: Route[];
  flapping?: { changes?: number; windowRuns?: number; keepFiringRuns?: number };
  /** The interpreter's events, as they happen (tests measure payloads and histories with them). */
  onStateEvent?: LocalRunOptions['onStateEvent'];
  /** The sandbox, once it serves (the bench reads its counters). */
  onSandbox?: (sandbox: SandboxTarget) => void;
}

/** Reads and validates a metric thresholds file; errors name the file, the entry and the field. */
export async function readMetricThresholdsFile(path: string): Promise<MetricThreshold[]> {
  return readJsonFlagFile('--metric-thresholds', path, (json) => parseMetricThresholds(json, path));
}

/** Reads and validates a thresholds file; errors name the file, the entry and the field. */
export async function readThresholdsFile(path: string): Promise<Threshold[]> {
  return readJsonFlagFile('--thresholds', path, (json) => parseThresholds(json, path));
}

/** GetTasks' `regions[0]: …` (an InvalidInputError's message) as the flag the user typed: `--regions: …`. */
function invalidInputMessage(cause: string): string {
  const separator = cause.indexOf(': ');
  return (separator > 0 ? flagMessage(cause.slice(0, separator), cause.slice(separator + 2)) : undefined) ?? cause;
}

/** Accounts collected at once by a local run when neither the request nor CLOUDTAP_DEFAULT_ACCOUNT_CONCURRENCY says. */
export const LOCAL_ACCOUNT_CONCURRENCY = 1;
/** Connections of a local run's pool to its one endpoint: 20 tasks × 8 calls in flight, with room for more accounts. */
const LOCAL_MAX_SOCKETS = 256;

/** Opens the store, serves the sandbox when asked, and runs the workflow once. */
export async function collectLocally(request: CollectionRequest, options: LocalCollectionOptions): Promise<RunSummary> {
  let sandbox: SandboxTarget | undefined;
  const workspace = await openWorkspace({ dataDir: options.dataDir });
  try {
    if (options.spec) {
      sandbox = await startSandboxTarget(options.spec);
      options.onSandbox?.(sandbox);
      if (!request.accounts && sandbox.accounts.length > 1) request = { ...request, accounts: sandbox.accounts };
    }
    const progress = options.progress ? progressLine() : undefined;
    const restore = overlayEnvironment({
      CLOUDTAP_THRESHOLDS: options.thresholds ? JSON.stringify(options.thresholds) : undefined,
      CLOUDTAP_METRIC_THRESHOLDS: options.metricThresholds ? JSON.stringify(options.metricThresholds) : undefined,
      [NOTIFY_ENV.routes]: options.routes ? JSON.stringify(options.routes) : undefined,
      [NOTIFY_ENV.flapping]: options.flapping ? JSON.stringify(options.flapping) : undefined,
      // One process runs every account's tasks here, not a Lambda each: an account at a time unless asked otherwise
      // (--account-concurrency, or the variable), its tasks 20 at a time as before accounts had a Map of their own:
      // more at once was no faster on 2 cores (40 accounts: 36 s at 25, 31 s at 4).
      CLOUDTAP_DEFAULT_ACCOUNT_CONCURRENCY: process.env.CLOUDTAP_DEFAULT_ACCOUNT_CONCURRENCY ?? String(LOCAL_ACCOUNT_CONCURRENCY),
      // Every service is one endpoint here (the sandbox, or LocalStack): the process's pool may open more connections
      // to it than the 50 per endpoint a Lambda needs.
      CLOUDTAP_SDK_MAX_SOCKETS: process.env.CLOUDTAP_SDK_MAX_SOCKETS ?? String(LOCAL_MAX_SOCKETS),
      // The run's snapshot for SQL goes beside its store (`cloudtap query` reads it there), unless the environment names
      // another directory, or a bucket.
      [SNAPSHOT_ENV.directory]: process.env[SNAPSHOT_ENV.directory] ?? (process.env[SNAPSHOT_ENV.bucket] ? undefined : snapshotDirectory(options.dataDir)),
    });
    try {
      return await runWorkflowLocally({ input: request, onProgress: (p) => progress?.update(p), ...(options.onStateEvent ? { onStateEvent: options.onStateEvent } : {}) });
    } catch (error) {
      if (error instanceof ExecutionFailedError && error.error === 'InvalidInput') throw new UsageError(invalidInputMessage(error.cause));
      throw error;
    } finally {
      restore();
      progress?.done();
    }
  } finally {
    await sandbox?.close();
    await workspace.close();
  }
}
