import type { TaskResult } from '../dto/task';
import type { TypeName } from '../dto/tap-event';
import type { Finding } from '../services/rule';
import { accountLevelTypes, allResourceTypes, allServices } from '../services/registry';
import { typeKey } from '../services/resource-type';
import { CLOUD_SERVICE_TYPE, GLOBAL_REGION } from '../collect/collect-task';
import { partitionKey } from '../store/resource-store';
import type { Database } from '../store/dynamo';
import { EventSync, type EventSource, type EventSyncContext } from '../events/event-sync';
import { mapWithConcurrency, writesInFlight } from '../util/concurrency';
import { HeartbeatStore, type Streak } from './heartbeat-store';

/** Finished runs looked back through for a partition's last complete collection, when its streak starts. */
const LAST_COMPLETE_LOOKBACK = 20;

export const staleInventoryRule: EventSource = {
  name: 'StaleInventory',
  eventClass: 'cloudtap',
  clearText: (typeNames: TypeName[]): string => `OK – partition ${typeNames[0]?.name ?? ''} was collected completely again`,
};

/** The partitions a task meant to collect: its service's regional types in its region, or the account-level types. */
export function plannedPartitions(result: Pick<TaskResult, 'taskId' | 'taskType' | 'accountId' | 'region' | 'service'>): string[] {
  switch (result.taskType) {
    case 'inventory.CloudService': {
      // A result recorded without its service (no result stored: AccountDone made one up) has it in its task id (taskIdOf).
      const name = result.service ?? result.taskId.split(':')[3];
      const service = allServices().find((s) => s.name === name);
      return service ? service.types.filter((t) => t.level !== 'account').map((t) => partitionKey(result.accountId, result.region, typeKey(t))) : [];
    }
    case 'inventory.Region':
      return accountLevelTypes().map((t) => partitionKey(result.accountId, GLOBAL_REGION, typeKey(t)));
    case 'inventory.CloudServiceType':
      return allResourceTypes().filter((t) => typeKey(t) === CLOUD_SERVICE_TYPE).map((t) => partitionKey(result.accountId, GLOBAL_REGION, typeKey(t)));
  }
}

/** How many runs in a row did not collect the partition, as far as finished runs (and this run, still going) say. */
function streakLength(streak: Streak, finished: ReadonlySet<string>, seq: number): number {
  if (!streak.pending) return streak.confirmed;
  return streak.confirmed + (streak.pending.seq === seq || finished.has(streak.pending.runId) ? 1 : 0);
}

export function staleFinding(streak: Streak, runs: number): Finding {
  const last = streak.lastComplete ? `last complete collection ${streak.lastComplete}` : `no complete collection in the ${LAST_COMPLETE_LOOKBACK} runs before`;
  return {
    severity: 2,
    typeNames: [{ type: 'Partition', name: streak.partition }],
    group: null,
    text: `WARNING – partition ${streak.partition} not collected completely in ${runs} runs in a row, since the run of ${streak.since ?? 'unknown'}; ${last}`,
  };
}

/**
 * One account's part of a run (AccountDone): counts, per partition its tasks meant to collect, the runs in a row that
 * did not collect it completely (a failed task, a failed listing), and opens a `StaleInventory` event for each
 * partition at `staleAfterRuns` or more; a partition collected completely again resets its streak and its event clears.
 *
 * Only partitions in trouble are written (one item each, updated once per run they stay in trouble), and a run counts
 * only once it is known to have finished: the next AccountDone confirms the previous run's misses by its run item.
 * Streaks of partitions this run did not plan (another selection of services or regions) are left as they are, and
 * their events stay open. Returns the account's sync (its partition is one the run observed completely), or nothing
 * when the account ran no task or never had a partition in trouble.
 */
export async function trackStaleInventory(
  accountId: string, results: readonly TaskResult[], db: Database, context: EventSyncContext, staleAfterRuns: number,
): Promise<EventSync | undefined> {
  if (results.length === 0 || context.seq === 0) return undefined;
  const store = new HeartbeatStore(db);
  const complete = new Set(results.flatMap((r) => r.completePartitions));
  const missed = new Set(results.flatMap((r) => plannedPartitions(r)).filter((p) => !complete.has(p)));
  const streaks = new Map((await store.streaksOf(accountId)).map((s) => [s.partition, s]));
  const pendingRuns = [...streaks.values()].flatMap((s) => (s.pending && s.pending.seq !== context.seq ? [s.pending.runId] : []));
  const finished = pendingRuns.length > 0 ? await store.finishedRuns(pendingRuns) : new Set<string>();

  const starting = [...missed].filter((p) => { const s = streaks.get(p); return !s || (s.seq < context.seq && streakLength(s, finished, context.seq) === 0); });
  const lastComplete = await store.lastCompleteAmong(accountId, starting, LAST_COMPLETE_LOOKBACK);
  const writes: Streak[] = [];
  for (const partition of missed) {
    const before = streaks.get(partition);
    // Seen already by this run (a retried AccountDone) or by a newer one: as it stands.
    if (before && before.seq >= context.seq) continue;
    const counted = before ? streakLength(before, finished, context.seq) : 0;
    const since = counted > 0 ? before?.since : context.runStartedAt;
    // A streak starting: its last complete collection among the recent runs, else the one that last reset it.
    const last = counted > 0 ? before?.lastComplete : lastComplete.get(partition) ?? before?.lastComplete;
    const streak: Streak = {
      partition, confirmed: counted, pending: { seq: context.seq, runId: context.runId, startedAt: context.runStartedAt }, seq: context.seq,
      ...(since ? { since } : {}), ...(last ? { lastComplete: last } : {}),
    };
    streaks.set(partition, streak);
    writes.push(streak);
  }
  for (const partition of complete) {
    const before = streaks.get(partition);
    if (!before || before.seq >= context.seq || (streakLength(before, finished, context.seq) === 0 && !before.pending)) continue;
    const reset: Streak = { partition, confirmed: 0, seq: context.seq, lastComplete: context.runStartedAt };
    streaks.set(partition, reset);
    writes.push(reset);
  }
  await mapWithConcurrency(writes, 16, (streak) => store.saveStreak(accountId, streak));
  // An account that never had a partition in trouble has no StaleInventory event: nothing to observe or clear.
  if (streaks.size === 0) return undefined;

  const sync = await EventSync.start(partitionKey(accountId, GLOBAL_REGION, `rule:${staleInventoryRule.name}`), context);
  const observations: (() => Promise<void>)[] = [];
  for (const streak of streaks.values()) {
    const runs = streakLength(streak, finished, context.seq);
    if (runs < staleAfterRuns) continue;
    const write = sync.observe(staleInventoryRule, staleFinding(streak, runs), streak.partition);
    if (write) observations.push(write);
  }
  const inFlight = writesInFlight(16);
  await inFlight(observations);
  await sync.reconcile([staleInventoryRule], inFlight);
  return sync;
}
