/**
 * KMS (awsJson1_1, `TrentService.<Op>`): ListKeys, ListAliases, DescribeKey, GetKeyRotationStatus and
 * ListResourceTags over the model in kms-model.ts, paged as KMS pages (`Limit`, an opaque `NextMarker` with
 * `Truncated`), keys named by id, key ARN, alias name or alias ARN where KMS accepts them.
 */
import * as KMS from '@aws-sdk/client-kms';
import { SandboxApiError } from '../api-errors';
import { decodeToken, encodeToken } from '../pagination';
import { awsJsonProtocol } from '../protocols/json';
import type { SandboxCall, SandboxServiceModule } from '../service-module';
import { kmsRegion, type KmsRegion, type SandboxKey } from './kms-model';

/** Each listing's page sizes: KMS answers `Limit` outside them with a ValidationException. */
const LIMITS = {
  ListKeys: { max: 1000, default: 100 },
  ListAliases: { max: 100, default: 50 },
  ListResourceTags: { max: 50, default: 50 },
} as const;

function page<T>(call: SandboxCall, listing: keyof typeof LIMITS, items: T[], scopeExtra = ''): { items: T[]; NextMarker?: string; Truncated: boolean } {
  const limits = LIMITS[listing];
  const limit = call.input.Limit as number | undefined;
  if (limit !== undefined && (limit < 1 || limit > limits.max)) {
    throw new SandboxApiError('ValidationException', `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to ${limits.max}`);
  }
  const size = limit ?? limits.default;
  const scope = `kms|${listing}|${call.accountId}|${call.region}|${call.spec.epoch}|${scopeExtra}`;
  const marker = call.input.Marker as string | undefined;
  const start = marker === undefined ? 0 : decodeToken(scope, marker, items.length, 'InvalidMarkerException');
  const end = start + size;
  return end < items.length ? { items: items.slice(start, end), NextMarker: encodeToken(scope, end), Truncated: true } : { items: items.slice(start), Truncated: false };
}

/** The key a `KeyId` names: key id or key ARN, and for DescribeKey also an alias name or alias ARN. */
function resolveKey(model: KmsRegion, call: SandboxCall, aliases: boolean): SandboxKey {
  const keyId = String(call.input.KeyId ?? '');
  const prefix = `arn:aws:kms:${call.region}:${call.accountId}:`;
  const local = keyId.startsWith(prefix) ? keyId.slice(prefix.length) : keyId;
  let id = local.startsWith('key/') ? local.slice('key/'.length) : local;
  if (aliases && local.startsWith('alias/')) id = model.aliases.find((alias) => alias.AliasName === local)?.TargetKeyId ?? '';
  const key = model.keyById.get(id);
  if (!key) throw new SandboxApiError('NotFoundException', `Key '${prefix}key/${id || keyId}' does not exist`);
  return key;
}

function handle(call: SandboxCall): unknown {
  const model = kmsRegion(call.spec, call.accountId, call.region);
  switch (call.operation) {
    case 'ListKeys': {
      const { items, NextMarker, Truncated } = page(call, 'ListKeys', model.keys);
      return { Keys: items.map((key) => ({ KeyId: key.metadata.KeyId, KeyArn: key.metadata.Arn })), NextMarker, Truncated };
    }
    case 'ListAliases': {
      const keyId = call.input.KeyId === undefined ? undefined : resolveKey(model, call, false).metadata.KeyId;
      const aliases = keyId ? model.aliases.filter((alias) => alias.TargetKeyId === keyId) : model.aliases;
      const { items, NextMarker, Truncated } = page(call, 'ListAliases', aliases, keyId ?? '');
      return { Aliases: items, NextMarker, Truncated };
    }
    case 'DescribeKey':
      return { KeyMetadata: resolveKey(model, call, true).metadata };
    case 'GetKeyRotationStatus': {
      const key = resolveKey(model, call, false);
      if (!key.rotation) {
        throw new SandboxApiError('UnsupportedOperationException', `${key.metadata.Arn} key spec or origin does not support automatic key rotation.`);
      }
      // A key pending deletion reports no rotation; cancelling the deletion restores it.
      const enabled = key.rotation.enabled && key.metadata.KeyState !== 'PendingDeletion';
      return {
        KeyId: key.metadata.Arn, KeyRotationEnabled: enabled,
        ...(enabled ? { RotationPeriodInDays: key.rotation.periodInDays, NextRotationDate: key.rotation.nextRotationDate } : {}),
      };
    }
    case 'ListResourceTags': {
      const key = resolveKey(model, call, false);
      const { items, NextMarker, Truncated } = page(call, 'ListResourceTags', key.tags, key.metadata.KeyId);
      return { Tags: items, NextMarker, Truncated };
    }
    default:
      throw new SandboxApiError('UnknownOperationException', `Unknown operation ${call.operation}`);
  }
}

export const kmsModule: SandboxServiceModule = {
  name: 'KMS',
  signingName: 'kms',
  endpointVariable: 'AWS_ENDPOINT_URL_KMS',
  protocol: awsJsonProtocol({ schemas: KMS, version: '1.1', target: 'TrentService' }),
  operations: ['ListKeys', 'ListAliases', 'DescribeKey', 'GetKeyRotationStatus', 'ListResourceTags'],
  throttling: { code: 'ThrottlingException', status: 400, message: 'Rate exceeded' },
  handle,
};
