import type { Metrics } from '@aws-lambda-powertools/metrics';
import { isUnreachableAccount, type RunSummary, type SnapshotOutcome } from '../dto/run-summary';
import type { TaskResult } from '../dto/task';
import { isRecord } from '../dto/validation';
import { ALARM } from '../finalize/alarms';
import { PROBE_TASK_ID, runIdOf, type AccountPlan, type RunPlan } from '../plan/get-tasks';
import type { AccountPage } from '../store/run-store';
import type { TaskOutcome } from '../finalize/finalize-run';
import type { IngestResult } from '../realtime/ingest';
import type { HeartbeatResult } from '../heartbeat/collector-silent';
import type { LogKeys } from './logging';
import {
  ALL_REGIONS, MAX_TARGET_BREAKDOWN, OPEN_EVENTS_METRIC, OTHER_TARGETS, RUN_METRIC, SNAPSHOT_METRIC, TARGET_METRIC, TASK_METRIC,
} from './metric-names';
import { MetricUnit, type MetricBreakdown } from './metrics';
import type { HandlerObservation } from './middleware';

/** Thrown by Collect when only throttling stopped a task; the state machine retries it (lib/workflow/definition.ts). */
const THROTTLED = 'cloudtap.Throttled';

/** The string fields of a raw event that exist, by the log key they become. */
function stringKeys(event: unknown, fields: Record<string, string>): LogKeys {
  const keys: LogKeys = {};
  if (!isRecord(event)) return keys;
  for (const [key, field] of Object.entries(fields)) {
    const value = event[field];
    if (typeof value === 'string' && value) keys[key] = value;
  }
  return keys;
}

/** A Task's service and type: what its metrics are broken down by. Region and CloudServiceType tasks have no service. */
function taskDimensions(metrics: Metrics, taskType: unknown, service: unknown): void {
  metrics.addDimension('service', typeof service === 'string' && service ? service : 'none');
  metrics.addDimension('taskType', typeof taskType === 'string' && taskType ? taskType : 'unknown');
}

/** Collect: one task. Logs carry its run and task ids; metrics say what it saw, wrote and cost. */
export const collectObservation: HandlerObservation<TaskResult> = {
  name: 'Collect',
  logKeys: (event) => stringKeys(event, { runId: 'runId', taskId: 'taskId' }),
  outcome: (result) => ({
    level: result.status === 'failed' ? 'warn' : 'info',
    message: `task ${result.status}`,
    fields: {
      resources: result.resources, events: result.events, apiCalls: result.apiCalls, writes: result.writes, durationMs: result.durationMs,
      ...(result.errors.length > 0 ? { errors: result.errors } : {}),
    },
  }),
  retriedErrors: [THROTTLED],
  metrics: {
    record(metrics, result, { event }) {
      taskDimensions(metrics, result.taskType, result.service);
      const { runId } = stringKeys(event, { runId: 'runId' });
      if (runId) metrics.addMetadata('runId', runId);
      metrics.addMetadata('taskId', result.taskId);
      const r = result.resources;
      metrics.addMetric(TASK_METRIC.resources, MetricUnit.Count, r.seen);
      metrics.addMetric(TASK_METRIC.resourcesChanged, MetricUnit.Count, r.created + r.updated + r.deleted);
      metrics.addMetric(TASK_METRIC.writes, MetricUnit.Count, result.writes);
      metrics.addMetric(TASK_METRIC.apiCalls, MetricUnit.Count, result.apiCalls);
      metrics.addMetric(TASK_METRIC.throttles, MetricUnit.Count, result.throttles);
      metrics.addMetric(TASK_METRIC.durationMs, MetricUnit.Milliseconds, result.durationMs);
      // A task that returns `failed` is final (only thrown errors are retried). Published only then, so the account ×
      // region pairs that exist as metrics are the ones that failed, for the hours they did (see metric-names.ts).
      return result.status === 'failed'
        ? [{ dimensions: { account: result.accountId, region: result.region }, unit: MetricUnit.Count, values: { [TARGET_METRIC.tasksFailed]: 1 } }]
        : [];
    },
    recordError(metrics, error, { event, serviceName }) {
      const task = isRecord(event) ? event : {};
      taskDimensions(metrics, task.taskType, task.service);
      for (const [key, value] of Object.entries(stringKeys(event, { runId: 'runId', taskId: 'taskId' }))) metrics.addMetadata(key, value);
      metrics.addMetadata('error', error.name);
      // Throttled tasks are retried by the state machine; a task that fails for good shows in the run's TasksFailed.
      metrics.addMetric(TASK_METRIC.taskErrors, MetricUnit.Count, 1);
      // Lambda counts a throttled task's invocation as an error too; the stack's Collect errors alarm subtracts these,
      // so they go under the run dimensions, one metric whatever the task.
      return error.name === THROTTLED
        ? [{ dimensions: { service: serviceName }, unit: MetricUnit.Count, values: { [TASK_METRIC.taskThrottledRetries]: 1 } }]
        : [];
    },
  },
};

/** GetTasks: the run is named by its execution; its probe calls are traced as the run's `GetTasks` task; PlanAccount's as `PlanAccount:<account>`. */
export const getTasksObservation: HandlerObservation<RunPlan | AccountPage | AccountPlan> = {
  name: 'GetTasks',
  logKeys: (event) => {
    if (isRecord(event) && (event.mode === 'account' || event.mode === 'accounts')) {
      const account = isRecord(event.account) ? stringKeys(event.account, { accountId: 'accountId' }) : {};
      return { ...stringKeys(event, { runId: 'runId' }), ...(account.accountId ? { taskId: `PlanAccount:${account.accountId}` } : {}) };
    }
    const execution = isRecord(event) && isRecord(event.execution) ? event.execution : {};
    const { name, startTime } = stringKeys(execution, { name: 'name', startTime: 'startTime' });
    return {
      ...(name && startTime ? { runId: runIdOf({ name, startTime }) } : {}),
      ...(name ? { executionName: name } : {}),
      taskId: PROBE_TASK_ID,
    };
  },
  outcome: (result) => {
    if ('tasks' in result) {
      return {
        level: 'info',
        message: `planned ${result.tasks.length} tasks in account ${result.accountId}`,
        fields: { tasks: result.tasks.length, concurrency: result.concurrency, ...(result.skipped.length > 0 ? { skipped: result.skipped } : {}) },
      };
    }
    if ('lastPage' in result) {
      return { level: 'info', message: `planned ${result.accounts} accounts`, fields: { accounts: result.accounts, pages: result.lastPage + 1, concurrency: result.concurrency, accountConcurrency: result.accountConcurrency } };
    }
    return { level: 'info', message: `read a page of ${result.accounts.length} accounts`, fields: { accounts: result.accounts.length, skipped: result.skipped.length } };
  },
};

/** Normalize closes a run (Finalize), exports its snapshot (ExportSnapshot), or applies a real-time AWS change notification. */
type NormalizeResult = RunSummary | IngestResult | TaskOutcome | SnapshotOutcome | HeartbeatResult | { accountId: string; status: string };

function isRunSummary(result: NormalizeResult): result is RunSummary {
  return 'runId' in result && 'tasks' in result;
}

function isSnapshotOutcome(result: NormalizeResult): result is SnapshotOutcome {
  return 'status' in result && 'tables' in result && !('runId' in result);
}

/**
 * Normalize: a Finalize invocation logs as its run; a real-time one as the EventBridge event it applies. Per run,
 * metrics say how many tasks failed for good and how many alarms the run raised.
 */
export const normalizeObservation: HandlerObservation<NormalizeResult> = {
  name: 'Normalize',
  logKeys: (event) => {
    if (isRecord(event) && (event.mode === 'finalize' || event.mode === 'account' || event.mode === 'export')) return stringKeys(event, { runId: 'runId', accountId: 'accountId' });
    if (isRecord(event) && event.mode === 'taskFailed' && isRecord(event.task)) return stringKeys(event.task, { runId: 'runId', taskId: 'taskId' });
    return stringKeys(event, { eventId: 'id', detailType: 'detail-type' });
  },
  outcome: (result) => {
    if ('mode' in result && result.mode === 'heartbeat') {
      return {
        level: result.silent ? 'warn' : 'info',
        message: result.silent ? 'collector silent' : 'heartbeat',
        fields: { since: result.since, silentAfterSeconds: result.silentAfterSeconds, ...(result.transition ? { transition: result.transition } : {}), alarms: result.alarms.length, writes: result.writes },
      };
    }
    if (isSnapshotOutcome(result)) {
      const rows = Object.values(result.tables).reduce((sum, t) => sum + t.rows, 0);
      const bytes = Object.values(result.tables).reduce((sum, t) => sum + t.bytes, 0);
      return {
        level: result.status === 'failed' ? 'warn' : 'info',
        message: `snapshot ${result.status}`,
        fields: { status: result.status, rows, bytes, durationMs: result.durationMs, ...(result.location ? { location: result.location } : {}), ...(result.error ? { error: result.error } : {}) },
      };
    }
    if ('accountId' in result && !('tasks' in result)) return { level: result.status === 'succeeded' ? 'info' : 'warn', message: `account ${result.accountId} ${result.status}`, fields: { accountId: result.accountId, status: result.status } };
    if ('taskId' in result) return { level: 'warn', message: `task ${result.taskId} failed: its failure recorded`, fields: { taskId: result.taskId } };
    if ('notification' in result) {
      return {
        level: result.errors.length > 0 ? 'warn' : 'info',
        message: `applied ${result.notification.kind}`,
        fields: { notification: result.notification, resources: result.resources, events: result.events, writes: result.writes, ...(result.errors.length > 0 ? { errors: result.errors } : {}) },
      };
    }
    if (!isRunSummary(result)) return { level: 'info', message: 'done', fields: {} };
    return {
      level: result.status === 'succeeded' ? 'info' : 'warn',
      message: `run ${result.status}`,
      fields: {
        tasks: result.tasks, resources: result.resources, events: result.events, writes: result.writes, apiCalls: result.apiCalls,
        durationMs: result.durationMs, alarms: result.alarms?.length ?? 0,
        ...(result.failures.length > 0 ? { failures: result.failures } : {}),
      },
    };
  },
  metrics: {
    record(metrics, result, { serviceName }) {
      if (isSnapshotOutcome(result)) {
        if (result.status === 'disabled') return;
        metrics.addDimension('service', serviceName);
        metrics.addMetric(SNAPSHOT_METRIC.snapshotsFailed, MetricUnit.Count, result.status === 'failed' ? 1 : 0);
        if (result.status === 'exported') {
          metrics.addMetric(SNAPSHOT_METRIC.snapshotDurationMs, MetricUnit.Milliseconds, result.durationMs ?? 0);
          metrics.addMetric(SNAPSHOT_METRIC.snapshotBytes, MetricUnit.Bytes, Object.values(result.tables).reduce((sum, t) => sum + t.bytes, 0));
        }
        return;
      }
      if (!isRunSummary(result)) return;
      metrics.addDimension('service', serviceName);
      metrics.addMetadata('runId', result.runId);
      const outcome = runOutcome(result);
      metrics.addMetric(RUN_METRIC.runsSucceeded, MetricUnit.Count, outcome === 'succeeded' ? 1 : 0);
      metrics.addMetric(RUN_METRIC.runsPartial, MetricUnit.Count, outcome === 'partial' ? 1 : 0);
      metrics.addMetric(RUN_METRIC.runDurationMs, MetricUnit.Milliseconds, result.durationMs);
      metrics.addMetric(RUN_METRIC.tasksFailed, MetricUnit.Count, result.tasks.failed);
      metrics.addMetric(RUN_METRIC.tasksSkipped, MetricUnit.Count, result.tasks.skipped);
      metrics.addMetric(RUN_METRIC.accountsUnreachable, MetricUnit.Count, unreachableAccounts(result).length);
      const r = result.resources;
      metrics.addMetric(RUN_METRIC.resourcesSeen, MetricUnit.Count, r.seen);
      metrics.addMetric(RUN_METRIC.resourcesChanged, MetricUnit.Count, r.created + r.updated + r.deleted);
      metrics.addMetric(RUN_METRIC.eventsOpened, MetricUnit.Count, result.events.opened);
      metrics.addMetric(RUN_METRIC.eventsRecurred, MetricUnit.Count, result.events.recurred);
      metrics.addMetric(RUN_METRIC.eventsCleared, MetricUnit.Count, result.events.cleared);
      // Raised alarms only: a cleared alarm is a transition too, but nothing to be woken up for.
      metrics.addMetric(RUN_METRIC.alarms, MetricUnit.Count, (result.alarms ?? []).filter((alarm) => alarm.detailType === ALARM).length);
      return [...skippedAccountBreakdowns(result), ...openEventBreakdowns(result, serviceName)];
    },
  },
};

/**
 * Account-level skips: the account could not be reached at all (a region-level skip is a region not opted into, and an
 * organization's suspended or closing account is not collected by design).
 */
function unreachableAccounts(summary: RunSummary): string[] {
  return [...new Set(summary.skipped.filter(isUnreachableAccount).map((s) => s.accountId))];
}

/**
 * How the run ended, for the run alarms: a run with failed tasks or an unreachable member account is partial, as the
 * summary says (a run that cannot complete fails as an execution and never reaches Finalize: the stack watches
 * AWS/States for those).
 */
export function runOutcome(summary: RunSummary): 'succeeded' | 'partial' {
  return summary.status === 'partial' || summary.tasks.failed > 0 || unreachableAccounts(summary).length > 0 ? 'partial' : 'succeeded';
}

/** Skipped accounts, as that account in all regions, at most MAX_TARGET_BREAKDOWN a run (see metric-names.ts). */
function skippedAccountBreakdowns(summary: RunSummary): MetricBreakdown[] {
  return capped(TARGET_METRIC.tasksSkipped, new Map(unreachableAccounts(summary).map((account) => [targetKey(account, ALL_REGIONS), 1])));
}

/** Open events by severity: five values a run at most, so the dashboard can draw what needs attention now. */
function openEventBreakdowns(summary: RunSummary, serviceName: string): MetricBreakdown[] {
  return Object.entries(summary.openEvents ?? {}).map(([severity, count]) => ({
    dimensions: { service: serviceName, severity }, unit: MetricUnit.Count, values: { [OPEN_EVENTS_METRIC]: count },
  }));
}

function targetKey(account: string, region: string): string {
  return JSON.stringify([account, region]);
}

function capped(metric: string, counts: Map<string, number>): MetricBreakdown[] {
  const sorted = [...counts].sort(([ka, a], [kb, b]) => b - a || ka.localeCompare(kb));
  const kept = sorted.length > MAX_TARGET_BREAKDOWN ? sorted.slice(0, MAX_TARGET_BREAKDOWN - 1) : sorted;
  const rest = sorted.slice(kept.length).reduce((sum, [, count]) => sum + count, 0);
  const breakdowns = kept.map(([key, count]) => {
    const [account, region] = JSON.parse(key) as [string, string];
    return { dimensions: { account, region }, unit: MetricUnit.Count, values: { [metric]: count } };
  });
  if (rest > 0) breakdowns.push({ dimensions: { account: OTHER_TARGETS, region: OTHER_TARGETS }, unit: MetricUnit.Count, values: { [metric]: rest } });
  return breakdowns;
}
