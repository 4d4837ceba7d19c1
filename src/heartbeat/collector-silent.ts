import type { RunSummary } from '../dto/run-summary';
import type { TypeName } from '../dto/tap-event';
import { ALARM, ALARM_CLEARED, type Alarm, type AlarmPublisher } from '../finalize/alarms';
import { GLOBAL_REGION } from '../collect/collect-task';
import { EventSync, type EventSource } from '../events/event-sync';
import { EventStore } from '../store/event-store';
import { RunStore } from '../store/run-store';
import { partitionKey } from '../store/resource-store';
import type { Database } from '../store/dynamo';
import type { NotificationCounts } from '../dto/run-summary';
import { notifyFinalize, type NotifySettings } from '../notify/notifier';
import { HeartbeatStore, type LastSuccess } from './heartbeat-store';

export const collectorSilentRule: EventSource = {
  name: 'CollectorSilent',
  eventClass: 'cloudtap',
  clearText: (typeNames: TypeName[]): string => `OK – collector ${typeNames[0]?.name ?? ''} collected successfully again`,
};

export interface HeartbeatSettings {
  ems: string;
  /** N: schedule periods without a successful run before the collector counts as silent. */
  silentAfterSchedules: number;
  /** The run schedule, as the text says it (`rate(1 hour)`). */
  scheduleExpression: string;
  /** Seconds between two scheduled runs (the longest gap, for a cron), as the stack derives it from the expression. */
  periodSeconds: number;
  alarms: AlarmPublisher;
  /** Routes, silences, flapping (src/notify): while runs are missing, the heartbeat notifies the outbox Finalize would. */
  notify?: NotifySettings;
}

/** The heartbeat normalize's schedule sends (`{"mode": "heartbeat"}`). */
export interface HeartbeatRequest {
  mode: 'heartbeat';
}

/** What one heartbeat found and did. */
export interface HeartbeatResult {
  mode: 'heartbeat';
  /** Whether no run collected anything within `silentAfterSeconds` of `now`. */
  silent: boolean;
  now: string;
  /** What silence is measured from: the last successful run's end, or (none yet) the first heartbeat. */
  since: string;
  lastSuccess?: LastSuccess;
  silentAfterSeconds: number;
  /** The CollectorSilent event's transition, when this heartbeat made one. */
  transition?: 'opened' | 'reopened' | 'cleared';
  eventId?: string;
  /** Its CollectorSilent alarm, and threshold alarms whose silence ended (the notifier released them). */
  alarms: Alarm[];
  /** What the notifier did, when the heartbeat ran it (silent, or a transition). */
  notifications?: NotificationCounts;
  writes: number;
}

/**
 * A run counts as a success for the heartbeat when it finished and collected something: succeeded, or partial with at
 * least one task that succeeded. A partial run proves the collector alive; what it missed is StaleInventory's (per
 * partition) and the RunPartial alarm's. A run in which every task failed is silence.
 */
export function collectedSomething(run: Pick<RunSummary, 'tasks'>): boolean {
  return (run.tasks?.succeeded ?? 0) > 0;
}

/** Finalize: the run's end is the heartbeat's last success when the run collected something (one item write). */
export async function recordRunForHeartbeat(db: Database, summary: RunSummary, seq: number): Promise<void> {
  if (!collectedSomething(summary)) return;
  await new HeartbeatStore(db).recordSuccess({ seq, runId: summary.runId, startedAt: summary.startedAt, finishedAt: summary.finishedAt });
}

const seconds = (iso: string) => iso.replace(/\.\d{3}Z$/, 'Z');

/**
 * Notices the absence of runs: with no run that collected something within N × the schedule's period, opens the
 * `CollectorSilent` event (severity 1) and publishes an alarm; a newer success clears it (and publishes the
 * recovery). A new install measures from its first heartbeat, so nothing fires before the first scheduled run had N
 * periods to happen. A steady heartbeat (not silent, no event open) reads two items and writes nothing.
 */
export async function heartbeat(db: Database, settings: HeartbeatSettings, now = new Date()): Promise<HeartbeatResult> {
  const writesBefore = db.writes;
  const store = new HeartbeatStore(db);
  const at = now.toISOString();
  const lastSuccess = await store.lastSuccess((run) => collectedSomething(run as unknown as RunSummary));
  const since = lastSuccess?.finishedAt ?? await store.firstHeartbeat(at);
  const silentAfterSeconds = settings.silentAfterSchedules * settings.periodSeconds;
  const silent = now.getTime() - Date.parse(since) > silentAfterSeconds * 1000;
  const result: HeartbeatResult = { mode: 'heartbeat', silent, now: at, since, ...(lastSuccess ? { lastSuccess } : {}), silentAfterSeconds, alarms: [], writes: 0 };

  const events = new EventStore(db);
  const partition = partitionKey(settings.ems, GLOBAL_REGION, `rule:${collectorSilentRule.name}`);
  if (!silent && (await events.openEventsOf(partition)).size === 0) {
    result.writes = db.writes - writesBefore;
    return result;
  }
  const runs = new RunStore(db);
  // An observation of its own, as a real-time update has: ordered against runs by its sequence number, counted at once.
  const seq = await runs.nextSequence();
  const context = { runId: `heartbeat:${seconds(at)}`, runStartedAt: at, seq, ems: settings.ems, events, runs };
  const sync = await EventSync.start(partition, context, { recordTransitions: true, counted: true });
  if (silent) {
    const reason = lastSuccess ? `no successful collection since ${seconds(since)}` : `no successful collection since the first heartbeat at ${seconds(since)} (no run has collected anything yet)`;
    const write = sync.observe(collectorSilentRule, {
      severity: 1,
      typeNames: [{ type: 'Collector', name: settings.ems }],
      group: null,
      text: `CRITICAL – ${reason} (${settings.silentAfterSchedules} × ${settings.scheduleExpression})`,
    }, settings.ems);
    if (write) await write();
  }
  const inOrder = async (writes: (() => Promise<void>)[]) => { for (const write of writes) await write(); };
  await sync.reconcile([collectorSilentRule], inOrder);
  for (const { event, transition } of sync.transitions) {
    result.transition = transition;
    result.eventId = event.id;
    result.alarms.push({
      detailType: transition === 'cleared' ? ALARM_CLEARED : ALARM,
      threshold: collectorSilentRule.name,
      eventId: event.id,
      severity: transition === 'cleared' ? 5 : event.severity,
      group: null,
      text: transition === 'cleared' ? collectorSilentRule.clearText(event.typeNames) : event.text,
      time: at,
      runId: lastSuccess?.runId ?? '',
      ems: settings.ems,
    });
  }
  // Finalize notifies the outbox (src/notify) at each run's end; with no run ending, the heartbeat does, so that this
  // transition (and anything else waiting) reaches its routes. The alarm is published as thresholds' are, and held
  // the same way (a silence covering the collector: a planned stop).
  const notified = await notifyFinalize(db, settings.notify, settings.alarms, { runId: context.runId, seq, ems: settings.ems, now, alarms: result.alarms });
  result.notifications = notified.counts;
  result.alarms = notified.alarms;
  result.writes = db.writes - writesBefore;
  return result;
}
