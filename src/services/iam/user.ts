import {
  GetUserCommand, paginateListAttachedUserPolicies, paginateListGroupsForUser, paginateListUserPolicies,
  type GetAccountAuthorizationDetailsCommandOutput, type IAMClient, type UserDetail,
} from '@aws-sdk/client-iam';
import { defineResourceType, tagMap, type CollectContext, type ResourceRecord } from '../resource-type';
import { isoTime } from '../record-values';
import { mapWithConcurrency } from '../../util/concurrency';
import { IAM_CALLS_IN_FLIGHT, IAM_CLIENT, authorizationDetails, isCustomerManagedPolicy, isNoSuchEntity } from './calls';
import { CREDENTIAL_FIELDS, credentialReportEnrichment } from './credential-report';

/** Users: the listing gives attachments and groups; the credential report gives passwords, MFA and access keys. */
export const userType = defineResourceType<UserDetail, GetAccountAuthorizationDetailsCommandOutput>({
  service: 'IAM',
  name: 'User',
  info: {
    group: 'IAM',
    displayName: 'IAM User',
    labels: ['Security', 'Identity'],
    primaryFields: ['user_name', 'password_enabled', 'mfa_active'],
    displayFields: [
      'user_name', 'path', 'create_date', 'password_enabled', 'mfa_active', 'password_last_used',
      'access_key_1_active', 'access_key_1_last_rotated', 'access_key_2_active', 'access_key_2_last_rotated', 'group_names',
    ],
  },
  list: authorizationDetails('User', (output) => output.UserDetailList),
  describe: { fetch: fetchUsers, actions: ['iam:GetUser', 'iam:ListAttachedUserPolicies', 'iam:ListUserPolicies', 'iam:ListGroupsForUser'] },
  enrich: credentialReportEnrichment,
  relations: [{ name: 'policy', type: 'IAM.Policy', ids: (record) => customerManagedPolicies(record) }],
  preprocess: (raw) => preprocessUser(raw),
  // Last use moves with every sign-in and API call; the report's time with every report.
  volatileFields: [
    'password_last_used', 'access_key_1_last_used_date', 'access_key_1_last_used_region', 'access_key_1_last_used_service',
    'access_key_2_last_used_date', 'access_key_2_last_used_region', 'access_key_2_last_used_service', 'credential_report_time',
  ],
  cloudTrailResourceType: 'AWS::IAM::User',
});

export function preprocessUser(raw: UserDetail): ResourceRecord {
  const tags = tagMap(raw.Tags);
  const name = raw.UserName ?? '';
  const credentials = Object.fromEntries(CREDENTIAL_FIELDS.map((field) => [field, null]));
  return {
    // The name: IAM's API calls and CloudTrail's requestParameters name users by it.
    id: name,
    name,
    arn: raw.Arn ?? '',
    tags,
    data: {
      user_name: name,
      user_id: raw.UserId ?? null,
      path: raw.Path ?? null,
      create_date: isoTime(raw.CreateDate),
      group_names: raw.GroupList ?? [],
      attached_policy_arns: (raw.AttachedManagedPolicies ?? []).map((p) => p.PolicyArn).filter((arn): arn is string => !!arn),
      inline_policy_names: (raw.UserPolicyList ?? []).map((p) => p.PolicyName).filter((n): n is string => !!n),
      permissions_boundary_arn: raw.PermissionsBoundary?.PermissionsBoundaryArn ?? null,
      // From the credential report (the enrichment); null until read.
      ...credentials,
    },
  };
}

/** The customer managed policies attached to a user or role (the AWS managed ones are not collected). */
export function customerManagedPolicies(record: ResourceRecord): string[] {
  const arns = Array.isArray(record.data.attached_policy_arns) ? (record.data.attached_policy_arns as string[]) : [];
  return arns.filter(isCustomerManagedPolicy);
}

/**
 * A refresh of named users: GetUser, plus the attachments and groups the listing carries, so that a refreshed record
 * is the same as a listed one. A user IAM no longer knows (NoSuchEntity) is gone and not returned.
 */
async function fetchUsers(ids: string[], context: CollectContext): Promise<UserDetail[]> {
  const iam = context.clients.get<IAMClient>(IAM_CLIENT);
  const found = await mapWithConcurrency(ids, IAM_CALLS_IN_FLIGHT, async (UserName): Promise<UserDetail[]> => {
    try {
      const user = (await iam.send(new GetUserCommand({ UserName }))).User;
      if (!user) return [];
      const [attached, inline, groups] = await Promise.all([
        all(paginateListAttachedUserPolicies({ client: iam }, { UserName }), (page) => page.AttachedPolicies),
        all(paginateListUserPolicies({ client: iam }, { UserName }), (page) => page.PolicyNames),
        all(paginateListGroupsForUser({ client: iam }, { UserName }), (page) => page.Groups),
      ]);
      return [{
        UserName: user.UserName, UserId: user.UserId, Arn: user.Arn, Path: user.Path, CreateDate: user.CreateDate,
        PermissionsBoundary: user.PermissionsBoundary, Tags: user.Tags, AttachedManagedPolicies: attached,
        UserPolicyList: inline.map((PolicyName) => ({ PolicyName })), GroupList: groups.map((g) => g.GroupName ?? '').filter((g) => g),
      }];
    } catch (error) {
      if (isNoSuchEntity(error)) return [];
      throw error;
    }
  });
  return found.flat();
}

/** Every item of a paginated call. */
export async function all<Page, Item>(pages: AsyncIterable<Page>, items: (page: Page) => Item[] | undefined): Promise<Item[]> {
  const found: Item[] = [];
  for await (const page of pages) found.push(...(items(page) ?? []));
  return found;
}
