import { createHash } from 'node:crypto';
import { SEVERITY_NAMES, type Severity, type TapEvent, type TypeName } from '../dto/tap-event';

/**
 * The dedup key of an event's notifications: stable for the event's whole life (its id is the identity hash of class,
 * ems, rule and type-name pairs), so a receiver (PagerDuty Events v2, Opsgenie, …) folds a trigger, its reminders and
 * its resolve into one incident. 41 characters, within PagerDuty's 255.
 */
export function dedupKey(eventId: string): string {
  return `cloudtap-${createHash('sha256').update(eventId).digest('hex').slice(0, 32)}`;
}

/** PagerDuty's severities for Tap's: 1 critical, 2 error (WARNING in Tap), 3 warning (MINOR), 4 and 5 info. */
export const PAGERDUTY_SEVERITY: Record<Severity, 'critical' | 'error' | 'warning' | 'info'> = { 1: 'critical', 2: 'error', 3: 'warning', 4: 'info', 5: 'info' };

/** One alert of a notification, shaped as a PagerDuty Events v2 event (without the routing key, which belongs to the receiver). */
export interface Alert {
  event_action: 'trigger' | 'resolve';
  dedup_key: string;
  payload: {
    summary: string;
    source: string;
    severity: 'critical' | 'error' | 'warning' | 'info';
    timestamp: string;
    component: string;
    group: string;
    class: string;
    custom_details: {
      eventId: string;
      rule: string;
      tapSeverity: string;
      typeNames: TypeName[];
      count: number;
      firstTime: string;
      lastTime: string;
      account: string;
      ems: string;
      reminder?: boolean;
    };
  };
}

/** The fields of a stored event an alert is made of. */
export type AlertSource = Pick<TapEvent, 'id' | 'class' | 'ems' | 'rule' | 'group' | 'typeNames' | 'severity' | 'text' | 'count' | 'firstTime' | 'lastTime' | 'partition'>;

/**
 * An event's alert. A resolve carries the severity the trigger had (`openSeverity`): PagerDuty ignores it, but a
 * receiver that routes by severity must route the resolve where the trigger went.
 */
export function alertOf(event: AlertSource, action: Alert['event_action'], openSeverity: Severity, at: string): Alert {
  const account = event.partition.split('#', 1)[0] ?? '';
  return {
    event_action: action,
    dedup_key: dedupKey(event.id),
    payload: {
      summary: event.text.slice(0, 1024),
      source: event.typeNames.map((p) => p.name).join('/') || event.id,
      severity: PAGERDUTY_SEVERITY[openSeverity],
      timestamp: at,
      component: event.typeNames.map((p) => `${p.type}=${p.name}`).join(','),
      group: event.group ?? '',
      class: event.class,
      custom_details: {
        eventId: event.id, rule: event.rule, tapSeverity: SEVERITY_NAMES[event.severity], typeNames: event.typeNames,
        count: event.count, firstTime: event.firstTime, lastTime: event.lastTime, account, ems: event.ems,
      },
    },
  };
}
