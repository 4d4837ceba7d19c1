import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  GetBucketEncryptionCommand, GetBucketLoggingCommand, GetBucketVersioningCommand, ListBucketsCommand, S3Client, paginateListBuckets, type Bucket,
} from '@aws-sdk/client-s3';
import { sandboxAccountIds } from '../../local/sandbox/accounts';
import { startSandbox, type RunningSandbox } from '../../local/sandbox/server';
import { enabledRegions, parseSandboxSpec, type SandboxSpec } from '../../local/sandbox/spec';
import { s3Truth } from '../../local/sandbox/truth/s3';
import { listPages } from '../../src/services/pages';
import type { AwsClients } from '../../src/aws/clients';
import type { CollectContext, CollectWarning, ResourceRecord } from '../../src/services/resource-type';
import { bucketType } from '../../src/services/s3/bucket';
import { s3Service } from '../../src/services/s3';
import { PRIMARY_CREDENTIALS, failureOf, stsClient, type Credentials, credentialsFor } from './sdk';

function s3Client(sandbox: RunningSandbox, region: string, credentials = PRIMARY_CREDENTIALS): S3Client {
  return new S3Client({ region, endpoint: sandbox.url, credentials, maxAttempts: 1, forcePathStyle: true });
}

/** cloudtap's view of the sandbox: the S3 client of any region, as the engine hands them to a global service. */
function sandboxContext(sandbox: RunningSandbox, accountId: string, home: string, credentials: Credentials, warnings: CollectWarning[]): CollectContext {
  const clientsIn = (region: string): AwsClients => {
    const s3 = s3Client(sandbox, region, credentials);
    return { sts: stsClient(sandbox, credentials), get: <Client>() => s3 as Client };
  };
  return { accountId, region: home, clients: clientsIn(home), clientsIn, warn: (warning) => warnings.push(warning) };
}

async function collectBuckets(context: CollectContext): Promise<ResourceRecord[]> {
  const records: ResourceRecord[] = [];
  for await (const raws of listPages(bucketType.list as NonNullable<typeof bucketType.list>, context.clients)) {
    const page = raws.map((raw) => bucketType.preprocess(raw, context));
    await (bucketType.enrich as { apply(records: ResourceRecord[], context: CollectContext): Promise<void> }).apply(page, context);
    records.push(...page);
  }
  return records;
}

describe.each([
  'seed=3&accounts=2&regions=2&instances=30',
  'seed=8&regions=3&instances=70&epoch=5',
])('S3 in the sandbox, spec %s', (text) => {
  let sandbox: RunningSandbox;
  let spec: SandboxSpec;
  beforeAll(async () => {
    spec = parseSandboxSpec(text);
    sandbox = await startSandbox(spec);
  });
  afterAll(() => sandbox.close());

  it('ListBuckets pages (MaxBuckets 2) through exactly the truth\'s buckets, in every account and from every region', async () => {
    for (const accountId of sandboxAccountIds(spec)) {
      const credentials = await credentialsFor(sandbox, accountId);
      const regions = enabledRegions(spec);
      const expected = s3Truth.truth(spec, accountId, regions).resources.map((resource) => resource.id).sort();
      expect(expected.length).toBeGreaterThanOrEqual(3);
      for (const region of regions) {
        const buckets: Bucket[] = [];
        for await (const page of paginateListBuckets({ client: s3Client(sandbox, region, credentials), pageSize: 2 }, {})) buckets.push(...(page.Buckets ?? []));
        expect(buckets.map((bucket) => bucket.Name).sort()).toEqual(expected);
      }
    }
  });

  it('cloudtap collects every bucket of the truth and its rules find exactly the planted conditions', async () => {
    const regions = enabledRegions(spec);
    for (const accountId of sandboxAccountIds(spec)) {
      const warnings: CollectWarning[] = [];
      const context = sandboxContext(sandbox, accountId, regions[0] as string, await credentialsFor(sandbox, accountId), warnings);
      const records = await collectBuckets(context);
      const truth = s3Truth.truth(spec, accountId, regions);
      expect(warnings).toEqual([]);
      expect(records.map((record) => record.id).sort()).toEqual(truth.resources.map((resource) => resource.id).sort());
      for (const record of records) {
        expect(record.data.region).toBe(truth.resources.find((resource) => resource.id === record.id)?.attributes.region);
        expect(record.data.unknown_fields).toBeUndefined();
      }
      const findings = records.flatMap((record) => s3Service.rules.flatMap((rule) => rule.evaluate(record, { get: () => null }).map((finding) => ({
        rule: rule.name, id: record.id, severity: finding.severity,
      }))));
      const planted = truth.conditions.map((condition) => ({ rule: condition.rule, id: condition.id, severity: condition.severity }));
      const order = (a: { rule: string; id: string }, b: { rule: string; id: string }) => `${a.rule}|${a.id}`.localeCompare(`${b.rule}|${b.id}`);
      expect(findings.sort(order)).toEqual(planted.sort(order));
      expect(new Set(planted.map((condition) => condition.rule))).toEqual(new Set(['PublicBucket', 'BucketUnencrypted', 'BucketVersioningOff']));
    }
  });
});

describe('S3 errors in the sandbox', () => {
  let sandbox: RunningSandbox;
  afterAll(() => sandbox?.close());

  it('fail=*:S3.GetBucketVersioning:AccessDenied denies that call and no other', async () => {
    sandbox = await startSandbox(parseSandboxSpec('seed=3&regions=1&instances=10&fail=*:S3.GetBucketVersioning:AccessDenied'));
    const client = s3Client(sandbox, 'us-east-1');
    const bucket = (await client.send(new ListBucketsCommand({ BucketRegion: 'us-east-1' }))).Buckets?.[0]?.Name;
    expect(bucket).toBeDefined();
    const error = await failureOf(client.send(new GetBucketVersioningCommand({ Bucket: bucket })));
    expect(error.name).toBe('AccessDenied');
    expect(error.$metadata?.httpStatusCode).toBe(403);
    expect((await client.send(new GetBucketLoggingCommand({ Bucket: bucket }))).$metadata.httpStatusCode).toBe(200);
  });

  it('a bucket\'s settings are answered only in its own region, and a missing bucket is NoSuchBucket', async () => {
    const spec = parseSandboxSpec('seed=3&regions=2&instances=10');
    const other = await startSandbox(spec);
    try {
      const [home, second] = enabledRegions(spec) as [string, string];
      const bucket = s3Truth.truth(spec, '111111111111', [home, second]).resources.find((resource) => resource.attributes.region === second);
      expect(bucket).toBeDefined();
      const redirect = await failureOf(s3Client(other, home).send(new GetBucketEncryptionCommand({ Bucket: bucket?.id })));
      expect(redirect.$metadata?.httpStatusCode).toBe(301);
      const missing = await failureOf(s3Client(other, home).send(new GetBucketVersioningCommand({ Bucket: 'no-such-bucket-anywhere' })));
      expect(missing.name).toBe('NoSuchBucket');
    } finally {
      await other.close();
    }
  });
});
