/** The KMS truth: every key ListKeys lists in each enabled region, and the conditions kms-model.ts plants. */
import type { ServiceTruth, ServiceTruthCondition, ServiceTruthResource } from '../service-truth';
import { kmsRegion } from '../services/kms-model';

export const kmsTruth: ServiceTruth = {
  service: 'KMS',
  truth(spec, accountId, regions) {
    const resources: ServiceTruthResource[] = [];
    const conditions: ServiceTruthCondition[] = [];
    for (const region of regions) {
      const model = kmsRegion(spec, accountId, region);
      for (const key of model.keys) {
        const { metadata } = key;
        const aliases = model.aliases.filter((alias) => alias.TargetKeyId === metadata.KeyId).map((alias) => alias.AliasName ?? '').sort();
        resources.push({
          accountId, region, type: 'KMS.Key', id: metadata.KeyId, ...(aliases[0] ? { name: aliases[0] } : {}),
          tags: Object.fromEntries(key.tags.map((tag) => [tag.TagKey ?? '', tag.TagValue ?? ''])),
          attributes: {
            keyManager: metadata.KeyManager, keySpec: metadata.KeySpec, keyState: metadata.KeyState, origin: metadata.Origin,
            rotationEnabled: key.rotation ? key.rotation.enabled && metadata.KeyState !== 'PendingDeletion' : null,
            deletionDate: metadata.DeletionDate?.toISOString() ?? null, aliases,
          },
        });
        const condition = (rule: string, severity: ServiceTruthCondition['severity'], detail: Record<string, unknown>) =>
          conditions.push({ rule, accountId, region, type: 'KMS.Key', id: metadata.KeyId, severity, detail });
        if (metadata.KeyManager === 'CUSTOMER' && metadata.KeySpec === 'SYMMETRIC_DEFAULT' && metadata.Origin === 'AWS_KMS'
          && metadata.KeyState === 'Enabled' && key.rotation?.enabled === false) {
          condition('KeyRotationDisabled', 3, {});
        }
        if (metadata.KeyState === 'PendingDeletion') condition('KeyPendingDeletion', 2, { deletionDate: metadata.DeletionDate?.toISOString() });
      }
    }
    return { resources, conditions };
  },
};
