/**
 * IAM (awsQuery 2010-05-08, global): GetAccountAuthorizationDetails (MaxItems 1–1000, Marker/IsTruncated) over the
 * model in iam-model.ts, the credential report, and the Get/List calls a real-time refresh makes for one user, role
 * or policy. The same in every enabled region, as IAM is one service per account.
 */
import * as IAM from '@aws-sdk/client-iam';
import type { EntityType } from '@aws-sdk/client-iam';
import { SandboxApiError } from '../api-errors';
import { decodeToken, encodeToken } from '../pagination';
import { awsQueryProtocol } from '../protocols/query-xml';
import type { SandboxCall, SandboxServiceModule } from '../service-module';
import { credentialReportCsv, iamAccount, reportGeneratedTime, type IamAccount } from './iam-model';

const MAX_ITEMS = { min: 1, max: 1000, default: 100 };

/** One page of items: MaxItems within 1–1000, the Marker bound to the call, account and epoch. */
function page<T>(call: SandboxCall, items: T[], scopeExtra = ''): { items: T[]; IsTruncated: boolean; Marker?: string } {
  const maxItems = call.input.MaxItems as number | undefined;
  if (maxItems !== undefined && (maxItems < MAX_ITEMS.min || maxItems > MAX_ITEMS.max)) {
    throw new SandboxApiError('ValidationError', `1 validation error detected: Value '${maxItems}' at 'maxItems' failed to satisfy constraint: `
      + `Member must have value ${maxItems < MAX_ITEMS.min ? `greater than or equal to ${MAX_ITEMS.min}` : `less than or equal to ${MAX_ITEMS.max}`}`);
  }
  const size = maxItems ?? MAX_ITEMS.default;
  const scope = `iam|${call.operation}|${call.accountId}|${call.spec.epoch}|${scopeExtra}`;
  const marker = call.input.Marker as string | undefined;
  const start = marker === undefined ? 0 : decodeToken(scope, marker, items.length, 'ValidationError');
  const end = start + size;
  return end < items.length ? { items: items.slice(start, end), IsTruncated: true, Marker: encodeToken(scope, end) } : { items: items.slice(start), IsTruncated: false };
}

type Entity = { kind: 'User' | 'Role' | 'LocalManagedPolicy'; item: unknown };

function authorizationDetails(call: SandboxCall, account: IamAccount): unknown {
  const filter = (call.input.Filter as EntityType[] | undefined) ?? [];
  const wants = (kind: EntityType) => filter.length === 0 || filter.includes(kind);
  const entities: Entity[] = [
    ...(wants('User') ? account.users.map((u): Entity => ({ kind: 'User', item: u.detail })) : []),
    ...(wants('Role') ? account.roles.map((r): Entity => ({ kind: 'Role', item: r.detail })) : []),
    ...(wants('LocalManagedPolicy') ? account.policies.map((p): Entity => ({ kind: 'LocalManagedPolicy', item: p })) : []),
  ];
  const { items, IsTruncated, Marker } = page(call, entities, [...filter].sort().join(','));
  const of = (kind: Entity['kind']) => items.filter((e) => e.kind === kind).map((e) => e.item);
  return { UserDetailList: of('User'), RoleDetailList: of('Role'), GroupDetailList: [], Policies: of('LocalManagedPolicy'), IsTruncated, Marker };
}

function noSuchEntity(kind: string, name: unknown): SandboxApiError {
  return new SandboxApiError('NoSuchEntity', `The ${kind} with name ${String(name)} cannot be found.`, 404);
}

function userOf(account: IamAccount, name: unknown) {
  const user = account.users.find((u) => u.detail.UserName === name);
  if (!user) throw noSuchEntity('user', name);
  return user.detail;
}

function roleOf(account: IamAccount, name: unknown) {
  const role = account.roles.find((r) => r.detail.RoleName === name);
  if (!role) throw noSuchEntity('role', name);
  return role.detail;
}

function handle(call: SandboxCall): unknown {
  const account = iamAccount(call.spec, call.accountId);
  const { input } = call;
  switch (call.operation) {
    case 'GetAccountAuthorizationDetails':
      return authorizationDetails(call, account);
    case 'GenerateCredentialReport':
      return { State: 'COMPLETE', Description: 'No report exists. Starting a new report generation task' };
    case 'GetCredentialReport':
      return {
        Content: new Uint8Array(Buffer.from(credentialReportCsv(account))),
        ReportFormat: 'text/csv',
        GeneratedTime: reportGeneratedTime(call.spec.epoch),
      };
    case 'GetUser': {
      const { UserPolicyList: _inline, GroupList: _groups, AttachedManagedPolicies: _attached, ...user } = userOf(account, input.UserName);
      return { User: user };
    }
    case 'ListAttachedUserPolicies': {
      const { items, IsTruncated, Marker } = page(call, userOf(account, input.UserName).AttachedManagedPolicies ?? [], String(input.UserName));
      return { AttachedPolicies: items, IsTruncated, Marker };
    }
    case 'ListUserPolicies': {
      const names = (userOf(account, input.UserName).UserPolicyList ?? []).map((p) => p.PolicyName);
      const { items, IsTruncated, Marker } = page(call, names, String(input.UserName));
      return { PolicyNames: items, IsTruncated, Marker };
    }
    case 'ListGroupsForUser': {
      const groups = (userOf(account, input.UserName).GroupList ?? []).map((name) => ({
        Path: '/', GroupName: name, GroupId: `AGPA${name.toUpperCase().padEnd(17, 'X').slice(0, 17)}`,
        Arn: `arn:aws:iam::${call.accountId}:group/${name}`, CreateDate: new Date(Date.UTC(2024, 0, 1)),
      }));
      const { items, IsTruncated, Marker } = page(call, groups, String(input.UserName));
      return { Groups: items, IsTruncated, Marker };
    }
    case 'GetRole': {
      const { RolePolicyList: _inline, AttachedManagedPolicies: _attached, InstanceProfileList: _profiles, ...role } = roleOf(account, input.RoleName);
      return { Role: { ...role, MaxSessionDuration: 3600 } };
    }
    case 'ListAttachedRolePolicies': {
      const { items, IsTruncated, Marker } = page(call, roleOf(account, input.RoleName).AttachedManagedPolicies ?? [], String(input.RoleName));
      return { AttachedPolicies: items, IsTruncated, Marker };
    }
    case 'ListRolePolicies': {
      const names = (roleOf(account, input.RoleName).RolePolicyList ?? []).map((p) => p.PolicyName);
      const { items, IsTruncated, Marker } = page(call, names, String(input.RoleName));
      return { PolicyNames: items, IsTruncated, Marker };
    }
    case 'ListInstanceProfilesForRole': {
      const role = roleOf(account, input.RoleName);
      const profiles = (role.InstanceProfileList ?? []).map((p) => ({ ...p, Roles: [{ ...role, RolePolicyList: undefined }] }));
      const { items, IsTruncated, Marker } = page(call, profiles, String(input.RoleName));
      return { InstanceProfiles: items, IsTruncated, Marker };
    }
    case 'GetPolicy': {
      const policy = account.policies.find((p) => p.Arn === input.PolicyArn);
      if (!policy) throw new SandboxApiError('NoSuchEntity', `Policy ${String(input.PolicyArn)} does not exist or is not attachable.`, 404);
      const { PolicyVersionList: _versions, ...rest } = policy;
      return { Policy: { ...rest, Tags: [] } };
    }
    default:
      throw new SandboxApiError('InvalidAction', `The action ${call.operation} is not valid for this web service.`);
  }
}

export const iamModule: SandboxServiceModule = {
  name: 'IAM',
  signingName: 'iam',
  endpointVariable: 'AWS_ENDPOINT_URL_IAM',
  protocol: awsQueryProtocol({ schemas: IAM, version: '2010-05-08', xmlNamespace: 'https://iam.amazonaws.com/doc/2010-05-08/' }),
  operations: [
    'GetAccountAuthorizationDetails', 'GenerateCredentialReport', 'GetCredentialReport', 'GetUser', 'ListAttachedUserPolicies',
    'ListUserPolicies', 'ListGroupsForUser', 'GetRole', 'ListAttachedRolePolicies', 'ListRolePolicies', 'ListInstanceProfilesForRole', 'GetPolicy',
  ],
  throttling: { code: 'Throttling', status: 400, message: 'Rate exceeded' },
  global: true,
  handle,
};
