import { GetMetricDataCommand, ListMetricsCommand, type CloudWatchClient, type Dimension, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { AwsClients } from '../aws/clients';
import { SEVERITY_NAMES, type Severity, type TypeName } from '../dto/tap-event';
import { InvalidInputError, expectArray, expectRecord, expectString, rejectUnknownKeys, describe as describeValue } from '../dto/validation';
import type { EventCounts, MetricUsage } from '../dto/task';
import { EventSync, type EventSource } from '../events/event-sync';
import { METRICS_CLIENT, type MetricLevels, type MetricRule, type MetricSubject } from '../services/metric-rule';
import type { ResourceRecord } from '../services/resource-type';
import type { Finding } from '../services/rule';
import { partitionKey } from '../store/resource-store';
import { chunked, mapWithConcurrency, writesInFlight } from '../util/concurrency';
import type { SyncContext } from './sync-partition';
import { allMetricRules } from '../services/registry';

/**
 * Metric events, the engine side: a collect task that lists a type with metric rules (`ServiceDefinition.metricRules`)
 * keeps, as the listing's pages go by, who each rule measures (`MetricRule.subject`); once every such listing of the
 * task has ended, it discovers the agent's series (ListMetrics, paged, once per metric — never per resource), fetches
 * every value at once (GetMetricData, 500 queries a call) and brings the events of the type's metric partition
 * (`<account>#<region>#metric:<type>`) in line with them.
 *
 * Why the collect task and not a metrics task per account-region: the task has just listed the instances (their
 * roles, states, volumes) and holds them; a task of its own would list them again or read them from the store,
 * and would need its own place in the plan and the workflow. The cost is that the EC2 task waits for CloudWatch.
 *
 * Why a partition of its own: its events are reconciled only by a complete metric evaluation — a failed GetMetricData
 * or ListMetrics clears nothing, and a failed listing (no subjects) evaluates nothing — and the run ledger counts an
 * open metric event in every run that reports the metric partition complete (only when every metric call succeeded).
 *
 * What is written: a breach opens an event (or moves an open one to its new severity, `EventStore.changeSeverity`); a value
 * back within threshold clears the open event with the OK text and its value (`OK – CPU total 40%`). A value within
 * threshold of a resource with no open event writes nothing: "severity 5, counted each evaluation" is honoured by the
 * run summary's `metrics.ok` (how many values were within threshold), not by a write per resource per run — writes stay
 * proportional to what changed. An open event whose resource is no longer measured (instance stopped, terminated,
 * gone) or has no datapoint in the window is cleared, saying so: it must not stay open forever.
 */

/** GetMetricData's limit. */
export const QUERIES_PER_CALL = 500;
/** The window a value covers: the last complete window of this length (one datapoint per series). */
export const DEFAULT_WINDOW_MINUTES = 10;
/** ListMetrics' RecentlyActive: series the agent published in the last three hours (older ones are gone agents). */
const RECENTLY_ACTIVE = 'PT3H';
const WRITES_IN_FLIGHT = 16;
/** GetMetricData calls in flight per task. */
const CALLS_IN_FLIGHT = 4;

/** An operator's thresholds for a metric rule, for one group (role) or all; unset levels keep the rule's defaults. */
export interface MetricThreshold {
  rule: string;
  group?: string;
  warning?: number;
  critical?: number;
}

/** Settings of the collect function's metric evaluation (`metricSettingsFromEnv`). */
export interface MetricSettings {
  thresholds: readonly MetricThreshold[];
  windowMinutes?: number;
  /** The clock (tests). */
  now?: () => number;
}

export const DEFAULT_METRIC_SETTINGS: MetricSettings = { thresholds: [] };

export function emptyMetricUsage(): MetricUsage {
  return { requested: 0, calls: 0, evaluated: 0, ok: 0 };
}

const THRESHOLD_FIELDS = ['rule', 'group', 'warning', 'critical'] as const;

/**
 * Validates a `metricThresholds` list (cdk.json context, or a local `--metric-thresholds` file); errors name the
 * entry and the field. `rules`: the metric rules that exist (the registry's).
 */
export function parseMetricThresholds(input: unknown, source: string, rules: readonly MetricRule[] = allMetricRules()): MetricThreshold[] {
  const seen = new Set<string>();
  return expectArray(input, source).map((value, i) => {
    const field = `${source}[${i}]`;
    const record = expectRecord(value, field);
    rejectUnknownKeys(record, field, THRESHOLD_FIELDS);
    const name = expectString(record.rule, `${field}.rule`);
    const rule = rules.find((r) => r.name === name);
    if (!rule) throw new InvalidInputError(`${field}.rule`, `"${name}" is not a metric rule; valid ones are: ${[...new Set(rules.map((r) => r.name))].join(', ')}`);
    const threshold: MetricThreshold = { rule: name };
    if (record.group !== undefined) threshold.group = expectString(record.group, `${field}.group`);
    const key = JSON.stringify([name, threshold.group ?? null]);
    if (seen.has(key)) throw new InvalidInputError(field, `a second entry for rule ${name}${threshold.group ? ` and group ${threshold.group}` : ' without a group'}; give each rule and group one entry`);
    seen.add(key);
    for (const level of ['warning', 'critical'] as const) {
      const v = record[level];
      if (v === undefined) continue;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (rule.maxThreshold !== undefined && v > rule.maxThreshold)) {
        throw new InvalidInputError(`${field}.${level}`, `must be a number from 0 to ${rule.maxThreshold ?? 'any'}, got ${describeValue(v)}`);
      }
      threshold[level] = v;
    }
    if (threshold.warning === undefined && threshold.critical === undefined) {
      throw new InvalidInputError(field, `gives neither warning nor critical; the defaults of ${name} are warning ${rule.defaults.warning}, critical ${rule.defaults.critical}`);
    }
    const levels = { ...rule.defaults, ...definedLevels(threshold) };
    const ordered = rule.direction === 'above' ? levels.critical >= levels.warning : levels.critical <= levels.warning;
    if (!ordered) {
      throw new InvalidInputError(`${field}.critical`, `${levels.critical} is ${rule.direction === 'above' ? 'below' : 'above'} the warning level ${levels.warning}; `
        + `${name} is breached ${rule.direction === 'above' ? 'at or above' : 'at or below'} a level, so critical must be ${rule.direction === 'above' ? 'at least' : 'at most'} warning`);
    }
    return threshold;
  });
}

function definedLevels(threshold: MetricThreshold): Partial<MetricLevels> {
  return { ...(threshold.warning !== undefined ? { warning: threshold.warning } : {}), ...(threshold.critical !== undefined ? { critical: threshold.critical } : {}) };
}

/** A rule's levels for a group: the group's entry, else the rule's entry without a group, else the rule's defaults. */
export function levelsFor(rule: MetricRule, group: string | null, thresholds: readonly MetricThreshold[]): MetricLevels {
  const general = thresholds.find((t) => t.rule === rule.name && t.group === undefined);
  const specific = group === null ? undefined : thresholds.find((t) => t.rule === rule.name && t.group === group);
  return { ...rule.defaults, ...(general ? definedLevels(general) : {}), ...(specific ? definedLevels(specific) : {}) };
}

/** 1 at the critical level, 2 at the warning level, 5 (OK) within threshold. */
export function severityOf(rule: Pick<MetricRule, 'direction'>, value: number, levels: MetricLevels): Severity {
  const breaches = (level: number) => (rule.direction === 'above' ? value >= level : value <= level);
  return breaches(levels.critical) ? 1 : breaches(levels.warning) ? 2 : 5;
}

/** One series of one measured resource. */
export interface MetricQuery {
  id: string;
  rule: MetricRule;
  subject: MetricSubject;
  dimensions: Dimension[];
}

/** The series the agent publishes, by `<namespace>/<metric>`: each one's dimensions. */
export type DiscoveredSeries = ReadonlyMap<string, readonly Dimension[][]>;

const seriesKey = (rule: MetricRule): string => `${rule.metric.namespace}/${rule.metric.metricName}`;

/**
 * The queries for the measured subjects: one per resource for a metric every resource has, one per listed series of
 * the resource for a discovered one (none for a resource without such a series).
 */
export function metricQueries(subjects: ReadonlyMap<MetricRule, readonly MetricSubject[]>, discovered: DiscoveredSeries): MetricQuery[] {
  const queries: MetricQuery[] = [];
  for (const [rule, ofRule] of subjects) {
    const { idDimension } = rule.metric;
    const seriesById = new Map<string, Dimension[][]>();
    if (rule.metric.discovered) {
      for (const dimensions of discovered.get(seriesKey(rule)) ?? []) {
        const id = dimensions.find((d) => d.Name === idDimension)?.Value;
        if (id) seriesById.set(id, [...(seriesById.get(id) ?? []), dimensions]);
      }
    }
    for (const subject of ofRule) {
      if (subject.notMeasured !== undefined) continue;
      const series = rule.metric.discovered ? seriesById.get(subject.id) ?? [] : [[{ Name: idDimension, Value: subject.id }]];
      for (const dimensions of series) queries.push({ id: `q${queries.length}`, rule, subject, dimensions });
    }
  }
  return queries;
}

/** The last complete window before `now`, aligned to its length (so every series has one datapoint for it). */
export function metricWindow(now: number, minutes: number): { start: Date; end: Date; period: number } {
  const period = minutes * 60;
  const end = Math.floor(now / (period * 1000)) * period * 1000;
  return { start: new Date(end - period * 1000), end: new Date(end), period };
}

/**
 * Every query's latest value, `QUERIES_PER_CALL` queries a call (each call paged by NextToken): ⌈queries ÷ 500⌉ calls
 * unless CloudWatch pages; a few calls in flight (GetMetricData allows 50 a second per account and region).
 * Queries without a datapoint in the window have no value.
 */
export async function fetchMetricValues(client: Pick<CloudWatchClient, 'send'>, queries: readonly MetricQuery[], window: { start: Date; end: Date; period: number }):
Promise<{ values: Map<string, number>; requested: number; calls: number }> {
  const values = new Map<string, number>();
  let requested = 0;
  let calls = 0;
  await mapWithConcurrency([...chunked(queries, QUERIES_PER_CALL)], CALLS_IN_FLIGHT, async (batch) => {
    const metricQueries: MetricDataQuery[] = batch.map((q) => ({
      Id: q.id,
      MetricStat: { Metric: { Namespace: q.rule.metric.namespace, MetricName: q.rule.metric.metricName, Dimensions: q.dimensions }, Period: window.period, Stat: q.rule.metric.stat },
      ReturnData: true,
    }));
    let token: string | undefined;
    do {
      const output = await client.send(new GetMetricDataCommand({
        MetricDataQueries: metricQueries, StartTime: window.start, EndTime: window.end, ScanBy: 'TimestampDescending', NextToken: token,
      }));
      calls++;
      requested += metricQueries.length;
      for (const result of output.MetricDataResults ?? []) {
        const latest = result.Values?.[0];
        if (result.Id && latest !== undefined && !values.has(result.Id)) values.set(result.Id, latest);
      }
      token = output.NextToken;
    } while (token);
  });
  return { values, requested, calls };
}

/** The dimension sets of every series of one metric (ListMetrics, paged), e.g. every mount of every agent's disk. */
export async function listSeries(client: Pick<CloudWatchClient, 'send'>, namespace: string, metricName: string): Promise<Dimension[][]> {
  const series: Dimension[][] = [];
  let token: string | undefined;
  do {
    const output = await client.send(new ListMetricsCommand({ Namespace: namespace, MetricName: metricName, RecentlyActive: RECENTLY_ACTIVE, NextToken: token }));
    for (const metric of output.Metrics ?? []) series.push(metric.Dimensions ?? []);
    token = output.NextToken;
  } while (token);
  return series;
}

/** The partition a type's metric events live in: beside the type's own, never reconciled by its listing. */
export function metricPartition(accountId: string, region: string, type: string): string {
  return partitionKey(accountId, region, `metric:${type}`);
}

interface Listing {
  rules: MetricRule[];
  /** Per rule, by resource id (a listing may return a resource twice). */
  subjects: Map<MetricRule, Map<string, MetricSubject>>;
  done: Promise<void>;
  settle: { resolve: () => void; reject: (error: unknown) => void };
  settled: boolean;
}

/** What became of one type's metric partition. */
export interface MetricOutcome {
  type: string;
  partition: string;
  /** Set when the evaluation completed and its events were synced. */
  events?: EventCounts;
  /** Why the metric calls failed (nothing was cleared); absent with no events: the type's listing failed. */
  error?: unknown;
}

/** One task's metric evaluation: the subjects of the types it lists, then one fetch for all of them. */
export class TaskMetrics {
  readonly usage = emptyMetricUsage();
  private readonly listings = new Map<string, Listing>();

  constructor(rules: readonly MetricRule[], private readonly settings: MetricSettings = DEFAULT_METRIC_SETTINGS) {
    for (const rule of rules) {
      let listing = this.listings.get(rule.resourceType);
      if (!listing) {
        let settle!: Listing['settle'];
        const done = new Promise<void>((resolve, reject) => { settle = { resolve, reject }; });
        done.catch(() => {}); // awaited by evaluate()
        listing = { rules: [], subjects: new Map(), done, settle, settled: false };
        this.listings.set(rule.resourceType, listing);
      }
      listing.rules.push(rule);
      listing.subjects.set(rule, new Map());
    }
  }

  /** The types whose listings it measures. */
  get types(): string[] {
    return [...this.listings.keys()];
  }

  /** Keeps each record's subjects as the type's pages go by; the listing counts once it went through every page. */
  async *tap(type: string, pages: AsyncIterable<ResourceRecord[]>): AsyncGenerator<ResourceRecord[]> {
    const listing = this.listings.get(type);
    if (!listing) {
      yield* pages;
      return;
    }
    try {
      for await (const page of pages) {
        for (const record of page) for (const rule of listing.rules) listing.subjects.get(rule)?.set(record.id, rule.subject(record));
        yield page;
      }
      this.settle(listing, undefined);
    } finally {
      this.settle(listing, new Error(`${type} was not listed to the end, so its metrics were not evaluated`));
    }
  }

  /** The type's listing (or its partition) failed: its metrics are not evaluated, and its metric events stay as they are. */
  listingFailed(type: string, error: unknown): void {
    const listing = this.listings.get(type);
    if (listing) this.settle(listing, error);
  }

  private settle(listing: Listing, error: unknown): void {
    if (listing.settled) return;
    listing.settled = true;
    if (error === undefined) listing.settle.resolve();
    else listing.settle.reject(error);
  }

  /**
   * Waits for the listings, then discovers, fetches and syncs: one outcome per type. A type whose listing failed gets
   * no evaluation (its listing's error is the task's); a failed metric call fails every type's evaluation of the task.
   */
  async evaluate(clients: AwsClients, accountId: string, region: string, context: SyncContext): Promise<MetricOutcome[]> {
    const listed: [string, Listing][] = [];
    const outcomes: MetricOutcome[] = [];
    await Promise.all([...this.listings].map(async ([type, listing]) => {
      try {
        await listing.done;
        listed.push([type, listing]);
      } catch {
        outcomes.push({ type, partition: metricPartition(accountId, region, type) });
      }
    }));
    if (listed.length === 0) return outcomes;
    let queries: MetricQuery[];
    let values: Map<string, number>;
    try {
      const client = clients.get<CloudWatchClient>(METRICS_CLIENT.name);
      const subjects = new Map(listed.flatMap(([, listing]) => [...listing.subjects].map(([rule, byId]) => [rule, [...byId.values()]] as const)));
      queries = metricQueries(subjects, await this.discover(client, subjects));
      const windowMinutes = this.settings.windowMinutes ?? DEFAULT_WINDOW_MINUTES;
      const fetched = await fetchMetricValues(client, queries, metricWindow((this.settings.now ?? Date.now)(), windowMinutes));
      values = fetched.values;
      this.usage.requested += fetched.requested;
      this.usage.calls += fetched.calls;
    } catch (error) {
      return [...outcomes, ...listed.map(([type]) => ({ type, partition: metricPartition(accountId, region, type), error }))];
    }
    for (const [type, listing] of listed) {
      const partition = metricPartition(accountId, region, type);
      try {
        const events = await this.sync(partition, listing, queries.filter((q) => q.rule.resourceType === type), values, context);
        outcomes.push({ type, partition, events });
      } catch (error) {
        outcomes.push({ type, partition, error });
      }
    }
    return outcomes;
  }

  /** The series of the discovered metrics some measured subject needs: one paged ListMetrics per metric. */
  private async discover(client: CloudWatchClient, subjects: ReadonlyMap<MetricRule, readonly MetricSubject[]>): Promise<DiscoveredSeries> {
    const needed = new Map<string, MetricRule>();
    for (const [rule, ofRule] of subjects) {
      if (rule.metric.discovered && ofRule.some((s) => s.notMeasured === undefined)) needed.set(seriesKey(rule), rule);
    }
    const discovered = new Map<string, Dimension[][]>();
    await Promise.all([...needed].map(async ([key, rule]) => {
      discovered.set(key, await listSeries(client, rule.metric.namespace, rule.metric.metricName));
    }));
    return discovered;
  }

  private async sync(partition: string, listing: Listing, queries: readonly MetricQuery[], values: ReadonlyMap<string, number>, context: SyncContext): Promise<EventCounts> {
    const { thresholds } = this.settings;
    const windowMinutes = this.settings.windowMinutes ?? DEFAULT_WINDOW_MINUTES;
    const okTexts = new Map<string, string>();
    const findings: { rule: MetricRule; finding: Finding; resourceId: string }[] = [];
    for (const query of queries) {
      const statistic = values.get(query.id);
      if (statistic === undefined) continue;
      const { rule, subject } = query;
      const dimensions = Object.fromEntries(query.dimensions.map((d) => [d.Name ?? '', d.Value ?? '']));
      const value = rule.value ? rule.value(statistic) : statistic;
      const severity = severityOf(rule, value, levelsFor(rule, subject.group, thresholds));
      const typeNames = rule.typeNames(subject, dimensions);
      const text = `${SEVERITY_NAMES[severity]} – ${rule.describe(value, dimensions)}`;
      this.usage.evaluated++;
      if (severity === 5) {
        this.usage.ok++;
        okTexts.set(eventKey(rule.name, typeNames), text);
      } else {
        findings.push({ rule, finding: { severity, typeNames, group: subject.group, text }, resourceId: subject.id });
      }
    }
    // Why a subject's open events clear without a value: not measured now (stopped), or no datapoint in the window.
    const notMeasured = new Map<string, string>();
    for (const [rule, subjects] of listing.subjects) for (const s of subjects.values()) if (s.notMeasured) notMeasured.set(`${rule.name}\u0000${s.name}`, s.notMeasured);
    const sources = new Map<MetricRule, EventSource>(listing.rules.map((rule) => [rule, {
      name: rule.name,
      eventClass: rule.eventClass,
      clearText: (typeNames: TypeName[]) => okTexts.get(eventKey(rule.name, typeNames))
        ?? `OK – ${rule.name} ${notMeasuredReason(notMeasured.get(`${rule.name}\u0000${typeNames[0]?.name ?? ''}`), windowMinutes)}`,
    }]));
    const events = await EventSync.start(partition, context, { followSeverity: true });
    const writes = findings.flatMap(({ rule, finding, resourceId }) => events.observe(sources.get(rule) as EventSource, finding, resourceId) ?? []);
    const inFlight = writesInFlight(WRITES_IN_FLIGHT);
    await inFlight(writes);
    await events.reconcile([...sources.values()], inFlight);
    return events.counts;
  }
}

function notMeasuredReason(reason: string | undefined, windowMinutes: number): string {
  return reason ? `not measured: ${reason}` : `no data in the last ${windowMinutes} minutes (or no longer listed)`;
}

const eventKey = (rule: string, typeNames: readonly TypeName[]): string => `${rule}\u0000${JSON.stringify(typeNames.map((t) => [t.type, t.name]))}`;

