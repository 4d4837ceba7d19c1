/**
 * S3 (restXml, path style): ListBuckets (the account's buckets from any region, `MaxBuckets` 1..10000 with an opaque
 * `ContinuationToken`, narrowed by `Prefix` and `BucketRegion`), GetBucketLocation, and a bucket's settings —
 * answered only in the bucket's own region, elsewhere with the PermanentRedirect AWS answers — over s3-model.ts.
 */
import * as S3 from '@aws-sdk/client-s3';
import { SandboxApiError } from '../api-errors';
import { decodeToken, encodeToken } from '../pagination';
import { restXmlProtocol } from '../protocols/rest-xml';
import type { SandboxCall, SandboxServiceModule } from '../service-module';
import { s3Account, type SandboxBucket } from './s3-model';

const MAX_BUCKETS = 10_000;

function listBuckets(call: SandboxCall): unknown {
  const { input } = call;
  const maxBuckets = input.MaxBuckets as number | undefined;
  if (maxBuckets !== undefined && (maxBuckets < 1 || maxBuckets > MAX_BUCKETS)) {
    throw new SandboxApiError('InvalidArgument', `Argument max-buckets must be an integer between 1 and ${MAX_BUCKETS}`);
  }
  const prefix = input.Prefix as string | undefined;
  const bucketRegion = input.BucketRegion as string | undefined;
  const matching = s3Account(call.spec, call.accountId).buckets
    .filter((bucket) => (prefix === undefined || bucket.name.startsWith(prefix)) && (bucketRegion === undefined || bucket.region === bucketRegion));
  const scope = `s3|ListBuckets|${call.accountId}|${call.spec.epoch}|${prefix ?? ''}|${bucketRegion ?? ''}`;
  const token = input.ContinuationToken as string | undefined;
  const start = token === undefined ? 0 : decodeToken(scope, token, matching.length, 'InvalidArgument');
  // Without MaxBuckets, S3 answers every bucket at once (the account's bucket quota bounds them).
  const end = maxBuckets === undefined ? matching.length : start + maxBuckets;
  return {
    Buckets: matching.slice(start, end).map((bucket) => ({ Name: bucket.name, CreationDate: bucket.creationDate, BucketRegion: bucket.region })),
    Owner: { ID: `${call.accountId}0000000000000000000000000000000000000000000000000000`.slice(0, 64) },
    ...(end < matching.length ? { ContinuationToken: encodeToken(scope, end) } : {}),
    ...(prefix !== undefined ? { Prefix: prefix } : {}),
  };
}

function bucketOf(call: SandboxCall, anyRegion = false): SandboxBucket {
  const name = String(call.input.Bucket ?? '');
  const bucket = s3Account(call.spec, call.accountId).byName.get(name);
  if (!bucket) throw new SandboxApiError('NoSuchBucket', 'The specified bucket does not exist', 404);
  if (!anyRegion && bucket.region !== call.region) {
    throw new SandboxApiError('PermanentRedirect', `The bucket you are attempting to access must be addressed using the specified endpoint (region ${bucket.region}).`, 301);
  }
  return bucket;
}

function notConfigured(code: string, message: string): SandboxApiError {
  return new SandboxApiError(code, message, 404);
}

function handle(call: SandboxCall): unknown {
  switch (call.operation) {
    case 'ListBuckets':
      return listBuckets(call);
    case 'GetBucketLocation': {
      // Answered from any region; us-east-1 is the empty constraint.
      const { region } = bucketOf(call, true);
      return region === 'us-east-1' ? {} : { LocationConstraint: region };
    }
    case 'GetBucketVersioning': {
      const { versioning } = bucketOf(call);
      return versioning ? { Status: versioning, MFADelete: 'Disabled' } : {};
    }
    case 'GetBucketEncryption': {
      const { encryption } = bucketOf(call);
      if (!encryption) throw notConfigured('ServerSideEncryptionConfigurationNotFoundError', 'The server side encryption configuration was not found');
      return {
        ServerSideEncryptionConfiguration: {
          Rules: [{
            ApplyServerSideEncryptionByDefault: { SSEAlgorithm: encryption.algorithm, ...(encryption.kmsKeyArn ? { KMSMasterKeyID: encryption.kmsKeyArn } : {}) },
            BucketKeyEnabled: encryption.bucketKey,
          }],
        },
      };
    }
    case 'GetPublicAccessBlock': {
      const { publicAccessBlock } = bucketOf(call);
      if (!publicAccessBlock) throw notConfigured('NoSuchPublicAccessBlockConfiguration', 'The public access block configuration was not found');
      return { PublicAccessBlockConfiguration: publicAccessBlock };
    }
    case 'GetBucketPolicyStatus': {
      const { policy } = bucketOf(call);
      if (!policy) throw notConfigured('NoSuchBucketPolicy', 'The bucket policy does not exist');
      return { PolicyStatus: { IsPublic: policy.isPublic } };
    }
    case 'GetBucketLogging': {
      const { logging } = bucketOf(call);
      return logging ? { LoggingEnabled: { TargetBucket: logging.targetBucket, TargetPrefix: logging.targetPrefix } } : {};
    }
    case 'GetBucketTagging': {
      const { tags } = bucketOf(call);
      if (tags.length === 0) throw notConfigured('NoSuchTagSet', 'The TagSet does not exist');
      return { TagSet: tags };
    }
    default:
      throw new SandboxApiError('NotImplemented', `A header you provided implies functionality that is not implemented (${call.operation}).`, 501);
  }
}

export const s3Module: SandboxServiceModule = {
  name: 'S3',
  signingName: 's3',
  endpointVariable: 'AWS_ENDPOINT_URL_S3',
  protocol: restXmlProtocol({ schemas: S3, xmlNamespace: 'http://s3.amazonaws.com/doc/2006-03-01/', pathStyleLabel: 'Bucket' }),
  operations: [
    'ListBuckets', 'GetBucketLocation', 'GetBucketVersioning', 'GetBucketEncryption', 'GetPublicAccessBlock', 'GetBucketPolicyStatus',
    'GetBucketLogging', 'GetBucketTagging',
  ],
  throttling: { code: 'SlowDown', status: 503, message: 'Please reduce your request rate.' },
  // ListBuckets answers the same in every enabled region; a bucket's settings only in its own (see bucketOf).
  global: true,
  handle,
};
