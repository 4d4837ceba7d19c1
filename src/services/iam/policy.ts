import {
  GetPolicyCommand, type GetAccountAuthorizationDetailsCommandOutput, type IAMClient, type ManagedPolicyDetail,
} from '@aws-sdk/client-iam';
import { defineResourceType, type CollectContext, type ResourceRecord } from '../resource-type';
import { isoTime } from '../record-values';
import { mapWithConcurrency } from '../../util/concurrency';
import { IAM_CALLS_IN_FLIGHT, IAM_CLIENT, authorizationDetails, isNoSuchEntity } from './calls';

/** A customer managed policy (Scope=Local) as GetAccountAuthorizationDetails lists it. */
export type RawPolicy = ManagedPolicyDetail;

/** Customer managed policies only (AWS's own are the same in every account); the id is the ARN, as IAM names them. */
export const policyType = defineResourceType<RawPolicy, GetAccountAuthorizationDetailsCommandOutput>({
  service: 'IAM',
  name: 'Policy',
  info: {
    group: 'IAM',
    displayName: 'IAM Policy',
    labels: ['Security', 'Identity'],
    primaryFields: ['policy_name', 'attachment_count', 'default_version_id'],
    displayFields: ['policy_name', 'path', 'attachment_count', 'permissions_boundary_usage_count', 'default_version_id', 'is_attachable', 'update_date'],
  },
  list: authorizationDetails('LocalManagedPolicy', (output) => output.Policies),
  describe: { fetch: fetchPolicies, actions: ['iam:GetPolicy'] },
  preprocess: (raw) => preprocessPolicy(raw),
  volatileFields: [],
  cloudTrailResourceType: 'AWS::IAM::Policy',
});

export function preprocessPolicy(raw: RawPolicy): ResourceRecord {
  const arn = raw.Arn ?? '';
  return {
    id: arn,
    name: raw.PolicyName,
    arn,
    // The listing carries no policy tags (only GetPolicy does): none are kept, so a refresh and a run agree.
    tags: {},
    data: {
      policy_name: raw.PolicyName ?? null,
      policy_id: raw.PolicyId ?? null,
      path: raw.Path ?? null,
      description: raw.Description || null,
      default_version_id: raw.DefaultVersionId ?? null,
      attachment_count: raw.AttachmentCount ?? null,
      permissions_boundary_usage_count: raw.PermissionsBoundaryUsageCount ?? null,
      is_attachable: raw.IsAttachable ?? null,
      create_date: isoTime(raw.CreateDate),
      update_date: isoTime(raw.UpdateDate),
    },
  };
}

/** GetPolicy for each ARN; a policy IAM no longer knows (NoSuchEntity) is gone and not returned. */
async function fetchPolicies(ids: string[], context: CollectContext): Promise<RawPolicy[]> {
  const iam = context.clients.get<IAMClient>(IAM_CLIENT);
  const found = await mapWithConcurrency(ids, IAM_CALLS_IN_FLIGHT, async (arn) => {
    try {
      const policy = (await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy;
      if (!policy) return [];
      const { Tags: _tags, ...detail } = policy;
      return [detail];
    } catch (error) {
      if (isNoSuchEntity(error)) return [];
      throw error;
    }
  });
  return found.flat();
}
