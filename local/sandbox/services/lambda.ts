/**
 * Lambda (restJson1 2015-03-31): ListFunctions (MaxItems 1–10000, at most 50 a page, Marker/NextMarker), GetFunction
 * and ListTags over the model in lambda-model.ts.
 */
import * as Lambda from '@aws-sdk/client-lambda';
import { SandboxApiError } from '../api-errors';
import { decodeToken, encodeToken } from '../pagination';
import { restJsonProtocol } from '../protocols/rest-json';
import type { SandboxCall, SandboxServiceModule } from '../service-module';
import { lambdaFunctions, type LambdaFunctionPlan } from './lambda-model';

/** ListFunctions returns at most 50 functions a page, even when MaxItems asks for more. */
const PAGE_MAX = 50;
const MAX_ITEMS = 10_000;

function notFound(what: string): SandboxApiError {
  return new SandboxApiError('ResourceNotFoundException', `Function not found: ${what}`, 404);
}

/** A function by name, full ARN or partial ARN (`123456789012:function:name`), as Lambda accepts them. */
function functionNamed(call: SandboxCall, value: unknown): LambdaFunctionPlan {
  const text = String(value ?? '');
  const name = /(?:^|:)function:([^:]+)/.exec(text)?.[1] ?? text;
  const found = lambdaFunctions(call.spec, call.accountId, call.region).find((f) => f.configuration.FunctionName === name);
  const arn = found?.configuration.FunctionArn ?? '';
  if (!found || (text.startsWith('arn:') && !text.startsWith(arn))) throw notFound(text.startsWith('arn:') ? text : `arn:aws:lambda:${call.region}:${call.accountId}:function:${text}`);
  return found;
}

function handle(call: SandboxCall): unknown {
  const { input } = call;
  switch (call.operation) {
    case 'ListFunctions': {
      const functions = lambdaFunctions(call.spec, call.accountId, call.region);
      const maxItems = input.MaxItems as number | undefined;
      if (maxItems !== undefined && (maxItems < 1 || maxItems > MAX_ITEMS)) {
        throw new SandboxApiError('InvalidParameterValueException', `1 validation error detected: Value '${maxItems}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and ${MAX_ITEMS}`);
      }
      const size = Math.min(maxItems ?? PAGE_MAX, PAGE_MAX);
      const scope = `lambda|ListFunctions|${call.accountId}|${call.region}|${call.spec.epoch}`;
      const start = input.Marker === undefined ? 0 : decodeToken(scope, String(input.Marker), functions.length, 'InvalidParameterValueException');
      const end = start + size;
      return {
        Functions: functions.slice(start, end).map((f) => f.configuration),
        ...(end < functions.length ? { NextMarker: encodeToken(scope, end) } : {}),
      };
    }
    case 'GetFunction': {
      const found = functionNamed(call, input.FunctionName);
      return {
        Configuration: { ...found.configuration, State: 'Active', LastUpdateStatus: 'Successful' },
        Code: found.configuration.PackageType === 'Image'
          ? { RepositoryType: 'ECR', ImageUri: `${call.accountId}.dkr.ecr.${call.region}.amazonaws.com/${found.configuration.FunctionName}:latest` }
          : { RepositoryType: 'S3', Location: `https://awslambda-${call.region}-tasks.s3.${call.region}.amazonaws.com/snapshots/${call.accountId}/${found.configuration.FunctionName}` },
        Tags: found.tags,
      };
    }
    case 'ListTags':
      return { Tags: functionNamed(call, input.Resource).tags };
    default:
      throw new SandboxApiError('UnknownOperationException', `Unknown operation ${call.operation}`, 404);
  }
}

export const lambdaModule: SandboxServiceModule = {
  name: 'Lambda',
  signingName: 'lambda',
  endpointVariable: 'AWS_ENDPOINT_URL_LAMBDA',
  protocol: restJsonProtocol({ schemas: Lambda }),
  operations: ['ListFunctions', 'GetFunction', 'ListTags'],
  throttling: { code: 'TooManyRequestsException', status: 429, message: 'Rate exceeded' },
  handle,
};
