import type { AccountTarget } from './collection-request';
import { ACCOUNT_ID_PATTERN, REGION_PATTERN, SCHEMA_VERSION, parseAccountTarget, parseSchemaVersion } from './collection-request';
import { InvalidInputError, expectOneOf, expectRecord, expectString, isRecord } from './validation';

export const TASK_TYPES = ['inventory.Region', 'inventory.CloudServiceType', 'inventory.CloudService'] as const;
export type TaskType = (typeof TASK_TYPES)[number];

/** The account a task runs in: the id is always known by the time tasks exist (get-tasks probed it). */
export interface TaskAccount extends AccountTarget {
  accountId: string;
}

/** One unit of collection work: a Map iteration. Carries only identifiers (Step Functions payloads are capped). */
export interface Task {
  schemaVersion: typeof SCHEMA_VERSION;
  runId: string;
  taskId: string;
  taskType: TaskType;
  account: TaskAccount;
  /** Service name for inventory.CloudService tasks. */
  service?: string;
  /** Region the task covers; global services run in their home region. */
  region: string;
  options: TaskOptions;
}

export interface TaskOptions {
  /** Start of the run (ISO): every observation of the run is stamped with it. */
  runStartedAt: string;
  /** Identifies the collector deployment (Tap's EMS). */
  ems: string;
}

export function taskIdOf(taskType: TaskType, accountId: string, region: string, service?: string): string {
  const kind = taskType.replace('inventory.', '');
  return [kind, accountId, region, service].filter(Boolean).join(':');
}

/** Validates a task; `services`: the services that exist (the registry's names, passed in by the handler). */
export function parseTask(input: unknown, services: readonly string[]): Task {
  const record = expectRecord(input, 'Task');
  const taskType = expectOneOf(record.taskType, 'Task.taskType', TASK_TYPES);
  const account = parseAccountTarget(record.account, 'Task.account');
  if (!account.accountId || !ACCOUNT_ID_PATTERN.test(account.accountId)) {
    throw new InvalidInputError('Task.account.accountId', 'must be the 12-digit account id the task runs in');
  }
  const options = expectRecord(record.options, 'Task.options');
  const task: Task = {
    schemaVersion: parseSchemaVersion(record.schemaVersion, 'Task.schemaVersion', false),
    runId: expectString(record.runId, 'Task.runId'),
    taskId: expectString(record.taskId, 'Task.taskId'),
    taskType,
    account: { ...account, accountId: account.accountId },
    region: expectString(record.region, 'Task.region', REGION_PATTERN, 'use names such as us-east-1'),
    options: {
      runStartedAt: expectString(options.runStartedAt, 'Task.options.runStartedAt', /^\d{4}-\d\d-\d\dT/, 'an ISO 8601 time'),
      ems: expectString(options.ems, 'Task.options.ems'),
    },
  };
  if (taskType === 'inventory.CloudService') {
    task.service = expectOneOf(record.service, 'Task.service', services);
  }
  return task;
}

export const TASK_STATUSES = ['succeeded', 'failed', 'skipped'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export interface ResourceCounts {
  seen: number;
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
}

export interface EventCounts {
  opened: number;
  recurred: number;
  cleared: number;
}

export interface TaskError {
  code: string;
  message: string;
  /** The resource type (e.g. EC2.Volume) whose call failed, where one did. */
  type?: string;
}

/** An AWS error as the operator needs it: which type, which code, what AWS said. */
export function taskError(error: unknown, type?: string): TaskError {
  const e = error as { name?: string; Code?: string; message?: string };
  const code = e.Code ?? e.name ?? 'Error';
  return { code, message: e.message ?? String(error), ...(type ? { type } : {}) };
}

/**
 * A call that failed without failing its listing (an enrichment: user data denied, a bucket's settings): the
 * listing was stored and reconciled, and the records lack the call's fields (marked unknown).
 */
export interface TaskWarning {
  type: string;
  /** The IAM action, e.g. `ec2:DescribeInstanceAttribute`. */
  call: string;
  code: string;
  message: string;
  records: number;
}

/** What a task's metric evaluation requested of CloudWatch (the run summary's cost) and what it found. */
export interface MetricUsage {
  /** Metrics requested by GetMetricData (what CloudWatch bills). */
  requested: number;
  /** GetMetricData calls. */
  calls: number;
  /** Values fetched and compared with their thresholds. */
  evaluated: number;
  /** Of those, within threshold (severity 5): counted each evaluation here, not written per resource. */
  ok: number;
}

/** What one task did: counts only — resources travel straight to DynamoDB. */
export interface TaskResult {
  schemaVersion: typeof SCHEMA_VERSION;
  taskId: string;
  taskType: TaskType;
  accountId: string;
  region: string;
  service?: string;
  status: TaskStatus;
  resources: ResourceCounts;
  events: EventCounts;
  /** Partitions (account#region#type) listed completely: only these may have deletions reconciled. */
  completePartitions: string[];
  apiCalls: number;
  /** Attempts AWS throttled (and the SDK retried). */
  throttles: number;
  writes: number;
  durationMs: number;
  errors: TaskError[];
  error?: TaskError;
  /** Calls that failed without failing their listing (one entry per type, call and code). */
  warnings?: TaskWarning[];
  /** Present when the task evaluated metric rules. */
  metrics?: MetricUsage;
}

export function emptyResourceCounts(): ResourceCounts {
  return { seen: 0, created: 0, updated: 0, unchanged: 0, deleted: 0 };
}

export function emptyEventCounts(): EventCounts {
  return { opened: 0, recurred: 0, cleared: 0 };
}

/** The result recorded for a task that the workflow's Catch caught: the Lambda itself failed. */
export function failedTaskResult(task: unknown, error: { Error?: string; Cause?: string }): TaskResult {
  const t = isRecord(task) ? task : {};
  const account = isRecord(t.account) ? t.account : {};
  const cause = parseCause(error.Cause);
  return {
    schemaVersion: SCHEMA_VERSION,
    taskId: typeof t.taskId === 'string' ? t.taskId : 'unknown',
    taskType: (TASK_TYPES as readonly unknown[]).includes(t.taskType) ? (t.taskType as TaskType) : 'inventory.CloudService',
    accountId: typeof account.accountId === 'string' ? account.accountId : 'unknown',
    region: typeof t.region === 'string' ? t.region : 'unknown',
    ...(typeof t.service === 'string' ? { service: t.service } : {}),
    status: 'failed',
    resources: emptyResourceCounts(),
    events: emptyEventCounts(),
    completePartitions: [],
    apiCalls: 0,
    throttles: 0,
    writes: 0,
    durationMs: 0,
    errors: [],
    error: { code: cause.code ?? error.Error ?? 'States.TaskFailed', message: cause.message ?? error.Cause ?? 'the task failed' },
  };
}

/** Lambda puts `{"errorType","errorMessage"}` JSON into Cause; local handlers put the message itself. */
function parseCause(cause: string | undefined): { code?: string; message?: string } {
  if (!cause) return {};
  try {
    const parsed: unknown = JSON.parse(cause);
    if (isRecord(parsed) && typeof parsed.errorMessage === 'string') {
      return { code: typeof parsed.errorType === 'string' ? parsed.errorType : undefined, message: parsed.errorMessage };
    }
  } catch {
    // not JSON: the cause is the message
  }
  return { message: cause };
}
