export const ALARM = 'cloudtap.Alarm';
export const ALARM_CLEARED = 'cloudtap.AlarmCleared';

/** One threshold transition, published once — not once per run the breach lasts. */
export interface Alarm {
  detailType: typeof ALARM | typeof ALARM_CLEARED;
  threshold: string;
  eventId: string;
  severity: number;
  group: string | null;
  text: string;
  time: string;
  runId: string;
  ems: string;
}
