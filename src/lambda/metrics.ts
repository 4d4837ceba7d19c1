import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import type { InvocationLogger } from './logging';
import type { HandlerRuntime } from './runtime';

export { MetricUnit } from '@aws-lambda-powertools/metrics';

/** What a recorder knows besides the result: the raw event and the Powertools service name (`cloudtap`). */
export interface MetricsContext {
  event: unknown;
  serviceName: string;
}

/**
 * Metrics under dimensions of their own, besides the invocation's one dimension set (Powertools publishes one set
 * per EMF line): e.g. a run's failed tasks by account and region.
 */
export interface MetricBreakdown {
  dimensions: Record<string, string>;
  unit: (typeof MetricUnit)[keyof typeof MetricUnit];
  values: Record<string, number>;
}

/** What a handler's invocation adds to CloudWatch (as EMF log lines, flushed once per invocation). */
export interface InvocationMetrics<R> {
  /**
   * Metrics of an invocation that returned. Each recorder names its own dimensions; breakdowns it returns are
   * published after the invocation's own line.
   */
  record(metrics: Metrics, result: R, context: MetricsContext): void | readonly MetricBreakdown[];
  /** Metrics of an invocation that threw (and breakdowns, as for `record`). */
  recordError?(metrics: Metrics, error: Error, context: MetricsContext): void | readonly MetricBreakdown[];
}

/**
 * Powertools Metrics without the default `service` dimension: every metric names its dimensions itself, so a
 * Collect task's `service` is the AWS service it collected. Warnings go through the (quiet-by-default) logger.
 */
export function createMetrics(runtime: HandlerRuntime, logger: InvocationLogger): Metrics {
  const metrics = new Metrics({ namespace: runtime.metricsNamespace, serviceName: runtime.serviceName, logger });
  metrics.clearDefaultDimensions();
  return metrics;
}

/**
 * Records the invocation's metrics from its result (or its error) and flushes them when it ends. Metrics never
 * fail an invocation: a metric that cannot be recorded is a warning in the log.
 */
export function invocationMetrics<R>(
  metrics: Metrics, recorder: InvocationMetrics<R>, runtime: HandlerRuntime, logger: InvocationLogger,
): MiddlewareObj<unknown, R> {
  const recordAndFlush = (record: () => void | readonly MetricBreakdown[]): void => {
    try {
      const breakdowns = record() ?? [];
      // Powertools warns about an empty flush; an invocation without metrics (GetTasks) is not a problem here.
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
      for (const breakdown of breakdowns) publishBreakdown(runtime, logger, breakdown);
    } catch (error) {
      logger.warn({ message: 'metrics not published', error: error as Error });
    } finally {
      metrics.clearMetrics();
      metrics.clearDimensions();
      metrics.clearMetadata();
    }
  };
  return {
    after: (request) => recordAndFlush(() => (request.response !== null
      ? recorder.record(metrics, request.response, { event: request.event, serviceName: runtime.serviceName })
      : undefined)),
    onError: (request) => recordAndFlush(() => (request.error
      ? recorder.recordError?.(metrics, request.error, { event: request.event, serviceName: runtime.serviceName })
      : undefined)),
  };
}

/** One EMF line with exactly the breakdown's dimensions (a fresh instance: Powertools would add `service` back). */
function publishBreakdown(runtime: HandlerRuntime, logger: InvocationLogger, breakdown: MetricBreakdown): void {
  const metrics = createMetrics(runtime, logger);
  metrics.addDimensions(breakdown.dimensions);
  for (const [name, value] of Object.entries(breakdown.values)) metrics.addMetric(name, breakdown.unit, value);
  metrics.publishStoredMetrics();
}
