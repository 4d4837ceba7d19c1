import { SEVERITY_NAMES, type Severity, type TapEvent } from '../../src/dto/tap-event';
import type { RunSummary } from '../../src/dto/run-summary';
import { taskFailures } from '../../src/dto/run-summary';
import { eventById, listEvents, viewEvents, type EventStateFilter } from '../../src/events/event-queries';
import type { Database } from '../../src/store/dynamo';
import { EventStore, type EventHistoryEntry, type StoredEvent } from '../../src/store/event-store';
import { resourcesById } from '../../src/store/inventory-queries';
import { Expressions, readPages } from '../../src/store/read-pages';
import { parsePartition, ResourceStore, type HistoryEntry, type StoredResource } from '../../src/store/resource-store';
import { recentRuns } from '../../src/store/run-queries';
import { RunStore } from '../../src/store/run-store';
import { horizontalBarChart, stepChart, type Bar } from '../report/charts';
import { escapeHtml, plural } from '../report/html';
import { activeInstancesOverTime } from '../report/instances-over-time';
import { card, figure, instancesSection, inventorySection, runsSection, SEVERITY_COLORS } from '../report/page';
import { loadInventory, type ReportData } from '../report/report-data';
import { runSummaryOf } from '../report/run-summary';
import { formatDuration } from '../format';

/**
 * What the dashboard's API answers, read from the store (the local one or a deployed stack's, the same code).
 * Nothing here writes except `acknowledgeEvent`. The events are paged and filtered here: the page receives one
 * page of rows and the counts, never the whole table.
 */

/** A request the API cannot answer as asked: answered 400 (or 404) with this message. */
export class BadRequest extends Error {
  override readonly name = 'BadRequest';
  constructor(message: string, readonly status: 400 | 404 = 400) {
    super(message);
  }
}

export const EVENT_FILTERS = ['account', 'region', 'group', 'rule', 'severity', 'state'] as const;
export type EventFilterName = (typeof EVENT_FILTERS)[number];
export type EventFilters = Partial<Record<EventFilterName, string>>;
const STATES: EventStateFilter[] = ['open', 'cleared', 'all'];
export const PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;
/** Runs the events-over-time chart and the summary reach back over. */
const RUNS_SHOWN = 30;

/** The values each filter can take, from the events in the store: what the page's selects offer. */
export interface Facets {
  account: string[];
  region: string[];
  group: string[];
  rule: string[];
  severity: string[];
  state: string[];
}

/**
 * The distinct accounts, regions, groups and rules of the stored events (both states), read by the byState index
 * with only the attributes that name them projected.
 */
export async function loadFacets(db: Database): Promise<Facets> {
  const sets = { account: new Set<string>(), region: new Set<string>(), group: new Set<string>(), rule: new Set<string>() };
  for (const state of ['open', 'cleared']) {
    const expressions = new Expressions();
    const read = {
      query: {
        TableName: db.tables.events, IndexName: 'byState',
        KeyConditionExpression: `${expressions.name('state')} = ${expressions.value(state)}`,
        ProjectionExpression: ['partition', 'group', 'rule'].map((a) => expressions.name(a)).join(', '),
        ...expressions.attributes(),
      },
    };
    for await (const item of readPages(db, read)) {
      const { accountId, region } = parsePartition(String(item.partition ?? ''));
      if (accountId) sets.account.add(accountId);
      if (region) sets.region.add(region);
      if (typeof item.group === 'string' && item.group) sets.group.add(item.group);
      if (typeof item.rule === 'string') sets.rule.add(item.rule);
    }
  }
  const sorted = (set: Set<string>): string[] => [...set].sort();
  return {
    account: sorted(sets.account), region: sorted(sets.region), group: sorted(sets.group), rule: sorted(sets.rule),
    severity: ['1', '2', '3', '4', '5'], state: STATES,
  };
}

/** The filters of a query string, each checked against what the store holds: an unknown one is a BadRequest naming it. */
export function checkFilters(query: URLSearchParams, facets: Facets, extra: readonly string[] = []): EventFilters {
  for (const name of new Set(query.keys())) {
    if (!(EVENT_FILTERS as readonly string[]).includes(name) && !extra.includes(name)) {
      throw new BadRequest(`unknown parameter "${name}"; the events can be filtered by ${EVENT_FILTERS.join(', ')} (and paged with offset, limit)`);
    }
  }
  const filters: EventFilters = {};
  for (const name of EVENT_FILTERS) {
    const values = query.getAll(name);
    if (values.length > 1) throw new BadRequest(`${name}: give one value, not ${values.length}`);
    const value = values[0];
    if (value === undefined || value === '') continue;
    if (!facets[name].includes(value)) {
      const known = facets[name];
      throw new BadRequest(known.length === 0
        ? `${name}: "${value}" is not the ${name} of any stored event (there are no events with one)`
        : `${name}: "${value}" is not the ${name} of any stored event; known: ${known.slice(0, 20).join(', ')}${known.length > 20 ? `, … (${known.length})` : ''}`);
    }
    filters[name] = value;
  }
  return filters;
}

export function pageOf(query: URLSearchParams): { offset: number; limit: number } {
  const number = (name: string, fallback: number, max: number): number => {
    const raw = query.get(name);
    if (raw === null || raw === '') return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) > max) throw new BadRequest(`${name}: must be a whole number from 0 to ${max}, got "${raw}"`);
    return Number(raw);
  };
  const limit = number('limit', PAGE_SIZE, MAX_PAGE_SIZE);
  if (limit === 0) throw new BadRequest('limit: must be 1 or more');
  return { offset: number('offset', 0, 10_000_000), limit };
}

/** One page of the events the filters select, most severe first, then the most recent; with the total and its split by severity. */
export interface EventPage {
  filters: EventFilters;
  total: number;
  bySeverity: Record<string, number>;
  offset: number;
  limit: number;
  events: TapEvent[];
}

export async function eventPage(db: Database, filters: EventFilters, page: { offset: number; limit: number }): Promise<EventPage> {
  const severity = filters.severity === undefined ? undefined : Number(filters.severity);
  const state = filters.state ?? 'open';
  const onlyBySeverity = Object.keys(filters).every((name) => name === 'state' || name === 'severity');
  if (onlyBySeverity && state !== 'all') return pageBySeverityLevels(db, filters, state as 'open' | 'cleared', severity as Severity | undefined, page);
  // The store's indexes answer the account, group, state and severity bound; the region and the exact severity are
  // filtered here (an event's region is that of its partition).
  const selected = (await listEvents(db, {
    state: state as EventStateFilter,
    ...(severity !== undefined ? { maxSeverity: severity } : {}),
    ...(filters.account !== undefined ? { accountId: filters.account } : {}),
    ...(filters.group !== undefined ? { group: filters.group } : {}),
    ...(filters.rule !== undefined ? { rule: filters.rule } : {}),
  })).filter((e) => (severity === undefined || e.severity === severity)
    && (filters.region === undefined || parsePartition(e.partition).region === filters.region));
  selected.sort((a, b) => a.severity - b.severity || b.lastTime.localeCompare(a.lastTime) || a.id.localeCompare(b.id));
  const bySeverity: Record<string, number> = { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 };
  for (const event of selected) bySeverity[event.severity] = (bySeverity[event.severity] ?? 0) + 1;
  return { filters, total: selected.length, bySeverity, ...page, events: selected.slice(page.offset, page.offset + page.limit) };
}

/**
 * The most common view — one state, at most a severity — without reading every event of the state: the byState
 * index counts each severity level (COUNT queries: nothing is returned), and only the levels the page falls in are
 * read, each whole (the rows within a level go by their last time, which no index orders).
 */
async function pageBySeverityLevels(db: Database, filters: EventFilters, state: 'open' | 'cleared', severity: Severity | undefined, page: { offset: number; limit: number }): Promise<EventPage> {
  const levels: Severity[] = severity !== undefined ? [severity] : [1, 2, 3, 4, 5];
  const bySeverity: Record<string, number> = { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 };
  await Promise.all(levels.map(async (level) => { bySeverity[level] = await countLevel(db, state, level); }));
  const events: TapEvent[] = [];
  let skip = page.offset;
  for (const level of levels) {
    const count = bySeverity[level] ?? 0;
    if (events.length >= page.limit) break;
    if (skip >= count) {
      skip -= count;
      continue;
    }
    const stored: StoredEvent[] = [];
    for await (const item of readPages(db, levelRead(db, state, level))) stored.push(item as unknown as StoredEvent);
    const viewed = (await viewEvents(db, stored)).sort((a, b) => b.lastTime.localeCompare(a.lastTime) || a.id.localeCompare(b.id));
    events.push(...viewed.slice(skip, skip + page.limit - events.length));
    skip = 0;
  }
  const total = levels.reduce((sum, level) => sum + (bySeverity[level] ?? 0), 0);
  return { filters, total, bySeverity, ...page, events };
}

function levelRead(db: Database, state: string, level: Severity, select?: 'COUNT') {
  const expressions = new Expressions();
  return {
    query: {
      TableName: db.tables.events, IndexName: 'byState',
      KeyConditionExpression: `${expressions.name('state')} = ${expressions.value(state)} AND ${expressions.name('severity')} = ${expressions.value(level)}`,
      ...(select ? { Select: select } : {}),
      ...expressions.attributes(),
    },
  };
}

async function countLevel(db: Database, state: string, level: Severity): Promise<number> {
  const { query } = levelRead(db, state, level, 'COUNT');
  let count = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const output = await db.client.query({ ...query, ExclusiveStartKey: startKey });
    count += output.Count ?? 0;
    startKey = output.LastEvaluatedKey;
  } while (startKey);
  return count;
}

/** One event: its fields (count brought up to date) and every transition, notes and silences included. */
export async function eventDetail(db: Database, eventId: string): Promise<{ event: TapEvent; history: EventHistoryEntry[] }> {
  const event = await eventById(db, eventId);
  if (!event) throw new BadRequest(`no event with id "${eventId}"`, 404);
  const history = (await new EventStore(db).history(eventId)).map(({ eventId: _id, ...entry }) => entry);
  return { event, history };
}

export async function acknowledgeEvent(db: Database, eventId: string, ack: { note: string; by: string; at: string }): Promise<{ event: TapEvent; history: EventHistoryEntry[] }> {
  const store = new EventStore(db);
  if (!(await store.get(eventId))) throw new BadRequest(`no event with id "${eventId}"`, 404);
  await store.acknowledge(eventId, ack);
  return eventDetail(db, eventId);
}

/** A resource's records (one per partition it is in), each with its configuration timeline, and its events. */
export interface ResourceDetail {
  resources: { resource: Omit<StoredResource, 'pk' | 'sk'>; history: HistoryEntry[] }[];
  events: TapEvent[];
}

export async function resourceDetail(db: Database, resourceId: string): Promise<ResourceDetail> {
  const records = await resourcesById(db, resourceId);
  if (records.length === 0) throw new BadRequest(`no resource with id "${resourceId}" in the inventory`, 404);
  const store = new ResourceStore(db);
  const resources = await Promise.all(records.map(async ({ pk, sk: _sk, ...resource }) => ({ resource, history: await store.history(pk, resourceId) })));
  // An event names its resource, but its partition may be another than the resource's (a metric's, a status
  // check's): the events table has no index by resource, so the resource's accounts' events are read by the
  // byAccount index with only their keys projected, and the matching ones fetched whole.
  const ids = new Set<string>();
  for (const accountId of new Set(records.map((r) => r.accountId))) {
    const expressions = new Expressions();
    const read = {
      query: {
        TableName: db.tables.events, IndexName: 'byAccount',
        KeyConditionExpression: `${expressions.name('accountId')} = ${expressions.value(accountId)}`,
        FilterExpression: `${expressions.name('resourceId')} = ${expressions.value(resourceId)}`,
        ProjectionExpression: expressions.name('pk'),
        ...expressions.attributes(),
      },
    };
    for await (const item of readPages(db, read)) ids.add(item.pk as string);
  }
  const stored = (await Promise.all([...ids].map((id) => new EventStore(db).get(id)))).filter((e): e is StoredEvent => e !== undefined);
  const events = await viewEvents(db, stored);
  events.sort((a, b) => a.state.localeCompare(b.state) || a.severity - b.severity || b.lastTime.localeCompare(a.lastTime));
  return { resources, events };
}

type Inventory = Awaited<ReturnType<typeof loadInventory>>;

/**
 * The inventory counts are the one read of the summary that goes through every current record (as the report's):
 * they are read again when a newer run has finished, or after `maxAgeMs` (real-time updates between runs), not on
 * every refresh of every open page.
 */
export class InventoryCache {
  private cached?: { runId: string; at: number; value: Promise<Inventory> };

  constructor(private readonly maxAgeMs = 60_000) {}

  get(db: Database, latestRunId: string): Promise<Inventory> {
    const cached = this.cached;
    if (cached && cached.runId === latestRunId && Date.now() - cached.at < this.maxAgeMs) return cached.value;
    const value = loadInventory(db);
    const entry = { runId: latestRunId, at: Date.now(), value };
    this.cached = entry;
    value.catch(() => { if (this.cached === entry) this.cached = undefined; });
    return value;
  }
}

/** The summary's parts, as HTML: the report's own sections. */
export interface SummaryFragments {
  kpis: string;
  inventory: string;
  instances: string;
  runs: string;
}

/** What the static report shows, less its Tap table (the dashboard pages the events itself): key figures, inventory, instances, runs. */
export async function summary(db: Database, options: { generatedAt: string; source: string; inventory: InventoryCache }): Promise<{ generatedAt: string; source: string; openBySeverity: Record<Severity, number>; lastRun?: RunSummary; html: SummaryFragments }> {
  const [runs, openBySeverity] = await Promise.all([recentRuns(db, RUNS_SHOWN), new EventStore(db).countOpenBySeverity()]);
  const inventory = await options.inventory.get(db, runs[0]?.runId ?? '');
  const data: ReportData = {
    generatedAt: options.generatedAt,
    source: options.source,
    resources: inventory.resources,
    openEvents: [],
    instances: { lifetimes: inventory.lifetimes, series: activeInstancesOverTime(inventory.lifetimes, options.generatedAt) },
    runs: runs.map(runSummaryOf),
  };
  const lastRun = data.runs[0];
  const open = Object.values(openBySeverity).reduce((a, b) => a + b, 0);
  const activeNow = data.instances.series.reduce((sum, s) => sum + (s.points.at(-1)?.active ?? 0), 0);
  const kpi = (value: string | number, label: string, note: string, tone = '', id = ''): string =>
    `<div class="kpi ${tone}"${id ? ` data-kpi="${id}"` : ''}><div class="kpi-value">${escapeHtml(value)}</div><div class="kpi-label">${escapeHtml(label)}</div><div class="kpi-note">${escapeHtml(note)}</div></div>`;
  const kpis = `<section class="kpis">${[
    kpi(data.resources.total, 'resources', `${plural(data.resources.byType.length, 'type')} · ${plural(data.resources.byRegion.length, 'region')}`),
    kpi(open, 'open events', ([1, 2] as Severity[]).map((s) => `${openBySeverity[s]} ${SEVERITY_NAMES[s].toLowerCase()}`).join(' · '),
      openBySeverity[1] > 0 ? 'alert' : openBySeverity[2] > 0 ? 'warn' : 'good', 'open-events'),
    kpi(activeNow, 'active instances', `in ${plural(data.instances.series.filter((s) => (s.points.at(-1)?.active ?? 0) > 0).length, 'group')}`),
    kpi(lastRun ? formatDuration(lastRun.durationMs) : '–', 'last run',
      lastRun ? `${lastRun.status} · ${lastRun.tasks.total} tasks · ${lastRun.tasks.failed} failed · ${lastRun.apiCalls} AWS calls` : 'no runs yet: cloudtap run --sandbox', lastRun?.status === 'partial' ? 'warn' : ''),
  ].join('')}</section>`;
  return {
    generatedAt: options.generatedAt, source: options.source, openBySeverity, ...(lastRun ? { lastRun } : {}),
    html: { kpis, inventory: inventorySection(data), instances: instancesSection(data), runs: runsSection(data.runs) },
  };
}

/**
 * Open events by severity over time: the count each finished run recorded (RunSummary.openEvents), and the
 * count now, as step lines on the report's step chart.
 */
export async function eventsOverTime(db: Database, now: string): Promise<{ points: { time: string; bySeverity: Record<string, number> }[]; html: string }> {
  const runs = (await recentRuns(db, RUNS_SHOWN)).map(runSummaryOf).filter((r) => r.openEvents).reverse();
  const current = await new EventStore(db).countOpenBySeverity();
  const points = [...runs.map((r) => ({ time: r.finishedAt, bySeverity: r.openEvents ?? {} })), { time: now, bySeverity: current as Record<string, number> }];
  const severities = [1, 2, 3, 4] as Severity[];
  const lines = severities.map((s) => ({ name: `${s} ${SEVERITY_NAMES[s]}`, color: SEVERITY_COLORS[s], points: points.map((p) => ({ time: p.time, value: p.bySeverity[s] ?? 0 })) }));
  const from = points[0]?.time ?? now;
  const legend = `<div class="legend">${severities.map((s) => `<span class="legend-item"><span class="swatch" style="background:${SEVERITY_COLORS[s]}"></span>${s} ${escapeHtml(SEVERITY_NAMES[s])} <b>${current[s]}</b></span>`).join('')}</div>`;
  const chart = figure('events-over-time', runs.length > 0, () => stepChart('events-over-time', lines, from, now, 1400, 240), 'No finished runs with event counts yet.');
  return { points, html: card('Open events by severity over time', `${legend}${chart}`, `as each of the last ${plural(runs.length, 'run')} ended, and now`, true) };
}

/** The last run's failed tasks, by service and by account: every failed task's stored result, not the summary's sample. */
export async function lastRunFailures(db: Database): Promise<{ runId?: string; failedTasks: number; failures: number; byService: { name: string; count: number }[]; byAccount: { name: string; count: number }[]; html: string }> {
  const [last] = await recentRuns(db, 1);
  if (!last) return { failedTasks: 0, failures: 0, byService: [], byAccount: [], html: card('Failures of the last run', '<p class="empty">No runs yet.</p>') };
  const failed = (await new RunStore(db).taskResults(last.runId)).filter((r) => r.status === 'failed');
  const failures = failed.flatMap(taskFailures);
  const count = (key: (f: (typeof failures)[number]) => string): { name: string; count: number }[] => {
    const counts = new Map<string, number>();
    for (const f of failures) counts.set(key(f), (counts.get(key(f)) ?? 0) + 1);
    return [...counts].map(([name, n]) => ({ name, count: n })).sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
  };
  const byService = count((f) => f.service ?? 'the task itself');
  const byAccount = count((f) => f.account);
  const bars = (counts: { name: string; count: number }[], color: string): Bar[] => counts.map((c) => ({ label: c.name, value: c.count, color }));
  const none = `No failed tasks in run ${last.runId}.`;
  const body = `<div class="grid two"><div><h4>By service</h4>${figure('failures-by-service', failures.length > 0, () => horizontalBarChart('failures-by-service', bars(byService, '#d55e00'), 560), none)}</div>`
    + `<div><h4>By account</h4>${figure('failures-by-account', failures.length > 0, () => horizontalBarChart('failures-by-account', bars(byAccount, '#cc79a7'), 560), none)}</div></div>`
    + (failures.length > 0 ? `<div class="table-wrap"><table class="compact failures-table"><thead><tr><th>Task</th><th>Account</th><th>Region</th><th>Service</th><th>Type</th><th>Error</th><th>Message</th></tr></thead><tbody>${
      failures.slice(0, 50).map((f) => `<tr><td class="mono">${escapeHtml(f.taskId)}</td><td class="mono">${escapeHtml(f.account)}</td><td>${escapeHtml(f.region)}</td><td>${escapeHtml(f.service ?? '')}</td><td>${escapeHtml(f.type ?? '')}</td><td><code>${escapeHtml(f.code)}</code></td><td class="text">${escapeHtml(f.message)}</td></tr>`).join('')
    }</tbody></table></div>${failures.length > 50 ? `<p class="muted">the first 50 of ${failures.length}: cloudtap trace ${escapeHtml(last.runId)} --failures</p>` : ''}` : '');
  return {
    runId: last.runId, failedTasks: failed.length, failures: failures.length, byService, byAccount,
    html: card('Failures of the last run', body, `run ${last.runId} · ${plural(failed.length, 'failed task')} · ${plural(failures.length, 'failure')}`, true),
  };
}
