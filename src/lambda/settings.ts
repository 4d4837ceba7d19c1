import type { PlanSettings } from '../plan/get-tasks';
import { ACCOUNTS_PER_PAGE } from '../plan/pages';
import type { FinalizeSettings } from '../finalize/finalize-run';
import { parseThresholds } from '../events/threshold';
import { parseMetricThresholds, type MetricSettings } from '../collect/metrics';
import { DEFAULT_HEARTBEAT, parseHeartbeat, type HeartbeatKnobs } from '../heartbeat/settings';
import type { HeartbeatSettings } from '../heartbeat/collector-silent';
import { eventBridgePublisher, recordOnly } from '../finalize/alarms';
import { notifySettingsFromEnv } from '../notify/settings';
import { DEFAULT_LEASE_SETTINGS, type LeaseSettings } from '../store/partition-lease';
import type { MemberAccess } from '../realtime/ingest';
import { DirectorySink, s3Sink, type SnapshotSink } from '../sql/snapshot-sink';

/** Tasks in flight per account (the per-account Map's concurrency) when neither cdk.json context nor the request sets one. */
export const DEFAULT_CONCURRENCY = 20;
/**
 * Accounts in flight (the Distributed Map's concurrency) by default: 25 accounts × 20 tasks keeps a run within 500 of
 * a region's 1,000 concurrent Lambda executions, leaving the rest to real time and to the account's other functions.
 */
export const DEFAULT_ACCOUNT_CONCURRENCY = 25;

/** Settings the Lambdas read from their environment (set by the CDK stack, or by the local runner). */
export function planSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): PlanSettings {
  const concurrency = Number(env.CLOUDTAP_DEFAULT_CONCURRENCY ?? DEFAULT_CONCURRENCY);
  const accountConcurrency = Number(env.CLOUDTAP_DEFAULT_ACCOUNT_CONCURRENCY ?? DEFAULT_ACCOUNT_CONCURRENCY);
  return {
    homeRegion: env.CLOUDTAP_HOME_REGION ?? env.AWS_REGION ?? 'us-east-1',
    defaultConcurrency: Number.isInteger(concurrency) && concurrency > 0 ? concurrency : DEFAULT_CONCURRENCY,
    defaultAccountConcurrency: Number.isInteger(accountConcurrency) && accountConcurrency > 0 ? accountConcurrency : DEFAULT_ACCOUNT_CONCURRENCY,
    ...accountsPerPage(env),
    ems: env.CLOUDTAP_EMS ?? 'cloudtap-local',
  };
}

/** `CLOUDTAP_ACCOUNTS_PER_PAGE`: smaller pages of accounts (more Map Runs) than ACCOUNTS_PER_PAGE, never larger. */
function accountsPerPage(env: NodeJS.ProcessEnv): { accountsPerPage?: number } {
  if (env.CLOUDTAP_ACCOUNTS_PER_PAGE === undefined) return {};
  const n = Number(env.CLOUDTAP_ACCOUNTS_PER_PAGE);
  if (!Number.isInteger(n) || n < 1 || n > ACCOUNTS_PER_PAGE) throw new Error(`CLOUDTAP_ACCOUNTS_PER_PAGE is "${env.CLOUDTAP_ACCOUNTS_PER_PAGE}": give a whole number from 1 to ${ACCOUNTS_PER_PAGE}`);
  return { accountsPerPage: n };
}

/**
 * Partition leases (`CLOUDTAP_LEASE_SECONDS`): how long a holder may go without renewing before another writer takes
 * it for dead. The default suits Lambda; a local run may use less so that a run after a killed one waits less.
 */
export function leaseSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): LeaseSettings {
  const seconds = Number(env.CLOUDTAP_LEASE_SECONDS);
  if (env.CLOUDTAP_LEASE_SECONDS === undefined) return DEFAULT_LEASE_SETTINGS;
  if (!Number.isFinite(seconds) || seconds < 1) throw new Error(`CLOUDTAP_LEASE_SECONDS is "${env.CLOUDTAP_LEASE_SECONDS}": give a number of seconds, 1 or more`);
  return { ...DEFAULT_LEASE_SETTINGS, leaseMs: seconds * 1000 };
}

/**
 * The member accounts the real-time path may describe in (`CLOUDTAP_MEMBER_ROLE_ARNS`, comma-separated role ARNs,
 * set by the stack from `memberRoleArns`; `CLOUDTAP_MEMBER_EXTERNAL_ID` when the roles require one): a notification
 * from any other account than these and the collector's own changes nothing.
 */
export function memberAccessFromEnv(env: NodeJS.ProcessEnv = process.env): (accountId: string) => MemberAccess | undefined {
  const roles = new Map<string, MemberAccess>();
  for (const roleArn of (env.CLOUDTAP_MEMBER_ROLE_ARNS ?? '').split(',').map((r) => r.trim()).filter(Boolean)) {
    const accountId = /^arn:[\w-]+:iam::(\d{12}):role\//.exec(roleArn)?.[1];
    if (!accountId) throw new Error(`CLOUDTAP_MEMBER_ROLE_ARNS: "${roleArn}" is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)`);
    roles.set(accountId, { roleArn, ...(env.CLOUDTAP_MEMBER_EXTERNAL_ID ? { externalId: env.CLOUDTAP_MEMBER_EXTERNAL_ID } : {}) });
  }
  // Across an organization (CLOUDTAP_MEMBER_ROLE_NAME): every account has the member role. Only the organization's
  // accounts can put events on the collector's bus, and the collector may assume the role only in them (the stack's
  // aws:ResourceOrgID condition), so an account outside it is refused by STS, never collected.
  const roleName = env.CLOUDTAP_MEMBER_ROLE_NAME?.trim();
  const region = env.AWS_REGION ?? '';
  const partition = region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
  return (accountId) => roles.get(accountId) ?? (roleName ? {
    roleArn: `arn:${partition}:iam::${accountId}:role/${roleName}`,
    ...(env.CLOUDTAP_MEMBER_EXTERNAL_ID ? { externalId: env.CLOUDTAP_MEMBER_EXTERNAL_ID } : {}),
  } : undefined);
}

/**
 * The metric rules' thresholds arrive as JSON in CLOUDTAP_METRIC_THRESHOLDS (cdk.json `metricThresholds`, or a local
 * `--metric-thresholds` file); unset: every rule's defaults.
 */
export function metricSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): MetricSettings {
  return { thresholds: env.CLOUDTAP_METRIC_THRESHOLDS ? parseMetricThresholds(JSON.parse(env.CLOUDTAP_METRIC_THRESHOLDS), 'metricThresholds') : [] };
}

/** Thresholds arrive as JSON in CLOUDTAP_THRESHOLDS (from cdk.json context, or a local thresholds file). */
export function finalizeSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): FinalizeSettings {
  const thresholds = env.CLOUDTAP_THRESHOLDS ? parseThresholds(JSON.parse(env.CLOUDTAP_THRESHOLDS), 'thresholds') : [];
  const bus = env.CLOUDTAP_EVENT_BUS;
  return {
    ems: planSettingsFromEnv(env).ems,
    thresholds,
    alarms: bus ? eventBridgePublisher(bus, env.AWS_REGION ?? 'us-east-1') : recordOnly,
    notify: notifySettingsFromEnv(env),
    staleAfterRuns: heartbeatKnobsFromEnv(env).staleAfterRuns,
  };
}

/** The heartbeat knobs arrive as JSON in CLOUDTAP_HEARTBEAT (from cdk.json context `heartbeat`, or local flags); absent: the defaults. */
export function heartbeatKnobsFromEnv(env: NodeJS.ProcessEnv = process.env): HeartbeatKnobs {
  return env.CLOUDTAP_HEARTBEAT ? parseHeartbeat(JSON.parse(env.CLOUDTAP_HEARTBEAT), 'heartbeat') : DEFAULT_HEARTBEAT;
}

/**
 * The heartbeat's settings: the knobs, and the run schedule the stack set (`CLOUDTAP_SCHEDULE_EXPRESSION`, and the
 * period it derived from it, `CLOUDTAP_SCHEDULE_PERIOD_SECONDS`, as lib/stacks/schedule-period.ts does).
 */
export function heartbeatSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): HeartbeatSettings {
  const expression = env.CLOUDTAP_SCHEDULE_EXPRESSION?.trim();
  const period = Number(env.CLOUDTAP_SCHEDULE_PERIOD_SECONDS);
  if (!expression) throw new Error('CLOUDTAP_SCHEDULE_EXPRESSION is not set: the heartbeat measures silence in periods of the run schedule (the stack sets it)');
  if (!Number.isInteger(period) || period < 60) {
    throw new Error(`CLOUDTAP_SCHEDULE_PERIOD_SECONDS is "${env.CLOUDTAP_SCHEDULE_PERIOD_SECONDS ?? ''}": give the seconds between two scheduled runs, 60 or more`);
  }
  const bus = env.CLOUDTAP_EVENT_BUS;
  return {
    ems: planSettingsFromEnv(env).ems,
    silentAfterSchedules: heartbeatKnobsFromEnv(env).silentAfterSchedules,
    scheduleExpression: expression,
    periodSeconds: period,
    alarms: bus ? eventBridgePublisher(bus, env.AWS_REGION ?? 'us-east-1') : recordOnly,
    notify: notifySettingsFromEnv(env),
  };
}

import { SNAPSHOT_ENV } from '../sql/schema';

export { SNAPSHOT_ENV };

/** Cleared events stay in the snapshots this many days after they cleared, unless CLOUDTAP_SNAPSHOT_CLEARED_EVENT_DAYS says. */
export const DEFAULT_CLEARED_EVENT_DAYS = 7;

export interface SnapshotSettings {
  /** Where snapshots go; none: the export is disabled. */
  sink?: SnapshotSink;
  clearedEventDays: number;
}

/**
 * The snapshot export's sink: the bucket `CLOUDTAP_SNAPSHOT_BUCKET` names (in AWS), or the directory
 * `CLOUDTAP_SNAPSHOT_DIR` names (a local run sets `<data-dir>/snapshots`); neither: disabled. Both is a mistake.
 */
export function snapshotSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): SnapshotSettings {
  const bucket = env[SNAPSHOT_ENV.bucket]?.trim();
  const directory = env[SNAPSHOT_ENV.directory]?.trim();
  if (bucket && directory) throw new Error(`${SNAPSHOT_ENV.bucket} and ${SNAPSHOT_ENV.directory} are both set: snapshots go to one place; unset one`);
  const days = env[SNAPSHOT_ENV.clearedEventDays] === undefined ? DEFAULT_CLEARED_EVENT_DAYS : Number(env[SNAPSHOT_ENV.clearedEventDays]);
  if (!Number.isFinite(days) || days < 0) throw new Error(`${SNAPSHOT_ENV.clearedEventDays} is "${env[SNAPSHOT_ENV.clearedEventDays]}": give a number of days, 0 or more`);
  const sink = bucket ? s3Sink(bucket, env.AWS_REGION ?? 'us-east-1') : directory ? new DirectorySink(directory) : undefined;
  return { ...(sink ? { sink } : {}), clearedEventDays: days };
}
