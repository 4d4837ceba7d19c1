import {
  GetRoleCommand, paginateListAttachedRolePolicies, paginateListInstanceProfilesForRole, paginateListRolePolicies,
  type GetAccountAuthorizationDetailsCommandOutput, type IAMClient, type RoleDetail,
} from '@aws-sdk/client-iam';
import { defineResourceType, tagMap, type CollectContext, type ResourceRecord } from '../resource-type';
import { isoTime } from '../record-values';
import { mapWithConcurrency } from '../../util/concurrency';
import { IAM_CALLS_IN_FLIGHT, IAM_CLIENT, accountOfArn, authorizationDetails, isNoSuchEntity } from './calls';
import { trustPrincipals } from './trust-policy';
import { all, customerManagedPolicies } from './user';

/** Roles with who may assume them (the trust policy's principals) and what is attached to them. */
export const roleType = defineResourceType<RoleDetail, GetAccountAuthorizationDetailsCommandOutput>({
  service: 'IAM',
  name: 'Role',
  info: {
    group: 'IAM',
    displayName: 'IAM Role',
    labels: ['Security', 'Identity'],
    primaryFields: ['role_name', 'trusted_accounts', 'trusted_services'],
    displayFields: ['role_name', 'path', 'create_date', 'trusted_services', 'trusted_accounts', 'attached_policy_arns', 'last_used_date'],
  },
  list: authorizationDetails('Role', (output) => output.RoleDetailList),
  describe: { fetch: fetchRoles, actions: ['iam:GetRole', 'iam:ListAttachedRolePolicies', 'iam:ListRolePolicies', 'iam:ListInstanceProfilesForRole'] },
  relations: [{ name: 'policy', type: 'IAM.Policy', ids: (record) => customerManagedPolicies(record) }],
  preprocess: (raw) => preprocessRole(raw),
  // Moves whenever the role is assumed.
  volatileFields: ['last_used_date', 'last_used_region'],
  cloudTrailResourceType: 'AWS::IAM::Role',
});

export function preprocessRole(raw: RoleDetail): ResourceRecord {
  const name = raw.RoleName ?? '';
  const principals = trustPrincipals(raw.AssumeRolePolicyDocument);
  const arn = raw.Arn ?? '';
  return {
    id: name,
    name,
    arn,
    tags: tagMap(raw.Tags),
    data: {
      role_name: name,
      role_id: raw.RoleId ?? null,
      path: raw.Path ?? null,
      account_id: accountOfArn(arn),
      create_date: isoTime(raw.CreateDate),
      // Null when the document could not be read: unknown, not "trusts nobody".
      trust_principals: principals,
      trusted_accounts: principals ? unique(principals.filter((p) => p.account_id).map((p) => p.account_id as string)) : null,
      trusted_services: principals ? unique(principals.filter((p) => p.type === 'Service').map((p) => p.value)) : null,
      attached_policy_arns: (raw.AttachedManagedPolicies ?? []).map((p) => p.PolicyArn).filter((a): a is string => !!a),
      inline_policy_names: (raw.RolePolicyList ?? []).map((p) => p.PolicyName).filter((n): n is string => !!n),
      instance_profile_names: (raw.InstanceProfileList ?? []).map((p) => p.InstanceProfileName).filter((n): n is string => !!n),
      permissions_boundary_arn: raw.PermissionsBoundary?.PermissionsBoundaryArn ?? null,
      last_used_date: isoTime(raw.RoleLastUsed?.LastUsedDate),
      last_used_region: raw.RoleLastUsed?.Region ?? null,
    },
  };
}

function unique(values: string[]): string[] {
  return [...new Set(values)].sort();
}

/** A refresh of named roles: GetRole plus the attachments the listing carries. NoSuchEntity: gone, not returned. */
async function fetchRoles(ids: string[], context: CollectContext): Promise<RoleDetail[]> {
  const iam = context.clients.get<IAMClient>(IAM_CLIENT);
  const found = await mapWithConcurrency(ids, IAM_CALLS_IN_FLIGHT, async (RoleName): Promise<RoleDetail[]> => {
    try {
      const role = (await iam.send(new GetRoleCommand({ RoleName }))).Role;
      if (!role) return [];
      const [attached, inline, profiles] = await Promise.all([
        all(paginateListAttachedRolePolicies({ client: iam }, { RoleName }), (page) => page.AttachedPolicies),
        all(paginateListRolePolicies({ client: iam }, { RoleName }), (page) => page.PolicyNames),
        all(paginateListInstanceProfilesForRole({ client: iam }, { RoleName }), (page) => page.InstanceProfiles),
      ]);
      return [{
        RoleName: role.RoleName, RoleId: role.RoleId, Arn: role.Arn, Path: role.Path, CreateDate: role.CreateDate,
        AssumeRolePolicyDocument: role.AssumeRolePolicyDocument, PermissionsBoundary: role.PermissionsBoundary, Tags: role.Tags,
        RoleLastUsed: role.RoleLastUsed, AttachedManagedPolicies: attached, RolePolicyList: inline.map((PolicyName) => ({ PolicyName })),
        InstanceProfileList: profiles,
      }];
    } catch (error) {
      if (isNoSuchEntity(error)) return [];
      throw error;
    }
  });
  return found.flat();
}
