/** The S3 truth: every bucket of the account (collected once, in the home region) and the conditions s3-model.ts plants. */
import type { ServiceTruth, ServiceTruthCondition, ServiceTruthResource } from '../service-truth';
import { isPublicBucket, s3Account } from '../services/s3-model';

export const s3Truth: ServiceTruth = {
  service: 'S3',
  truth(spec, accountId, regions) {
    const home = regions[0] ?? 'us-east-1';
    const resources: ServiceTruthResource[] = [];
    const conditions: ServiceTruthCondition[] = [];
    for (const bucket of s3Account(spec, accountId).buckets) {
      const tags = Object.fromEntries(bucket.tags.map((tag) => [tag.Key ?? '', tag.Value ?? '']));
      resources.push({
        accountId, region: home, type: 'S3.Bucket', id: bucket.name, name: bucket.name, tags,
        attributes: {
          region: bucket.region, versioning: bucket.versioning ?? 'Off', encryption: bucket.encryption?.algorithm ?? null,
          kmsKeyArn: bucket.encryption?.kmsKeyArn ?? null, policyIsPublic: bucket.policy?.isPublic ?? false,
          restrictPublicBuckets: bucket.publicAccessBlock?.RestrictPublicBuckets ?? false, loggingEnabled: bucket.logging !== undefined,
        },
      });
      const condition = (rule: string, severity: ServiceTruthCondition['severity'], detail: Record<string, unknown>) =>
        conditions.push({ rule, accountId, region: home, type: 'S3.Bucket', id: bucket.name, severity, detail });
      if (isPublicBucket(bucket)) condition('PublicBucket', 1, { bucketRegion: bucket.region });
      if (!bucket.encryption) condition('BucketUnencrypted', 3, { bucketRegion: bucket.region });
      if (bucket.versioning !== 'Enabled') condition('BucketVersioningOff', 4, { versioning: bucket.versioning ?? 'Off' });
    }
    return { resources, conditions };
  },
};
