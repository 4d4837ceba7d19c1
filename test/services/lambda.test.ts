import { describe, expect, it } from '@jest/globals';
import { GetFunctionCommand, LambdaClient, ListFunctionsCommand, ListTagsCommand, type FunctionConfiguration } from '@aws-sdk/client-lambda';
import { STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { listPages } from '../../src/services/pages';
import { enrichmentsOf, type CollectContext, type CollectWarning, type ResourceRecord, type ResourceType } from '../../src/services/resource-type';
import { NO_FACTS } from '../../src/services/rule';
import { functionNameOf, lambdaResourcesInApiCall, lambdaService } from '../../src/services/lambda';
import { functionType, preprocessFunction, roleNameOf } from '../../src/services/lambda/function';
import { deprecatedRuntimeRule } from '../../src/services/lambda/function-rules';
import { DEPRECATED_RUNTIMES } from '../../src/services/lambda/runtimes';

const context = { accountId: '111111111111', region: 'eu-west-1' };
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
const SECRET = 'hunter2-do-not-store';

function mockedLambda() {
  const lambda = new LambdaClient({ region: 'eu-west-1', credentials });
  const clients = { sts: new STSClient({ region: 'eu-west-1', credentials }), get: <C>(name: string) => ({ lambda } as Record<string, unknown>)[name] as C };
  const warnings: CollectWarning[] = [];
  const collectContext: CollectContext = { ...context, clients, warn: (warning) => warnings.push(warning) };
  return { context: collectContext, lambda: mockClient(lambda), warnings };
}

async function collect(type: ResourceType, collectContext: CollectContext): Promise<ResourceRecord[][]> {
  const pages: ResourceRecord[][] = [];
  for await (const raws of listPages(type.list as NonNullable<ResourceType['list']>, collectContext.clients)) {
    const records = raws.map((raw) => type.preprocess(raw, collectContext));
    for (const enrichment of enrichmentsOf(type)) await enrichment.apply(records, collectContext);
    pages.push(records);
  }
  return pages;
}

/** A ListFunctions item as the SDK deserializes it: a VPC function with a layer and a secret in its environment. */
const api: FunctionConfiguration = {
  FunctionName: 'api', FunctionArn: 'arn:aws:lambda:eu-west-1:111111111111:function:api', Runtime: 'python3.8',
  Role: 'arn:aws:iam::111111111111:role/service-role/api-lambda', Handler: 'app.lambda_handler', CodeSize: 4096, Description: 'The API',
  Timeout: 30, MemorySize: 512, LastModified: '2025-11-02T08:00:12.000+0000', CodeSha256: 'abc=', Version: '$LATEST',
  VpcConfig: { SubnetIds: ['subnet-0a', 'subnet-0b'], SecurityGroupIds: ['sg-01'], VpcId: 'vpc-01' },
  Environment: { Variables: { TABLE_NAME: 'orders', DB_PASSWORD: SECRET } },
  TracingConfig: { Mode: 'Active' }, RevisionId: 'rev-1', Layers: [{ Arn: 'arn:aws:lambda:eu-west-1:111111111111:layer:utils:3', CodeSize: 100 }],
  PackageType: 'Zip', Architectures: ['arm64'], EphemeralStorage: { Size: 512 },
};
const image: FunctionConfiguration = { FunctionName: 'image', FunctionArn: 'arn:aws:lambda:eu-west-1:111111111111:function:image', PackageType: 'Image', Role: 'arn:aws:iam::111111111111:role/img' };

describe('Lambda.Function preprocess', () => {
  it('flattens runtime, role, handler, sizes, VPC, layers and the environment variable names', () => {
    expect(preprocessFunction(api, context)).toEqual({
      id: 'api', name: 'api', arn: 'arn:aws:lambda:eu-west-1:111111111111:function:api', tags: {},
      data: {
        function_name: 'api', runtime: 'python3.8', role: 'arn:aws:iam::111111111111:role/service-role/api-lambda', handler: 'app.lambda_handler',
        description: 'The API', memory_size: 512, timeout: 30, ephemeral_storage_size: 512, code_size: 4096, package_type: 'Zip',
        architectures: ['arm64'], last_modified: '2025-11-02T08:00:12.000Z', revision_id: 'rev-1', version: '$LATEST', vpc_id: 'vpc-01',
        subnet_ids: ['subnet-0a', 'subnet-0b'], security_group_ids: ['sg-01'], environment_variable_names: ['DB_PASSWORD', 'TABLE_NAME'],
        layer_arns: ['arn:aws:lambda:eu-west-1:111111111111:layer:utils:3'], kms_key_arn: null, tracing_mode: 'Active', dead_letter_target_arn: null,
      },
    });
  });

  it('never stores an environment variable value', () => {
    expect(JSON.stringify(preprocessFunction(api, context))).not.toContain(SECRET);
  });

  it('a container image function has no runtime or handler, and no VPC', () => {
    expect(preprocessFunction(image, context).data).toMatchObject({ runtime: null, handler: null, package_type: 'Image', vpc_id: null, subnet_ids: [], environment_variable_names: [] });
  });

  it('relates a function to its role by name, its subnets and its security groups', () => {
    const record = preprocessFunction(api, context);
    expect((functionType.relations ?? []).map((r) => [r.name, r.type, r.ids(record)])).toEqual([
      ['role', 'IAM.Role', ['api-lambda']], ['subnet', 'EC2.Subnet', ['subnet-0a', 'subnet-0b']], ['security_group', 'EC2.SecurityGroup', ['sg-01']],
    ]);
    expect(roleNameOf('arn:aws:iam::111111111111:role/plain')).toBe('plain');
    expect(roleNameOf('not-an-arn')).toBeNull();
  });
});

describe('Lambda.Function listing and tags', () => {
  it('is listed 50 at a time (ListFunctions\' largest page) following NextMarker, with each function\'s tags', async () => {
    const { context: mocked, lambda } = mockedLambda();
    lambda.on(ListFunctionsCommand).resolvesOnce({ Functions: [api], NextMarker: 'm2' }).resolvesOnce({ Functions: [image] });
    lambda.on(ListTagsCommand, { Resource: api.FunctionArn }).resolves({ Tags: { Role: 'web_server', team: 'payments' } });
    lambda.on(ListTagsCommand, { Resource: image.FunctionArn }).resolves({ Tags: {} });
    const pages = await collect(functionType, mocked);
    expect(pages.map((page) => page.map((r) => [r.id, r.tags]))).toEqual([[['api', { Role: 'web_server', team: 'payments' }]], [['image', {}]]]);
    expect(lambda.commandCalls(ListFunctionsCommand).map((c) => c.args[0].input)).toEqual([{ MaxItems: 50, Marker: undefined }, { MaxItems: 50, Marker: 'm2' }]);
  });

  it('reads tags per function only when the function is new, its revision changed, or its tags are a day old', () => {
    const [tags] = enrichmentsOf(functionType);
    expect(tags?.perResource).toMatchObject({ fields: ['tags'], maxAgeHours: 24 });
    const stored = preprocessFunction(api, context);
    expect(tags?.perResource?.needed?.(preprocessFunction({ ...api, MemorySize: 1024 }, context), stored)).toBe(false);
    expect(tags?.perResource?.needed?.(preprocessFunction({ ...api, RevisionId: 'rev-2' }, context), stored)).toBe(true);
  });

  it('a denied enrichment call marks the fields unknown, warns, and keeps the record', async () => {
    const { context: mocked, lambda, warnings } = mockedLambda();
    lambda.on(ListFunctionsCommand).resolves({ Functions: [api, image] });
    lambda.on(ListTagsCommand, { Resource: api.FunctionArn }).rejects(Object.assign(new Error('not authorized to perform lambda:ListTags'), { name: 'AccessDeniedException' }));
    lambda.on(ListTagsCommand, { Resource: image.FunctionArn }).resolves({ Tags: { team: 'x' } });
    const records = (await collect(functionType, mocked)).flat();
    expect(records.map((r) => r.id)).toEqual(['api', 'image']);
    expect(records[0]?.data).toMatchObject({ runtime: 'python3.8', tags: null, unknown_fields: ['tags'] });
    expect(records[1]?.tags).toEqual({ team: 'x' });
    expect(warnings).toEqual([{ call: 'lambda:ListTags', code: 'AccessDeniedException', message: 'not authorized to perform lambda:ListTags', records: 1 }]);
  });

  it('a throttled ListTags fails the listing', async () => {
    const { context: mocked, lambda } = mockedLambda();
    lambda.on(ListFunctionsCommand).resolves({ Functions: [api] });
    lambda.on(ListTagsCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' }));
    await expect(collect(functionType, mocked)).rejects.toThrow('Rate exceeded');
  });

  it('a refresh reads GetFunction, and a function Lambda no longer knows is not returned', async () => {
    const { context: mocked, lambda } = mockedLambda();
    lambda.on(GetFunctionCommand, { FunctionName: 'api' }).resolves({ Configuration: { ...api, State: 'Active' } });
    lambda.on(GetFunctionCommand, { FunctionName: 'gone' }).rejects(Object.assign(new Error('Function not found'), { name: 'ResourceNotFoundException' }));
    const raws = await functionType.describe?.fetch?.(['api', 'gone'], mocked) as FunctionConfiguration[];
    expect(raws.map((raw) => preprocessFunction(raw, context))).toEqual([preprocessFunction(api, context)]);
  });
});

describe('DeprecatedRuntime rule', () => {
  it('a function on a deprecated runtime is a MINOR event naming the runtime and its deprecation date', () => {
    const record = preprocessFunction(api, context);
    record.tags = { Role: 'web_server' };
    expect(deprecatedRuntimeRule.evaluate(record, NO_FACTS)).toEqual([{
      severity: 3, typeNames: [{ type: 'ID', name: 'api' }], group: 'web_server',
      text: 'MINOR – function api runs on python3.8, deprecated since 2024-10-14',
    }]);
  });

  it('covers every runtime AWS has deprecated that the brief lists', () => {
    expect(Object.keys(DEPRECATED_RUNTIMES).sort()).toEqual([
      'dotnet5.0', 'dotnet6', 'dotnetcore1.0', 'dotnetcore2.0', 'dotnetcore2.1', 'dotnetcore3.1', 'go1.x', 'java8', 'nodejs', 'nodejs10.x', 'nodejs12.x',
      'nodejs14.x', 'nodejs16.x', 'nodejs4.3', 'nodejs6.10', 'nodejs8.10', 'provided', 'python2.7', 'python3.6', 'python3.7', 'python3.8', 'ruby2.5', 'ruby2.7',
    ]);
  });

  it('supported runtimes, java8.al2, provided.al2 and container images hold no condition', () => {
    for (const Runtime of ['python3.12', 'nodejs20.x', 'java8.al2', 'provided.al2'] as const) {
      expect(deprecatedRuntimeRule.evaluate(preprocessFunction({ ...api, Runtime }, context), NO_FACTS)).toEqual([]);
    }
    expect(deprecatedRuntimeRule.evaluate(preprocessFunction(image, context), NO_FACTS)).toEqual([]);
    expect(deprecatedRuntimeRule.clearText([{ type: 'ID', name: 'api' }])).toBe('OK – function api runs on a supported runtime or is deleted');
  });
});

describe('the Lambda service', () => {
  it('is regional, with its type, rule and CloudTrail name', () => {
    expect(lambdaService.scope).toEqual({ kind: 'regional' });
    expect(lambdaService.types.map((t) => [`${t.service}.${t.name}`, t.cloudTrailResourceType])).toEqual([['Lambda.Function', 'AWS::Lambda::Function']]);
    expect(lambdaService.rules.map((r) => [r.name, r.eventClass])).toEqual([['DeprecatedRuntime', 'AWS_LAMBDA']]);
    expect(lambdaService.realtime?.apiCalls).toContain('UpdateFunctionConfiguration20150331v2');
  });

  it('reads the function a call names by name, by ARN with a qualifier, or by the tagged resource ARN', () => {
    expect(lambdaResourcesInApiCall({ requestParameters: { functionName: 'api' } })).toEqual([{ type: 'Lambda.Function', ids: ['api'] }]);
    expect(lambdaResourcesInApiCall({ requestParameters: { functionName: 'arn:aws:lambda:eu-west-1:111111111111:function:api:prod' } }))
      .toEqual([{ type: 'Lambda.Function', ids: ['api'] }]);
    expect(lambdaResourcesInApiCall({ requestParameters: { resource: 'arn:aws:lambda:eu-west-1:111111111111:function:api', tags: { a: 'b' } } }))
      .toEqual([{ type: 'Lambda.Function', ids: ['api'] }]);
    expect(lambdaResourcesInApiCall({ requestParameters: { layerName: 'x' } })).toEqual([]);
    expect(functionNameOf('111111111111:function:api')).toBe('api');
  });
});
