import type { SkippedTarget } from '../dto/run-summary';
import { summarizeRun, type RunSummary } from '../dto/run-summary';
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
import { mapWithConcurrency } from '../util/concurrency';
import { isStoreCall } from '../aws/call-trace';

/** Account-wide partitions (rule results that span regions) use this region name. */
const ACCOUNT_WIDE = 'aws-global';

/** What the Map hands Finalize per task: an outcome only (results themselves are in the runs table). */
export type TaskOutcome = { taskId: string; status: string } | { status: 'failed'; caught: Record<string, unknown> };

export interface FinalizeRequest {
  mode: 'finalize';
  runId: string;
  startedAt: string;
  skipped: SkippedTarget[];
  /** get-tasks' own calls. */
  probe?: TaskTrace;
  outcomes: TaskOutcome[];
}

export interface FinalizeSettings {
  ems: string;
  thresholds: Threshold[];
  alarms: AlarmPublisher;
}

export function parseFinalizeRequest(input: unknown): FinalizeRequest {
  const record = expectRecord(input, 'FinalizeRequest');
  parseSchemaVersion(record.schemaVersion, 'FinalizeRequest.schemaVersion', false);
  return {
    mode: 'finalize',
    runId: expectString(record.runId, 'FinalizeRequest.runId'),
    startedAt: expectString(record.startedAt, 'FinalizeRequest.startedAt'),
    skipped: expectArray(record.skipped, 'FinalizeRequest.skipped') as SkippedTarget[],
    ...(isRecord(record.probe) ? { probe: record.probe as unknown as TaskTrace } : {}),
    outcomes: expectArray(record.outcomes, 'FinalizeRequest.outcomes').map((o, i) => expectRecord(o, `FinalizeRequest.outcomes[${i}]`)) as TaskOutcome[],
  };
}

/**
 * Closes a run: gathers every task's result, evaluates the account-wide rules and the thresholds (publishing
 * one alarm per transition), and stores the run summary with the partitions it collected completely.
 */
export async function finalizeRun(request: FinalizeRequest, db: Database, settings: FinalizeSettings, now = new Date()): Promise<RunSummary> {
  const runs = new RunStore(db);
  const writesBefore = db.writes;
  const stored = new Map((await runs.taskResults(request.runId)).map((r) => [r.taskId, r]));
  const caught: TaskResult[] = [];
  const results: TaskResult[] = request.outcomes.map((outcome) => {
    if ('caught' in outcome) {
      const { failure, ...task } = outcome.caught;
      const result = failedTaskResult(task, isRecord(failure) ? (failure as { Error?: string; Cause?: string }) : {});
      caught.push(result);
      return result;
    }
    const result = stored.get(outcome.taskId);
    if (!result) throw new Error(`run ${request.runId}: task ${outcome.taskId} reported ${outcome.status} but stored no result`);
    return result;
  });
  // A task whose Lambda failed stored nothing itself: its result goes where every failed task's is, for `trace --failures`.
  await mapWithConcurrency(caught, 8, (result) => runs.saveTask(request.runId, result, { taskId: result.taskId, startedAt: request.startedAt, durationMs: 0, calls: [] }));
  const seq = await runs.sequenceOf(request.runId);
  const context: EventSyncContext = { runId: request.runId, runStartedAt: request.startedAt, seq, ems: settings.ems, events: new EventStore(db), runs };
  const completePartitions = new Set(results.flatMap((r) => r.completePartitions));
  const eventCounts = { opened: 0, recurred: 0, cleared: 0 };
  const addCounts = (sync: EventSync): void => {
    eventCounts.opened += sync.counts.opened;
    eventCounts.recurred += sync.counts.recurred;
    eventCounts.cleared += sync.counts.cleared;
  };

  for (const sync of await evaluateAccountRules(results, completePartitions, db, context)) {
    addCounts(sync);
    completePartitions.add(sync.partition);
  }
  const allSucceeded = results.every((r) => r.status !== 'failed');
  let alarms: Alarm[] = [];
  if (allSucceeded && settings.thresholds.length > 0) {
    const sync = await evaluateThresholds(settings.thresholds, completePartitions, db, context);
    addCounts(sync);
    completePartitions.add(sync.partition);
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
    await settings.alarms.publish(alarms);
  }

  const summary = summarizeRun(
    { runId: request.runId, startedAt: request.startedAt, finishedAt: now.toISOString(), skipped: request.skipped, extraWrites: 0 },
    results,
  );
  summary.events.opened += eventCounts.opened;
  summary.events.recurred += eventCounts.recurred;
  summary.events.cleared += eventCounts.cleared;
  summary.alarms = alarms;
  summary.openEvents = await new EventStore(db).countOpenBySeverity();
  if (request.probe) {
    await runs.saveTask(request.runId, undefined, request.probe);
    summary.apiCalls += request.probe.calls.filter((c) => !isStoreCall(c)).length;
  }
  if (!allSucceeded && settings.thresholds.length > 0) summary.notes = ['thresholds not evaluated: some tasks failed, so the counts they need are incomplete'];
  // The run item itself is this run's last write.
  summary.writes += db.writes - writesBefore + 1;
  await runs.saveRun({ ...summary, seq, completePartitions: [...completePartitions].sort() });
  return summary;
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

async function evaluateThresholds(thresholds: Threshold[], complete: Set<string>, db: Database, context: EventSyncContext): Promise<EventSync> {
  const partition = partitionKey(context.ems, ACCOUNT_WIDE, 'rule:Threshold');
  const sync = await EventSync.start(partition, context, { recordTransitions: true });
  const openEvents = await openEventViews(db);
  const counted = new Map<string, (string | null)[]>();
  for (const counter of allCounters()) {
    if (thresholds.some((t) => t.rule === counter.name)) counted.set(counter.name, await countedGroups(db, complete, counter));
  }
  const writes: (() => Promise<void>)[] = [];
  for (const threshold of thresholds) {
    const groups = counted.get(threshold.rule);
    const count = groups
      ? groups.filter((group) => threshold.group === undefined || group === threshold.group).length
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

async function runWrites(writes: (() => Promise<void>)[]): Promise<void> {
  await mapWithConcurrency(writes, 16, (write) => write());
}
