import {
  GetBucketEncryptionCommand, GetBucketLoggingCommand, GetBucketPolicyStatusCommand, GetBucketTaggingCommand,
  GetBucketVersioningCommand, GetPublicAccessBlockCommand, ListBucketsCommand,
  type Bucket, type ListBucketsCommandOutput, type S3Client,
} from '@aws-sdk/client-s3';
import { defineResourceType, tagMap, type CollectContext, type ResourceRecord } from '../resource-type';
import { partitionOf } from '../arn';
import { isoTime } from '../record-values';
import { mapWithConcurrency } from '../../util/concurrency';
import { CallFailures, errorCode } from '../call-failures';
import { keyIdOf } from '../arn';

/** S3 has no batch form of the bucket settings: one call per bucket and setting, at most this many in flight. */
const BUCKET_CALLS_IN_FLIGHT = 8;

/** ListBuckets' largest page (`MaxBuckets` 1..10000). */
const MAX_BUCKETS = 10_000;

/** A bucket's settings, each read by its own call: the call's IAM action, the fields it sets, and how it reads them. */
interface BucketSetting {
  action: string;
  fields: string[];
  /** The fields' values; the error codes S3 answers for "not configured" are values, not failures. */
  read(s3: S3Client, bucket: string): Promise<Record<string, unknown>>;
  notConfigured?: { code: string; values: Record<string, unknown> };
}

const BUCKET_SETTINGS: BucketSetting[] = [
  {
    action: 's3:GetBucketVersioning',
    fields: ['versioning', 'mfa_delete'],
    async read(s3, bucket) {
      const output = await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }));
      // A bucket that never had versioning answers no Status at all.
      return { versioning: output.Status ?? 'Off', mfa_delete: output.MFADelete ?? 'Disabled' };
    },
  },
  {
    action: 's3:GetEncryptionConfiguration',
    fields: ['default_encryption', 'sse_algorithm', 'kms_key_id', 'bucket_key_enabled'],
    async read(s3, bucket) {
      const output = await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
      const rule = output.ServerSideEncryptionConfiguration?.Rules?.find((r) => r.ApplyServerSideEncryptionByDefault);
      const byDefault = rule?.ApplyServerSideEncryptionByDefault;
      return {
        default_encryption: byDefault?.SSEAlgorithm !== undefined,
        sse_algorithm: byDefault?.SSEAlgorithm ?? null,
        kms_key_id: byDefault?.KMSMasterKeyID ?? null,
        bucket_key_enabled: rule?.BucketKeyEnabled ?? false,
      };
    },
    notConfigured: {
      code: 'ServerSideEncryptionConfigurationNotFoundError',
      values: { default_encryption: false, sse_algorithm: null, kms_key_id: null, bucket_key_enabled: false },
    },
  },
  {
    action: 's3:GetBucketPublicAccessBlock',
    fields: ['block_public_acls', 'ignore_public_acls', 'block_public_policy', 'restrict_public_buckets'],
    async read(s3, bucket) {
      const block = (await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }))).PublicAccessBlockConfiguration;
      return {
        block_public_acls: block?.BlockPublicAcls ?? false,
        ignore_public_acls: block?.IgnorePublicAcls ?? false,
        block_public_policy: block?.BlockPublicPolicy ?? false,
        restrict_public_buckets: block?.RestrictPublicBuckets ?? false,
      };
    },
    notConfigured: {
      code: 'NoSuchPublicAccessBlockConfiguration',
      values: { block_public_acls: false, ignore_public_acls: false, block_public_policy: false, restrict_public_buckets: false },
    },
  },
  {
    action: 's3:GetBucketPolicyStatus',
    fields: ['policy_is_public'],
    async read(s3, bucket) {
      const output = await s3.send(new GetBucketPolicyStatusCommand({ Bucket: bucket }));
      return { policy_is_public: output.PolicyStatus?.IsPublic ?? false };
    },
    // No policy: nothing it could make public.
    notConfigured: { code: 'NoSuchBucketPolicy', values: { policy_is_public: false } },
  },
  {
    action: 's3:GetBucketLogging',
    fields: ['logging_enabled', 'logging_target_bucket', 'logging_target_prefix'],
    async read(s3, bucket) {
      const logging = (await s3.send(new GetBucketLoggingCommand({ Bucket: bucket }))).LoggingEnabled;
      return {
        logging_enabled: logging?.TargetBucket !== undefined,
        logging_target_bucket: logging?.TargetBucket ?? null,
        logging_target_prefix: logging?.TargetBucket !== undefined ? logging.TargetPrefix ?? '' : null,
      };
    },
  },
  {
    action: 's3:GetBucketTagging',
    // `tags` is the record's tags (not a data field): kept from the stored record like the others.
    fields: ['tags'],
    async read(s3, bucket) {
      return { tags: tagMap((await s3.send(new GetBucketTaggingCommand({ Bucket: bucket }))).TagSet) };
    },
    notConfigured: { code: 'NoSuchTagSet', values: { tags: {} } },
  },
];

/** The data fields the per-bucket calls set (and `tags`, the record's tags). */
export const BUCKET_SETTING_FIELDS: readonly string[] = BUCKET_SETTINGS.flatMap((setting) => setting.fields);

/**
 * Every bucket of the account, listed once from the home region (the service is global); `region` says where the
 * bucket lives, and its settings are read there.
 */
export const bucketType = defineResourceType<Bucket, ListBucketsCommandOutput>({
  service: 'S3',
  name: 'Bucket',
  info: {
    group: 'S3',
    displayName: 'S3 Bucket',
    labels: ['Storage'],
    primaryFields: ['bucket_name', 'region', 'policy_is_public'],
    displayFields: [
      'bucket_name', 'region', 'creation_date', 'versioning', 'default_encryption', 'sse_algorithm', 'kms_key_id',
      'block_public_policy', 'restrict_public_buckets', 'policy_is_public', 'logging_enabled',
    ],
  },
  list: {
    client: 's3',
    action: 's3:ListAllMyBuckets',
    maxResults: MAX_BUCKETS,
    command: (page) => new ListBucketsCommand({ MaxBuckets: page.maxResults, ContinuationToken: page.token }),
    items: (output) => output.Buckets ?? [],
    nextToken: (output) => output.ContinuationToken,
  },
  describe: { fetch: fetchBuckets },
  enrich: {
    actions: BUCKET_SETTINGS.map((setting) => setting.action),
    // A bucket's settings change without its listing (name, region, creation date) changing: they are read again
    // for new or re-created buckets, after the API calls the real-time hooks name, and once a day otherwise.
    perResource: { fields: [...BUCKET_SETTING_FIELDS], maxAgeHours: 24 },
    apply: readBucketSettings,
  },
  // SSE-KMS: the key that encrypts new objects by default (an alias as KMSMasterKeyID names no key id).
  relations: [{ name: 'kms_key', type: 'KMS.Key', ids: (record) => [keyIdOf(record.data.kms_key_id)] }],
  preprocess: (raw, context) => preprocessBucket(raw, context),
  volatileFields: [],
  cloudTrailResourceType: 'AWS::S3::Bucket',
});

export function preprocessBucket(raw: Bucket, context: Pick<CollectContext, 'region'>): ResourceRecord {
  const name = raw.Name ?? '';
  const region = raw.BucketRegion ?? null;
  return {
    id: name,
    name,
    arn: raw.BucketArn ?? `arn:${partitionOf(region ?? context.region)}:s3:::${name}`,
    tags: {},
    data: {
      bucket_name: name,
      region,
      creation_date: isoTime(raw.CreationDate),
      // From the per-bucket calls (the enrichment); null until read.
      ...Object.fromEntries(BUCKET_SETTING_FIELDS.filter((field) => field !== 'tags').map((field) => [field, null])),
    },
  };
}

async function readBucketSettings(records: ResourceRecord[], context: CollectContext): Promise<void> {
  const failures = new CallFailures();
  await mapWithConcurrency(records, BUCKET_CALLS_IN_FLIGHT, async (record) => {
    // S3 answers a bucket's settings only in the bucket's own region (elsewhere: a redirect).
    const region = typeof record.data.region === 'string' ? record.data.region : context.region;
    const s3 = (context.clientsIn?.(region) ?? context.clients).get<S3Client>('s3');
    // One call at a time per bucket: at most BUCKET_CALLS_IN_FLIGHT calls in flight in all.
    for (const setting of BUCKET_SETTINGS) {
      let values: Record<string, unknown>;
      try {
        values = await setting.read(s3, record.id);
      } catch (error) {
        if (setting.notConfigured && errorCode(error) === setting.notConfigured.code) {
          values = setting.notConfigured.values;
        } else {
          failures.add(record, setting.fields, setting.action, error);
          continue;
        }
      }
      const { tags, ...data } = values;
      if (tags) record.tags = tags as Record<string, string>;
      Object.assign(record.data, data);
    }
  });
  failures.report(context);
}

/** The named buckets that exist (ListBuckets narrowed by `Prefix`, the same action as the listing); others are gone. */
async function fetchBuckets(ids: string[], context: CollectContext): Promise<Bucket[]> {
  const s3 = context.clients.get<S3Client>('s3');
  const found = await mapWithConcurrency(ids, BUCKET_CALLS_IN_FLIGHT, async (name) => {
    let token: string | undefined;
    do {
      const output = await s3.send(new ListBucketsCommand({ Prefix: name, MaxBuckets: MAX_BUCKETS, ContinuationToken: token }));
      const bucket = output.Buckets?.find((candidate) => candidate.Name === name);
      if (bucket) return bucket;
      token = output.ContinuationToken || undefined;
    } while (token);
    return undefined;
  });
  return found.filter((bucket): bucket is Bucket => bucket !== undefined);
}
