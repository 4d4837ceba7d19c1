import { KMSClient } from '@aws-sdk/client-kms';
import type { NamedResources, ServiceDefinition } from '../service';
import { keyType } from './key';
import { keyIdOf } from '../arn';
import { keyPendingDeletionRule, keyRotationDisabledRule } from './key-rules';

/**
 * The keys a KMS API call names: CloudTrail's `resources` (key ARNs), `requestParameters.keyId` (a key id or ARN; an
 * alias names no key by itself) and, for CreateKey, the new key in `responseElements.keyMetadata`.
 */
function keysInApiCall(detail: Record<string, unknown>): NamedResources[] {
  const resources = Array.isArray(detail.resources) ? (detail.resources as { ARN?: unknown }[]) : [];
  const parameters = detail.requestParameters as { keyId?: unknown } | null | undefined;
  const response = detail.responseElements as { keyMetadata?: { keyId?: unknown } } | null | undefined;
  const ids = new Set<string>();
  for (const value of [...resources.map((resource) => resource?.ARN), parameters?.keyId, response?.keyMetadata?.keyId]) {
    const id = keyIdOf(value);
    if (id) ids.add(id);
  }
  return ids.size > 0 ? [{ type: 'KMS.Key', ids: [...ids] }] : [];
}

/** Regional: keys live in one region (a multi-Region key's replicas are keys of their own regions). */
export const kmsService: ServiceDefinition = {
  name: 'KMS',
  scope: { kind: 'regional' },
  clients: { kms: (config) => new KMSClient(config) },
  types: [keyType],
  rules: [keyRotationDisabledRule, keyPendingDeletionRule],
  realtime: {
    source: 'aws.kms',
    apiCalls: [
      'CreateKey', 'ScheduleKeyDeletion', 'CancelKeyDeletion', 'EnableKeyRotation', 'DisableKeyRotation', 'DisableKey', 'EnableKey',
      'TagResource', 'UntagResource',
    ],
    resourcesInApiCall: keysInApiCall,
  },
};
