import { S3Client } from '@aws-sdk/client-s3';
import type { ClientConfig } from '../../aws/clients';
import type { NamedResources, ServiceDefinition } from '../service';
import { bucketType } from './bucket';
import { bucketUnencryptedRule, bucketVersioningOffRule, publicBucketRule } from './bucket-rules';

/**
 * Path-style addressing (`http://host/bucket`) where a custom endpoint is configured (the sandbox, LocalStack,
 * MinIO): the SDK chooses it by itself for an IP address such as the sandbox's 127.0.0.1, but for a host name such
 * as `localhost` it would address `bucket.localhost`, which needs wildcard DNS. AWS itself keeps virtual-hosted
 * style. The variables are the SDK's own endpoint configuration, which it reads from the environment too.
 */
function s3Client(config: ClientConfig): S3Client {
  const customEndpoint = process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  return new S3Client({ ...config, ...(customEndpoint ? { forcePathStyle: true } : {}) });
}

/** The bucket an S3 API call names (`requestParameters.bucketName`, as CloudTrail records every bucket call). */
function bucketsInApiCall(detail: Record<string, unknown>): NamedResources[] {
  const parameters = detail.requestParameters as Record<string, unknown> | null | undefined;
  const bucket = parameters?.bucketName;
  return typeof bucket === 'string' && bucket !== '' ? [{ type: 'S3.Bucket', ids: [bucket] }] : [];
}

/** Global: ListBuckets answers every bucket of the account from any region; each bucket's settings are read in its own. */
export const s3Service: ServiceDefinition = {
  name: 'S3',
  scope: { kind: 'global' },
  clients: { s3: s3Client },
  types: [bucketType],
  rules: [publicBucketRule, bucketUnencryptedRule, bucketVersioningOffRule],
  realtime: {
    source: 'aws.s3',
    apiCalls: [
      'CreateBucket', 'DeleteBucket', 'PutBucketVersioning', 'PutBucketEncryption', 'DeleteBucketEncryption',
      'PutPublicAccessBlock', 'DeletePublicAccessBlock', 'PutBucketPolicy', 'DeleteBucketPolicy', 'PutBucketLogging',
      'PutBucketTagging', 'DeleteBucketTagging',
    ],
    resourcesInApiCall: bucketsInApiCall,
  },
};
