import type { InstanceLifetime } from '../../src/report/configuration';

/** From `time` on, `active` instances of the group were active (until the next point). */
export interface StepPoint {
  time: string;
  active: number;
}

/** How many instances of one group (server role) were active over time: a step function. */
export interface GroupSeries {
  group: string;
  /** One point per moment the count changed, oldest first, and a last one at the end of the period. */
  points: StepPoint[];
}

/**
 * Active instances per group over time, up to `until`, from the instances' lifetimes (launch to
 * termination, as the configuration report defines them). Before a group's first point its count is 0.
 */
export function activeInstancesOverTime(lifetimes: readonly InstanceLifetime[], until: string): GroupSeries[] {
  const untilMs = Date.parse(until);
  const changesByGroup = new Map<string, Map<number, number>>();
  for (const lifetime of lifetimes) {
    const start = Date.parse(lifetime.startedAt);
    const end = lifetime.endedAt === null ? Infinity : Date.parse(lifetime.endedAt);
    if (start > untilMs || end <= start) continue;
    const changes = changesByGroup.get(lifetime.group) ?? new Map<number, number>();
    changes.set(start, (changes.get(start) ?? 0) + 1);
    if (end <= untilMs) changes.set(end, (changes.get(end) ?? 0) - 1);
    changesByGroup.set(lifetime.group, changes);
  }
  return [...changesByGroup]
    .map(([group, changes]) => ({ group, points: stepPoints(changes, untilMs) }))
    .sort((a, b) => a.group.localeCompare(b.group));
}

/** The running count at each change that moves it, closed by a point at `untilMs`. */
function stepPoints(changes: Map<number, number>, untilMs: number): StepPoint[] {
  const points: StepPoint[] = [];
  let active = 0;
  for (const [time, delta] of [...changes].sort(([a], [b]) => a - b)) {
    if (delta === 0) continue;
    active += delta;
    points.push({ time: new Date(time).toISOString(), active });
  }
  if (points.at(-1)?.time !== new Date(untilMs).toISOString()) points.push({ time: new Date(untilMs).toISOString(), active });
  return points;
}

/** The most instances of a series active at once, and since when. */
export function peakOf(series: GroupSeries): StepPoint {
  return series.points.reduce((peak, p) => (p.active > peak.active ? p : peak), { time: series.points[0]?.time ?? '', active: 0 });
}

/** The most recent launch or termination at or before `until`; undefined when there is none. */
export function latestChange(lifetimes: readonly InstanceLifetime[], until: string): string | undefined {
  const untilMs = Date.parse(until);
  const times = lifetimes.flatMap((l) => [l.startedAt, l.endedAt ?? '']).filter((t) => t && Date.parse(t) <= untilMs).map((t) => Date.parse(t));
  return times.length > 0 ? new Date(Math.max(...times)).toISOString() : undefined;
}
