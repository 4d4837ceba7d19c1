import { describe, expect, it } from '@jest/globals';
import type { Context } from 'aws-lambda';
import { lambdaHandler } from '../../src/lambda/middleware';
import { collectObservation } from '../../src/lambda/observations';
import { handlerRuntime } from '../../src/lambda/runtime';
import { TaskThrottledError } from '../../src/collect/collect-task';

// Its own file: loading the X-Ray SDK registers a process-wide namespace, which the local-mode test checks is absent.
describe('X-Ray tracing in Lambda', () => {
  const runtime = handlerRuntime({ AWS_LAMBDA_FUNCTION_NAME: 'Cloudtap-CollectFunction', POWERTOOLS_METRICS_DISABLED: 'true', CLOUDTAP_LOG_LEVEL: 'SILENT' });

  it('is on in Lambda and off elsewhere, or when POWERTOOLS_TRACE_ENABLED=false', () => {
    expect(runtime.tracing).toBe(true);
    expect(handlerRuntime({}).tracing).toBe(false);
    expect(handlerRuntime({ AWS_LAMBDA_FUNCTION_NAME: 'f', POWERTOOLS_TRACE_ENABLED: 'false' }).tracing).toBe(false);
  });

  it('loads Powertools\' tracer around the handler, and a domain error still reaches the caller by its name', async () => {
    const handler = lambdaHandler(async () => { throw new TaskThrottledError('throttled'); }, collectObservation, runtime);
    const context = { awsRequestId: 'r-1', functionName: 'Cloudtap-CollectFunction', getRemainingTimeInMillis: () => 60_000 } as unknown as Context;
    await expect(handler({ runId: 'r', taskId: 't' }, context)).rejects.toMatchObject({ name: 'cloudtap.Throttled' });
    expect((process as unknown as { namespaces?: Record<string, unknown> }).namespaces?.AWSXRay).toBeDefined();
  });
});
