import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GetFunctionCommand, LambdaClient, ListFunctionsCommand, ListTagsCommand, paginateListFunctions, type FunctionConfiguration } from '@aws-sdk/client-lambda';
import { STSClient } from '@aws-sdk/client-sts';
import { startSandbox, type RunningSandbox } from '../../local/sandbox/server';
import { parseSandboxSpec, enabledRegions, type SandboxSpec } from '../../local/sandbox/spec';
import { sandboxAccountIds } from '../../local/sandbox/accounts';
import { iamTruth } from '../../local/sandbox/truth/iam';
import { lambdaTruth } from '../../local/sandbox/truth/lambda';
import { SECRET_VALUE_PREFIX } from '../../local/sandbox/services/lambda-model';
import { lambdaService } from '../../src/services/lambda';
import { listPages } from '../../src/services/pages';
import { enrichmentsOf, type CollectContext, type ResourceRecord, type ResourceType } from '../../src/services/resource-type';
import { NO_FACTS } from '../../src/services/rule';
import { PRIMARY_CREDENTIALS, failureOf, type Credentials, credentialsFor } from './sdk';

function lambdaClient(sandbox: RunningSandbox, region: string, credentials: Credentials): LambdaClient {
  return new LambdaClient({ region, endpoint: sandbox.url, credentials, maxAttempts: 1 });
}

describe.each(['seed=3&accounts=2&regions=2&instances=30', 'seed=5&regions=3&instances=250'])('Lambda of spec %s', (text) => {
  let sandbox: RunningSandbox;
  let spec: SandboxSpec;
  beforeAll(async () => {
    spec = parseSandboxSpec(text);
    sandbox = await startSandbox(spec);
  });
  afterAll(() => sandbox.close());

  it('ListFunctions pages through exactly the truth\'s functions in every account and region', async () => {
    for (const accountId of sandboxAccountIds(spec)) {
      const truth = lambdaTruth.truth(spec, accountId, enabledRegions(spec));
      const credentials = await credentialsFor(sandbox, accountId);
      for (const region of enabledRegions(spec)) {
        const functions: FunctionConfiguration[] = [];
        for await (const page of paginateListFunctions({ client: lambdaClient(sandbox, region, credentials), pageSize: 4 }, {})) functions.push(...(page.Functions ?? []));
        expect(functions.map((f) => f.FunctionName).sort()).toEqual(truth.resources.filter((r) => r.region === region).map((r) => r.id).sort());
      }
    }
  });

  it('cloudtap\'s Lambda type finds exactly the planted conditions, stores no secret, and relates functions to roles that exist', async () => {
    for (const accountId of sandboxAccountIds(spec)) {
      const regions = enabledRegions(spec);
      const truth = lambdaTruth.truth(spec, accountId, regions);
      const roles = new Set(iamTruth.truth(spec, accountId, regions).resources.filter((r) => r.type === 'IAM.Role').map((r) => r.id));
      const credentials = await credentialsFor(sandbox, accountId);
      const found: { rule: string; region: string; id: string; severity: number }[] = [];
      for (const region of regions) {
        const lambda = lambdaClient(sandbox, region, credentials);
        const clients = { sts: new STSClient({ region }), get: <C>(name: string) => ({ lambda } as Record<string, unknown>)[name] as C };
        const context: CollectContext = { accountId, region, clients, warn: (w) => { throw new Error(`unexpected warning ${JSON.stringify(w)}`); } };
        const type = lambdaService.types[0] as ResourceType;
        const records: ResourceRecord[] = [];
        for await (const raws of listPages(type.list as NonNullable<ResourceType['list']>, clients)) {
          const page = raws.map((raw) => type.preprocess(raw, context));
          for (const enrichment of enrichmentsOf(type)) await enrichment.apply(page, context);
          records.push(...page);
        }
        expect(JSON.stringify(records)).not.toContain(SECRET_VALUE_PREFIX);
        expect(records.map((r) => [r.id, r.tags])).toEqual(truth.resources.filter((r) => r.region === region).map((r) => [r.id, r.tags]));
        for (const record of records) {
          expect(roles.has(String(type.relations?.find((r) => r.name === 'role')?.ids(record)[0]))).toBe(true);
          for (const finding of lambdaService.rules[0]?.evaluate(record, NO_FACTS) ?? []) found.push({ rule: 'DeprecatedRuntime', region, id: record.id, severity: finding.severity });
        }
      }
      expect(found).toEqual(truth.conditions.map((c) => ({ rule: c.rule, region: c.region, id: c.id, severity: c.severity })));
      expect(found.length).toBeGreaterThanOrEqual(2 * regions.length);
    }
  });
});

describe('Lambda calls', () => {
  let sandbox: RunningSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox(parseSandboxSpec('regions=1&fail=*:Lambda.ListFunctions:AccessDeniedException'));
  });
  afterAll(() => sandbox.close());

  it('fail=*:Lambda.ListFunctions:AccessDeniedException denies that call with 403, and only that call', async () => {
    const lambda = lambdaClient(sandbox, 'us-east-1', PRIMARY_CREDENTIALS);
    const error = await failureOf(lambda.send(new ListFunctionsCommand({})));
    expect(error.name).toBe('AccessDeniedException');
    expect(error.$metadata?.httpStatusCode).toBe(403);
    const missing = await failureOf(lambda.send(new GetFunctionCommand({ FunctionName: 'nobody' })));
    expect([missing.name, missing.$metadata?.httpStatusCode]).toEqual(['ResourceNotFoundException', 404]);
  });

  it('GetFunction and ListTags accept a function\'s name and ARN', async () => {
    const lambda = lambdaClient(sandbox, 'us-east-1', PRIMARY_CREDENTIALS);
    const [first] = lambdaTruth.truth(sandbox.spec, '111111111111', ['us-east-1']).resources;
    const arn = `arn:aws:lambda:us-east-1:111111111111:function:${first?.id ?? ''}`;
    expect((await lambda.send(new GetFunctionCommand({ FunctionName: arn }))).Configuration?.FunctionName).toBe(first?.id);
    expect((await lambda.send(new ListTagsCommand({ Resource: arn }))).Tags).toEqual(first?.tags);
  });
});
