/**
 * What cloudtap's IAM types should store for a spec and the conditions planted for its rules, read from the IAM model.
 * IAM is global: everything belongs to the partition of the collector's home region (`regions[0]`).
 */
import type { Tag } from '@aws-sdk/client-iam';
import type { ServiceTruth, ServiceTruthCondition, ServiceTruthResource } from '../service-truth';
import { FOREIGN_ACCOUNT_ID, iamAccount, keyAgeDays, roleTrustsOutsiders, userConditions } from '../services/iam-model';

function tagsOf(list: Tag[] | undefined): Record<string, string> {
  return Object.fromEntries((list ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? '']));
}

export const iamTruth: ServiceTruth = {
  service: 'IAM',
  truth(spec, accountId, regions) {
    const region = regions[0] ?? 'us-east-1';
    const account = iamAccount(spec, accountId);
    const resources: ServiceTruthResource[] = [];
    const conditions: ServiceTruthCondition[] = [];
    const condition = (rule: string, type: string, id: string, severity: ServiceTruthCondition['severity'], detail: Record<string, unknown>) =>
      conditions.push({ rule, accountId, region, type, id, severity, detail });
    for (const user of account.users) {
      const id = user.detail.UserName ?? '';
      resources.push({
        accountId, region, type: 'IAM.User', id, name: id, tags: tagsOf(user.detail.Tags),
        attributes: {
          passwordEnabled: user.passwordEnabled, mfaActive: user.mfaActive,
          accessKeys: user.keys.map((key) => (key ? { active: key.active, lastRotated: key.lastRotated.toISOString(), ageDays: keyAgeDays(key, spec.epoch) } : null)),
          attachedPolicyArns: (user.detail.AttachedManagedPolicies ?? []).map((p) => p.PolicyArn),
        },
      });
      const found = userConditions(user, spec.epoch);
      if (found.accessKeyOld.length > 0) condition('AccessKeyOld', 'IAM.User', id, 3, { keys: found.accessKeyOld });
      if (found.consoleWithoutMfa) condition('ConsoleUserWithoutMfa', 'IAM.User', id, 2, {});
    }
    for (const role of account.roles) {
      const id = role.detail.RoleName ?? '';
      resources.push({
        accountId, region, type: 'IAM.Role', id, name: id, tags: tagsOf(role.detail.Tags),
        attributes: { trust: role.trust, arn: role.detail.Arn, attachedPolicyArns: (role.detail.AttachedManagedPolicies ?? []).map((p) => p.PolicyArn) },
      });
      if (roleTrustsOutsiders(role)) {
        condition('RoleTrustsAnyone', 'IAM.Role', id, 1, { principal: role.trust === 'anyone' ? '*' : `arn:aws:iam::${FOREIGN_ACCOUNT_ID}:root` });
      }
    }
    for (const policy of account.policies) {
      resources.push({
        accountId, region, type: 'IAM.Policy', id: policy.Arn ?? '', name: policy.PolicyName, tags: {},
        attributes: { attachmentCount: policy.AttachmentCount, defaultVersionId: policy.DefaultVersionId },
      });
    }
    return { resources, conditions };
  },
};
