import type { PlanSettings } from '../plan/get-tasks';
import type { FinalizeSettings } from '../finalize/finalize-run';
import { parseThresholds } from '../events/threshold';
import { eventBridgePublisher, recordOnly } from '../finalize/alarms';
import { DEFAULT_LEASE_SETTINGS, type LeaseSettings } from '../store/partition-lease';

/** The default Map concurrency when neither cdk.json context nor the request sets one. */
export const DEFAULT_CONCURRENCY = 20;

/** Settings the Lambdas read from their environment (set by the CDK stack, or by the local runner). */
export function planSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): PlanSettings {
  const concurrency = Number(env.CLOUDTAP_DEFAULT_CONCURRENCY ?? DEFAULT_CONCURRENCY);
  return {
    homeRegion: env.CLOUDTAP_HOME_REGION ?? env.AWS_REGION ?? 'us-east-1',
    defaultConcurrency: Number.isInteger(concurrency) && concurrency > 0 ? concurrency : DEFAULT_CONCURRENCY,
    ems: env.CLOUDTAP_EMS ?? 'cloudtap-local',
  };
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

/** Thresholds arrive as JSON in CLOUDTAP_THRESHOLDS (from cdk.json context, or a local thresholds file). */
export function finalizeSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): FinalizeSettings {
  const thresholds = env.CLOUDTAP_THRESHOLDS ? parseThresholds(JSON.parse(env.CLOUDTAP_THRESHOLDS), 'thresholds') : [];
  const bus = env.CLOUDTAP_EVENT_BUS;
  return {
    ems: planSettingsFromEnv(env).ems,
    thresholds,
    alarms: bus ? eventBridgePublisher(bus, env.AWS_REGION ?? 'us-east-1') : recordOnly,
  };
}
