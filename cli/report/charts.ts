import { escapeHtml } from './html';

/**
 * Charts as inline SVG, drawn here rather than by a script in the page: the report works offline, prints,
 * and shows the same picture in any browser. Every drawn bar is a `rect.bar`, every line a `path.series`.
 */

/** Distinct on white, and still distinct for the common colour-vision deficiencies (Okabe–Ito, then more). */
export const SERIES_COLORS = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#6a3d9a', '#8c8c00', '#1f78b4', '#b15928'];

export interface Bar {
  label: string;
  value: number;
  color: string;
  /** Tooltip; the label and value when absent. */
  title?: string;
}

const FONT_PX = 12;
const CHAR_PX = 7;

function truncate(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars - 1)}…`;
}

/** Round numbers for an axis up to at least `max`: 0, step, 2·step, … with step 1, 2 or 5 × 10ⁿ. */
export function niceTicks(max: number, count = 5): number[] {
  if (max <= 0) return [0, 1];
  const rough = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? 10 * magnitude;
  const ticks: number[] = [];
  // The last tick is the first at or above max.
  for (let tick = 0; tick < max + step; tick += step) ticks.push(Number(tick.toPrecision(12)));
  return ticks;
}

/** Horizontal bars with their labels on the left and values on the right: counts by type, region, severity. */
export function horizontalBarChart(name: string, bars: Bar[], width = 640): string {
  const rowHeight = 26;
  const labelChars = Math.min(28, Math.max(4, ...bars.map((b) => b.label.length)));
  const labelWidth = labelChars * CHAR_PX + 12;
  const valueWidth = 52;
  const plotWidth = width - labelWidth - valueWidth;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const height = bars.length * rowHeight + 8;
  const rows = bars.map((bar, i) => {
    const y = 4 + i * rowHeight;
    const barWidth = bar.value > 0 ? Math.max(2, (bar.value / max) * plotWidth) : 0;
    const title = bar.title ?? `${bar.label}: ${bar.value}`;
    return `<g class="row"><title>${escapeHtml(title)}</title>`
      + `<text class="label" x="${labelWidth - 10}" y="${y + 13}" text-anchor="end" dominant-baseline="middle">${escapeHtml(truncate(bar.label, labelChars))}</text>`
      + `<rect class="track" x="${labelWidth}" y="${y + 4}" width="${plotWidth}" height="18" rx="3"/>`
      + `<rect class="bar" x="${labelWidth}" y="${y + 4}" width="${barWidth.toFixed(1)}" height="18" rx="3" fill="${escapeHtml(bar.color)}"/>`
      + `<text class="value" x="${(labelWidth + barWidth + 6).toFixed(1)}" y="${y + 13}" dominant-baseline="middle">${bar.value}</text></g>`;
  });
  return `<svg class="chart-svg" data-chart="${escapeHtml(name)}" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${escapeHtml(name)}" font-size="${FONT_PX}">${rows.join('')}</svg>`;
}

export interface Column {
  /** Under the column, e.g. the run's start. */
  label: string;
  value: number;
  valueLabel: string;
  color: string;
  title: string;
}

/** Vertical columns on a value axis: one per run, oldest on the left. */
export function columnChart(name: string, columns: Column[], formatTick: (value: number) => string, width = 1400, height = 240): string {
  const margin = { left: 64, right: 12, top: 20, bottom: 36 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const ticks = niceTicks(Math.max(...columns.map((c) => c.value), 0));
  const top = ticks.at(-1) ?? 1;
  const y = (value: number): number => margin.top + plotHeight - (value / top) * plotHeight;
  const slot = plotWidth / Math.max(1, columns.length);
  const columnWidth = Math.min(56, slot * 0.7);
  const labelEvery = Math.max(1, Math.ceil((columns.length * 92) / plotWidth));
  const grid = ticks.map((tick) => `<line class="grid" x1="${margin.left}" x2="${width - margin.right}" y1="${y(tick).toFixed(1)}" y2="${y(tick).toFixed(1)}"/>`
    + `<text class="tick" x="${margin.left - 8}" y="${y(tick).toFixed(1)}" text-anchor="end" dominant-baseline="middle">${escapeHtml(formatTick(tick))}</text>`);
  const drawn = columns.map((column, i) => {
    const x = margin.left + i * slot + (slot - columnWidth) / 2;
    const barHeight = Math.max(2, plotHeight - (y(column.value) - margin.top));
    const label = i % labelEvery === 0 || i === columns.length - 1
      ? `<text class="tick" x="${(x + columnWidth / 2).toFixed(1)}" y="${height - margin.bottom + 16}" text-anchor="middle">${escapeHtml(column.label)}</text>` : '';
    return `<g class="column"><title>${escapeHtml(column.title)}</title>`
      + `<rect class="bar" x="${x.toFixed(1)}" y="${(margin.top + plotHeight - barHeight).toFixed(1)}" width="${columnWidth.toFixed(1)}" height="${barHeight.toFixed(1)}" rx="3" fill="${escapeHtml(column.color)}"/>`
      + `<text class="value" x="${(x + columnWidth / 2).toFixed(1)}" y="${(margin.top + plotHeight - barHeight - 5).toFixed(1)}" text-anchor="middle">${escapeHtml(column.valueLabel)}</text>${label}</g>`;
  });
  return `<svg class="chart-svg" data-chart="${escapeHtml(name)}" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${escapeHtml(name)}" font-size="${FONT_PX}">`
    + `${grid.join('')}<line class="axis" x1="${margin.left}" x2="${width - margin.right}" y1="${y(0)}" y2="${y(0)}"/>${drawn.join('')}</svg>`;
}

export interface StepLine {
  name: string;
  color: string;
  /** From `time` on the line is at `value`; before the first point it is at 0. */
  points: { time: string; value: number }[];
}

/** Time labels that suit the span: dates over days, hours and minutes within one. */
function timeLabel(ms: number, spanMs: number): string {
  const iso = new Date(ms).toISOString();
  return spanMs > 2 * 86_400_000 ? iso.slice(0, 10) : `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
}

/** The value a step line holds at `ms`: that of its last point at or before it, 0 before the first. */
function valueAt(line: StepLine, ms: number): number {
  let value = 0;
  for (const point of line.points) if (Date.parse(point.time) <= ms) value = point.value;
  return value;
}

/** Step lines on a shared time axis from `from` to `to`, e.g. active instances per group. */
export function stepChart(name: string, lines: StepLine[], from: string, to: string, width = 1400, height = 300): string {
  const margin = { left: 44, right: 16, top: 14, bottom: 30 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const fromMs = Date.parse(from);
  const toMs = Date.parse(to);
  const spanMs = Math.max(1, toMs - fromMs);
  const visible = lines.map((line) => ({
    line,
    start: valueAt(line, fromMs),
    steps: line.points.filter((p) => Date.parse(p.time) > fromMs && Date.parse(p.time) <= toMs),
  }));
  const ticks = niceTicks(Math.max(0, ...visible.flatMap((v) => [v.start, ...v.steps.map((p) => p.value)])));
  const top = ticks.at(-1) ?? 1;
  const x = (ms: number): string => (margin.left + ((ms - fromMs) / spanMs) * plotWidth).toFixed(1);
  const y = (value: number): string => (margin.top + plotHeight - (value / top) * plotHeight).toFixed(1);
  const grid = ticks.map((tick) => `<line class="grid" x1="${margin.left}" x2="${width - margin.right}" y1="${y(tick)}" y2="${y(tick)}"/>`
    + `<text class="tick" x="${margin.left - 8}" y="${y(tick)}" text-anchor="end" dominant-baseline="middle">${tick}</text>`);
  const timeTicks = Array.from({ length: 6 }, (_, i) => fromMs + (i / 5) * spanMs).map((ms, i) =>
    `<text class="tick" x="${x(ms)}" y="${height - 10}" text-anchor="${i === 0 ? 'start' : i === 5 ? 'end' : 'middle'}">${escapeHtml(timeLabel(ms, spanMs))}</text>`);
  const paths = visible.map(({ line, start, steps }) => {
    let d = `M${x(fromMs)} ${y(start)}`;
    for (const point of steps) d += ` H${x(Date.parse(point.time))} V${y(point.value)}`;
    d += ` H${x(toMs)}`;
    const last = steps.at(-1)?.value ?? start;
    return `<path class="series" data-series="${escapeHtml(line.name)}" data-points="${steps.length + 1}" d="${d}" fill="none" stroke="${escapeHtml(line.color)}" stroke-width="2" stroke-linejoin="round">`
      + `<title>${escapeHtml(`${line.name}: ${start} at the start, ${last} at the end`)}</title></path>`;
  });
  return `<svg class="chart-svg" data-chart="${escapeHtml(name)}" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${escapeHtml(name)}" font-size="${FONT_PX}">`
    + `${grid.join('')}<line class="axis" x1="${margin.left}" x2="${width - margin.right}" y1="${y(0)}" y2="${y(0)}"/>${timeTicks.join('')}${paths.join('')}</svg>`;
}
