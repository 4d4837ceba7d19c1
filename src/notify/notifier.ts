import { ALARM, ALARM_CLEARED, type Alarm } from '../dto/alarm';
import type { NotificationCounts } from '../dto/run-summary';
import type { Severity, SilenceMark } from '../dto/tap-event';
import { thresholdRule } from '../events/threshold';
import { conditionalWrite, type Database } from '../store/dynamo';
import type { EventHistoryEntry, StoredEvent } from '../store/event-store';
import { mapWithConcurrency } from '../util/concurrency';
import { alertOf, type Alert } from './alerts';
import { splitNotification, type Notification, type NotificationSender } from './delivery';
import { MAX_FIRING_IDS, NotifyStore, type RouteGroupState } from './notify-store';
import { routesFor, type Route } from './routes';
import { activeSilenceFor, type Silence } from './silences';

/** Flapping: more than `changes` opens and clears among the last `windowRuns` sequence numbers (runs). */
export interface FlappingSettings {
  changes: number;
  windowRuns: number;
}

export const DEFAULT_FLAPPING: FlappingSettings = { changes: 3, windowRuns: 6 };
/** A resolve waits until the event stayed cleared this many runs more (Prometheus' `keep_firing_for`). */
export const DEFAULT_KEEP_FIRING_RUNS = 1;
/** Outbox items one Finalize examines; the rest wait for the next (Finalize stays bounded at organization scale). */
export const MAX_PENDING_PER_RUN = 20_000;

export interface NotifySettings {
  routes: Route[];
  /** From cdk.json context (CLOUDTAP_SILENCES); the store's (`cloudtap silence add`) are read at each run. */
  silences: Silence[];
  flapping: FlappingSettings;
  keepFiringRuns: number;
  sender: NotificationSender;
}

export interface NotifyRun {
  runId: string;
  seq: number;
  ems: string;
  now: Date;
  /** Threshold alarms Finalize withheld this run because a silence covers them (event id → detail type). */
  withheldAlarms?: ReadonlyMap<string, string>;
  /** Every silence (context and store), when the caller has read them already. */
  silences?: Silence[];
}

/** What to write on one event: history entries to append, attributes to set or remove, whether it stays pending. */
interface EventChange {
  event: StoredEvent;
  entries: EventHistoryEntry[];
  set: Record<string, unknown>;
  remove: string[];
  keepPending: boolean;
}

interface RoutedAlert {
  change: EventChange;
  alert: Alert;
  severity: Severity;
}

const OPEN_OR_CLEAR = new Set(['opened', 'reopened', 'cleared']);

/**
 * Notifies a run's transitions (Finalize, after the thresholds): reads the outbox, decides per event (flapping, keep
 * firing, silence), groups what is due per route and group, sends one notification per group (split only to fit a
 * message), sends reminders for groups still firing, and records on each event what was sent — one write per event it
 * changed. A silenced threshold's withheld alarm is returned for Finalize to publish once the silence is over.
 */
export async function notifyRun(db: Database, settings: NotifySettings, run: NotifyRun): Promise<{ counts: NotificationCounts; alarms: Alarm[] }> {
  const store = new NotifyStore(db);
  const now = run.now.toISOString();
  const counts: NotificationCounts = { sent: 0, alerts: 0, held: 0, silenced: 0, flapping: 0, deferred: false, failed: 0 };
  const silences = run.silences ?? [...settings.silences, ...await store.listSilences()];
  const { events, more } = await store.pending(MAX_PENDING_PER_RUN);
  counts.deferred = more;
  const alarms: Alarm[] = [];
  const changes: EventChange[] = [];
  const routed = new Map<string, { route: Route; labels: Record<string, string>; alerts: RoutedAlert[] }>();

  for (const event of events) {
    const change: EventChange = { event, entries: [], set: {}, remove: [], keepPending: false };
    changes.push(change);
    const withheld = run.withheldAlarms?.get(event.id);
    if (withheld) change.set.alarmWithheld = event.alarmWithheld ?? withheld;
    const entry = (transition: EventHistoryEntry['transition'], text: string): void => {
      change.entries.push({ time: now, transition, text, seq: run.seq, runId: run.runId });
    };
    const moves = movesWithin(event, run.seq, settings.flapping);
    if (!event.flapping && moves.length > settings.flapping.changes) {
      change.set.flapping = true;
      entry('flapping', `flapping: ${moves.length} opens and clears within ${settings.flapping.windowRuns} runs; notifications held until it settles`);
      change.keepPending = true;
      counts.held++;
      continue;
    }
    if (event.flapping) {
      if (moves.length > 0) {
        change.keepPending = true;
        counts.held++;
        continue;
      }
      change.set.flapping = false;
      entry('settled', `settled: no open or clear for ${settings.flapping.windowRuns} runs; notifications resume`);
      // A threshold alarm held while it flapped: its current state, if it differs from the one last published.
      const alarm = releasedAlarm(event, run);
      if (alarm) alarms.push(alarm);
      if (event.alarmWithheld || withheld) change.remove.push('alarmWithheld');
    }
    const desired = event.state === 'open' ? 'trigger' : 'resolve';
    const last = event.notified?.action;
    const silence = activeSilenceFor(silences, event, run.now);
    if (event.silenced && !silence) {
      change.remove.push('silenced');
      const alarm = releasedAlarm(event, run);
      if (alarm) alarms.push(alarm);
      if (event.alarmWithheld || withheld) change.remove.push('alarmWithheld');
    }
    // A silenced event stays pending while its silence lasts (a withheld alarm is decided when it ends).
    if (silence) {
      const mark: SilenceMark = { id: silence.id, until: silence.until, reason: silence.reason };
      if (event.silenced?.id !== silence.id) {
        change.set.silenced = mark;
        entry('silenced', `silenced by ${silence.id} until ${silence.until}: ${silence.reason}`);
      }
      change.keepPending = true;
      counts.silenced++;
      continue;
    }
    // A trigger again only when the open event's severity changed since (PagerDuty updates the alert of the same key).
    if ((desired === 'trigger' && last === 'trigger' && event.notified?.severity === event.severity) || (desired === 'resolve' && last !== 'trigger')) continue;
    if (desired === 'resolve' && (event.clearedSeq ?? 0) > run.seq - settings.keepFiringRuns) {
      change.keepPending = true;
      counts.held++;
      continue;
    }
    const openSeverity = desired === 'trigger' ? event.severity : event.notified?.severity ?? event.severity;
    for (const route of routesFor(settings.routes, { severity: openSeverity, group: event.group, rule: event.rule })) {
      const labels = groupLabels(route, event, openSeverity);
      const key = `${route.name}\u0000${JSON.stringify(labels)}`;
      const group = routed.get(key) ?? { route, labels, alerts: [] };
      group.alerts.push({ change, alert: alertOf(event, desired, openSeverity, now), severity: openSeverity });
      routed.set(key, group);
    }
  }

  const sentGroups = new Set<string>();
  const notifiedRoutes = new Map<EventChange, { routes: string[]; alert: Alert; severity: Severity }>();
  const heldChanges = new Set<EventChange>();
  const statesByRoute = new Map<string, Map<string, RouteGroupState>>();
  const statesOf = async (route: string) => {
    let states = statesByRoute.get(route);
    if (!states) statesByRoute.set(route, (states = new Map((await store.groups(route)).map((s) => [s.groupKey, s]))));
    return states;
  };
  for (const { route, labels, alerts } of routed.values()) {
    const groupKey = JSON.stringify(labels);
    const states = await statesOf(route.name);
    const state: RouteGroupState = states.get(groupKey) ?? { route: route.name, groupKey, labels, firing: [] };
    const since = (iso: string | undefined) => (iso ? (run.now.getTime() - Date.parse(iso)) / 60_000 : Infinity);
    const waiting = state.lastNotifiedAt === undefined
      ? since(state.firstPendingAt ?? now) < route.groupWaitMinutes
      : since(state.lastNotifiedAt) < route.groupIntervalMinutes;
    if (waiting) {
      for (const a of alerts) heldChanges.add(a.change);
      if (!state.firstPendingAt) {
        state.firstPendingAt = now;
        await store.putGroup(state);
        states.set(groupKey, state);
      }
      continue;
    }
    alerts.sort((x, y) => x.change.event.id.localeCompare(y.change.event.id));
    const triggers = alerts.filter((a) => a.alert.event_action === 'trigger');
    // Still firing: a trigger now, or an event of the group that fired earlier and is not in this notification
    // (a Set: a group's firing list holds up to MAX_FIRING_IDS, a run's alerts up to MAX_PENDING_PER_RUN).
    const inThis = new Set(alerts.map((a) => a.change.event.id));
    const notifications = splitNotification({
      version: 1, route: route.name, groupKey, labels, status: triggers.length > 0 || state.firing.some((id) => !inThis.has(id)) ? 'firing' : 'resolved',
      reminder: false, runId: run.runId, time: now,
    }, alerts.map((a) => a.alert));
    try {
      await settings.sender.send(route.target, notifications);
    } catch (error) {
      // A target that refuses (denied, missing topic, throttled past retries) fails no run: its events stay pending.
      for (const a of alerts) heldChanges.add(a.change);
      deliveryFailed(counts, route, error);
      continue;
    }
    counts.sent += notifications.length;
    counts.alerts += alerts.length;
    const firing = new Set(state.firing);
    for (const a of alerts) {
      if (a.alert.event_action === 'trigger') firing.add(a.change.event.id);
      else firing.delete(a.change.event.id);
      const done = notifiedRoutes.get(a.change) ?? { routes: [], alert: a.alert, severity: a.severity };
      done.routes.push(route.name);
      notifiedRoutes.set(a.change, done);
    }
    const { firstPendingAt: _first, ...rest } = state;
    await store.putGroup({ ...rest, lastNotifiedAt: now, firing: [...firing] });
    sentGroups.add(`${route.name}\u0000${groupKey}`);
  }

  for (const change of changes) {
    if (heldChanges.has(change) && !notifiedRoutes.has(change)) {
      change.keepPending = true;
      counts.held++;
    }
    const done = notifiedRoutes.get(change);
    if (done) {
      change.set.notified = { action: done.alert.event_action, at: now, severity: done.severity, routes: done.routes };
      change.entries.push({
        time: now, transition: 'notified', seq: run.seq, runId: run.runId,
        text: `${done.alert.event_action} sent to ${done.routes.join(', ')} (dedup key ${done.alert.dedup_key})`,
      });
    }
  }
  await mapWithConcurrency(changes, 16, (change) => writeChange(db, change));
  counts.flapping = changes.filter((c) => (c.set.flapping ?? c.event.flapping) === true).length;
  counts.sent += await sendReminders(settings, store, run, statesOf, sentGroups, counts);
  return { counts, alarms };
}

function deliveryFailed(counts: NotificationCounts, route: Route, error: unknown): void {
  counts.failed++;
  const target = 'snsTopicArn' in route.target ? route.target.snsTopicArn : `bus ${route.target.eventBus}`;
  const message = `route ${route.name} (${target}): ${(error as Error).name}: ${(error as Error).message}`.slice(0, 300);
  if ((counts.errors ??= []).length < 5) counts.errors.push(message);
}

/** The labels of a route's group for an event: its `groupBy` labels' values. */
function groupLabels(route: Route, event: StoredEvent, severity: Severity): Record<string, string> {
  const value: Record<string, string> = {
    group: event.group ?? '', rule: event.rule, class: event.class, severity: String(severity),
    account: event.partition.split('#', 1)[0] ?? '', ems: event.ems,
  };
  return Object.fromEntries(route.groupBy.map((label) => [label, value[label] ?? '']));
}

/**
 * The threshold alarm a silence withheld, when its silence ends: the alarm of the event's state now, unless that is the
 * alarm published before the silence (the first alarm withheld was the other one: a threshold's alarms alternate).
 */
/** The event's opens and clears among the last `windowRuns` sequence numbers: what flapping counts. */
function movesWithin(event: StoredEvent, seq: number, flapping: FlappingSettings): EventHistoryEntry[] {
  return (event.transitions ?? []).filter((t) => OPEN_OR_CLEAR.has(t.transition) && (t.seq ?? 0) > seq - flapping.windowRuns);
}

function releasedAlarm(event: StoredEvent, run: NotifyRun): Alarm | undefined {
  // Only events whose alarm was withheld (thresholds, CollectorSilent) have one to release.
  const first = event.alarmWithheld ?? run.withheldAlarms?.get(event.id);
  if (!first) return undefined;
  const due = event.state === 'open' ? ALARM : ALARM_CLEARED;
  const publishedBefore = first === ALARM ? ALARM_CLEARED : ALARM;
  if (due === publishedBefore) return undefined;
  return {
    detailType: due, threshold: event.rule === thresholdRule.name ? event.typeNames[0]?.name ?? '' : event.rule, eventId: event.id,
    severity: event.state === 'open' ? event.severity : 5,
    // A cleared event's text is its OK text.
    group: event.group, text: event.text, time: run.now.toISOString(), runId: run.runId, ems: run.ems,
  };
}

/**
 * One write per event that changed; none for one that simply stays pending. The write holds only while the event has
 * the transitions it had when read: a transition in between (real time) keeps it pending for the next run.
 */
async function writeChange(db: Database, change: EventChange): Promise<void> {
  const remove = [...new Set(change.keepPending ? change.remove : [...change.remove, 'notify'])].filter((name) => !(name in change.set));
  if (change.entries.length === 0 && Object.keys(change.set).length === 0 && remove.length === 0) return;
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':n': (change.event.transitions ?? []).length };
  const sets = Object.entries(change.set).map(([name, value], i) => {
    names[`#s${i}`] = name;
    values[`:s${i}`] = value;
    return `#s${i} = :s${i}`;
  });
  if (change.entries.length > 0) {
    sets.push('transitions = list_append(transitions, :entries)');
    values[':entries'] = change.entries;
  }
  const removes = remove.map((name, i) => {
    names[`#r${i}`] = name;
    return `#r${i}`;
  });
  await conditionalWrite(db, () => db.client.update({
    TableName: db.tables.events,
    Key: { pk: change.event.id, sk: 'EVENT' },
    UpdateExpression: [sets.length ? `SET ${sets.join(', ')}` : '', removes.length ? `REMOVE ${removes.join(', ')}` : ''].filter(Boolean).join(' '),
    ConditionExpression: 'size(transitions) = :n',
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  }));
}

/** Groups still firing, not notified this run, last notified a repeat interval ago: their triggers again, as a reminder. */
async function sendReminders(
  settings: NotifySettings, store: NotifyStore, run: NotifyRun,
  statesOf: (route: string) => Promise<Map<string, RouteGroupState>>, sentGroups: Set<string>, counts: NotificationCounts,
): Promise<number> {
  let sent = 0;
  const now = run.now.toISOString();
  for (const route of settings.routes) {
    if (route.repeatIntervalMinutes <= 0) continue;
    for (const state of (await statesOf(route.name)).values()) {
      if (state.firing.length === 0 || !state.lastNotifiedAt || sentGroups.has(`${route.name}\u0000${state.groupKey}`)) continue;
      if ((run.now.getTime() - Date.parse(state.lastNotifiedAt)) / 60_000 < route.repeatIntervalMinutes) continue;
      const events = (await store.events(state.firing)).filter((e) => e.state === 'open' && e.notified?.action === 'trigger');
      if (events.length > 0) {
        const alerts = events.map((e) => {
          const alert = alertOf(e, 'trigger', e.notified?.severity ?? e.severity, now);
          alert.payload.custom_details.reminder = true;
          return alert;
        });
        const notifications: Notification[] = splitNotification({
          version: 1, route: route.name, groupKey: state.groupKey, labels: state.labels, status: 'firing', reminder: true, runId: run.runId, time: now,
        }, alerts);
        try {
          await settings.sender.send(route.target, notifications);
        } catch (error) {
          deliveryFailed(counts, route, error);
          continue;
        }
        sent += notifications.length;
        counts.alerts += alerts.length;
      }
      await store.putGroup({ ...state, lastNotifiedAt: now, firing: events.map((e) => e.id).slice(-MAX_FIRING_IDS) });
    }
  }
  return sent;
}

/** Notification settings with nothing configured: no routes, no context silences, the default flapping limits. */
export function defaultNotifySettings(sender: NotificationSender = NO_SENDER): NotifySettings {
  return { routes: [], silences: [], flapping: DEFAULT_FLAPPING, keepFiringRuns: DEFAULT_KEEP_FIRING_RUNS, sender };
}

/** Without routes nothing is sent. */
const NO_SENDER: NotificationSender = { send: async () => { throw new Error('no notification target is configured'); } };

/**
 * Finalize's notifications: publishes the run's threshold alarms except those a silence covers, notifies the run's
 * transitions (notifyRun), and publishes the alarms whose silence has ended. Returns every alarm published.
 */
export async function notifyFinalize(
  db: Database, configured: NotifySettings | undefined, publisher: { publish(alarms: Alarm[]): Promise<void> }, run: Omit<NotifyRun, 'withheldAlarms' | 'silences'> & { alarms: Alarm[] },
): Promise<{ alarms: Alarm[]; counts: NotificationCounts }> {
  const settings = configured ?? defaultNotifySettings();
  const silences = [...settings.silences, ...await new NotifyStore(db).listSilences()];
  const withheldAlarms = new Map<string, string>();
  // An alarm is held as its event's notifications are: while a silence covers the event, or while it flaps.
  const events = new Map((await new NotifyStore(db).events(run.alarms.map((a) => a.eventId))).map((event) => [event.id, event]));
  const due = run.alarms.filter((alarm) => {
    const event = events.get(alarm.eventId);
    const held = event !== undefined && (activeSilenceFor(silences, event, run.now) !== undefined
      || event.flapping === true || movesWithin(event, run.seq, settings.flapping).length > settings.flapping.changes);
    if (held) withheldAlarms.set(alarm.eventId, alarm.detailType);
    return !held;
  });
  await publisher.publish(due);
  const { counts, alarms: released } = await notifyRun(db, settings, { ...run, withheldAlarms, silences });
  if (released.length > 0) await publisher.publish(released);
  return { alarms: [...due, ...released], counts };
}
