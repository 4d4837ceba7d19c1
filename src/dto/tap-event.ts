/** Tap severities: 1 most severe … 5 OK. */
export type Severity = 1 | 2 | 3 | 4 | 5;
export const SEVERITY_OK: Severity = 5;
export const SEVERITY_NAMES: Record<Severity, string> = { 1: 'CRITICAL', 2: 'WARNING', 3: 'MINOR', 4: 'INFO', 5: 'OK' };

/** A type-name pair that pinpoints an element, e.g. `{type: 'ID', name: 'web_server:i-123'}`; nested elements add pairs. */
export interface TypeName {
  type: string;
  name: string;
}

export type EventState = 'open' | 'cleared';

export interface Acknowledgement {
  note: string;
  at: string;
  by: string;
}

/** A Tap In event. */
export interface TapEvent {
  id: string;
  class: string;
  ems: string;
  rule: string;
  group: string | null;
  typeNames: TypeName[];
  severity: Severity;
  state: EventState;
  /** Runs (or real-time events) that observed the condition. */
  count: number;
  firstTime: string;
  lastTime: string;
  text: string;
  /** The inventory partition whose collection observes this condition. */
  partition: string;
  resourceId: string;
  acknowledged?: Acknowledgement;
  /** The silence that withheld the event's last notification: the event is still recorded and counted. */
  silenced?: SilenceMark;
  /** The event opened and cleared more often than the flapping limit allows within its window: notifications are held. */
  flapping?: boolean;
}

/** A silence (maintenance window) as an event shows it. */
export interface SilenceMark {
  id: string;
  until: string;
  reason: string;
}
