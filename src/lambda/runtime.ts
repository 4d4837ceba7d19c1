/**
 * Where a handler runs. In AWS the Lambda runtime sets AWS_LAMBDA_FUNCTION_NAME; the local runner and the tests
 * call the same handlers in-process without it, and there logs, metrics and X-Ray stay out of the way (the CLI's
 * stdout is its `--json` output).
 */
export interface HandlerRuntime {
  inLambda: boolean;
  serviceName: string;
  metricsNamespace: string;
  /** CLOUDTAP_LOG_LEVEL, when set to a level Powertools knows (TRACE … CRITICAL, SILENT). */
  logLevel?: LogLevelName;
  /** Metrics are published in Lambda; locally only when POWERTOOLS_METRICS_DISABLED=false asks for them. */
  publishMetrics: boolean;
  /** X-Ray: in Lambda unless POWERTOOLS_TRACE_ENABLED=false. */
  tracing: boolean;
}

export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

const SERVICE_NAME = 'cloudtap';

export function handlerRuntime(env: NodeJS.ProcessEnv = process.env): HandlerRuntime {
  const inLambda = Boolean(env.AWS_LAMBDA_FUNCTION_NAME);
  const level = env.CLOUDTAP_LOG_LEVEL?.trim().toUpperCase();
  const metricsSwitch = env.POWERTOOLS_METRICS_DISABLED?.trim().toLowerCase();
  return {
    inLambda,
    serviceName: env.POWERTOOLS_SERVICE_NAME || SERVICE_NAME,
    metricsNamespace: env.POWERTOOLS_METRICS_NAMESPACE || SERVICE_NAME,
    ...((LOG_LEVELS as readonly string[]).includes(level ?? '') ? { logLevel: level as LogLevelName } : {}),
    publishMetrics: inLambda ? metricsSwitch !== 'true' : metricsSwitch === 'false',
    tracing: inLambda && env.POWERTOOLS_TRACE_ENABLED?.trim().toLowerCase() !== 'false',
  };
}
