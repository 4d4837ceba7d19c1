import { Metrics } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import type { InvocationLogger } from './logging';
import type { HandlerRuntime } from './runtime';

export { MetricUnit } from '@aws-lambda-powertools/metrics';

/** What a recorder knows besides the result: the raw event and the Powertools service name (`cloudtap`). */
export interface MetricsContext {
  event: unknown;
  serviceName: string;
}

/** What a handler's invocation adds to CloudWatch (as EMF log lines, flushed once per invocation). */
export interface InvocationMetrics<R> {
  /** Metrics of an invocation that returned. Each recorder names its own dimensions. */
  record(metrics: Metrics, result: R, context: MetricsContext): void;
  /** Metrics of an invocation that threw. */
  recordError?(metrics: Metrics, error: Error, context: MetricsContext): void;
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
  const recordAndFlush = (record: () => void): void => {
    try {
      record();
      // Powertools warns about an empty flush; an invocation without metrics (GetTasks) is not a problem here.
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    } catch (error) {
      logger.warn({ message: 'metrics not published', error: error as Error });
    } finally {
      metrics.clearMetrics();
      metrics.clearDimensions();
      metrics.clearMetadata();
    }
  };
  return {
    after: (request) => recordAndFlush(() => {
      if (request.response !== null) recorder.record(metrics, request.response, { event: request.event, serviceName: runtime.serviceName });
    }),
    onError: (request) => recordAndFlush(() => {
      if (request.error) recorder.recordError?.(metrics, request.error, { event: request.event, serviceName: runtime.serviceName });
    }),
  };
}
