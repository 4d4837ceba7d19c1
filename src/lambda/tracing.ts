import type { MiddlewareObj } from '@middy/core';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { HandlerRuntime } from './runtime';
import { instrumentAwsClients } from '../aws/clients';

interface LoadedTracing {
  tracer: Tracer;
  middleware: MiddlewareObj;
}

let loaded: Promise<LoadedTracing> | undefined;

/**
 * Powertools' Tracer, loaded only where it traces: importing the X-Ray SDK turns on an async hook for every
 * promise of the process (cls-hooked), a cost local runs and the CLI should not pay for a tracer that is off.
 * In the bundle the import is inlined and evaluated on first use.
 */
function loadTracing(runtime: HandlerRuntime): Promise<LoadedTracing> {
  loaded ??= (async () => {
    const [{ Tracer }, { captureLambdaHandler }] = await Promise.all([
      import('@aws-lambda-powertools/tracer'),
      import('@aws-lambda-powertools/tracer/middleware'),
    ]);
    // Outgoing HTTPS is captured (captureHTTPsRequests), so each AWS call shows as a subsegment with its host.
    const tracer = new Tracer({ serviceName: runtime.serviceName });
    // Every SDK client created from here on: each AWS call a subsegment named by service and operation.
    instrumentAwsClients((client) => tracer.captureAWSv3Client(client));
    // Results can be large (a plan lists every task): the handler's subsegment keeps errors, not responses.
    return { tracer, middleware: captureLambdaHandler(tracer, { captureResponse: false }) as MiddlewareObj };
  })();
  return loaded;
}

/**
 * X-Ray: a `## index.handler` subsegment per invocation, with the cold start and service annotations and the
 * error when it fails. Nothing at all outside Lambda.
 */
export function handlerTracing(runtime: HandlerRuntime): MiddlewareObj | undefined {
  if (!runtime.tracing) return undefined;
  // Start loading during the Lambda's init phase, not on its first invocation; a failure surfaces in `before`.
  loadTracing(runtime).catch(() => {});
  return {
    before: async (request) => (await loadTracing(runtime)).middleware.before?.(request),
    after: async (request) => (await loadTracing(runtime)).middleware.after?.(request),
    onError: async (request) => (await loadTracing(runtime)).middleware.onError?.(request),
  };
}
