import type { SkippedTarget } from '../dto/run-summary';
import { SUMMARY_LIMITS, mergeAccountSummaries, summarizeRun, type RunSummary } from '../dto/run-summary';
import { failedTaskResult, type TaskResult } from '../dto/task';
import type { Database } from '../store/dynamo';
import { RunStore, type TaskTrace } from '../store/run-store';
import { EventStore } from '../store/event-store';
import { ResourceStore, parsePartition, partitionKey } from '../store/resource-store';
import { expectArray, expectRecord, expectString, isRecord } from '../dto/validation';
import { parseSchemaVersion } from '../dto/collection-request';
import { allCounters, allServices } from '../services/registry';
import type { Counter } from '../services/service';
import { EventSync, type EventSyncContext } from '../events/event-sync';
import { RunLedger } from '../events/occurrences';
import { matchesThreshold, thresholdFinding, thresholdRule, type Threshold } from '../events/threshold';
import { ALARM, ALARM_CLEARED, type Alarm, type AlarmPublisher } from './alarms';
import { writesInFlight } from '../util/concurrency';
import { isStoreCall } from '../aws/call-trace';
import { notifyFinalize, type NotifySettings } from '../notify/notifier';
import { trackStaleInventory } from '../heartbeat/stale-inventory';
import { recordRunForHeartbeat } from '../heartbeat/collector-silent';
import { DEFAULT_HEARTBEAT } from '../heartbeat/settings';

/** Account-wide partitions (rule results that span regions) use this region name. */
const ACCOUNT_WIDE = 'aws-global';
/** Event writes of account rules and thresholds in flight. */
const runWrites = writesInFlight(16);

/** What the per-account Map hands AccountDone per task: an outcome only (results themselves are in the runs table). */
export interface TaskOutcome {
  taskId: string;
  status: string;
  /** The Lambda's error name when even recording the failure failed (FailureNotRecorded). */
  error?: string;
}

/** AccountDone's input: one account's tasks are done. */
export interface AccountDoneRequest {
  mode: 'account';
  runId: string;
  startedAt: string;
  accountId: string;
  skipped: SkippedTarget[];
  /** PlanAccount's own calls. */
  probe: TaskTrace;
  outcomes: TaskOutcome[];
}

export interface FinalizeRequest {
  mode: 'finalize';
  runId: string;
  startedAt: string;
}

/** RecordFailedTask's input: a task whose Lambda failed for good, with the error Step Functions caught. */
export interface TaskFailedRequest {
  mode: 'taskFailed';
  task: Record<string, unknown>;
}

export interface FinalizeSettings {
  ems: string;
  thresholds: Threshold[];
  alarms: AlarmPublisher;
  /** Routes, silences, flapping (src/notify); absent: none configured, events are still marked. */
  notify?: NotifySettings;
  /** Runs in a row a partition may go uncollected before its StaleInventory event opens (heartbeat.staleAfterRuns). @default 3 */
  staleAfterRuns?: number;
}

export function parseFinalizeRequest(input: unknown): FinalizeRequest {
  const record = expectRecord(input, 'FinalizeRequest');
  parseSchemaVersion(record.schemaVersion, 'FinalizeRequest.schemaVersion', false);
  return {
    mode: 'finalize',
    runId: expectString(record.runId, 'FinalizeRequest.runId'),
    startedAt: expectString(record.startedAt, 'FinalizeRequest.startedAt'),
  };
}

export function parseAccountDoneRequest(input: unknown): AccountDoneRequest {
  const record = expectRecord(input, 'AccountDoneRequest');
  parseSchemaVersion(record.schemaVersion, 'AccountDoneRequest.schemaVersion', false);
  return {
    mode: 'account',
    runId: expectString(record.runId, 'AccountDoneRequest.runId'),
    startedAt: expectString(record.startedAt, 'AccountDoneRequest.startedAt'),
    accountId: expectString(record.accountId, 'AccountDoneRequest.accountId'),
    skipped: expectArray(record.skipped, 'AccountDoneRequest.skipped') as SkippedTarget[],
    probe: expectRecord(record.probe, 'AccountDoneRequest.probe') as unknown as TaskTrace,
    outcomes: expectArray(record.outcomes, 'AccountDoneRequest.outcomes').map((o, i) => {
      const outcome = expectRecord(o, `AccountDoneRequest.outcomes[${i}]`);
      return {
        taskId: expectString(outcome.taskId, `AccountDoneRequest.outcomes[${i}].taskId`),
        status: expectString(outcome.status, `AccountDoneRequest.outcomes[${i}].status`),
        ...(typeof outcome.error === 'string' ? { error: outcome.error } : {}),
      };
    }),
  };
}

export function parseTaskFailedRequest(input: unknown): TaskFailedRequest {
  const record = expectRecord(input, 'TaskFailedRequest');
  return { mode: 'taskFailed', task: expectRecord(record.task, 'TaskFailedRequest.task') };
}

/**
 * A task whose Lambda failed for good (a timeout, a crash, throttling past its retries) stored nothing itself: its
 * result, with the error Step Functions caught, goes where every task's does (`trace --failures` lists it), and the
 * Map keeps the same small outcome as for any task.
 */
export async function recordFailedTask(request: TaskFailedRequest, db: Database): Promise<TaskOutcome> {
  const { failure, ...task } = request.task;
  const result = failedTaskResult(task, isRecord(failure) ? (failure as { Error?: string; Cause?: string }) : {});
  await new RunStore(db).saveTask(String(task.runId ?? ''), result, { taskId: result.taskId, startedAt: new Date().toISOString(), durationMs: 0, calls: [] });
  return { taskId: result.taskId, status: 'failed' };
}

/**
 * Closes one account's part of a run: gathers its tasks' results, evaluates its account rules, counts what the
 * thresholds count in its complete partitions, and stores its summary and its complete partitions (ACCOUNT#,
 * COMPLETE#) for Finalize and the readers. Everything here is one account's: it runs in that account's child execution.
 */
export async function finishAccount(request: AccountDoneRequest, db: Database, settings: FinalizeSettings, now = new Date()): Promise<{ accountId: string; status: RunSummary['status'] }> {
  const runs = new RunStore(db);
  const writesBefore = db.writes;
  const stored = await runs.resultsOf(request.runId, request.outcomes.map((o) => o.taskId));
  const results: TaskResult[] = request.outcomes.map((outcome) => stored.get(outcome.taskId) ?? failedTaskResult(
    { taskId: outcome.taskId, account: { accountId: request.accountId }, region: outcome.taskId.split(':')[2] },
    { Error: outcome.error ?? 'cloudtap.ResultMissing', Cause: outcome.error ? 'the task failed and its failure could not be recorded' : `the task reported ${outcome.status} but stored no result` },
  ));
  const seq = request.outcomes.length > 0 ? await runs.sequenceOf(request.runId) : 0;
  const context: EventSyncContext = { runId: request.runId, runStartedAt: request.startedAt, seq, ems: settings.ems, events: new EventStore(db), runs };
  const completePartitions = new Set(results.flatMap((r) => r.completePartitions));
  const eventCounts = { opened: 0, recurred: 0, cleared: 0 };
  const staleInventory = await trackStaleInventory(request.accountId, results, db, context, settings.staleAfterRuns ?? DEFAULT_HEARTBEAT.staleAfterRuns);
  for (const sync of [...await evaluateAccountRules(results, completePartitions, db, context), ...(staleInventory ? [staleInventory] : [])]) {
    eventCounts.opened += sync.counts.opened;
    eventCounts.recurred += sync.counts.recurred;
    eventCounts.cleared += sync.counts.cleared;
    completePartitions.add(sync.partition);
  }
  const counters: Record<string, [string | null, number][]> = {};
  for (const counter of allCounters()) {
    if (settings.thresholds.some((t) => t.rule === counter.name)) counters[counter.name] = tally(await countedGroups(db, completePartitions, counter));
  }
  await runs.saveTask(request.runId, undefined, request.probe);
  const summary = summarizeRun(
    { runId: request.runId, startedAt: request.probe.startedAt, finishedAt: now.toISOString(), skipped: request.skipped, extraWrites: 0 },
    results,
  );
  summary.events.opened += eventCounts.opened;
  summary.events.recurred += eventCounts.recurred;
  summary.events.cleared += eventCounts.cleared;
  summary.apiCalls += request.probe.calls.filter((c) => !isStoreCall(c)).length;
  // The account's two items are its last writes.
  summary.writes += db.writes - writesBefore + 2;
  await runs.saveAccount(request.runId, { ...summary, accountId: request.accountId, counters }, [...completePartitions].sort());
  return { accountId: request.accountId, status: summary.status };
}

/**
 * Closes a run: merges its accounts' summaries (an account listed in the plan without one did not finish: failed,
 * its data untouched), evaluates the thresholds over every account's counts (publishing one alarm per transition),
 * and stores the run summary.
 */
export async function finalizeRun(request: FinalizeRequest, db: Database, settings: FinalizeSettings, now = new Date()): Promise<RunSummary> {
  const runs = new RunStore(db);
  const writesBefore = db.writes;
  const plan = await runs.plan(request.runId);
  if (!plan) throw new Error(`run ${request.runId} has no plan: GetTasks stored none`);
  const parts = await runs.accountSummaries(request.runId);
  const finished = new Set(parts.map((p) => p.accountId));
  const missing: { accountId: string; reason: string }[] = [];
  const inactive: SkippedTarget[] = [];
  for (let page = 0; page < plan.pages; page++) {
    const { accounts, skipped } = await runs.accountPage(request.runId, page);
    if (inactive.length < SUMMARY_LIMITS.listedSkipped) inactive.push(...skipped.slice(0, SUMMARY_LIMITS.listedSkipped - inactive.length));
    for (const account of accounts) {
      const id = account.accountId ?? account.roleArn?.split(':')[4] ?? 'unknown';
      if (!finished.has(id)) missing.push({ accountId: id, reason: `the collection of account ${id} did not finish (its child execution failed: see the Map Run of the run's execution); none of its data was changed by this run` });
    }
  }
  const seq = await runs.sequenceOf(request.runId);
  const context: EventSyncContext = { runId: request.runId, runStartedAt: request.startedAt, seq, ems: settings.ems, events: new EventStore(db), runs };
  const summary = mergeAccountSummaries(
    { runId: request.runId, startedAt: request.startedAt, finishedAt: now.toISOString(), skipped: inactive, skippedTotal: plan.skipped },
    parts, missing,
  );
  summary.apiCalls += plan.apiCalls;
  const runPartitions: string[] = [];
  const allSucceeded = summary.tasks.failed === 0 && missing.length === 0;
  let alarms: Alarm[] = [];
  if (allSucceeded && settings.thresholds.length > 0) {
    const counted = new Map<string, Map<string | null, number>>();
    for (const part of parts) {
      for (const [name, groups] of Object.entries(part.counters ?? {})) {
        const total = counted.get(name) ?? new Map<string | null, number>();
        for (const [group, count] of groups) total.set(group, (total.get(group) ?? 0) + count);
        counted.set(name, total);
      }
    }
    const sync = await evaluateThresholds(settings.thresholds, counted, db, context);
    summary.events.opened += sync.counts.opened;
    summary.events.recurred += sync.counts.recurred;
    summary.events.cleared += sync.counts.cleared;
    runPartitions.push(sync.partition);
    alarms = sync.transitions.map((t) => ({
      detailType: t.transition === 'cleared' ? ALARM_CLEARED : ALARM,
      threshold: t.event.typeNames[0]?.name ?? '',
      eventId: t.event.id,
      severity: t.transition === 'cleared' ? 5 : t.event.severity,
      group: t.event.group,
      text: t.transition === 'cleared' ? thresholdRule.clearText(t.event.typeNames) : t.event.text,
      time: request.startedAt,
      runId: request.runId,
      ems: settings.ems,
    }));
  }
  // Silences withhold alarms; the run's transitions are notified by route (src/notify).
  const notified = await notifyFinalize(db, settings.notify, settings.alarms, { runId: request.runId, seq, ems: settings.ems, now, alarms });
  alarms = notified.alarms;
  summary.notifications = notified.counts;
  summary.alarms = alarms;
  summary.openEvents = await new EventStore(db).countOpenBySeverity();
  if (!allSucceeded && settings.thresholds.length > 0) summary.notes = ['thresholds not evaluated: some tasks failed, so the counts they need are incomplete'];
  await recordRunForHeartbeat(db, summary, seq);
  // The run item itself is this run's last write.
  summary.writes += db.writes - writesBefore + 1;
  await runs.saveRun({ ...summary, seq, completePartitions: runPartitions });
  return summary;
}

function tally(groups: (string | null)[]): [string | null, number][] {
  const counts = new Map<string | null, number>();
  for (const group of groups) counts.set(group, (counts.get(group) ?? 0) + 1);
  return [...counts];
}

/**
 * Account rules run where every region's partition of the types they read was collected completely;
 * otherwise they neither open nor clear anything.
 */
async function evaluateAccountRules(results: TaskResult[], complete: Set<string>, db: Database, context: EventSyncContext): Promise<EventSync[]> {
  const syncs: EventSync[] = [];
  const resources = new ResourceStore(db);
  for (const service of allServices()) {
    for (const rule of service.accountRules ?? []) {
      const byAccount = new Map<string, string[]>();
      for (const r of results) if (r.service === service.name) byAccount.set(r.accountId, [...(byAccount.get(r.accountId) ?? []), r.region]);
      for (const [accountId, regions] of byAccount) {
        const partitions = rule.reads.flatMap((type) => regions.map((region) => partitionKey(accountId, region, type)));
        if (!partitions.every((p) => complete.has(p))) continue;
        const records = new Map<string, Awaited<ReturnType<ResourceStore['listPartition']>>>();
        for (const type of rule.reads) {
          const lists = await Promise.all(regions.map((region) => resources.listPartition(partitionKey(accountId, region, type))));
          records.set(type, lists.flat());
        }
        const partition = partitionKey(accountId, ACCOUNT_WIDE, `rule:${rule.name}`);
        const sync = await EventSync.start(partition, context);
        const writes = rule.evaluate(records, [...regions].sort()).map((finding) => sync.observe(rule, finding, finding.resourceId));
        await runWrites(writes.filter((w): w is () => Promise<void> => !!w));
        await sync.reconcile([rule], runWrites);
        syncs.push(sync);
      }
    }
  }
  return syncs;
}

async function evaluateThresholds(thresholds: Threshold[], counted: Map<string, Map<string | null, number>>, db: Database, context: EventSyncContext): Promise<EventSync> {
  const partition = partitionKey(context.ems, ACCOUNT_WIDE, 'rule:Threshold');
  const sync = await EventSync.start(partition, context, { recordTransitions: true });
  const openEvents = await openEventViews(db);
  const counterNames = new Set(allCounters().map((c) => c.name));
  const writes: (() => Promise<void>)[] = [];
  for (const threshold of thresholds) {
    const groups = counterNames.has(threshold.rule) ? counted.get(threshold.rule) ?? new Map<string | null, number>() : undefined;
    const count = groups
      ? [...groups].filter(([group]) => threshold.group === undefined || group === threshold.group).reduce((sum, [, n]) => sum + n, 0)
      : openEvents.filter((e) => matchesThreshold(threshold, e)).length;
    const finding = thresholdFinding(threshold, count);
    const write = finding && sync.observe(thresholdRule, finding, threshold.name);
    if (write) writes.push(write);
  }
  await runWrites(writes);
  await sync.reconcile([thresholdRule], runWrites);
  return sync;
}

async function openEventViews(db: Database) {
  const open = await new EventStore(db).listOpen();
  const ledger = await RunLedger.covering(open, new RunStore(db));
  return open.map((e) => ledger.view(e));
}

/** The group of every resource a counter counts (e.g. the role of every running instance), in the partitions this run collected completely. */
async function countedGroups(db: Database, complete: Set<string>, counter: Counter): Promise<(string | null)[]> {
  const resources = new ResourceStore(db);
  const partitions = [...complete].filter((p) => parsePartition(p).type === counter.type);
  const lists = await Promise.all(partitions.map((p) => resources.listPartition(p)));
  return lists.flat().map((r) => counter.group(r)).filter((group): group is string | null => group !== undefined);
}

