import { IAMClient } from '@aws-sdk/client-iam';
import type { NamedResources, ServiceDefinition } from '../service';
import { isCustomerManagedPolicy } from './calls';
import { policyType } from './policy';
import { roleType } from './role';
import { accessKeyOldRule, consoleUserWithoutMfaRule, roleTrustsAnyoneRule } from './rules';
import { userType } from './user';

/** IAM is global: collected once per account, in the collector's home region. */
export const iamService: ServiceDefinition = {
  name: 'IAM',
  scope: { kind: 'global' },
  clients: { iam: (config) => new IAMClient(config) },
  types: [userType, roleType, policyType],
  rules: [accessKeyOldRule, consoleUserWithoutMfaRule, roleTrustsAnyoneRule],
  realtime: {
    source: 'aws.iam',
    apiCalls: [
      'CreateUser', 'DeleteUser', 'CreateAccessKey', 'DeleteAccessKey', 'UpdateAccessKey', 'EnableMFADevice', 'DeactivateMFADevice',
      'CreateLoginProfile', 'DeleteLoginProfile', 'CreateRole', 'DeleteRole', 'UpdateAssumeRolePolicy',
      'AttachUserPolicy', 'DetachUserPolicy', 'AttachRolePolicy', 'DetachRolePolicy', 'CreatePolicy', 'DeletePolicy',
    ],
    resourcesInApiCall: iamResourcesInApiCall,
  },
};

/**
 * The users, roles and customer managed policies an IAM call names: `userName`, `roleName` and `policyArn` in its
 * request (an attachment changes both sides: the user's attachments and the policy's count); CreatePolicy names the
 * new policy's ARN only in its response.
 */
export function iamResourcesInApiCall(detail: Record<string, unknown>): NamedResources[] {
  const request = (detail.requestParameters ?? {}) as Record<string, unknown>;
  const response = (detail.responseElements ?? {}) as { policy?: { arn?: unknown } };
  const named: NamedResources[] = [];
  if (typeof request.userName === 'string') named.push({ type: 'IAM.User', ids: [request.userName] });
  if (typeof request.roleName === 'string') named.push({ type: 'IAM.Role', ids: [request.roleName] });
  const policyArn = typeof request.policyArn === 'string' ? request.policyArn : response.policy?.arn;
  if (typeof policyArn === 'string' && isCustomerManagedPolicy(policyArn)) named.push({ type: 'IAM.Policy', ids: [policyArn] });
  return named;
}
