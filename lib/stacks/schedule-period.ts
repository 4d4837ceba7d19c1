/**
 * How long the scheduled run may go without a success before the "no recent success" alarm fires: twice the time
 * between two scheduled runs. A rate(…) says it directly. A cron(…) is played over two calendar years and its
 * longest gap between two firings is the period (cron(0 3 ? * MON-FRI *): Friday 03:00 to Monday 03:00, 72 hours).
 * What this simulation does not model (L, W, #, a year list) falls back to the longest window an alarm can watch.
 */

/** CloudWatch: Period × EvaluationPeriods ≤ 7 days, and ≤ 1 day when the period is shorter than an hour. */
export const MAX_ALARM_WINDOW_SECONDS = 7 * 24 * 3600;
const ONE_DAY = 24 * 3600;
const ONE_HOUR = 3600;

export interface SchedulePeriod {
  /** Seconds between two scheduled runs (the longest gap, for a cron). */
  seconds?: number;
  /** Why there is no period: the part of the expression this module does not model. */
  unmodelled?: string;
}

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const UNIT_SECONDS: Record<string, number> = { minute: 60, minutes: 60, hour: 3600, hours: 3600, day: 86400, days: 86400 };

export function schedulePeriod(expression: string): SchedulePeriod {
  const rate = RATE.exec(expression);
  if (rate) return { seconds: Number(rate[1]) * UNIT_SECONDS[rate[2]!]! };
  const cron = /^cron\((.+)\)$/.exec(expression);
  if (!cron) return { unmodelled: `${expression} is neither rate(…) nor cron(…)` };
  return cronPeriod(cron[1]!.trim().split(/\s+/));
}

export interface NoSuccessWindow {
  /** One alarm period, in seconds, and how many of them must all see no success. */
  periodSeconds: number;
  evaluationPeriods: number;
  /** periodSeconds × evaluationPeriods. */
  windowSeconds: number;
  /** Set when twice the period is longer than an alarm can watch, or the schedule could not be modelled. */
  warning?: string;
}

/**
 * Twice the schedule's period, as an alarm can watch it: one period of that length up to a day; beyond a day,
 * hourly periods that must all be empty (M = N), at most seven days.
 */
export function noSuccessWindow(expression: string): NoSuccessWindow {
  const period = schedulePeriod(expression);
  let wanted = period.seconds === undefined ? MAX_ALARM_WINDOW_SECONDS : 2 * period.seconds;
  let warning = period.unmodelled
    ? `the no-recent-success alarm cannot derive a period from ${expression} (${period.unmodelled}); it fires after ${MAX_ALARM_WINDOW_SECONDS / ONE_DAY} days without a successful run`
    : undefined;
  if (wanted > MAX_ALARM_WINDOW_SECONDS) {
    warning = `twice the period of ${expression} is ${(wanted / ONE_DAY).toFixed(1)} days, longer than a CloudWatch alarm can watch; the no-recent-success alarm fires after ${MAX_ALARM_WINDOW_SECONDS / ONE_DAY} days without a successful run`;
    wanted = MAX_ALARM_WINDOW_SECONDS;
  }
  if (wanted <= ONE_DAY) return { periodSeconds: wanted, evaluationPeriods: 1, windowSeconds: wanted, ...(warning ? { warning } : {}) };
  const hours = Math.ceil(wanted / ONE_HOUR);
  return { periodSeconds: ONE_HOUR, evaluationPeriods: hours, windowSeconds: hours * ONE_HOUR, ...(warning ? { warning } : {}) };
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
/** EventBridge numbers days of the week 1 (SUN) to 7 (SAT). */
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

type Matcher = (value: number) => boolean;

/** One cron field as the set of values it allows; undefined for syntax this module does not model. */
function field(text: string, min: number, max: number, names: string[] = [], nameBase = min): Matcher | undefined {
  if (text === '*' || text === '?') return () => true;
  const value = (token: string): number | undefined => {
    const named = names.indexOf(token.toUpperCase());
    if (named >= 0) return named + nameBase;
    return /^\d+$/.test(token) ? Number(token) : undefined;
  };
  const allowed = new Set<number>();
  for (const part of text.split(',')) {
    const match = /^([^/]+?)(?:\/(\d+))?$/.exec(part);
    if (!match) return undefined;
    const [, range, stepText] = match;
    const step = stepText ? Number(stepText) : 1;
    let from: number | undefined;
    let to: number | undefined;
    if (range === '*') [from, to] = [min, max];
    else if (range!.includes('-')) [from, to] = range!.split('-').map(value);
    else {
      from = value(range!);
      to = stepText ? max : from;
    }
    if (from === undefined || to === undefined || step < 1 || from < min || to > max || from > to) return undefined;
    for (let v = from; v <= to; v += step) allowed.add(v);
  }
  return (v) => allowed.has(v);
}

function cronPeriod(fields: string[]): SchedulePeriod {
  if (fields.length !== 6) return { unmodelled: 'a cron expression has six fields' };
  const [minuteText, hourText, dayText, monthText, weekdayText, yearText] = fields as [string, string, string, string, string, string];
  if (yearText !== '*') return { unmodelled: 'a year other than *' };
  const minute = field(minuteText, 0, 59);
  const hour = field(hourText, 0, 23);
  const day = field(dayText, 1, 31);
  const month = field(monthText, 1, 12, MONTHS, 1);
  const weekday = field(weekdayText, 1, 7, WEEKDAYS, 1);
  if (!minute || !hour || !day || !month || !weekday) return { unmodelled: 'L, W, # or another form this check does not model' };

  const minutesOfDay: number[] = [];
  for (let h = 0; h < 24; h++) for (let m = 0; m < 60; m++) if (hour(h) && minute(m)) minutesOfDay.push(h * 60 + m);
  // Two years, one of them a leap year: every month length and weekday pattern occurs.
  const start = Date.UTC(2027, 0, 1);
  let previous: number | undefined;
  let longest = 0;
  for (let d = 0; d < 731; d++) {
    const date = new Date(start + d * ONE_DAY * 1000);
    if (!day(date.getUTCDate()) || !month(date.getUTCMonth() + 1) || !weekday(date.getUTCDay() + 1)) continue;
    for (const m of minutesOfDay) {
      const at = d * 1440 + m;
      if (previous !== undefined) longest = Math.max(longest, at - previous);
      previous = at;
    }
  }
  if (longest === 0) return { unmodelled: 'it fires at most once in two years' };
  return { seconds: longest * 60 };
}
