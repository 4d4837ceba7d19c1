import type { PlanSettings } from '../plan/get-tasks';

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
