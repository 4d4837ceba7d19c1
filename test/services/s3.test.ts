import { afterEach, describe, expect, it } from '@jest/globals';
import {
  GetBucketEncryptionCommand, GetBucketLoggingCommand, GetBucketPolicyStatusCommand, GetBucketTaggingCommand, GetBucketVersioningCommand,
  GetPublicAccessBlockCommand, ListBucketsCommand, S3Client, S3ServiceException, type Bucket,
} from '@aws-sdk/client-s3';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import type { AwsClients } from '../../src/aws/clients';
import { listPages } from '../../src/services/pages';
import { enrichmentsOf, typeActions, type CollectContext, type CollectWarning, type ResourceRecord } from '../../src/services/resource-type';
import { NO_FACTS } from '../../src/services/rule';
import { BUCKET_SETTING_FIELDS, bucketType, preprocessBucket } from '../../src/services/s3/bucket';
import { bucketUnencryptedRule, bucketVersioningOffRule, publicBucketRule } from '../../src/services/s3/bucket-rules';
import { s3Service } from '../../src/services/s3';

const KEY_ARN = 'arn:aws:kms:eu-west-1:111111111111:key/0a1b2c3d-1111-2222-3333-444455556666';

/** A ListBuckets item as the SDK deserializes it. */
const logsBucket: Bucket = { Name: 'app-logs-111111111111', CreationDate: new Date('2025-03-04T05:06:07.000Z'), BucketRegion: 'eu-west-1' };

function awsError(name: string, status = 400): S3ServiceException {
  return new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message: `${name} (test)` });
}

const stubs: AwsClientStub<S3Client>[] = [];
afterEach(() => stubs.splice(0).forEach((stub) => stub.restore()));

/** A context whose S3 clients (one per region, as the engine makes them) answer from stubs. */
function s3Context(regions: string[] = ['us-east-1', 'eu-west-1']) {
  const warnings: CollectWarning[] = [];
  const mocks = new Map<string, AwsClientStub<S3Client>>();
  const clients = new Map<string, AwsClients>();
  for (const region of regions) {
    const client = new S3Client({ region, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
    const stub = mockClient(client);
    stubs.push(stub);
    mocks.set(region, stub);
    clients.set(region, { sts: undefined as never, get: <C>() => client as C });
  }
  const clientsIn = (region: string): AwsClients => {
    const found = clients.get(region);
    if (!found) throw new Error(`no client in ${region}`);
    return found;
  };
  const context: CollectContext = { accountId: '111111111111', region: regions[0] as string, clients: clientsIn(regions[0] as string), clientsIn, warn: (w) => warnings.push(w) };
  return { context, warnings, s3: (region: string) => mocks.get(region) as AwsClientStub<S3Client> };
}

/** A fully configured bucket: versioned, SSE-KMS, blocked, private policy, logging, tagged. */
function configure(s3: AwsClientStub<S3Client>): void {
  s3.on(GetBucketVersioningCommand).resolves({ Status: 'Enabled', MFADelete: 'Disabled' });
  s3.on(GetBucketEncryptionCommand).resolves({
    ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: KEY_ARN }, BucketKeyEnabled: true }] },
  });
  s3.on(GetPublicAccessBlockCommand).resolves({
    PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
  });
  s3.on(GetBucketPolicyStatusCommand).resolves({ PolicyStatus: { IsPublic: false } });
  s3.on(GetBucketLoggingCommand).resolves({ LoggingEnabled: { TargetBucket: 'audit-logs', TargetPrefix: 'app/' } });
  s3.on(GetBucketTaggingCommand).resolves({ TagSet: [{ Key: 'Role', Value: 'web_server' }] });
}

async function enrich(records: ResourceRecord[], context: CollectContext): Promise<ResourceRecord[]> {
  for (const enrichment of enrichmentsOf(bucketType)) await enrichment.apply(records, context);
  return records;
}

/** A record as enrichment leaves it, with data overrides. */
function bucketRecord(data: Record<string, unknown>, tags: Record<string, string> = {}): ResourceRecord {
  const record = preprocessBucket(logsBucket, { region: 'us-east-1' });
  Object.assign(record.data, {
    versioning: 'Enabled', mfa_delete: 'Disabled', default_encryption: true, sse_algorithm: 'AES256', kms_key_id: null, bucket_key_enabled: false,
    block_public_acls: false, ignore_public_acls: false, block_public_policy: false, restrict_public_buckets: false, policy_is_public: false,
    logging_enabled: false, logging_target_bucket: null, logging_target_prefix: null, ...data,
  });
  record.tags = tags;
  return record;
}

describe('S3.Bucket preprocess', () => {
  it('keys the bucket by its name and records the region it lives in, its settings unknown until read', () => {
    expect(preprocessBucket(logsBucket, { region: 'us-east-1' })).toEqual({
      id: 'app-logs-111111111111', name: 'app-logs-111111111111', arn: 'arn:aws:s3:::app-logs-111111111111', tags: {},
      data: {
        bucket_name: 'app-logs-111111111111', region: 'eu-west-1', creation_date: '2025-03-04T05:06:07.000Z',
        versioning: null, mfa_delete: null, default_encryption: null, sse_algorithm: null, kms_key_id: null, bucket_key_enabled: null,
        block_public_acls: null, ignore_public_acls: null, block_public_policy: null, restrict_public_buckets: null, policy_is_public: null,
        logging_enabled: null, logging_target_bucket: null, logging_target_prefix: null,
      },
    });
  });

  it('names the bucket in the partition of its region', () => {
    expect(preprocessBucket({ Name: 'b', BucketRegion: 'cn-north-1' }, { region: 'cn-north-1' }).arn).toBe('arn:aws-cn:s3:::b');
  });

  it('is listed 10000 at a time with ContinuationToken, the largest page ListBuckets allows', async () => {
    const { context, s3 } = s3Context();
    s3('us-east-1').on(ListBucketsCommand).resolvesOnce({ Buckets: [logsBucket], ContinuationToken: 'next' }).resolvesOnce({ Buckets: [{ Name: 'b2', BucketRegion: 'us-east-1' }] });
    const ids: string[] = [];
    for await (const page of listPages(bucketType.list as NonNullable<typeof bucketType.list>, context.clients)) ids.push(...page.map((raw) => (raw as Bucket).Name ?? ''));
    expect(ids).toEqual(['app-logs-111111111111', 'b2']);
    expect(s3('us-east-1').commandCalls(ListBucketsCommand).map((call) => call.args[0].input)).toEqual([
      { MaxBuckets: 10000, ContinuationToken: undefined }, { MaxBuckets: 10000, ContinuationToken: 'next' },
    ]);
  });

  it('relates an SSE-KMS bucket to its key by key id, and an alias or SSE-S3 to no key', () => {
    const relation = bucketType.relations?.[0];
    expect(relation).toMatchObject({ name: 'kms_key', type: 'KMS.Key' });
    expect(relation?.ids(bucketRecord({ kms_key_id: KEY_ARN }))).toEqual(['0a1b2c3d-1111-2222-3333-444455556666']);
    expect(relation?.ids(bucketRecord({ kms_key_id: 'alias/app' }))).toEqual([null]);
    expect(relation?.ids(bucketRecord({ kms_key_id: null }))).toEqual([null]);
  });
});

describe('S3.Bucket settings (per-bucket calls)', () => {
  it('are read in the bucket\'s own region, not the home region', async () => {
    const { context, s3 } = s3Context();
    configure(s3('eu-west-1'));
    const [record] = await enrich([preprocessBucket(logsBucket, context)], context);
    expect(s3('us-east-1').calls()).toHaveLength(0);
    expect(s3('eu-west-1').calls()).toHaveLength(6);
    expect(record?.tags).toEqual({ Role: 'web_server' });
    expect(record?.data).toMatchObject({
      versioning: 'Enabled', mfa_delete: 'Disabled', default_encryption: true, sse_algorithm: 'aws:kms', kms_key_id: KEY_ARN, bucket_key_enabled: true,
      block_public_acls: true, ignore_public_acls: true, block_public_policy: true, restrict_public_buckets: true, policy_is_public: false,
      logging_enabled: true, logging_target_bucket: 'audit-logs', logging_target_prefix: 'app/',
    });
    expect(record?.data.unknown_fields).toBeUndefined();
  });

  it('turn S3\'s "not configured" errors into values: no encryption, no block, no policy, no tags', async () => {
    const { context, s3 } = s3Context();
    const eu = s3('eu-west-1');
    eu.on(GetBucketVersioningCommand).resolves({});
    eu.on(GetBucketEncryptionCommand).rejects(awsError('ServerSideEncryptionConfigurationNotFoundError', 404));
    eu.on(GetPublicAccessBlockCommand).rejects(awsError('NoSuchPublicAccessBlockConfiguration', 404));
    eu.on(GetBucketPolicyStatusCommand).rejects(awsError('NoSuchBucketPolicy', 404));
    eu.on(GetBucketLoggingCommand).resolves({});
    eu.on(GetBucketTaggingCommand).rejects(awsError('NoSuchTagSet', 404));
    const [record] = await enrich([preprocessBucket(logsBucket, context)], context);
    expect(record?.data).toMatchObject({
      versioning: 'Off', default_encryption: false, sse_algorithm: null, block_public_policy: false, restrict_public_buckets: false,
      policy_is_public: false, logging_enabled: false, logging_target_bucket: null,
    });
    expect(record?.tags).toEqual({});
    expect(record?.data.unknown_fields).toBeUndefined();
  });

  it('a denied enrichment call marks the fields unknown, warns, and keeps the record', async () => {
    const { context, s3, warnings } = s3Context();
    configure(s3('eu-west-1'));
    s3('eu-west-1').on(GetBucketPolicyStatusCommand).rejects(awsError('AccessDenied', 403));
    const records = await enrich([preprocessBucket(logsBucket, context), preprocessBucket({ ...logsBucket, Name: 'second' }, context)], context);
    expect(records.map((record) => record.id)).toEqual(['app-logs-111111111111', 'second']);
    for (const record of records) {
      expect(record.data.policy_is_public).toBeNull();
      expect(record.data.unknown_fields).toEqual(['policy_is_public']);
      expect(record.data.versioning).toBe('Enabled');
    }
    expect(warnings).toEqual([{ call: 's3:GetBucketPolicyStatus', code: 'AccessDenied', message: 'AccessDenied (test)', records: 2 }]);
    // Unknown is no finding: a bucket whose policy status could not be read is not reported public.
    expect(records.flatMap((record) => publicBucketRule.evaluate(record, NO_FACTS))).toEqual([]);
  });

  it('a throttled call fails the enrichment, so that the listing is retried', async () => {
    const { context, s3, warnings } = s3Context();
    configure(s3('eu-west-1'));
    s3('eu-west-1').on(GetBucketLoggingCommand).rejects(awsError('SlowDown', 503));
    await expect(enrich([preprocessBucket(logsBucket, context)], context)).rejects.toThrow('SlowDown');
    expect(warnings).toEqual([]);
  });

  it('keep at most 8 calls in flight however many buckets there are', async () => {
    const { context, s3 } = s3Context();
    configure(s3('eu-west-1'));
    let inFlight = 0;
    let most = 0;
    s3('eu-west-1').on(GetBucketVersioningCommand).callsFake(async () => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 2));
      inFlight--;
      return { Status: 'Enabled' };
    });
    const records = Array.from({ length: 40 }, (_, i) => preprocessBucket({ ...logsBucket, Name: `b${i}` }, context));
    await enrich(records, context);
    expect(most).toBe(8);
  });

  it('are declared per-resource with every field they set, and with the IAM actions they call', () => {
    const [enrichment] = enrichmentsOf(bucketType);
    expect(enrichment?.perResource?.fields).toEqual([...BUCKET_SETTING_FIELDS]);
    const preprocessed = Object.keys(preprocessBucket(logsBucket, { region: 'us-east-1' }).data);
    expect(BUCKET_SETTING_FIELDS.filter((field) => field !== 'tags').every((field) => preprocessed.includes(field))).toBe(true);
    expect(typeActions(bucketType)).toEqual([
      's3:ListAllMyBuckets', 's3:GetBucketVersioning', 's3:GetEncryptionConfiguration', 's3:GetBucketPublicAccessBlock',
      's3:GetBucketPolicyStatus', 's3:GetBucketLogging', 's3:GetBucketTagging',
    ]);
  });
});

describe('S3 real-time refresh', () => {
  it('an API call names its bucket by requestParameters.bucketName', () => {
    const named = s3Service.realtime?.resourcesInApiCall?.({ eventName: 'PutBucketPolicy', requestParameters: { bucketName: 'b1', policy: '{}' } });
    expect(named).toEqual([{ type: 'S3.Bucket', ids: ['b1'] }]);
    expect(s3Service.realtime?.resourcesInApiCall?.({ eventName: 'ListBuckets', requestParameters: null })).toEqual([]);
  });

  it('describes the named buckets that exist by ListBuckets with their name as Prefix, and not buckets that only share it', async () => {
    const { context, s3 } = s3Context();
    s3('us-east-1').on(ListBucketsCommand, { Prefix: 'logs' }).resolves({ Buckets: [{ Name: 'logs-archive', BucketRegion: 'us-east-1' }, { Name: 'logs', BucketRegion: 'eu-west-1' }] });
    s3('us-east-1').on(ListBucketsCommand, { Prefix: 'gone' }).resolves({ Buckets: [{ Name: 'gone-but-similar', BucketRegion: 'us-east-1' }] });
    const found = await bucketType.describe?.fetch?.(['logs', 'gone'], context);
    expect(found).toEqual([{ Name: 'logs', BucketRegion: 'eu-west-1' }]);
  });
});

describe('S3 rules', () => {
  it('PublicBucket: a public policy no public access block restricts is CRITICAL, grouped by the bucket\'s Role tag', () => {
    expect(publicBucketRule.evaluate(bucketRecord({ policy_is_public: true }, { Role: 'web_server' }), NO_FACTS)).toEqual([{
      severity: 1, typeNames: [{ type: 'ID', name: 'app-logs-111111111111' }], group: 'web_server',
      text: 'CRITICAL – bucket app-logs-111111111111 is public: its bucket policy grants public access and no public access block restricts it',
    }]);
    expect(publicBucketRule.clearText([{ type: 'ID', name: 'b' }])).toBe('OK – bucket b is no longer public');
  });

  it('PublicBucket: RestrictPublicBuckets, a private policy or an unknown block is no finding', () => {
    expect(publicBucketRule.evaluate(bucketRecord({ policy_is_public: true, restrict_public_buckets: true }), NO_FACTS)).toEqual([]);
    expect(publicBucketRule.evaluate(bucketRecord({ policy_is_public: false }), NO_FACTS)).toEqual([]);
    expect(publicBucketRule.evaluate(bucketRecord({ policy_is_public: true, restrict_public_buckets: null }), NO_FACTS)).toEqual([]);
  });

  it('BucketUnencrypted: no default encryption is MINOR; unknown is no finding', () => {
    expect(bucketUnencryptedRule.evaluate(bucketRecord({ default_encryption: false }), NO_FACTS)).toEqual([{
      severity: 3, typeNames: [{ type: 'ID', name: 'app-logs-111111111111' }], group: null,
      text: 'MINOR – bucket app-logs-111111111111 has no default encryption',
    }]);
    expect(bucketUnencryptedRule.evaluate(bucketRecord({ default_encryption: true }), NO_FACTS)).toEqual([]);
    expect(bucketUnencryptedRule.evaluate(bucketRecord({ default_encryption: null }), NO_FACTS)).toEqual([]);
  });

  it('BucketVersioningOff: never enabled or suspended is INFO; enabled or unknown is no finding', () => {
    expect(bucketVersioningOffRule.evaluate(bucketRecord({ versioning: 'Off' }), NO_FACTS).map((f) => [f.severity, f.text])).toEqual([
      [4, 'INFO – bucket app-logs-111111111111 has versioning off'],
    ]);
    expect(bucketVersioningOffRule.evaluate(bucketRecord({ versioning: 'Suspended' }), NO_FACTS).map((f) => f.text)).toEqual([
      'INFO – bucket app-logs-111111111111 has versioning suspended',
    ]);
    expect(bucketVersioningOffRule.evaluate(bucketRecord({ versioning: 'Enabled' }), NO_FACTS)).toEqual([]);
    expect(bucketVersioningOffRule.evaluate(bucketRecord({ versioning: null }), NO_FACTS)).toEqual([]);
  });
});
