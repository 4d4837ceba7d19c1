import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  GetAccountAuthorizationDetailsCommand, GetUserCommand, IAMClient, paginateGetAccountAuthorizationDetails,
  type EntityType, type GetAccountAuthorizationDetailsCommandOutput,
} from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';
import { startSandbox, type RunningSandbox } from '../../local/sandbox/server';
import { parseSandboxSpec, enabledRegions, type SandboxSpec } from '../../local/sandbox/spec';
import { sandboxAccountIds } from '../../local/sandbox/accounts';
import { iamTruth } from '../../local/sandbox/truth/iam';
import { iamService } from '../../src/services/iam';
import { listPages } from '../../src/services/pages';
import { enrichmentsOf, typeKey, type CollectContext, type ResourceType } from '../../src/services/resource-type';
import { NO_FACTS } from '../../src/services/rule';
import { PRIMARY_CREDENTIALS, failureOf, type Credentials, credentialsFor } from './sdk';

function iamClient(sandbox: RunningSandbox, region: string, credentials: Credentials): IAMClient {
  return new IAMClient({ region, endpoint: sandbox.url, credentials, maxAttempts: 1 });
}

const LISTINGS: [EntityType, string, (page: GetAccountAuthorizationDetailsCommandOutput) => string[]][] = [
  ['User', 'IAM.User', (page) => (page.UserDetailList ?? []).map((u) => u.UserName ?? '')],
  ['Role', 'IAM.Role', (page) => (page.RoleDetailList ?? []).map((r) => r.RoleName ?? '')],
  ['LocalManagedPolicy', 'IAM.Policy', (page) => (page.Policies ?? []).map((p) => p.Arn ?? '')],
];

describe.each(['seed=3&accounts=2&regions=2&instances=30', 'seed=8&regions=1&instances=0&epoch=2000'])('IAM of spec %s', (text) => {
  let sandbox: RunningSandbox;
  let spec: SandboxSpec;
  beforeAll(async () => {
    spec = parseSandboxSpec(text);
    sandbox = await startSandbox(spec);
  });
  afterAll(() => sandbox.close());

  it('GetAccountAuthorizationDetails pages through exactly the truth\'s users, roles and policies, the same in every region', async () => {
    for (const accountId of sandboxAccountIds(spec)) {
      const truth = iamTruth.truth(spec, accountId, enabledRegions(spec));
      const credentials = await credentialsFor(sandbox, accountId);
      for (const region of enabledRegions(spec)) {
        for (const [filter, type, idsOf] of LISTINGS) {
          const ids: string[] = [];
          for await (const page of paginateGetAccountAuthorizationDetails({ client: iamClient(sandbox, region, credentials), pageSize: 2 }, { Filter: [filter] })) {
            ids.push(...idsOf(page));
          }
          expect({ type, ids: ids.sort() }).toEqual({ type, ids: truth.resources.filter((r) => r.type === type).map((r) => r.id).sort() });
        }
      }
      expect(new Set(truth.resources.map((r) => r.region))).toEqual(new Set([enabledRegions(spec)[0]]));
    }
  });

  it('cloudtap\'s IAM types, collected from the sandbox, find exactly the planted conditions', async () => {
    for (const accountId of sandboxAccountIds(spec)) {
      const region = enabledRegions(spec)[0] as string;
      const truth = iamTruth.truth(spec, accountId, enabledRegions(spec));
      const iam = iamClient(sandbox, region, await credentialsFor(sandbox, accountId));
      const clients = { sts: new STSClient({ region }), get: <C>(name: string) => ({ iam } as Record<string, unknown>)[name] as C };
      const warnings: unknown[] = [];
      const context: CollectContext = { accountId, region, clients, warn: (w) => warnings.push(w) };
      const found: { rule: string; id: string; severity: number }[] = [];
      for (const type of iamService.types as ResourceType[]) {
        for await (const raws of listPages(type.list as NonNullable<ResourceType['list']>, clients)) {
          const records = raws.map((raw) => type.preprocess(raw, context));
          for (const enrichment of enrichmentsOf(type)) await enrichment.apply(records, context);
          for (const rule of iamService.rules.filter((r) => r.resourceType === typeKey(type))) {
            for (const record of records) for (const finding of rule.evaluate(record, NO_FACTS)) found.push({ rule: rule.name, id: record.id, severity: finding.severity });
          }
        }
      }
      expect(warnings).toEqual([]);
      const planted = truth.conditions.map((c) => ({ rule: c.rule, id: c.id, severity: c.severity }));
      const order = (a: { rule: string; id: string }, b: { rule: string; id: string }) => `${a.rule}|${a.id}`.localeCompare(`${b.rule}|${b.id}`);
      expect(found.sort(order)).toEqual(planted.sort(order));
      expect(new Set(planted.map((c) => c.rule))).toEqual(new Set(['AccessKeyOld', 'ConsoleUserWithoutMfa', 'RoleTrustsAnyone']));
    }
  });
});

describe('IAM failures', () => {
  let sandbox: RunningSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox(parseSandboxSpec('regions=1&fail=*:IAM.GetAccountAuthorizationDetails:AccessDenied'));
  });
  afterAll(() => sandbox.close());

  it('fail=*:IAM.GetAccountAuthorizationDetails:AccessDenied denies that call with 403, and only that call', async () => {
    const iam = iamClient(sandbox, 'us-east-1', PRIMARY_CREDENTIALS);
    const error = await failureOf(iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['User'] })));
    expect(error.name).toBe('AccessDenied');
    expect(error.$metadata?.httpStatusCode).toBe(403);
    const missing = await failureOf(iam.send(new GetUserCommand({ UserName: 'nobody' })));
    expect(missing.name).toBe('NoSuchEntityException');
  });

});

describe('IAM paging', () => {
  let sandbox: RunningSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox(parseSandboxSpec('regions=1'));
  });
  afterAll(() => sandbox.close());

  it('refuses MaxItems above 1000, like IAM, and answers 1000', async () => {
    const iam = iamClient(sandbox, 'us-east-1', PRIMARY_CREDENTIALS);
    const error = await failureOf(iam.send(new GetAccountAuthorizationDetailsCommand({ MaxItems: 1001 })));
    expect(error.name).toBe('ValidationError');
    expect((await iam.send(new GetAccountAuthorizationDetailsCommand({ MaxItems: 1000 }))).IsTruncated).toBe(false);
  });
});
