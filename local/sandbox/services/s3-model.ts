/**
 * The S3 buckets of one synthetic account: max(3, instances/5), spread over the enabled regions (half of them in the
 * first). Every account plants each condition cloudtap's S3 rules find: bucket 0 is public (a public policy and no
 * public access block) with versioning never enabled, bucket 1 has no default encryption and versioning suspended,
 * bucket 2 is healthy (versioning, SSE-KMS with its region's data key from the KMS model, logging to bucket 0) and has
 * a public policy that its public access block restricts (a near miss). Later buckets draw their settings by chance.
 * A pure function of (seed, account, instances, enabled regions); the buckets do not change with the epoch.
 */
import type { Tag } from '@aws-sdk/client-s3';
import { timeBeforeStart } from '../clock';
import { Dice, hashText } from '../random';
import { DEFAULT_REGIONS } from '../regions';
import type { SandboxSpec } from '../spec';
import { PLANTED, kmsRegion } from './kms-model';

export type S3ModelSpec = Pick<SandboxSpec, 'seed' | 'instances' | 'epoch' | 'regions'>;

export interface PublicAccessBlock {
  BlockPublicAcls: boolean;
  IgnorePublicAcls: boolean;
  BlockPublicPolicy: boolean;
  RestrictPublicBuckets: boolean;
}

export interface SandboxBucket {
  name: string;
  region: string;
  creationDate: Date;
  /** Undefined: never enabled (GetBucketVersioning answers no Status). */
  versioning?: 'Enabled' | 'Suspended';
  /** Undefined: no default encryption (ServerSideEncryptionConfigurationNotFoundError). */
  encryption?: { algorithm: 'AES256' | 'aws:kms'; kmsKeyArn?: string; bucketKey: boolean };
  publicAccessBlock?: PublicAccessBlock;
  /** Undefined: no bucket policy (NoSuchBucketPolicy). */
  policy?: { isPublic: boolean };
  logging?: { targetBucket: string; targetPrefix: string };
  /** Empty: no tag set (NoSuchTagSet). */
  tags: Tag[];
}

export interface S3Account {
  /** Sorted by name, as ListBuckets answers. */
  buckets: SandboxBucket[];
  byName: Map<string, SandboxBucket>;
}

const PURPOSES = ['assets', 'logs', 'backups', 'uploads', 'reports', 'exports', 'artifacts', 'media'] as const;
const ROLES = ['web_server', 'database', 'backup', 'analytics'] as const;
const FULL_BLOCK: PublicAccessBlock = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };
export const PLANTED_BUCKETS = { public: 0, unencrypted: 1, healthy: 2 } as const;

export function bucketCount(instances: number): number {
  return Math.max(3, Math.floor(instances / 5));
}

/** The enabled regions, as spec.ts's `enabledRegions` (not imported: spec.ts imports the service modules). */
export function s3Regions(spec: Pick<SandboxSpec, 'regions'>): string[] {
  return DEFAULT_REGIONS.slice(0, spec.regions).map((region) => region.name);
}

const MAX_CACHED = 32;
const models = new Map<string, S3Account>();

export function s3Account(spec: S3ModelSpec, accountId: string): S3Account {
  const key = `${spec.seed}|${spec.instances}|${spec.regions}|${spec.epoch}|${accountId}`;
  let model = models.get(key);
  if (!model) {
    if (models.size >= MAX_CACHED) models.delete(models.keys().next().value as string);
    model = buildAccount(spec, accountId);
    models.set(key, model);
  }
  return model;
}

/** The region's SSE-KMS key: the KMS model's data key (customer key 2, never deleted). */
function dataKeyArn(spec: S3ModelSpec, accountId: string, region: string): string {
  const keys = kmsRegion(spec, accountId, region).keys.filter((key) => key.metadata.KeyManager === 'CUSTOMER');
  return (keys[PLANTED.dataKey] ?? keys[0])?.metadata.Arn ?? `arn:aws:kms:${region}:${accountId}:key/missing`;
}

function buildAccount(spec: S3ModelSpec, accountId: string): S3Account {
  const dice = new Dice(hashText(`${spec.seed}|${accountId}|s3`));
  const regions = s3Regions(spec);
  const count = bucketCount(spec.instances);
  const names = Array.from({ length: count }, (_, index) => `${dice.pick(PURPOSES, index, 1)}-${accountId}-${String(index).padStart(5, '0')}`);
  const buckets: SandboxBucket[] = names.map((name, index) => {
    const region = index === PLANTED_BUCKETS.unencrypted
      ? regions[regions.length - 1] ?? 'us-east-1'
      : dice.chance(0.5, index, 2) ? regions[0] ?? 'us-east-1' : dice.pick(regions, index, 3);
    const base = { name, region, creationDate: timeBeforeStart(dice.unit(index, 4), 1200) };
    const role = dice.chance(0.7, index, 5) ? dice.pick(ROLES, index, 6) : undefined;
    const tags: Tag[] = role ? [{ Key: 'Role', Value: role }, { Key: 'Team', Value: 'platform' }] : [];
    if (index === PLANTED_BUCKETS.public) {
      return { ...base, encryption: { algorithm: 'AES256', bucketKey: false }, policy: { isPublic: true }, tags };
    }
    if (index === PLANTED_BUCKETS.unencrypted) {
      return { ...base, versioning: 'Suspended', publicAccessBlock: FULL_BLOCK, tags };
    }
    if (index === PLANTED_BUCKETS.healthy) {
      return {
        ...base, versioning: 'Enabled', encryption: { algorithm: 'aws:kms', kmsKeyArn: dataKeyArn(spec, accountId, region), bucketKey: true },
        publicAccessBlock: { ...FULL_BLOCK, BlockPublicPolicy: false }, policy: { isPublic: true },
        logging: { targetBucket: names[PLANTED_BUCKETS.public] as string, targetPrefix: `${name}/` }, tags,
      };
    }
    const versioning = dice.pickWeighted(['Enabled', 'Suspended', undefined] as const, [50, 10, 40], index, 7);
    const encryption = dice.pickWeighted(['none', 'AES256', 'aws:kms'] as const, [10, 60, 30], index, 8);
    const block = dice.pickWeighted(['full', 'partial', 'none'] as const, [60, 10, 30], index, 9);
    const policy = dice.pickWeighted(['none', 'private', 'public'] as const, [50, 45, 5], index, 10);
    return {
      ...base,
      ...(versioning ? { versioning } : {}),
      ...(encryption === 'AES256' ? { encryption: { algorithm: 'AES256' as const, bucketKey: false } } : {}),
      ...(encryption === 'aws:kms' ? { encryption: { algorithm: 'aws:kms' as const, kmsKeyArn: dataKeyArn(spec, accountId, region), bucketKey: dice.chance(0.5, index, 11) } } : {}),
      ...(block === 'full' ? { publicAccessBlock: FULL_BLOCK } : {}),
      ...(block === 'partial' ? { publicAccessBlock: { ...FULL_BLOCK, BlockPublicPolicy: false, RestrictPublicBuckets: false } } : {}),
      ...(policy !== 'none' ? { policy: { isPublic: policy === 'public' } } : {}),
      ...(dice.chance(0.3, index, 12) ? { logging: { targetBucket: names[PLANTED_BUCKETS.public] as string, targetPrefix: `${name}/` } } : {}),
      tags,
    };
  });
  buckets.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { buckets, byName: new Map(buckets.map((bucket) => [bucket.name, bucket])) };
}

/** Whether anyone can reach the bucket through its policy: a public policy that no public access block restricts. */
export function isPublicBucket(bucket: SandboxBucket): boolean {
  return bucket.policy?.isPublic === true && bucket.publicAccessBlock?.RestrictPublicBuckets !== true;
}
