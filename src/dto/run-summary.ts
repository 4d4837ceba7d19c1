import type { Alarm } from './alarm';
import type { EventCounts, MetricUsage, ResourceCounts, TaskResult } from './task';
import { emptyEventCounts, emptyResourceCounts } from './task';

/**
 * A target get-tasks did not collect, and why. With a region: a region not opted in (normal, not a failure).
 * Without one: an account it could not reach (or that was not the account asked for) — that makes the run partial.
 */
export interface SkippedTarget {
  accountId: string;
  region?: string;
  reason: string;
  /** An organization's account that is not active (suspended, closing): not collected, and not a failure. */
  inactive?: true;
}

/** Skipped accounts (no region, active): targets the run meant to collect and could not reach. */
export function isUnreachableAccount(skipped: SkippedTarget): boolean {
  return skipped.region === undefined && !skipped.inactive;
}

export interface TaskFailure {
  taskId: string;
  account: string;
  region: string;
  service?: string;
  type?: string;
  code: string;
  message: string;
}

/** The failures of one account with one error code: how many, one message, and the first few tasks. */
export interface FailureGroup {
  account: string;
  code: string;
  /** Failed calls (a task fails once per resource type whose listing failed). */
  failures: number;
  /** Distinct failed tasks. */
  tasks: number;
  /** Distinct regions among them. */
  regions: number;
  message: string;
  /** The first MAX_TASK_IDS_PER_GROUP task ids, in task-id order. */
  taskIds: string[];
}

/**
 * The summary is the execution's output (Step Functions: 256 KB) and the stored run item (DynamoDB: 400 KB), so
 * what grows with failures is capped: a sample of the failures, groups by account and code (the largest first),
 * messages cut short. Every failed task keeps its full result in the runs table: `cloudtap trace <run> --failures`.
 * With these caps a summary stays under ~90 KB however many tasks fail (test/dto/run-summary.test.ts).
 */
export const SUMMARY_LIMITS = {
  /** Failures listed one by one; the first of each group first, so every group has its example. */
  listedFailures: 25,
  failureGroups: 50,
  taskIdsPerGroup: 3,
  messageChars: 300,
  /** Skipped targets listed; unreachable accounts first. */
  listedSkipped: 100,
  /** Warnings listed (one per account, region, type, call and code). */
  listedWarnings: 50,
  /** Accounts listed as the slowest of the run. */
  slowestAccounts: 5,
  /** Error codes listed across accounts. */
  failureCodes: 20,
} as const;

/**
 * Calls that failed without failing their listing (an enrichment, e.g. user data denied): the records were stored
 * and reconciled, and lack the call's fields (marked unknown). A run with warnings still succeeds.
 */
export interface RunWarning {
  account: string;
  region: string;
  type: string;
  call: string;
  code: string;
  message: string;
  records: number;
}

/** What the notifier did in a run (the run summary's `notifications`). */
export interface NotificationCounts {
  /** Notifications (messages) sent: one per route group, more only where a group had to be split to fit. */
  sent: number;
  /** Alerts in them (triggers, resolves, reminders), one per event and route. */
  alerts: number;
  /** Events whose notification waits: flapping, keep-firing, group wait or group interval. */
  held: number;
  /** Events whose notification a silence withholds. */
  silenced: number;
  /** Events flapping when the run ended. */
  flapping: number;
  /** Outbox items left for the next run (more than MAX_PENDING_PER_RUN were waiting). */
  deferred: boolean;
  /** Groups whose delivery failed: their events stay pending and are sent at the next run. */
  failed: number;
  /** The first few delivery errors (route, target, message). */
  errors?: string[];
}

/** What `cloudtap run --json` prints and what Finalize stores (shared/DESIGN.md, "Operator interface"). */
export interface RunSummary {
  runId: string;
  /**
   * `succeeded`: every task succeeded or was skipped as not opted in, and every account was reached; `partial`: the
   * run completed, but some tasks failed or some member accounts could not be reached (the CLI's exit code 3).
   * A run that cannot start — the collector's own account unreachable, bad input — fails as an execution instead.
   */
  status: 'succeeded' | 'partial';
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  tasks: { total: number; succeeded: number; failed: number; skipped: number };
  /** Accounts that could not be reached (skipped entries without a region), counted in full. Absent in runs stored before it existed, as are `failureCount` and `failureGroups`. */
  accountsUnreachable?: number;
  resources: ResourceCounts;
  events: EventCounts;
  /** Events open when the run ended, by severity (1–5), over every partition: what needs attention now. */
  openEvents?: Record<string, number>;
  /** DynamoDB items written by the run. */
  writes: number;
  apiCalls: number;
  /** Failed calls in all; `failures` lists at most SUMMARY_LIMITS.listedFailures of them. */
  failureCount?: number;
  failures: TaskFailure[];
  /** Failures by account and error code, the largest first; at most SUMMARY_LIMITS.failureGroups (see `failureGroupsOmitted`). */
  failureGroups?: FailureGroup[];
  /** Groups left out of `failureGroups`, and the failures in them. */
  failureGroupsOmitted?: { groups: number; failures: number };
  skipped: SkippedTarget[];
  /** Skipped targets left out of `skipped`. */
  skippedOmitted?: number;
  /** Threshold transitions of this run (one alarm each; a silenced one when its silence ends). */
  alarms?: Alarm[];
  /** What the run notified by route, held back and silenced (README, "Notifications"). Absent in runs stored before it existed. */
  notifications?: NotificationCounts;
  /** Enrichment calls that failed without failing their listing; at most SUMMARY_LIMITS.listedWarnings of them. */
  warnings?: RunWarning[];
  /** Warnings left out of `warnings`. */
  warningsOmitted?: number;
  notes?: string[];
  /** Accounts of the run by outcome (absent in runs stored before accounts were collected one child execution each). */
  accounts?: AccountCounts;
  /** Failures by error code over every account, the largest first: what went wrong across the organization. */
  failuresByCode?: { code: string; failures: number; accounts: number }[];
  /** The accounts that took longest, slowest first (at most SUMMARY_LIMITS.slowestAccounts). */
  slowestAccounts?: { accountId: string; durationMs: number; tasks: number }[];
  /** The run's snapshot for SQL, exported after Finalize (absent in runs stored before it existed). */
  snapshot?: SnapshotOutcome;
  /** What the metric rules requested of CloudWatch and what it costs (absent when no task evaluated metric rules). */
  metrics?: MetricSummary;
}

/** CloudWatch's price per metric requested by GetMetricData (us-east-1, December 2026): $0.01 per 1,000. */
export const PRICE_PER_METRIC_USD = 0.01 / 1000;

/** The run's metric evaluation: metrics requested (billed), GetMetricData calls, their price, values evaluated and within threshold. */
export interface MetricSummary extends MetricUsage {
  costUsd: number;
}

/** Adds a task's (or an account's) metric figures to the run's; the cost follows from the metrics requested. */
export function addMetrics(total: MetricSummary | undefined, part: MetricUsage | undefined): MetricSummary | undefined {
  if (!part) return total;
  const sum = total ?? { requested: 0, calls: 0, evaluated: 0, ok: 0, costUsd: 0 };
  const requested = sum.requested + part.requested;
  return {
    requested, calls: sum.calls + part.calls, evaluated: sum.evaluated + part.evaluated, ok: sum.ok + part.ok,
    costUsd: Math.round(requested * PRICE_PER_METRIC_USD * 1e6) / 1e6,
  };
}

/**
 * What became of a run's snapshot export (ExportSnapshot, after Finalize). A failed export never fails the run: the
 * run's data is in the store whatever happens here, and the next run exports a whole snapshot again.
 */
export interface SnapshotOutcome {
  /** `disabled`: no sink configured (neither CLOUDTAP_SNAPSHOT_BUCKET nor CLOUDTAP_SNAPSHOT_DIR). */
  status: 'exported' | 'failed' | 'disabled';
  /** Where the files are: a directory, or `s3://bucket/` (absent when disabled, or when the export's function itself failed). */
  location?: string;
  /** Rows and bytes of each table's file (written twice: under `latest/` and `history/`); empty unless exported. */
  tables: Record<string, { rows: number; bytes: number }>;
  /** Absent when the export's function itself failed (caught by the workflow). */
  durationMs?: number;
  /** Why it failed: the error's name and message (a Lambda failure: Step Functions' Error and Cause). */
  error?: { code: string; message: string };
}

export interface AccountCounts {
  total: number;
  /** Every task succeeded (or was skipped as not opted in). */
  succeeded: number;
  /** Reached, with failed tasks. */
  partial: number;
  /** Not reached (role missing or denied, another account's credentials): none of its data was touched. */
  unreachable: number;
  /** Its collection did not finish (its child execution failed): counted failed, none of its data deleted. */
  failed: number;
  /** Listed by the organization but not active (suspended, closing): not collected. */
  inactive: number;
}

/** One account's part of a run (AccountDone stores it; Finalize merges them): a summary bounded like the run's. */
export interface AccountSummary extends RunSummary {
  accountId: string;
  /** Counted groups of each counter thresholds use (e.g. RunningInstances by role): [group, count] pairs. */
  counters?: Record<string, [string | null, number][]>;
}

export function summarizeRun(
  run: { runId: string; startedAt: string; finishedAt: string; skipped: SkippedTarget[]; extraWrites: number },
  results: readonly TaskResult[],
): RunSummary {
  const resources = emptyResourceCounts();
  const events = emptyEventCounts();
  const tasks = { total: results.length + run.skipped.length, succeeded: 0, failed: 0, skipped: run.skipped.length };
  const failures: TaskFailure[] = [];
  const warnings: RunWarning[] = [];
  let writes = run.extraWrites;
  let apiCalls = 0;
  let metrics: MetricSummary | undefined;
  for (const result of results) {
    tasks[result.status]++;
    metrics = addMetrics(metrics, result.metrics);
    for (const key of Object.keys(resources) as (keyof ResourceCounts)[]) resources[key] += result.resources[key];
    for (const key of Object.keys(events) as (keyof EventCounts)[]) events[key] += result.events[key];
    writes += result.writes;
    apiCalls += result.apiCalls;
    if (result.status === 'failed') failures.push(...taskFailures(result));
    for (const w of result.warnings ?? []) warnings.push({ account: result.accountId, region: result.region, type: w.type, call: w.call, code: w.code, message: shorten(w.message), records: w.records });
  }
  const accountsUnreachable = new Set(run.skipped.filter(isUnreachableAccount).map((s) => s.accountId)).size;
  const { groups, omitted } = groupFailures(failures);
  const skipped = [...run.skipped].sort((a, b) => Number(isUnreachableAccount(b)) - Number(isUnreachableAccount(a)));
  return {
    runId: run.runId,
    status: tasks.failed > 0 || accountsUnreachable > 0 ? 'partial' : 'succeeded',
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    durationMs: Date.parse(run.finishedAt) - Date.parse(run.startedAt),
    tasks, accountsUnreachable, resources, events, writes, apiCalls,
    failureCount: failures.length,
    failures: sampleFailures(failures, groups).map((f) => ({ ...f, message: shorten(f.message) })),
    failureGroups: groups,
    ...(omitted.groups > 0 ? { failureGroupsOmitted: omitted } : {}),
    skipped: skipped.slice(0, SUMMARY_LIMITS.listedSkipped).map((s) => ({ ...s, reason: shorten(s.reason) })),
    ...(skipped.length > SUMMARY_LIMITS.listedSkipped ? { skippedOmitted: skipped.length - SUMMARY_LIMITS.listedSkipped } : {}),
    ...(warnings.length > 0 ? { warnings: warnings.slice(0, SUMMARY_LIMITS.listedWarnings) } : {}),
    ...(warnings.length > SUMMARY_LIMITS.listedWarnings ? { warningsOmitted: warnings.length - SUMMARY_LIMITS.listedWarnings } : {}),
    ...(metrics ? { metrics } : {}),
  };
}

/** A failed task's failures: one per resource type whose call failed, or the task's own error. */
export function taskFailures(result: TaskResult): TaskFailure[] {
  const errors = result.errors.length > 0 ? result.errors : result.error ? [result.error] : [{ code: 'Unknown', message: 'the task failed' }];
  return errors.map((error) => ({
    taskId: result.taskId, account: result.accountId, region: result.region,
    ...(result.service ? { service: result.service } : {}), ...(error.type ? { type: error.type } : {}),
    code: error.code, message: error.message,
  }));
}

/** AWS messages can run to kilobytes (an encoded authorization message): the summary keeps the start. */
function shorten(message: string): string {
  return message.length > SUMMARY_LIMITS.messageChars ? `${message.slice(0, SUMMARY_LIMITS.messageChars - 1)}…` : message;
}

function groupFailures(failures: TaskFailure[]): { groups: FailureGroup[]; omitted: { groups: number; failures: number } } {
  const byKey = new Map<string, { group: FailureGroup; tasks: Set<string>; regions: Set<string> }>();
  for (const failure of [...failures].sort((a, b) => a.taskId.localeCompare(b.taskId))) {
    const key = JSON.stringify([failure.account, failure.code]);
    let entry = byKey.get(key);
    if (!entry) {
      entry = { group: { account: failure.account, code: failure.code, failures: 0, tasks: 0, regions: 0, message: shorten(failure.message), taskIds: [] }, tasks: new Set(), regions: new Set() };
      byKey.set(key, entry);
    }
    entry.group.failures++;
    entry.tasks.add(failure.taskId);
    entry.regions.add(failure.region);
    if (entry.group.taskIds.length < SUMMARY_LIMITS.taskIdsPerGroup && !entry.group.taskIds.includes(failure.taskId)) entry.group.taskIds.push(failure.taskId);
  }
  const all = [...byKey.values()].map(({ group, tasks, regions }) => ({ ...group, tasks: tasks.size, regions: regions.size }))
    .sort((a, b) => b.failures - a.failures || a.account.localeCompare(b.account) || a.code.localeCompare(b.code));
  const rest = all.slice(SUMMARY_LIMITS.failureGroups);
  return { groups: all.slice(0, SUMMARY_LIMITS.failureGroups), omitted: { groups: rest.length, failures: rest.reduce((sum, g) => sum + g.failures, 0) } };
}

/** The first failure of each group, then the others in task order, up to the cap. */
function sampleFailures(failures: TaskFailure[], groups: FailureGroup[]): TaskFailure[] {
  if (failures.length <= SUMMARY_LIMITS.listedFailures) return failures;
  const ordered = [...failures].sort((a, b) => a.taskId.localeCompare(b.taskId));
  const firsts = groups.map((g) => ordered.find((f) => f.account === g.account && f.code === g.code)).filter((f): f is TaskFailure => !!f);
  const sample = new Set(firsts.slice(0, SUMMARY_LIMITS.listedFailures));
  for (const failure of ordered) {
    if (sample.size >= SUMMARY_LIMITS.listedFailures) break;
    sample.add(failure);
  }
  return [...sample];
}

/**
 * The run's summary from its accounts' (each already bounded): counts added up; failures, skipped targets and
 * warnings merged and capped again with the same limits; per-account status, failures by code and the slowest
 * accounts added, so a run of 1,000 accounts reads as well as a run of one.
 */
export function mergeAccountSummaries(
  run: { runId: string; startedAt: string; finishedAt: string; skipped: SkippedTarget[]; skippedTotal: number },
  parts: readonly AccountSummary[],
  missing: readonly { accountId: string; reason: string }[],
): RunSummary {
  const resources = emptyResourceCounts();
  const events = emptyEventCounts();
  const tasks = { total: run.skippedTotal, succeeded: 0, failed: 0, skipped: run.skippedTotal };
  const accounts: AccountCounts = { total: parts.length + missing.length + run.skippedTotal, succeeded: 0, partial: 0, unreachable: 0, failed: missing.length, inactive: run.skippedTotal };
  let writes = 0;
  let apiCalls = 0;
  let failureCount = 0;
  let warningsTotal = 0;
  let skippedTotal = run.skippedTotal;
  const groups: FailureGroup[] = [];
  let omitted = { groups: 0, failures: 0 };
  const failures: TaskFailure[] = [];
  const warnings: RunWarning[] = [];
  const skipped: SkippedTarget[] = [...run.skipped];
  const byCode = new Map<string, { failures: number; accounts: Set<string> }>();
  let metrics: MetricSummary | undefined;
  for (const part of parts) {
    metrics = addMetrics(metrics, part.metrics);
    for (const key of ['total', 'succeeded', 'failed', 'skipped'] as const) tasks[key] += part.tasks[key];
    for (const key of Object.keys(resources) as (keyof ResourceCounts)[]) resources[key] += part.resources[key];
    for (const key of Object.keys(events) as (keyof EventCounts)[]) events[key] += part.events[key];
    writes += part.writes;
    apiCalls += part.apiCalls;
    failureCount += part.failureCount ?? part.failures.length;
    groups.push(...(part.failureGroups ?? []));
    if (part.failureGroupsOmitted) omitted = { groups: omitted.groups + part.failureGroupsOmitted.groups, failures: omitted.failures + part.failureGroupsOmitted.failures };
    failures.push(...part.failures);
    warnings.push(...(part.warnings ?? []));
    warningsTotal += (part.warnings?.length ?? 0) + (part.warningsOmitted ?? 0);
    skipped.push(...part.skipped);
    skippedTotal += part.skipped.length + (part.skippedOmitted ?? 0);
    const unreachable = (part.accountsUnreachable ?? 0) > 0;
    if (unreachable) accounts.unreachable++;
    else if (part.status === 'partial') accounts.partial++;
    else accounts.succeeded++;
    for (const group of part.failureGroups ?? []) {
      const entry = byCode.get(group.code) ?? { failures: 0, accounts: new Set<string>() };
      entry.failures += group.failures;
      entry.accounts.add(group.account);
      byCode.set(group.code, entry);
    }
  }
  for (const m of missing) {
    failureCount++;
    failures.push({ taskId: `Account:${m.accountId}`, account: m.accountId, region: 'all', code: 'cloudtap.AccountNotFinished', message: m.reason });
    groups.push({ account: m.accountId, code: 'cloudtap.AccountNotFinished', failures: 1, tasks: 0, regions: 0, message: shorten(m.reason), taskIds: [] });
    const entry = byCode.get('cloudtap.AccountNotFinished') ?? { failures: 0, accounts: new Set<string>() };
    entry.failures++;
    entry.accounts.add(m.accountId);
    byCode.set('cloudtap.AccountNotFinished', entry);
  }
  groups.sort((a, b) => b.failures - a.failures || a.account.localeCompare(b.account) || a.code.localeCompare(b.code));
  const rest = groups.slice(SUMMARY_LIMITS.failureGroups);
  omitted = { groups: omitted.groups + rest.length, failures: omitted.failures + rest.reduce((sum, g) => sum + g.failures, 0) };
  const sortedSkipped = skipped.sort((a, b) => Number(isUnreachableAccount(b)) - Number(isUnreachableAccount(a)));
  const unreachableAccounts = accounts.unreachable;
  const status = tasks.failed > 0 || unreachableAccounts > 0 || missing.length > 0 ? 'partial' : 'succeeded';
  return {
    runId: run.runId,
    status,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    durationMs: Date.parse(run.finishedAt) - Date.parse(run.startedAt),
    tasks, accountsUnreachable: unreachableAccounts, resources, events, writes, apiCalls,
    failureCount,
    failures: sampleFailures(failures, groups.slice(0, SUMMARY_LIMITS.failureGroups)).map((f) => ({ ...f, message: shorten(f.message) })),
    failureGroups: groups.slice(0, SUMMARY_LIMITS.failureGroups),
    ...(omitted.groups > 0 ? { failureGroupsOmitted: omitted } : {}),
    skipped: sortedSkipped.slice(0, SUMMARY_LIMITS.listedSkipped),
    ...(skippedTotal > Math.min(sortedSkipped.length, SUMMARY_LIMITS.listedSkipped) ? { skippedOmitted: skippedTotal - Math.min(sortedSkipped.length, SUMMARY_LIMITS.listedSkipped) } : {}),
    ...(warnings.length > 0 ? { warnings: warnings.slice(0, SUMMARY_LIMITS.listedWarnings) } : {}),
    ...(warningsTotal > SUMMARY_LIMITS.listedWarnings ? { warningsOmitted: warningsTotal - Math.min(warnings.length, SUMMARY_LIMITS.listedWarnings) } : {}),
    accounts,
    ...(byCode.size > 0 ? {
      failuresByCode: [...byCode].map(([code, e]) => ({ code, failures: e.failures, accounts: e.accounts.size }))
        .sort((a, b) => b.failures - a.failures || a.code.localeCompare(b.code)).slice(0, SUMMARY_LIMITS.failureCodes),
    } : {}),
    slowestAccounts: [...parts].sort((a, b) => b.durationMs - a.durationMs || a.accountId.localeCompare(b.accountId))
      .slice(0, SUMMARY_LIMITS.slowestAccounts).map((p) => ({ accountId: p.accountId, durationMs: p.durationMs, tasks: p.tasks.total })),
    ...(metrics ? { metrics } : {}),
  };
}
