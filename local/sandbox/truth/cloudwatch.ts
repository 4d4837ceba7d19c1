/**
 * The CloudWatch truth: the metric conditions cloudwatch-model.ts plants on the instances (and burstable volumes) that
 * run at a moment, the agentless instances, and the exact value GetMetricData answers for any metric, window and
 * statistic. Levels follow the thresholds of issue 18 (CPU ≥ 90 % WARNING, ≥ 98 % CRITICAL; memory and disk free
 * ≤ 10 % / ≤ 3 %; status check failed CRITICAL) and, for load and burst balance, the bands in BANDS (load ≥ 4 /
 * ≥ 10, burst balance ≤ 20 % / ≤ 5 % classify them).
 */
import type { Dimension, Metric } from '@aws-sdk/client-cloudwatch';
import { epochTime } from '../clock';
import { enabledRegions, type SandboxSpec } from '../spec';
import { sandboxAccountIds } from '../accounts';
import { queryDatapoints } from '../services/cloudwatch';
import {
  BANDS, metricEpochAt, regionMetrics, METRIC_MINUTE_MS, type Band, type MetricKind, type MetricModelSpec, type MetricSeries, type RegionMetrics,
} from '../services/cloudwatch-model';

export interface MetricCondition {
  accountId: string;
  region: string;
  /** The instance id, or the volume id for BurstBalance. */
  resourceId: string;
  /** The instance the condition is about (for BurstBalance: the one the volume is attached to). */
  instanceId: string;
  metric: MetricKind;
  level: 'warning' | 'critical';
  /** The metric's Average over TRUTH_WINDOW_MINUTES before `at` (StatusCheck: 1); mem/disk are used %, not free %. */
  value: number;
  /** Every per-minute value lies in this range (StatusCheck: [1, 1]). */
  band: Band;
  namespace: string;
  metricName: string;
  dimensions: Dimension[];
  /** Disk: the mount path. */
  mount?: string;
  /** StatusCheck: which check fails. */
  check?: 'instance' | 'system';
}

export interface MetricTruthData {
  /** The moment the conditions hold at (ISO). */
  at: string;
  conditions: MetricCondition[];
  /** Running instances without the CloudWatch agent (no CWAgent metrics at all). */
  agentless: { accountId: string; region: string; instanceId: string }[];
  /** Every instance running at `at` (the ones that publish metrics), with its gp2/st1/sc1 volumes (BurstBalance). */
  running: { accountId: string; region: string; instanceId: string; burstVolumes: string[] }[];
}

export interface MetricTruth extends MetricTruthData {
  /**
   * What GetMetricData answers for one metric over [start, end) with this period and statistic, oldest first: the
   * same computation as the server's.
   */
  datapoints(accountId: string, region: string, metric: Metric, window: { start: Date; end: Date; period?: number; stat?: string }): { timestamps: Date[]; values: number[] };
  /** The single value over the whole window (one period spanning it), or undefined when nothing was published. */
  value(accountId: string, region: string, metric: Metric, window: { start: Date; end: Date; stat?: string }): number | undefined;
}

/** The truth's `value` is the Average over this many minutes before `at`. */
export const TRUTH_WINDOW_MINUTES = 10;

function windowDatapoints(metrics: RegionMetrics | undefined, series: MetricSeries | undefined, start: Date, end: Date, period: number, stat: string) {
  if (!metrics) return { timestamps: [], values: [] };
  const from = Math.floor(start.getTime() / METRIC_MINUTE_MS) * METRIC_MINUTE_MS;
  const { timestamps, values } = queryDatapoints(metrics, series, from, end.getTime(), period, stat);
  return { timestamps: timestamps.map((time) => new Date(time)), values };
}

function wholeWindowPeriod(start: Date, end: Date): number {
  const minutes = Math.ceil((end.getTime() - Math.floor(start.getTime() / METRIC_MINUTE_MS) * METRIC_MINUTE_MS) / METRIC_MINUTE_MS);
  return Math.max(1, minutes) * 60;
}

function conditionsOf(metrics: RegionMetrics, index: number, epoch: number, at: Date, into: MetricCondition[]): void {
  const instanceId = metrics.model.ids.instance.encode(index);
  const start = new Date(at.getTime() - TRUTH_WINDOW_MINUTES * METRIC_MINUTE_MS);
  const add = (series: MetricSeries, metric: MetricKind, extra: Partial<MetricCondition> = {}) => {
    const level = metrics.levelAt(series, epoch);
    if (level === 'normal') return;
    const named = metrics.metricOf(series);
    const band: Band = metric === 'StatusCheck' ? [1, 1] : BANDS[metric][level];
    const value = windowDatapoints(metrics, series, start, at, wholeWindowPeriod(start, at), 'Average').values[0] ?? (band[0] + band[1]) / 2;
    into.push({
      accountId: metrics.accountId, region: metrics.region, resourceId: series.source === 'volume' ? series.volumeId : instanceId, instanceId,
      metric, level, value, band, namespace: named.Namespace, metricName: named.MetricName, dimensions: named.Dimensions, ...extra,
    });
  };
  add({ source: 'instance', index, metric: 'CPUUtilization' }, 'CPU');
  const check = metrics.failingCheck(index, epoch);
  if (check) add({ source: 'instance', index, metric: check === 'instance' ? 'StatusCheckFailed_Instance' : 'StatusCheckFailed_System' }, 'StatusCheck', { check });
  if (!metrics.agentless(index)) {
    add({ source: 'instance', index, metric: 'mem' }, 'Mem');
    metrics.mounts(index).forEach((mount, mountIndex) => add({ source: 'instance', index, metric: 'disk', mount, mountIndex }, 'Disk', { mount: mount.path }));
    add({ source: 'instance', index, metric: 'load' }, 'Load');
  }
  for (const volumeId of metrics.burstVolumes(index, epoch)) add({ source: 'volume', index, volumeId, metric: 'burst' }, 'BurstBalance');
}

/**
 * The planted metric conditions of every account and enabled region at `at` (default: the spec's epoch time): those
 * of the instances running then. A moment after the spec's epoch time sees the instances as at the epoch.
 */
export function metricTruth(spec: SandboxSpec, at: Date = epochTime(spec.epoch)): MetricTruth {
  const epoch = metricEpochAt(at.getTime() - 1, spec.epoch);
  const data: MetricTruthData = { at: at.toISOString(), conditions: [], agentless: [], running: [] };
  for (const accountId of sandboxAccountIds(spec)) {
    for (const region of enabledRegions(spec)) {
      const metrics = regionMetrics(spec, accountId, region);
      if (!metrics) continue;
      const space = metrics.model.timeline.instanceSpace(epoch);
      for (let index = 0; index < space; index++) {
        if (!metrics.running(index, epoch)) continue;
        const instanceId = metrics.model.ids.instance.encode(index);
        data.running.push({ accountId, region, instanceId, burstVolumes: metrics.burstVolumes(index, epoch) });
        if (metrics.agentless(index)) data.agentless.push({ accountId, region, instanceId });
        conditionsOf(metrics, index, epoch, at, data.conditions);
      }
    }
  }
  return { ...data, ...metricValues(spec) };
}

/** The exact answers of GetMetricData for a spec, without listing the conditions. */
export function metricValues(spec: MetricModelSpec): Pick<MetricTruth, 'datapoints' | 'value'> {
  const lookup = (accountId: string, region: string, metric: Metric) => {
    const metrics = regionMetrics(spec, accountId, region);
    return { metrics, series: metrics?.resolve(metric) };
  };
  return {
    datapoints(accountId, region, metric, { start, end, period = 60, stat = 'Average' }) {
      const { metrics, series } = lookup(accountId, region, metric);
      return windowDatapoints(metrics, series, start, end, period, stat);
    },
    value(accountId, region, metric, { start, end, stat = 'Average' }) {
      const { metrics, series } = lookup(accountId, region, metric);
      return windowDatapoints(metrics, series, start, end, wholeWindowPeriod(start, end), stat).values[0];
    },
  };
}

/** The truth's plain data (what `sandboxTruth` carries and `/_sandbox/truth` serves). */
export function metricTruthData(spec: SandboxSpec, at?: Date): MetricTruthData {
  const { at: time, conditions, agentless, running } = metricTruth(spec, at);
  return { at: time, conditions, agentless, running };
}
