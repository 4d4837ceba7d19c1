import { LambdaClient } from '@aws-sdk/client-lambda';
import type { NamedResources, ServiceDefinition } from '../service';
import { functionType } from './function';
import { deprecatedRuntimeRule } from './function-rules';

/**
 * CloudTrail names Lambda's calls with the API version they were made with (`UpdateFunctionConfiguration20150331v2`);
 * both forms seen for tagging are listed.
 */
export const lambdaService: ServiceDefinition = {
  name: 'Lambda',
  scope: { kind: 'regional' },
  clients: { lambda: (config) => new LambdaClient(config) },
  types: [functionType],
  rules: [deprecatedRuntimeRule],
  realtime: {
    source: 'aws.lambda',
    apiCalls: [
      'CreateFunction20150331', 'DeleteFunction20150331', 'UpdateFunctionConfiguration20150331v2', 'UpdateFunctionCode20150331v2',
      'TagResource20170331', 'TagResource20170331v2', 'UntagResource20170331', 'UntagResource20170331v2',
    ],
    resourcesInApiCall: lambdaResourcesInApiCall,
  },
};

/** The function a call names: `functionName` (a name, or an ARN with an optional qualifier) or, for tagging, `resource`. */
export function lambdaResourcesInApiCall(detail: Record<string, unknown>): NamedResources[] {
  const request = (detail.requestParameters ?? {}) as Record<string, unknown>;
  const named = [request.functionName, request.resource].map(functionNameOf).filter((name): name is string => !!name);
  return named.length > 0 ? [{ type: 'Lambda.Function', ids: [...new Set(named)] }] : [];
}

/** `my-fn`, `arn:aws:lambda:eu-west-1:111111111111:function:my-fn[:qualifier]` or `111111111111:function:my-fn` → `my-fn`. */
export function functionNameOf(value: unknown): string | null {
  if (typeof value !== 'string' || value === '') return null;
  const match = /(?:^|:)function:([^:]+)/.exec(value);
  if (match) return match[1] ?? null;
  return value.includes(':') ? null : value;
}
