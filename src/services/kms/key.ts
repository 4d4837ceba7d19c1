import {
  DescribeKeyCommand, GetKeyRotationStatusCommand, ListAliasesCommand, ListKeysCommand, ListResourceTagsCommand,
  type KMSClient, type KeyListEntry, type KeyMetadata, type ListKeysCommandOutput,
} from '@aws-sdk/client-kms';
import { defineResourceType, markUnknown, type CollectContext, type ResourceRecord } from '../resource-type';
import { regionalArn } from '../arn';
import { isoTime } from '../record-values';
import { mapWithConcurrency } from '../../util/concurrency';
import { CallFailures, errorCode, isThrottling } from '../call-failures';

/** A listed key; `KeyMetadata` is present when a real-time refresh described it already (`describe.fetch`). */
export type KeyItem = KeyListEntry & { KeyMetadata?: KeyMetadata };

/** KMS has no batch form of DescribeKey, GetKeyRotationStatus or ListResourceTags: at most this many keys at a time. */
const KEY_CALLS_IN_FLIGHT = 8;
/** ListKeys' largest page (`Limit` 1..1000), ListAliases' (1..100) and ListResourceTags' (1..50). */
const MAX_KEYS = 1000;
const MAX_ALIASES = 100;
const MAX_TAGS = 50;

/** The fields DescribeKey sets. */
const METADATA_FIELDS = [
  'description', 'key_state', 'enabled', 'key_manager', 'key_spec', 'key_usage', 'origin', 'creation_date', 'deletion_date',
  'pending_deletion_window_in_days', 'multi_region',
];
/** The fields GetKeyRotationStatus sets: null where rotation does not apply (asymmetric, HMAC, imported, custom key store). */
const ROTATION_FIELDS = ['rotation_enabled', 'rotation_period_in_days', 'next_rotation_date'];

/**
 * Every key of the region, AWS managed ones included. ListKeys gives nothing but ids, so the listing never says that a
 * key changed: DescribeKey (state, manager, spec, deletion date), GetKeyRotationStatus and ListResourceTags are
 * per-resource calls made for new keys, after the API calls the real-time hooks name (ScheduleKeyDeletion,
 * EnableKeyRotation, TagResource, …), and otherwise once a day (`maxAgeHours`); a key scheduled for deletion waits at
 * least 7 days, so even a missed event is seen well before the key is gone.
 */
export const keyType = defineResourceType<KeyItem, ListKeysCommandOutput>({
  service: 'KMS',
  name: 'Key',
  info: {
    group: 'KMS',
    displayName: 'KMS Key',
    labels: ['Security'],
    primaryFields: ['key_id', 'aliases', 'key_state'],
    displayFields: ['key_id', 'aliases', 'key_manager', 'key_spec', 'key_usage', 'key_state', 'rotation_enabled', 'deletion_date', 'description'],
  },
  list: {
    client: 'kms',
    action: 'kms:ListKeys',
    maxResults: MAX_KEYS,
    command: (page) => new ListKeysCommand({ Limit: page.maxResults, Marker: page.token }),
    items: (output) => output.Keys ?? [],
    nextToken: (output) => (output.Truncated ? output.NextMarker : undefined),
  },
  describe: { fetch: fetchKeys },
  enrich: [
    { actions: ['kms:ListAliases'], apply: attachAliases },
    {
      actions: ['kms:DescribeKey', 'kms:GetKeyRotationStatus', 'kms:ListResourceTags'],
      // No `needed`: what the listing carries (id, ARN, aliases) never says whether state, rotation or tags changed;
      // the change signals are the real-time API calls (which name the key) and the daily maxAgeHours.
      perResource: { fields: [...METADATA_FIELDS, ...ROTATION_FIELDS, 'tags'], maxAgeHours: 24 },
      apply: readKeyDetails,
    },
  ],
  preprocess: (raw, context) => preprocessKey(raw, context),
  volatileFields: [],
  cloudTrailResourceType: 'AWS::KMS::Key',
});

export function preprocessKey(raw: KeyItem, context: Pick<CollectContext, 'accountId' | 'region'>): ResourceRecord {
  const id = raw.KeyId ?? raw.KeyMetadata?.KeyId ?? '';
  const record: ResourceRecord = {
    id,
    arn: raw.KeyArn ?? raw.KeyMetadata?.Arn ?? regionalArn(context, 'kms', `key/${id}`),
    tags: {},
    data: {
      key_id: id,
      // From ListAliases (every listing) and the per-key calls; null until read.
      aliases: null,
      ...Object.fromEntries([...METADATA_FIELDS, ...ROTATION_FIELDS].map((field) => [field, null])),
    },
  };
  if (raw.KeyMetadata) applyKeyMetadata(record, raw.KeyMetadata);
  return record;
}

export function applyKeyMetadata(record: ResourceRecord, metadata: KeyMetadata): void {
  Object.assign(record.data, {
    description: metadata.Description || null,
    key_state: metadata.KeyState ?? null,
    enabled: metadata.Enabled ?? null,
    key_manager: metadata.KeyManager ?? null,
    key_spec: metadata.KeySpec ?? metadata.CustomerMasterKeySpec ?? null,
    key_usage: metadata.KeyUsage ?? null,
    origin: metadata.Origin ?? null,
    creation_date: isoTime(metadata.CreationDate),
    deletion_date: isoTime(metadata.DeletionDate),
    pending_deletion_window_in_days: metadata.PendingDeletionWindowInDays ?? null,
    multi_region: metadata.MultiRegion ?? null,
  });
}

/** Whether automatic rotation applies to a key: customer managed, symmetric, with key material KMS generated. */
function rotationApplies(record: ResourceRecord): boolean {
  return record.data.key_manager === 'CUSTOMER' && record.data.key_spec === 'SYMMETRIC_DEFAULT' && record.data.origin === 'AWS_KMS';
}

/** The alias names of every key in the region: one listing per region (per listing context), whatever the pages of keys. */
const aliasListings = new WeakMap<CollectContext, Promise<Map<string, string[]>>>();

async function listAliases(kms: KMSClient): Promise<Map<string, string[]>> {
  const aliases = new Map<string, string[]>();
  let marker: string | undefined;
  do {
    const output = await kms.send(new ListAliasesCommand({ Limit: MAX_ALIASES, Marker: marker }));
    // Predefined aliases of AWS managed keys not yet created have no target.
    for (const alias of output.Aliases ?? []) {
      if (alias.TargetKeyId && alias.AliasName) aliases.set(alias.TargetKeyId, [...(aliases.get(alias.TargetKeyId) ?? []), alias.AliasName]);
    }
    marker = output.Truncated ? output.NextMarker || undefined : undefined;
  } while (marker);
  return aliases;
}

async function attachAliases(records: ResourceRecord[], context: CollectContext): Promise<void> {
  let listing = aliasListings.get(context);
  if (!listing) {
    listing = listAliases(context.clients.get<KMSClient>('kms'));
    aliasListings.set(context, listing);
  }
  let aliases: Map<string, string[]>;
  try {
    aliases = await listing;
  } catch (error) {
    if (isThrottling(error)) {
      aliasListings.delete(context);
      throw error;
    }
    for (const record of records) markUnknown(record, ['aliases']);
    context.warn?.({ call: 'kms:ListAliases', code: errorCode(error), message: error instanceof Error ? error.message : String(error), records: records.length });
    return;
  }
  for (const record of records) {
    const names = [...(aliases.get(record.id) ?? [])].sort();
    record.data.aliases = names;
    if (names[0] !== undefined) record.name = names[0];
  }
}

async function readKeyDetails(records: ResourceRecord[], context: CollectContext): Promise<void> {
  const kms = context.clients.get<KMSClient>('kms');
  const failures = new CallFailures();
  // One call at a time per key: at most KEY_CALLS_IN_FLIGHT calls in flight in all.
  await mapWithConcurrency(records, KEY_CALLS_IN_FLIGHT, async (record) => {
    if (record.data.key_state === null) {
      try {
        const output = await kms.send(new DescribeKeyCommand({ KeyId: record.id }));
        if (output.KeyMetadata) applyKeyMetadata(record, output.KeyMetadata);
      } catch (error) {
        // Without the key's manager and spec, neither rotation nor tags can be read either.
        failures.add(record, [...METADATA_FIELDS, ...ROTATION_FIELDS, 'tags'], 'kms:DescribeKey', error);
        return;
      }
    }
    if (record.data.key_manager !== 'CUSTOMER') {
      // AWS rotates the keys it manages every year; they carry no tags of the account's.
      if (record.data.key_manager === 'AWS') Object.assign(record.data, { rotation_enabled: true, rotation_period_in_days: 365 });
      return;
    }
    if (rotationApplies(record)) {
      try {
        const rotation = await kms.send(new GetKeyRotationStatusCommand({ KeyId: record.id }));
        Object.assign(record.data, {
          rotation_enabled: rotation.KeyRotationEnabled ?? null,
          rotation_period_in_days: rotation.RotationPeriodInDays ?? null,
          next_rotation_date: isoTime(rotation.NextRotationDate),
        });
      } catch (error) {
        failures.add(record, ROTATION_FIELDS, 'kms:GetKeyRotationStatus', error);
      }
    }
    try {
      record.tags = await listKeyTags(kms, record.id);
    } catch (error) {
      failures.add(record, ['tags'], 'kms:ListResourceTags', error);
    }
  });
  failures.report(context);
}

async function listKeyTags(kms: KMSClient, keyId: string): Promise<Record<string, string>> {
  const tags: Record<string, string> = {};
  let marker: string | undefined;
  do {
    const output = await kms.send(new ListResourceTagsCommand({ KeyId: keyId, Limit: MAX_TAGS, Marker: marker }));
    for (const tag of output.Tags ?? []) if (tag.TagKey !== undefined) tags[tag.TagKey] = tag.TagValue ?? '';
    marker = output.Truncated ? output.NextMarker || undefined : undefined;
  } while (marker);
  return tags;
}

/** The named keys that still exist, described (so a refresh sees their new state at once); deleted ones are not returned. */
async function fetchKeys(ids: string[], context: CollectContext): Promise<KeyItem[]> {
  const kms = context.clients.get<KMSClient>('kms');
  const found = await mapWithConcurrency(ids, KEY_CALLS_IN_FLIGHT, async (id) => {
    try {
      const metadata = (await kms.send(new DescribeKeyCommand({ KeyId: id }))).KeyMetadata;
      return metadata ? { KeyId: metadata.KeyId, KeyArn: metadata.Arn, KeyMetadata: metadata } : undefined;
    } catch (error) {
      if (errorCode(error) === 'NotFoundException') return undefined;
      throw error;
    }
  });
  return found.filter((key): key is NonNullable<typeof key> => key !== undefined);
}
