/**
 * CloudWatch (awsJson1_0, `GraniteServiceVersion20100801.<Op>`, query-compatible: errors carry AWS's query codes in
 * `x-amzn-query-error`, so `err.Code` is `ValidationError`, `InvalidNextToken`, …) over the metric model in
 * cloudwatch-model.ts. Implemented:
 * * GetMetricData: `MetricStat` queries (Metric with exact dimensions, Period 1/5/10/20/30 or a multiple of 60, Stat
 *   Average, Maximum, Minimum, Sum, SampleCount or pNN), `Id`, `Label` (default: the metric name), `ReturnData`;
 *   StartTime/EndTime (start rounded down to the minute), ScanBy, MaxDatapoints with NextToken paging by datapoints
 *   (a result cut by a page is `PartialData`). More than 500 queries, duplicate or malformed ids → `ValidationError`;
 *   `Expression` queries (metric math, Metrics Insights) are refused with `ValidationError`: not implemented.
 * * ListMetrics: Namespace, MetricName, Dimensions filters (a metric matches when it has every filter dimension, and
 *   its value when given), 500 a page with NextToken, `RecentlyActive: 'PT3H'`. Listed: the metrics of instances
 *   running at the spec's epoch or within the 14 days (3 hours with RecentlyActive) before it.
 * Not modelled: retention (1-minute data is served for any past window), `LabelOptions`, `Messages` (always empty),
 * cross-account observability (`IncludeLinkedAccounts`). Errors from the server: a region not enabled →
 * `InvalidClientTokenId`, `readDenied=` → `AccessDenied`, `throttle=` → `Throttling`.
 */
import * as CloudWatch from '@aws-sdk/client-cloudwatch';
import type { Dimension, DimensionFilter, Metric, MetricDataQuery, MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { SandboxApiError } from '../api-errors';
import { decodeToken, encodeToken } from '../pagination';
import { awsJsonProtocol } from '../protocols/json';
import type { SandboxCall, SandboxServiceModule } from '../service-module';
import { hashText } from '../random';
import { METRIC_MINUTE_MS, metricEpochAt, regionMetrics, type MetricSeries, type RegionMetrics, type SeriesHour } from './cloudwatch-model';

export const MAX_METRIC_DATA_QUERIES = 500;
const DEFAULT_MAX_DATAPOINTS = 100_800;
const LIST_METRICS_PAGE = 500;
/** A GetMetricData token is the query's place × this + the datapoints of it already answered. */
const POSITIONS_PER_QUERY = 2 ** 30;
const MAX_DIMENSION_FILTERS = 10;
/** ListMetrics lists metrics with datapoints in the last two weeks, or the last three hours with RecentlyActive. */
const LISTED_EPOCHS = { all: 14 * 24, recent: 3 } as const;

const STATS = ['Average', 'Maximum', 'Minimum', 'Sum', 'SampleCount'] as const;

function validation(message: string): SandboxApiError {
  return new SandboxApiError('ValidationError', message);
}

/** The statistic of the samples of one period. */
function statistic(stat: string, samples: number[]): number {
  switch (stat) {
    case 'Average': return samples.reduce((sum, value) => sum + value, 0) / samples.length;
    case 'Maximum': return samples.reduce((max, value) => Math.max(max, value), -Infinity);
    case 'Minimum': return samples.reduce((min, value) => Math.min(min, value), Infinity);
    case 'Sum': return samples.reduce((sum, value) => sum + value, 0);
    case 'SampleCount': return samples.length;
    default: {
      // pNN: nearest rank.
      const sorted = [...samples].sort((a, b) => a - b);
      const rank = Math.max(1, Math.ceil((Number(stat.slice(1)) / 100) * sorted.length));
      return sorted[rank - 1] as number;
    }
  }
}

function checkStat(stat: unknown, where: string): string {
  const text = String(stat ?? '');
  if ((STATS as readonly string[]).includes(text)) return text;
  const percentile = /^p(\d{1,2}(\.\d{1,2})?|100)$/.exec(text);
  if (percentile && Number(percentile[1]) <= 100) return text;
  throw new SandboxApiError('InvalidParameterValue', `The value ${text} for parameter ${where}.Stat is not valid: use ${STATS.join(', ')} or a percentile such as p99.`);
}

function checkPeriod(period: unknown, where: string): number {
  const value = Number(period);
  if (!Number.isInteger(value) || value < 1 || (value >= 60 ? value % 60 !== 0 : ![1, 5, 10, 20, 30].includes(value))) {
    throw validation(`The parameter ${where}.Period must be 1, 5, 10, 20, 30 or a multiple of 60, got ${String(period)}.`);
  }
  return value;
}

function timeOf(value: unknown, name: string): number {
  const time = value instanceof Date ? value.getTime() : Number.NaN;
  if (Number.isNaN(time)) throw new SandboxApiError('MissingParameter', `The parameter ${name} is required.`);
  return time;
}

/** The datapoints of one query over [start, end): one per period that has samples, oldest first. */
export function queryDatapoints(metrics: RegionMetrics, series: MetricSeries | undefined, start: number, end: number, periodSeconds: number, stat: string): { timestamps: number[]; values: number[] } {
  const timestamps: number[] = [];
  const values: number[] = [];
  if (!series) return { timestamps, values };
  const periodMs = periodSeconds * 1000;
  let bucket = -1;
  let samples: number[] = [];
  const flush = () => {
    if (samples.length > 0) {
      timestamps.push(start + bucket * periodMs);
      values.push(statistic(stat, samples));
    }
    samples = [];
  };
  const first = Math.ceil(start / METRIC_MINUTE_MS) * METRIC_MINUTE_MS;
  // The hour's state is worked out once per epoch, not per minute.
  let epoch = Number.NaN;
  let hour: SeriesHour | undefined;
  for (let time = first; time < end; time += METRIC_MINUTE_MS) {
    const epochNow = metricEpochAt(time, metrics.spec.epoch);
    if (epochNow !== epoch) [epoch, hour] = [epochNow, metrics.hourAt(series, epochNow)];
    const value = hour && metrics.sample(series, hour, time);
    if (value === undefined) continue;
    const at = Math.floor((time - start) / periodMs);
    if (at !== bucket) {
      flush();
      bucket = at;
    }
    samples.push(value);
  }
  flush();
  return { timestamps, values };
}

interface CheckedQuery {
  id: string;
  label: string;
  returnData: boolean;
  metric: Metric;
  period: number;
  stat: string;
}

function checkQueries(input: Record<string, unknown>): CheckedQuery[] {
  const queries = (input.MetricDataQueries as MetricDataQuery[] | undefined) ?? [];
  if (queries.length === 0) throw new SandboxApiError('MissingParameter', 'The parameter MetricDataQueries is required.');
  if (queries.length > MAX_METRIC_DATA_QUERIES) {
    throw validation(`1 validation error detected: Value at 'metricDataQueries' failed to satisfy constraint: Member must have length less than or equal to ${MAX_METRIC_DATA_QUERIES} (got ${queries.length} queries; split them over several GetMetricData calls)`);
  }
  const ids = new Set<string>();
  return queries.map((query, n) => {
    const where = `MetricDataQueries.member.${n + 1}`;
    const id = String(query.Id ?? '');
    if (!/^[a-z][a-zA-Z0-9_]{0,254}$/.test(id)) throw validation(`The value ${id} for parameter ${where}.Id is not valid: an id starts with a lower-case letter and has only letters, digits and underscores.`);
    if (ids.has(id)) throw validation(`The values for parameter id in MetricDataQueries are not unique: ${id}.`);
    ids.add(id);
    if (query.Expression !== undefined) {
      throw validation(`${where}.Expression: the sandbox serves MetricStat queries only; metric math and Metrics Insights expressions are not implemented.`);
    }
    const stat = query.MetricStat;
    if (!stat) throw validation(`Exactly one of ${where}.MetricStat and ${where}.Expression must be given.`);
    if (!stat.Metric?.MetricName || !stat.Metric.Namespace) throw new SandboxApiError('MissingParameter', `The parameters ${where}.MetricStat.Metric.Namespace and MetricName are required.`);
    return {
      id, label: query.Label ?? stat.Metric.MetricName, returnData: query.ReturnData ?? true, metric: stat.Metric,
      period: checkPeriod(stat.Period, `${where}.MetricStat`), stat: checkStat(stat.Stat, `${where}.MetricStat`),
    };
  });
}

function getMetricData(call: SandboxCall, metrics: RegionMetrics): unknown {
  const { input } = call;
  const queries = checkQueries(input);
  const start = Math.floor(timeOf(input.StartTime, 'StartTime') / METRIC_MINUTE_MS) * METRIC_MINUTE_MS;
  const end = timeOf(input.EndTime, 'EndTime');
  if (start >= end) throw validation('The parameter StartTime must be less than the parameter EndTime.');
  const scanBy = input.ScanBy ?? 'TimestampDescending';
  if (scanBy !== 'TimestampDescending' && scanBy !== 'TimestampAscending') {
    throw validation(`The value ${String(scanBy)} for parameter ScanBy is not valid: use TimestampDescending or TimestampAscending.`);
  }
  const maxDatapoints = input.MaxDatapoints === undefined ? DEFAULT_MAX_DATAPOINTS : Number(input.MaxDatapoints);
  if (!Number.isInteger(maxDatapoints) || maxDatapoints < 1) throw validation(`The parameter MaxDatapoints must be a whole number of 1 or more, got ${String(input.MaxDatapoints)}.`);

  const returned = queries.filter((query) => query.returnData);
  // Each page answers the queries in order, up to MaxDatapoints datapoints; the token says where the next one starts.
  const signature = hashText(JSON.stringify([returned.map((query) => [query.id, query.metric, query.period, query.stat]), start, end, scanBy, maxDatapoints]));
  const scope = `cloudwatch|GetMetricData|${call.accountId}|${call.region}|${call.spec.epoch}|${signature}`;
  const total = returned.length * POSITIONS_PER_QUERY;
  const position = typeof input.NextToken === 'string' ? decodeToken(scope, input.NextToken, total, 'InvalidNextToken') : 0;
  let queryIndex = Math.floor(position / POSITIONS_PER_QUERY);
  let offset = position % POSITIONS_PER_QUERY;
  const results: MetricDataResult[] = [];
  let budget = maxDatapoints;
  let next: number | undefined;
  for (; queryIndex < returned.length; queryIndex++, offset = 0) {
    const query = returned[queryIndex] as CheckedQuery;
    if (budget === 0) {
      next = queryIndex * POSITIONS_PER_QUERY;
      break;
    }
    const series = metrics.resolve(query.metric);
    const { timestamps, values } = queryDatapoints(metrics, series, start, end, query.period, query.stat);
    if (scanBy === 'TimestampDescending') {
      timestamps.reverse();
      values.reverse();
    }
    const taken = Math.min(budget, timestamps.length - offset);
    budget -= taken;
    const complete = offset + taken === timestamps.length;
    results.push({
      Id: query.id, Label: query.label,
      Timestamps: timestamps.slice(offset, offset + taken).map((time) => new Date(time)), Values: values.slice(offset, offset + taken),
      StatusCode: complete ? 'Complete' : 'PartialData', Messages: [],
    });
    if (!complete) {
      next = queryIndex * POSITIONS_PER_QUERY + offset + taken;
      break;
    }
  }
  return { MetricDataResults: results, Messages: [], ...(next === undefined ? {} : { NextToken: encodeToken(scope, next) }) };
}

function matchesFilters(metric: Metric, input: Record<string, unknown>, filters: DimensionFilter[]): boolean {
  if (input.Namespace !== undefined && metric.Namespace !== input.Namespace) return false;
  if (input.MetricName !== undefined && metric.MetricName !== input.MetricName) return false;
  const dimensions: Dimension[] = metric.Dimensions ?? [];
  return filters.every((filter) => dimensions.some((dimension) => dimension.Name === filter.Name && (filter.Value === undefined || dimension.Value === filter.Value)));
}

/**
 * The last epoch an instance ran at, up to the spec's: the epoch itself, or the one before its last stop or its
 * termination; undefined when it never ran since epoch 0.
 */
function lastRunningEpoch(metrics: RegionMetrics, index: number): number | undefined {
  const epoch = metrics.spec.epoch;
  const timeline = metrics.model.timeline;
  if (timeline.launchEpoch(index) > epoch) return undefined;
  if (metrics.running(index, epoch)) return epoch;
  const terminated = timeline.terminateEpoch(index);
  const lastChange = Math.max(timeline.powerChangesUpTo(index, Math.min(epoch, terminated)).at(-1) ?? 0, terminated <= epoch ? terminated : 0);
  return lastChange >= 1 && metrics.running(index, lastChange - 1) ? lastChange - 1 : undefined;
}

function listMetrics(call: SandboxCall, metrics: RegionMetrics): unknown {
  const { input } = call;
  const filters = (input.Dimensions as DimensionFilter[] | undefined) ?? [];
  if (filters.length > MAX_DIMENSION_FILTERS) {
    throw validation(`1 validation error detected: Value at 'dimensions' failed to satisfy constraint: Member must have length less than or equal to ${MAX_DIMENSION_FILTERS}`);
  }
  if (filters.some((filter) => !filter.Name)) throw new SandboxApiError('MissingParameter', 'Each of the Dimensions filters needs a Name.');
  if (input.RecentlyActive !== undefined && input.RecentlyActive !== 'PT3H') {
    throw validation(`1 validation error detected: Value '${String(input.RecentlyActive)}' at 'recentlyActive' failed to satisfy constraint: Member must satisfy enum value set: [PT3H]`);
  }
  const epochs = input.RecentlyActive === 'PT3H' ? LISTED_EPOCHS.recent : LISTED_EPOCHS.all;
  const epoch = metrics.spec.epoch;
  const space = metrics.model.timeline.instanceSpace(epoch);
  const scope = `cloudwatch|ListMetrics|${call.accountId}|${call.region}|${epoch}|${hashText(JSON.stringify([input.Namespace, input.MetricName, filters, epochs]))}`;
  // Position: instance index × 64 + the metric's place among the instance's.
  const position = typeof input.NextToken === 'string' ? decodeToken(scope, input.NextToken, space * 64, 'InvalidNextToken') : 0;
  const found: Metric[] = [];
  let index = Math.floor(position / 64);
  let skip = position % 64;
  for (; index < space; index++, skip = 0) {
    // Skipped quickly: terminated before the window.
    if (metrics.model.timeline.terminateEpoch(index) < epoch - epochs) continue;
    const lastRunning = lastRunningEpoch(metrics, index);
    if (lastRunning === undefined || lastRunning < epoch - epochs) continue;
    const all = metrics.seriesOf(index, lastRunning);
    for (let place = skip; place < all.length; place++) {
      const metric = metrics.metricOf(all[place] as MetricSeries);
      if (!matchesFilters(metric, input, filters)) continue;
      if (found.length === LIST_METRICS_PAGE) return { Metrics: found, NextToken: encodeToken(scope, index * 64 + place) };
      found.push(metric);
    }
  }
  return { Metrics: found };
}

function handle(call: SandboxCall): unknown {
  const metrics = regionMetrics(call.spec, call.accountId, call.region);
  if (!metrics) throw new SandboxApiError('InvalidClientTokenId', `The region ${call.region} is not enabled for this account.`);
  switch (call.operation) {
    case 'GetMetricData': return getMetricData(call, metrics);
    case 'ListMetrics': return listMetrics(call, metrics);
    default: throw new SandboxApiError('InvalidAction', `Unknown operation ${call.operation}`);
  }
}

export const cloudWatchModule: SandboxServiceModule = {
  name: 'CloudWatch',
  signingName: 'monitoring',
  actionPrefix: 'cloudwatch',
  endpointVariable: 'AWS_ENDPOINT_URL_CLOUDWATCH',
  protocol: awsJsonProtocol({ schemas: CloudWatch, version: '1.0', target: 'GraniteServiceVersion20100801', queryCompatible: true }),
  operations: ['GetMetricData', 'ListMetrics'],
  throttling: { code: 'Throttling', status: 400, message: 'Rate exceeded' },
  // The query protocol's codes, which the SDK reads from x-amzn-query-error.
  accessDenied: { code: 'AccessDenied', status: 403 },
  regionNotEnabled: { code: 'InvalidClientTokenId', status: 403 },
  handle,
};
