import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import { InvocationLogger, inInvocationScope, invocationLogging, type InvocationLog } from './logging';
import { createMetrics, invocationMetrics, type InvocationMetrics } from './metrics';
import { handlerTracing } from './tracing';
import { handlerRuntime, type HandlerRuntime } from './runtime';

/** How one function shows in logs, metrics and traces. */
export interface HandlerObservation<R> extends InvocationLog<R> {
  metrics?: InvocationMetrics<R>;
}

/** A Lambda handler that the local runner and the tests can also call with the event alone. */
export type LambdaHandler<R> = (event: unknown, context?: Context) => Promise<R>;

/**
 * Wraps a thin handler (parse the DTO, call the domain, return a DTO) in the middleware every function shares:
 * X-Ray tracing of the invocation, the Lambda context and the run/task ids on every log line, a closing log
 * line, and the function's metrics flushed as EMF. The handler's errors reach the caller unchanged.
 */
export function lambdaHandler<R>(
  handle: (event: unknown) => Promise<R>,
  observation: HandlerObservation<R>,
  runtime: HandlerRuntime = handlerRuntime(),
): LambdaHandler<R> {
  const logger = InvocationLogger.create(runtime);
  const chain = middy<unknown, R>((event: unknown) => handle(event), {
    // Just before Lambda's own timeout, so the closing log line and the metrics still go out.
    timeoutEarlyResponse: () => {
      throw Object.assign(new Error(`${observation.name} ran out of time: the invocation reached the function's timeout`), { name: 'TimeoutError' });
    },
  });
  // `before` runs in this order, `after`/`onError` in reverse: the trace subsegment spans everything else.
  const tracing = handlerTracing(runtime);
  if (tracing) chain.use(tracing);
  if (runtime.inLambda) chain.use(injectLambdaContext(logger, { resetKeys: true }));
  chain.use(invocationLogging(logger, observation));
  if (observation.metrics && runtime.publishMetrics) {
    chain.use(invocationMetrics(createMetrics(runtime, logger), observation.metrics, runtime, logger));
  }
  return (event, context) => inInvocationScope(() => chain(event, context ?? ({} as Context)));
}
