/**
 * Metric events (issue 18): what the metric rules request of CloudWatch in one EC2 run of a region, in how many calls,
 * at what price, and how long the EC2 task waited for CloudWatch; then the same run unchanged (an hour of the same
 * epoch: values move inside their bands, severities do not), which should open and clear nothing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectLocally } from '../../cli/commands/run';
import { openWorkspace } from '../../cli/workspace';
import { parseCollectionRequest } from '../../src/dto/collection-request';
import type { RunSummary } from '../../src/dto/run-summary';
import { RunStore } from '../../src/store/run-store';
import { serviceNames } from '../../src/services/registry';
import { parseSandboxSpec } from '../../local/sandbox/spec';
import { metricTruth } from '../../local/sandbox/truth/cloudwatch';
import { applyEnvironment, startServices } from '../services-client';

export interface MetricCostRun {
  wallMs: number;
  metrics: NonNullable<RunSummary['metrics']>;
  events: RunSummary['events'];
  writes: number;
  getMetricDataCalls: number;
  listMetricsCalls: number;
  /** Time spent in CloudWatch calls (their durations added up), and the EC2 task's whole duration. */
  cloudWatchMs: number;
  taskMs: number;
}

export interface MetricCostResult {
  spec: string;
  runningInstances: number;
  plantedConditions: number;
  first: MetricCostRun;
  unchanged: MetricCostRun;
  /** Metrics requested per running instance and run. */
  perInstance: number;
  /** Dollars a month per 1,000 running instances at the default schedule (every six hours). */
  monthlyPer1000Instances: number;
}

const RUNS_PER_MONTH = 4 * 30;

async function oneRun(dataDir: string): Promise<MetricCostRun> {
  const started = performance.now();
  const summary = await collectLocally(parseCollectionRequest({ schemaVersion: 1, services: ['EC2'] }, serviceNames()), { dataDir });
  const wallMs = performance.now() - started;
  if (summary.status !== 'succeeded' || !summary.metrics) throw new Error(`the metric run did not succeed: ${JSON.stringify(summary.failures).slice(0, 500)}`);
  const workspace = await openWorkspace({ dataDir });
  try {
    const traces = (await new RunStore(workspace.db).taskTraces(summary.runId)).filter((t) => t.taskId.endsWith(':EC2'));
    const calls = traces.flatMap((t) => t.calls).filter((c) => c.service === 'CloudWatch');
    return {
      wallMs, metrics: summary.metrics, events: summary.events, writes: summary.writes,
      getMetricDataCalls: calls.filter((c) => c.operation === 'GetMetricData').length,
      listMetricsCalls: calls.filter((c) => c.operation === 'ListMetrics').length,
      cloudWatchMs: calls.reduce((sum, c) => sum + c.durationMs, 0),
      taskMs: traces.reduce((max, t) => Math.max(max, t.durationMs), 0),
    };
  } finally {
    await workspace.close();
  }
}

export async function metricCost(params: { spec: string }): Promise<MetricCostResult> {
  const services = await startServices({ spec: params.spec });
  const dataDir = await mkdtemp(join(tmpdir(), 'cloudtap-bench-metrics-'));
  try {
    applyEnvironment(services.sdkEnvironment);
    const first = await oneRun(dataDir);
    const unchanged = await oneRun(dataDir);
    const truth = metricTruth(parseSandboxSpec(params.spec));
    const perInstance = first.metrics.requested / truth.running.length;
    return {
      spec: params.spec, runningInstances: truth.running.length, plantedConditions: truth.conditions.length, first, unchanged, perInstance,
      monthlyPer1000Instances: (first.metrics.costUsd / truth.running.length) * 1000 * RUNS_PER_MONTH,
    };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
    await services.close();
  }
}
