import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { RunSummary } from '../dto/run-summary';
import type { TaskResult } from '../dto/task';
import { isRecord } from '../dto/validation';
import { ALARM } from '../finalize/alarms';
import { PROBE_TASK_ID, runIdOf, type CollectionPlan } from '../plan/get-tasks';
import type { IngestResult } from '../realtime/ingest';
import type { LogKeys } from './logging';
import { MetricUnit } from './metrics';
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
      metrics.addMetric('Resources', MetricUnit.Count, r.seen);
      metrics.addMetric('ResourcesChanged', MetricUnit.Count, r.created + r.updated + r.deleted);
      metrics.addMetric('Writes', MetricUnit.Count, result.writes);
      metrics.addMetric('ApiCalls', MetricUnit.Count, result.apiCalls);
      metrics.addMetric('Throttles', MetricUnit.Count, result.throttles);
      metrics.addMetric('DurationMs', MetricUnit.Milliseconds, result.durationMs);
    },
    recordError(metrics, error, { event }) {
      const task = isRecord(event) ? event : {};
      taskDimensions(metrics, task.taskType, task.service);
      for (const [key, value] of Object.entries(stringKeys(event, { runId: 'runId', taskId: 'taskId' }))) metrics.addMetadata(key, value);
      metrics.addMetadata('error', error.name);
      // Throttled tasks are retried by the state machine; a task that fails for good shows in the run's TasksFailed.
      metrics.addMetric('TaskErrors', MetricUnit.Count, 1);
    },
  },
};

/** GetTasks: the run is named by its execution; its probe calls are traced as the run's `GetTasks` task. */
export const getTasksObservation: HandlerObservation<CollectionPlan> = {
  name: 'GetTasks',
  logKeys: (event) => {
    const execution = isRecord(event) && isRecord(event.execution) ? event.execution : {};
    const { name, startTime } = stringKeys(execution, { name: 'name', startTime: 'startTime' });
    return {
      ...(name && startTime ? { runId: runIdOf({ name, startTime }) } : {}),
      ...(name ? { executionName: name } : {}),
      taskId: PROBE_TASK_ID,
    };
  },
  outcome: (plan) => ({
    level: 'info',
    message: `planned ${plan.tasks.length} tasks`,
    fields: { tasks: plan.tasks.length, concurrency: plan.concurrency, ...(plan.skipped.length > 0 ? { skipped: plan.skipped } : {}) },
  }),
};

/** Normalize closes a run (Finalize) or applies a real-time AWS change notification. */
type NormalizeResult = RunSummary | IngestResult;

function isRunSummary(result: NormalizeResult): result is RunSummary {
  return 'runId' in result;
}

/**
 * Normalize: a Finalize invocation logs as its run; a real-time one as the EventBridge event it applies. Per run,
 * metrics say how many tasks failed for good and how many alarms the run raised.
 */
export const normalizeObservation: HandlerObservation<NormalizeResult> = {
  name: 'Normalize',
  logKeys: (event) => (isRecord(event) && event.mode === 'finalize'
    ? stringKeys(event, { runId: 'runId' })
    : stringKeys(event, { eventId: 'id', detailType: 'detail-type' })),
  outcome: (result) => {
    if (!isRunSummary(result)) {
      return {
        level: result.errors.length > 0 ? 'warn' : 'info',
        message: `applied ${result.notification.kind}`,
        fields: { notification: result.notification, resources: result.resources, events: result.events, writes: result.writes, ...(result.errors.length > 0 ? { errors: result.errors } : {}) },
      };
    }
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
      if (!isRunSummary(result)) return;
      metrics.addDimension('service', serviceName);
      metrics.addMetadata('runId', result.runId);
      metrics.addMetric('TasksFailed', MetricUnit.Count, result.tasks.failed);
      // Raised alarms only: a cleared alarm is a transition too, but nothing to be woken up for.
      metrics.addMetric('Alarms', MetricUnit.Count, (result.alarms ?? []).filter((alarm) => alarm.detailType === ALARM).length);
    },
  },
};
