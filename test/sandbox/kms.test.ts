import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DescribeKeyCommand, GetKeyRotationStatusCommand, KMSClient, paginateListAliases, paginateListKeys, type KeyListEntry } from '@aws-sdk/client-kms';
import { sandboxAccountIds } from '../../local/sandbox/accounts';
import { startSandbox, type RunningSandbox } from '../../local/sandbox/server';
import { enabledRegions, parseSandboxSpec, type SandboxSpec } from '../../local/sandbox/spec';
import { kmsTruth } from '../../local/sandbox/truth/kms';
import { s3Truth } from '../../local/sandbox/truth/s3';
import { listPages } from '../../src/services/pages';
import { enrichmentsOf, type CollectContext, type CollectWarning, type ResourceRecord } from '../../src/services/resource-type';
import { keyType } from '../../src/services/kms/key';
import { kmsService } from '../../src/services/kms';
import { PRIMARY_CREDENTIALS, failureOf, stsClient, type Credentials, credentialsFor } from './sdk';

function kmsClient(sandbox: RunningSandbox, region: string, credentials = PRIMARY_CREDENTIALS): KMSClient {
  return new KMSClient({ region, endpoint: sandbox.url, credentials, maxAttempts: 1 });
}

/** What the engine does with the type in one region: page the listing, preprocess, run the enrichments in order. */
async function collectKeys(sandbox: RunningSandbox, accountId: string, region: string, credentials: Credentials, warnings: CollectWarning[]): Promise<ResourceRecord[]> {
  const kms = kmsClient(sandbox, region, credentials);
  const context: CollectContext = {
    accountId, region, clients: { sts: stsClient(sandbox, credentials), get: <Client>() => kms as Client }, warn: (warning) => warnings.push(warning),
  };
  const records: ResourceRecord[] = [];
  for await (const raws of listPages(keyType.list as NonNullable<typeof keyType.list>, context.clients)) {
    const page = raws.map((raw) => keyType.preprocess(raw, context));
    for (const enrichment of enrichmentsOf(keyType)) await enrichment.apply(page, context);
    records.push(...page);
  }
  return records;
}

describe.each([
  'seed=3&accounts=2&regions=2&instances=30',
  'seed=8&regions=3&instances=70&epoch=500',
])('KMS in the sandbox, spec %s', (text) => {
  let sandbox: RunningSandbox;
  let spec: SandboxSpec;
  beforeAll(async () => {
    spec = parseSandboxSpec(text);
    sandbox = await startSandbox(spec);
  });
  afterAll(() => sandbox.close());

  it('ListKeys and ListAliases page (Limit 3) through exactly the truth\'s keys and aliases, in every account and region', async () => {
    for (const accountId of sandboxAccountIds(spec)) {
      const credentials = await credentialsFor(sandbox, accountId);
      const truth = kmsTruth.truth(spec, accountId, enabledRegions(spec)).resources;
      for (const region of enabledRegions(spec)) {
        const client = kmsClient(sandbox, region, credentials);
        const keys: KeyListEntry[] = [];
        for await (const page of paginateListKeys({ client, pageSize: 3 }, {})) keys.push(...(page.Keys ?? []));
        const here = truth.filter((resource) => resource.region === region);
        expect(keys.map((key) => key.KeyId).sort()).toEqual(here.map((resource) => resource.id).sort());
        expect(keys.every((key) => key.KeyArn === `arn:aws:kms:${region}:${accountId}:key/${key.KeyId}`)).toBe(true);
        const aliases: string[] = [];
        for await (const page of paginateListAliases({ client, pageSize: 3 }, {})) for (const alias of page.Aliases ?? []) if (alias.TargetKeyId) aliases.push(alias.AliasName ?? '');
        expect(aliases.sort()).toEqual(here.flatMap((resource) => resource.attributes.aliases as string[]).sort());
      }
    }
  });

  it('cloudtap collects every key of the truth, and its rules find exactly the planted conditions', async () => {
    const regions = enabledRegions(spec);
    for (const accountId of sandboxAccountIds(spec)) {
      const credentials = await credentialsFor(sandbox, accountId);
      const truth = kmsTruth.truth(spec, accountId, regions);
      for (const region of regions) {
        const warnings: CollectWarning[] = [];
        const records = await collectKeys(sandbox, accountId, region, credentials, warnings);
        expect(warnings).toEqual([]);
        expect(records.map((record) => record.id).sort()).toEqual(truth.resources.filter((r) => r.region === region).map((r) => r.id).sort());
        for (const record of records) {
          const expected = truth.resources.find((resource) => resource.id === record.id);
          expect({ id: record.id, name: record.name, state: record.data.key_state, rotation: record.data.rotation_enabled, tags: record.tags })
            .toEqual({
              id: expected?.id, name: expected?.name, state: expected?.attributes.keyState,
              rotation: expected?.attributes.keyManager === 'AWS' ? true : expected?.attributes.rotationEnabled, tags: expected?.tags,
            });
        }
        const findings = records.flatMap((record) => kmsService.rules.flatMap((rule) => rule.evaluate(record, { get: () => null })
          .map((finding) => `${rule.name}|${record.id}|${finding.severity}`))).sort();
        const planted = truth.conditions.filter((c) => c.region === region).map((c) => `${c.rule}|${c.id}|${c.severity}`).sort();
        expect(findings).toEqual(planted);
        expect(new Set(planted.map((condition) => condition.split('|')[0]))).toEqual(new Set(['KeyRotationDisabled', 'KeyPendingDeletion']));
      }
    }
  });

  it('every bucket encrypted with SSE-KMS names a key of its region that KMS lists', () => {
    for (const accountId of sandboxAccountIds(spec)) {
      const keys = new Set(kmsTruth.truth(spec, accountId, enabledRegions(spec)).resources.map((resource) => `${resource.region}|${resource.id}`));
      const kmsBuckets = s3Truth.truth(spec, accountId, enabledRegions(spec)).resources.filter((bucket) => bucket.attributes.kmsKeyArn);
      expect(kmsBuckets.length).toBeGreaterThan(0);
      for (const bucket of kmsBuckets) {
        const keyId = String(bucket.attributes.kmsKeyArn).split('/').pop();
        expect(keys.has(`${String(bucket.attributes.region)}|${keyId}`)).toBe(true);
      }
    }
  });
});

describe('KMS errors in the sandbox', () => {
  let sandbox: RunningSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox(parseSandboxSpec('seed=3&regions=1&instances=10&fail=*:KMS.DescribeKey:AccessDeniedException'));
  });
  afterAll(() => sandbox.close());

  it('fail=*:KMS.DescribeKey:AccessDeniedException denies DescribeKey, and cloudtap keeps the keys with their details unknown', async () => {
    const client = kmsClient(sandbox, 'us-east-1');
    const error = await failureOf(client.send(new DescribeKeyCommand({ KeyId: 'alias/aws/s3' })));
    expect(error.name).toBe('AccessDeniedException');
    const warnings: CollectWarning[] = [];
    const records = await collectKeys(sandbox, '111111111111', 'us-east-1', PRIMARY_CREDENTIALS, warnings);
    expect(records.length).toBeGreaterThan(3);
    expect(records.every((record) => record.data.key_state === null && (record.data.unknown_fields as string[]).includes('key_state'))).toBe(true);
    expect(warnings).toEqual([{ call: 'kms:DescribeKey', code: 'AccessDeniedException', message: expect.any(String), records: records.length }]);
  });

  it('an unknown key is NotFoundException (where the call is not denied)', async () => {
    const error = await failureOf(kmsClient(sandbox, 'us-east-1').send(new GetKeyRotationStatusCommand({ KeyId: '00000000-0000-4000-a000-000000000000' })));
    expect(error.name).toBe('NotFoundException');
  });
});
