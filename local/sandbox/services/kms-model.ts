/**
 * The KMS keys of one region of one synthetic account: four AWS managed keys (`aws/s3`, `aws/ebs`, `aws/rds`,
 * `aws/lambda`, plus the predefined alias `aws/dynamodb` with no key yet) and max(3, instances/10) customer managed
 * keys. Every region plants each condition cloudtap's KMS rules find: customer key 0 is an enabled symmetric key
 * without rotation, key 1 is pending deletion (always 30 days after the epoch's day), key 2 is the healthy key the
 * EC2 model encrypts volumes, snapshots and RDS storage with (and S3 buckets use for SSE-KMS). Later keys draw spec,
 * origin, state and rotation by chance; those scheduled for deletion on a fixed date are gone once the account's
 * time passes it. A pure function of (seed, account, region, instances, epoch).
 */
import type { AliasListEntry, KeyMetadata, KeySpec, KeyState, KeyUsageType, OriginType, Tag } from '@aws-sdk/client-kms';
import { epochTime, timeBeforeStart, SANDBOX_CLOCK_START_MS } from '../clock';
import { Dice, hashText } from '../random';
import { RegionModel } from '../region-model';
import { regionInfo } from '../regions';
import type { SandboxSpec } from '../spec';

export type KmsModelSpec = Pick<SandboxSpec, 'seed' | 'instances' | 'epoch'>;

export interface SandboxKey {
  metadata: KeyMetadata & { KeyId: string; Arn: string };
  /** Automatic rotation, where it applies (symmetric keys with KMS key material); undefined where it does not. */
  rotation?: { enabled: boolean; periodInDays: number; nextRotationDate?: Date };
  tags: Tag[];
}

export interface KmsRegion {
  /** In ListKeys order. */
  keys: SandboxKey[];
  /** Sorted by name, as ListAliases answers. */
  aliases: AliasListEntry[];
  keyById: Map<string, SandboxKey>;
}

const DAY_MS = 86_400_000;
const AWS_MANAGED = ['s3', 'ebs', 'rds', 'lambda'] as const;
/** Predefined aliases AWS lists before the service first creates its key: no TargetKeyId. */
const PREDEFINED_ONLY = ['dynamodb'] as const;
const PURPOSES = ['app-data', 'backups', 'secrets', 'logs', 'tokens', 'payments', 'analytics'] as const;
const ROLES = ['web_server', 'database', 'backup', 'analytics'] as const;
/** Customer keys 0..2 are planted (see above); the EC2 model's key is key 2. */
export const PLANTED = { rotationOff: 0, pendingDeletion: 1, dataKey: 2 } as const;

export function customerKeyCount(instances: number): number {
  return Math.max(3, Math.floor(instances / 10));
}

const MAX_CACHED = 64;
const models = new Map<string, KmsRegion>();

/** The region's keys; empty for a region the sandbox does not model. */
export function kmsRegion(spec: KmsModelSpec, accountId: string, region: string): KmsRegion {
  const key = `${spec.seed}|${spec.instances}|${spec.epoch}|${accountId}|${region}`;
  let model = models.get(key);
  if (!model) {
    if (models.size >= MAX_CACHED) models.delete(models.keys().next().value as string);
    model = buildRegion(spec, accountId, region);
    models.set(key, model);
  }
  return model;
}

interface KeyDraw {
  spec: KeySpec;
  usage: KeyUsageType;
  origin: OriginType;
  state: KeyState;
  rotation: boolean;
  /** Scheduled deletion date, for PendingDeletion. */
  deletion?: Date;
}

const SPECS: { spec: KeySpec; usage: KeyUsageType }[] = [
  { spec: 'SYMMETRIC_DEFAULT', usage: 'ENCRYPT_DECRYPT' },
  { spec: 'RSA_2048', usage: 'SIGN_VERIFY' },
  { spec: 'ECC_NIST_P256', usage: 'SIGN_VERIFY' },
  { spec: 'HMAC_256', usage: 'GENERATE_VERIFY_MAC' },
];

function drawKey(dice: Dice, index: number, epoch: number): KeyDraw {
  const symmetric = SPECS[0] as (typeof SPECS)[number];
  if (index === PLANTED.rotationOff) return { ...symmetric, origin: 'AWS_KMS', state: 'Enabled', rotation: false };
  if (index === PLANTED.pendingDeletion) {
    const day = Math.floor(epochTime(epoch).getTime() / DAY_MS) * DAY_MS;
    return { ...symmetric, origin: 'AWS_KMS', state: 'PendingDeletion', rotation: false, deletion: new Date(day + 30 * DAY_MS) };
  }
  if (index === PLANTED.dataKey) return { ...symmetric, origin: 'AWS_KMS', state: 'Enabled', rotation: true };
  const { spec, usage } = dice.pickWeighted(SPECS, [75, 10, 5, 10], index, 1);
  const origin: OriginType = spec === 'SYMMETRIC_DEFAULT' && dice.chance(0.05, index, 2) ? 'EXTERNAL' : 'AWS_KMS';
  const state = dice.pickWeighted<KeyState>(['Enabled', 'Disabled', 'PendingDeletion'], [80, 10, 10], index, 3);
  const rotation = origin === 'AWS_KMS' && spec === 'SYMMETRIC_DEFAULT' && state !== 'PendingDeletion' && dice.chance(0.6, index, 4);
  if (state !== 'PendingDeletion') return { spec, usage, origin, state, rotation };
  // Scheduled on a fixed day in the account's first weeks: after it, the key no longer exists.
  return { spec, usage, origin, state, rotation, deletion: new Date(SANDBOX_CLOCK_START_MS + dice.between(7, 40, index, 5) * DAY_MS) };
}

function buildRegion(spec: KmsModelSpec, accountId: string, region: string): KmsRegion {
  const info = regionInfo(region);
  const keys: SandboxKey[] = [];
  const aliases: AliasListEntry[] = [];
  if (!info) return { keys, aliases, keyById: new Map() };
  const dice = new Dice(hashText(`${spec.seed}|${accountId}|${region}|kms`));
  const arnPrefix = `arn:aws:kms:${region}:${accountId}`;
  const now = epochTime(spec.epoch);
  const alias = (name: string, keyId: string | undefined, created: Date) => aliases.push({
    AliasName: `alias/${name}`, AliasArn: `${arnPrefix}:alias/${name}`, ...(keyId ? { TargetKeyId: keyId } : {}),
    CreationDate: created, LastUpdatedDate: created,
  });
  const metadata = (keyId: string, created: Date, draw: KeyDraw, manager: 'AWS' | 'CUSTOMER', description: string): SandboxKey['metadata'] => ({
    AWSAccountId: accountId, KeyId: keyId, Arn: `${arnPrefix}:key/${keyId}`, CreationDate: created,
    Enabled: draw.state === 'Enabled', Description: description, KeyUsage: draw.usage, KeyState: draw.state,
    ...(draw.deletion ? { DeletionDate: draw.deletion, PendingDeletionWindowInDays: 30 } : {}),
    Origin: draw.origin, KeyManager: manager, CustomerMasterKeySpec: draw.spec as KeyMetadata['CustomerMasterKeySpec'], KeySpec: draw.spec,
    ...(draw.usage === 'ENCRYPT_DECRYPT' ? { EncryptionAlgorithms: draw.spec === 'SYMMETRIC_DEFAULT' ? ['SYMMETRIC_DEFAULT'] : ['RSAES_OAEP_SHA_256'] } : {}),
    ...(draw.usage === 'SIGN_VERIFY' ? { SigningAlgorithms: draw.spec === 'RSA_2048' ? ['RSASSA_PSS_SHA_256'] : ['ECDSA_SHA_256'] } : {}),
    ...(draw.usage === 'GENERATE_VERIFY_MAC' ? { MacAlgorithms: ['HMAC_SHA_256'] } : {}),
    MultiRegion: false,
  });
  const rotationOf = (draw: KeyDraw, created: Date): SandboxKey['rotation'] => {
    if (draw.spec !== 'SYMMETRIC_DEFAULT' || draw.origin !== 'AWS_KMS') return undefined;
    if (!draw.rotation) return { enabled: false, periodInDays: 365 };
    const periods = Math.floor((now.getTime() - created.getTime()) / (365 * DAY_MS)) + 1;
    return { enabled: true, periodInDays: 365, nextRotationDate: new Date(created.getTime() + periods * 365 * DAY_MS) };
  };

  AWS_MANAGED.forEach((service, index) => {
    const keyId = dice.uuid(0x61, index);
    const created = timeBeforeStart(dice.unit(0x61, index, 1), 900);
    const draw: KeyDraw = { ...(SPECS[0] as (typeof SPECS)[number]), origin: 'AWS_KMS', state: 'Enabled', rotation: true };
    keys.push({ metadata: metadata(keyId, created, draw, 'AWS', `Default key that protects my ${service.toUpperCase()} data when no other key is defined`), rotation: { enabled: true, periodInDays: 365 }, tags: [] });
    alias(`aws/${service}`, keyId, created);
  });
  for (const service of PREDEFINED_ONLY) alias(`aws/${service}`, undefined, timeBeforeStart(0.5, 900));

  const dataKeyId = new RegionModel(spec.seed, spec.instances, accountId, info).kmsKeyArn.split('/').pop() as string;
  for (let index = 0; index < customerKeyCount(spec.instances); index++) {
    const draw = drawKey(dice, index, spec.epoch);
    if (draw.deletion && draw.deletion.getTime() <= now.getTime()) continue;
    const keyId = index === PLANTED.dataKey ? dataKeyId : dice.uuid(0x63, index);
    const created = timeBeforeStart(dice.unit(0x63, index, 1), 600);
    const purpose = index === PLANTED.dataKey ? 'data-default' : `${dice.pick(PURPOSES, index, 2)}-${index}`;
    const role = dice.chance(0.7, index, 3) || index <= PLANTED.dataKey ? dice.pick(ROLES, index, 4) : undefined;
    keys.push({
      metadata: metadata(keyId, created, draw, 'CUSTOMER', `${purpose} key`),
      rotation: rotationOf(draw, created),
      tags: role ? [{ TagKey: 'Role', TagValue: role }, { TagKey: 'Owner', TagValue: 'platform' }] : [],
    });
    if (index <= PLANTED.dataKey || dice.chance(0.7, index, 5)) alias(purpose, keyId, created);
    // A key with a second alias, as after a rename.
    if (index === PLANTED.dataKey) alias(`ebs-${region}`, keyId, created);
  }
  aliases.sort((a, b) => String(a.AliasName).localeCompare(String(b.AliasName)));
  return { keys, aliases, keyById: new Map(keys.map((key) => [key.metadata.KeyId, key])) };
}
