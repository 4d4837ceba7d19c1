/**
 * The CloudWatch metrics the Lambdas publish (Powertools EMF) and the stack's dashboard and alarms read: one list,
 * imported by both. Plain constants only — the CDK app imports this module at synth time.
 */

/** The Powertools service name: the `service` dimension of the run metrics, and every log line's `service`. */
export const SERVICE_NAME = 'cloudtap';

/**
 * One namespace per deployment (stack), so two cloudtap stacks in one account and region (say staging and
 * production) never feed each other's alarms.
 */
export function metricsNamespace(deployment: string): string {
  return `${SERVICE_NAME}/${deployment}`;
}

/** Per Collect task, dimensioned by {@link TASK_DIMENSIONS}. */
export const TASK_METRIC = {
  resources: 'Resources',
  resourcesChanged: 'ResourcesChanged',
  writes: 'Writes',
  apiCalls: 'ApiCalls',
  throttles: 'Throttles',
  durationMs: 'DurationMs',
  /** Any invocation that threw, including a throttled task the state machine retries. */
  taskErrors: 'TaskErrors',
  /** Invocations that threw `cloudtap.Throttled`: retried by the state machine, not a fault of the function. Under {@link RUN_DIMENSIONS}. */
  taskThrottledRetries: 'TaskThrottledRetries',
} as const;

/** The AWS service a task collected (`none` for Region and CloudServiceType tasks) and its task type. */
export const TASK_DIMENSIONS = ['service', 'taskType'] as const;

/** Per run, from Finalize's summary, dimensioned by {@link RUN_DIMENSIONS} (`service` = {@link SERVICE_NAME}). */
export const RUN_METRIC = {
  /** 1 for a run whose every task succeeded or was skipped and whose every account was reached, else 0. */
  runsSucceeded: 'RunsSucceeded',
  /** 1 for a run that completed with failed tasks or an unreachable member account, else 0. A run that fails never reaches Finalize: AWS/States counts it. */
  runsPartial: 'RunsPartial',
  runDurationMs: 'RunDurationMs',
  tasksFailed: 'TasksFailed',
  tasksSkipped: 'TasksSkipped',
  /** Target accounts get-tasks could not reach (skipped as a whole, not region by region). */
  accountsUnreachable: 'AccountsUnreachable',
  resourcesSeen: 'ResourcesSeen',
  resourcesChanged: 'ResourcesChanged',
  eventsOpened: 'EventsOpened',
  eventsRecurred: 'EventsRecurred',
  eventsCleared: 'EventsCleared',
  /** Raised threshold alarms (cleared ones are transitions too, but nothing to be woken for). */
  alarms: 'Alarms',
} as const;

export const RUN_DIMENSIONS = ['service'] as const;

/** Per run, from ExportSnapshot's outcome, under {@link RUN_DIMENSIONS}; none when the export is disabled. */
export const SNAPSHOT_METRIC = {
  /** 1 for a run whose snapshot export failed (the run itself is unaffected), else 0. */
  snapshotsFailed: 'SnapshotsFailed',
  snapshotDurationMs: 'SnapshotDurationMs',
  /** Bytes of the run's Parquet files (one copy: each is written under latest/ and history/). */
  snapshotBytes: 'SnapshotBytes',
} as const;

/** Events open when a run ended, by Finalize, one value per severity (1–5) under {@link OPEN_EVENT_DIMENSIONS}. */
export const OPEN_EVENTS_METRIC = 'EventsOpen';
export const OPEN_EVENT_DIMENSIONS = ['service', 'severity'] as const;

/**
 * Broken down by {@link TARGET_DIMENSIONS}, published only with a non-zero count. CloudWatch bills a custom metric
 * for the hours it receives data, so a healthy run creates none of these; the pairs that can exist are bounded by the
 * deployment's own accounts × regions, and skipped accounts by {@link MAX_TARGET_BREAKDOWN} a run.
 */
export const TARGET_METRIC = {
  /** By Collect, 1 per task that ends `failed` (a task whose Lambda invocation threw is counted in the run's total only). */
  tasksFailed: 'TasksFailed',
  /**
   * By Finalize, 1 per account get-tasks could not reach, region `all`. A region the account has not opted into is
   * skipped every run, the same way: it stays in the run's TasksSkipped total, not here.
   */
  tasksSkipped: 'TasksSkipped',
} as const;

export const TARGET_DIMENSIONS = ['account', 'region'] as const;
export const MAX_TARGET_BREAKDOWN = 20;
/** The `account`/`region` value of whatever did not fit {@link MAX_TARGET_BREAKDOWN}, and the `region` of a skipped account. */
export const OTHER_TARGETS = 'other';
export const ALL_REGIONS = 'all';
