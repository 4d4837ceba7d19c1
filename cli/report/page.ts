import { SEVERITY_NAMES, type Severity, type TapEvent } from '../../src/events/tap-event';
import type { RunSummary } from '../../src/dto/run-summary';
import { formatDuration } from '../format';
import { columnChart, horizontalBarChart, stepChart, SERIES_COLORS, type Bar } from './charts';
import { escapeHtml, plural, shortTime } from './html';
import { latestChange, peakOf, type GroupSeries } from './instances-over-time';
import type { NamedCount, ReportData } from './report-data';
import { REPORT_CSS } from './style';

export const SEVERITY_COLORS: Record<Severity, string> = { 1: '#cf222e', 2: '#e16f24', 3: '#bf8700', 4: '#0969da', 5: '#1a7f37' };
const STATUS_COLORS: Record<RunSummary['status'], string> = { succeeded: '#2da44e', partial: '#e16f24' };
const TYPE_COLOR = '#0072b2';
const REGION_COLOR = '#009e73';
const RULE_COLOR = '#6a3d9a';

/** The whole report: one HTML document with its CSS and charts inline, nothing fetched. */
export function renderReportPage(data: ReportData): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cloudtap report – ${escapeHtml(shortTime(data.generatedAt))} UTC</title>
<style>${REPORT_CSS}</style>
</head>
<body>
${header(data)}
<main>
${keyFigures(data)}
${inventorySection(data)}
${eventsSection(data.openEvents)}
${instancesSection(data)}
${runsSection(data.runs)}
</main>
<footer>cloudtap report · generated ${escapeHtml(shortTime(data.generatedAt))} UTC · self-contained: works offline, loads nothing</footer>
</body>
</html>
`;
}

function header(data: ReportData): string {
  const last = data.runs[0];
  const status = last
    ? `<div class="status ${last.status}"><span class="dot"></span>Last run ${last.status === 'succeeded' ? 'succeeded' : 'completed with failed tasks'}<small>${escapeHtml(shortTime(last.startedAt))} UTC · ${escapeHtml(formatDuration(last.durationMs))}</small></div>`
    : '<div class="status none"><span class="dot"></span>No runs yet</div>';
  return `<header class="top"><div><h1><span class="logo">◆</span> cloudtap</h1>`
    + `<p class="sub">Inventory, events and runs · generated ${escapeHtml(shortTime(data.generatedAt))} UTC · ${escapeHtml(data.source)}</p></div>${status}</header>`;
}

function keyFigures(data: ReportData): string {
  const bySeverity = severityCounts(data.openEvents);
  const severe = [1, 2].map((s) => `${bySeverity.get(s as Severity) ?? 0} ${SEVERITY_NAMES[s as Severity].toLowerCase()}`).join(' · ');
  const activeNow = data.instances.series.reduce((sum, s) => sum + (s.points.at(-1)?.active ?? 0), 0);
  const last = data.runs[0];
  const figure = (value: string | number, label: string, note: string, tone = ''): string =>
    `<div class="kpi ${tone}"><div class="kpi-value">${escapeHtml(value)}</div><div class="kpi-label">${escapeHtml(label)}</div><div class="kpi-note">${escapeHtml(note)}</div></div>`;
  return `<section class="kpis">${[
    figure(data.resources.total, 'resources', `${plural(data.resources.byType.length, 'type')} · ${plural(data.resources.byRegion.length, 'region')}`),
    figure(data.openEvents.length, 'open events', severe, (bySeverity.get(1) ?? 0) > 0 ? 'alert' : (bySeverity.get(2) ?? 0) > 0 ? 'warn' : 'good'),
    figure(activeNow, 'active instances', `in ${plural(data.instances.series.filter((s) => (s.points.at(-1)?.active ?? 0) > 0).length, 'group')}`),
    figure(last ? formatDuration(last.durationMs) : '–', 'last run', last ? `${last.tasks.total} tasks · ${last.tasks.failed} failed · ${last.apiCalls} AWS calls` : 'cloudtap run --sandbox', last?.status === 'partial' ? 'warn' : ''),
  ].join('')}</section>`;
}

export function card(title: string, body: string, note = '', wide = false): string {
  return `<div class="card${wide ? ' wide' : ''}"><div class="card-head"><h3>${escapeHtml(title)}</h3>${note ? `<span class="note">${escapeHtml(note)}</span>` : ''}</div>${body}</div>`;
}

/** A chart, or a sentence saying there is nothing to draw yet. */
export function figure(name: string, hasData: boolean, chart: () => string, empty: string): string {
  return hasData ? `<figure class="chart" data-chart="${escapeHtml(name)}">${chart()}</figure>` : `<p class="empty">${escapeHtml(empty)}</p>`;
}

function countBars(counts: NamedCount[], color: string): Bar[] {
  return counts.map((c) => ({ label: c.name, value: c.count, color }));
}

export function inventorySection(data: ReportData): string {
  const { byType, byRegion, total } = data.resources;
  const none = 'No resources collected yet: cloudtap run --sandbox';
  return `<section id="inventory"><h2>Inventory</h2><div class="grid two">${
    card('Resources by type', figure('resources-by-type', byType.length > 0, () => horizontalBarChart('resources-by-type', countBars(byType, TYPE_COLOR)), none), `${total} in total`)
  }${
    card('Resources by region', figure('resources-by-region', byRegion.length > 0, () => horizontalBarChart('resources-by-region', countBars(byRegion, REGION_COLOR)), none), 'aws-global: account-wide')
  }</div></section>`;
}

function severityCounts(events: TapEvent[]): Map<Severity, number> {
  const counts = new Map<Severity, number>();
  for (const event of events) counts.set(event.severity, (counts.get(event.severity) ?? 0) + 1);
  return counts;
}

function eventsSection(events: TapEvent[]): string {
  const bySeverity = severityCounts(events);
  const severityBars: Bar[] = ([1, 2, 3, 4] as Severity[]).map((s) => ({ label: `${s} ${SEVERITY_NAMES[s]}`, value: bySeverity.get(s) ?? 0, color: SEVERITY_COLORS[s] }));
  const byRule = new Map<string, number>();
  for (const event of events) byRule.set(event.rule, (byRule.get(event.rule) ?? 0) + 1);
  const ruleBars = countBars([...byRule].map(([name, count]) => ({ name, count })).sort((a, b) => b.count - a.count || a.name.localeCompare(b.name)), RULE_COLOR);
  const none = 'No open events.';
  return `<section id="events"><h2>Open events</h2><div class="grid two">${
    card('By severity', figure('events-by-severity', events.length > 0, () => horizontalBarChart('events-by-severity', severityBars), none), '1 most severe … 5 OK')
  }${
    card('By rule', figure('events-by-rule', events.length > 0, () => horizontalBarChart('events-by-rule', ruleBars), none), plural(byRule.size, 'rule'))
  }</div>${card('Tap table', tapTable(events), `${plural(events.length, 'open event')} · times UTC`, true)}</section>`;
}

/** `web_server:i-0abc` may wrap after a colon, never inside an id. */
function breakableAtColons(name: string): string {
  return name.split(':').map((part) => `<span class="nb">${escapeHtml(part)}</span>`).join(':<wbr>');
}

function severityPill(severity: Severity): string {
  return `<span class="sev sev${severity}" title="${escapeHtml(SEVERITY_NAMES[severity])}">${severity} ${escapeHtml(SEVERITY_NAMES[severity])}</span>`;
}

/**
 * The Tap table: Class, First, Last, Count, Sev, Group, Rule, as many Type/Name pairs as the deepest event, Text.
 * Each pair is one cell (the type as a small label before the name), so the Text stays in view.
 */
function tapTable(events: TapEvent[]): string {
  if (events.length === 0) return '<p class="empty">No open events.</p>';
  const depth = Math.max(1, ...events.map((e) => e.typeNames.length));
  const pairHeaders = Array.from({ length: depth }, (_, i) => `<th>Type / Name ${i + 1}</th>`).join('');
  const rows = events.map((e) => {
    const pairs = Array.from({ length: depth }, (_, i) => {
      const pair = e.typeNames[i];
      return pair ? `<td class="pair"><span class="type">${escapeHtml(pair.type)}</span> <span class="name">${breakableAtColons(pair.name)}</span></td>` : '<td></td>';
    }).join('');
    const ack = e.acknowledged ? `<div class="ack">ack: ${escapeHtml(e.acknowledged.note)} (${escapeHtml(e.acknowledged.by)})</div>` : '';
    return `<tr class="sev-row sev${e.severity}"><td>${escapeHtml(e.class)}</td><td class="nowrap">${escapeHtml(shortTime(e.firstTime))}</td><td class="nowrap">${escapeHtml(shortTime(e.lastTime))}</td>`
      + `<td class="num">${e.count}</td><td>${severityPill(e.severity)}</td><td>${escapeHtml(e.group ?? '')}</td><td>${escapeHtml(e.rule)}</td>${pairs}<td class="text">${escapeHtml(e.text)}${ack}</td></tr>`;
  });
  return `<div class="table-wrap tall"><table class="tap"><thead><tr><th>Class</th><th>First</th><th>Last</th><th>Count</th><th>Sev</th><th>Group</th><th>Rule</th>${pairHeaders}<th>Text</th></tr></thead>`
    + `<tbody>${rows.join('')}</tbody></table></div>`;
}

const ZOOM_MS = 24 * 3_600_000;

/** Two views of the same step lines: since the first launch, and the day up to the latest launch or termination. */
export function instancesSection(data: ReportData): string {
  const { series, lifetimes } = data.instances;
  const colorOf = (i: number): string => SERIES_COLORS[i % SERIES_COLORS.length] ?? '#555';
  const lines = series.map((s, i) => ({ name: s.group, color: colorOf(i), points: s.points.map((p) => ({ time: p.time, value: p.active })) }));
  const from = series.flatMap((s) => s.points.map((p) => p.time)).sort()[0] ?? data.generatedAt;
  const latest = latestChange(lifetimes, data.generatedAt) ?? data.generatedAt;
  const zoomTo = new Date(Math.min(Date.parse(data.generatedAt), Date.parse(latest) + ZOOM_MS / 24)).toISOString();
  const zoomFrom = new Date(Date.parse(latest) - ZOOM_MS).toISOString();
  const none = 'No instances collected yet.';
  const allTime = figure('instances-per-group', series.length > 0, () => stepChart('instances-per-group', lines, from, data.generatedAt), none);
  const recent = series.length > 0
    ? `<h4>The 24 hours up to the latest launch or termination (${escapeHtml(shortTime(latest))})</h4>${figure('instances-per-group-recent', true, () => stepChart('instances-per-group-recent', lines, zoomFrom, zoomTo, 1400, 220), none)}`
    : '';
  const legend = series.map((s, i) => `<span class="legend-item"><span class="swatch" style="background:${escapeHtml(colorOf(i))}"></span>${escapeHtml(s.group)} <b>${s.points.at(-1)?.active ?? 0}</b></span>`).join('');
  return `<section id="instances"><h2>Instances per group over time</h2>${card(
    'Active instances per server role',
    `${series.length > 0 ? `<div class="legend">${legend}</div>` : ''}${allTime}${recent}${groupTable(series, data)}`,
    `launch to termination · ${shortTime(from)} → now (UTC)`,
    true,
  )}</section>`;
}

function groupTable(series: GroupSeries[], data: ReportData): string {
  if (series.length === 0) return '';
  const rows = series.map((s) => {
    const lifetimes = data.instances.lifetimes.filter((l) => l.group === s.group);
    const peak = peakOf(s);
    return `<tr><td>${escapeHtml(s.group)}</td><td class="num">${s.points.at(-1)?.active ?? 0}</td><td class="num">${peak.active}</td><td class="nowrap">${escapeHtml(shortTime(peak.time))}</td>`
      + `<td class="num">${lifetimes.length}</td><td class="num">${lifetimes.filter((l) => l.endedAt !== null).length}</td></tr>`;
  });
  return `<div class="table-wrap"><table class="compact"><thead><tr><th>Group</th><th>Active now</th><th>Peak</th><th>Peak first reached</th><th>Instances seen</th><th>Terminated</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

export function runsSection(runs: RunSummary[]): string {
  const chronological = [...runs].reverse();
  const chart = figure('run-durations', runs.length > 0, () => columnChart('run-durations', chronological.map((r) => ({
    label: `${r.startedAt.slice(5, 10)} ${r.startedAt.slice(11, 19)}`,
    value: r.durationMs,
    valueLabel: formatDuration(r.durationMs),
    color: STATUS_COLORS[r.status],
    title: `${r.runId}: ${r.status}, ${formatDuration(r.durationMs)}, ${r.tasks.failed} failed tasks`,
  })), (ms) => formatDuration(ms)), 'No runs yet: cloudtap run --sandbox');
  const legend = `<div class="legend"><span class="legend-item"><span class="swatch" style="background:${STATUS_COLORS.succeeded}"></span>succeeded</span>`
    + `<span class="legend-item"><span class="swatch" style="background:${STATUS_COLORS.partial}"></span>some tasks failed</span></div>`;
  return `<section id="runs"><h2>Recent runs</h2>${card('Run durations', `${chart}${runs.length > 0 ? legend : ''}`, `last ${plural(runs.length, 'run')}`, true)}${card('Runs', runsTable(runs), 'newest first · times UTC', true)}</section>`;
}

function runsTable(runs: RunSummary[]): string {
  if (runs.length === 0) return '<p class="empty">No runs yet.</p>';
  const rows = runs.map((r) => {
    const status = `<span class="pill ${r.status}">${r.status === 'succeeded' ? 'succeeded' : 'partial'}</span>`;
    const changed = r.resources.created + r.resources.updated + r.resources.deleted;
    const failures = r.failures.length === 0 ? '' : `<tr class="failures"><td colspan="9"><ul>${r.failures.map((f) =>
      `<li><b>${escapeHtml([f.account, f.region, f.service, f.type].filter(Boolean).join(' · '))}</b> <code>${escapeHtml(f.code)}</code> ${escapeHtml(f.message)}</li>`).join('')}</ul></td></tr>`;
    return `<tr><td class="mono">${escapeHtml(r.runId)}</td><td class="nowrap">${escapeHtml(shortTime(r.startedAt))}</td><td class="num">${escapeHtml(formatDuration(r.durationMs))}</td><td>${status}</td>`
      + `<td class="num">${r.tasks.total} <span class="muted">(${r.tasks.failed} failed, ${r.tasks.skipped} skipped)</span></td>`
      + `<td class="num">${r.resources.seen} <span class="muted">(${changed} changed)</span></td>`
      + `<td class="num">${r.events.opened} <span class="muted">opened</span> · ${r.events.cleared} <span class="muted">cleared</span></td>`
      + `<td class="num">${r.apiCalls}</td><td class="num">${r.writes}</td></tr>${failures}`;
  });
  return `<div class="table-wrap"><table class="compact"><thead><tr><th>Run</th><th>Started</th><th>Duration</th><th>Status</th><th>Tasks</th><th>Resources</th><th>Events</th><th>AWS calls</th><th>Writes</th></tr></thead>`
    + `<tbody>${rows.join('')}</tbody></table></div>`;
}
