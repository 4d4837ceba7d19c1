import {
  InvalidInputError, expectArray, expectInteger, expectRecord, optionalString, rejectUnknownKeys, isRecord,
} from './validation';

export const SCHEMA_VERSION = 1;

/** An AWS region name such as `eu-west-1`, `us-gov-west-1` or `cn-north-1`. */
export const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)?-[a-z]+-\d{1,2}$/;
export const ACCOUNT_ID_PATTERN = /^\d{12}$/;
export const ROLE_ARN_PATTERN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
export const MAX_CONCURRENCY = 1000;
/** An organizational unit id (`ou-` root suffix `-` 8–32 characters) or a root id (`r-` 4–32 characters). */
export const OU_ID_PATTERN = /^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$/;
/** The role the member stack deploys in every member account (lib/stacks/member-stack.ts). */
export const DEFAULT_MEMBER_ROLE_NAME = 'cloudtap-member';
const ROLE_NAME_PATTERN = /^[\w+=,.@-]{1,64}$/;
/**
 * An ExternalId as STS accepts it ([\w+=,.@:/-], from 2 characters), up to 256 of STS's 1,224: every task of the
 * account carries it, and 256 keeps an account's ~170 tasks well inside a state's 256 KB (test/workflow/limits.test.ts).
 */
export const EXTERNAL_ID_PATTERN = /^[\w+=,.@:/-]{2,256}$/;
const EXTERNAL_ID_HINT = '2 to 256 letters, digits or +=,.@:/-_ (a UUID is the usual choice)';

export interface AccountTarget {
  /** Expected account id; for the caller's own account it may be omitted and is learned from STS. */
  accountId?: string;
  /** Role to assume into this account; absent means the collector's own credentials. */
  roleArn?: string;
  externalId?: string;
}

/**
 * The accounts of an AWS Organization, listed at the start of each run (ListAccounts, or ListAccountsForParent through
 * the OUs `include` names). Each member account is reached by assuming `roleName` in it; the collector's own account
 * (the management account or a delegated administrator) with its own credentials.
 */
export interface OrganizationTarget {
  /** OU, root or account ids to collect (OUs recursively); absent: every account of the organization. */
  include?: string[];
  /** OU or account ids left out (OUs recursively), even when inside an included OU. */
  exclude?: string[];
  /** The member role's name in every account (default `cloudtap-member`, the member stack's). */
  roleName?: string;
  externalId?: string;
}

/** The execution input of a collection run (Step Functions StartExecution, the schedule, or `cloudtap run`). */
export interface CollectionRequest {
  schemaVersion: typeof SCHEMA_VERSION;
  services?: string[];
  regions?: string[];
  /** Accounts listed one by one, or an organization's. */
  accounts?: AccountTarget[] | { organization: OrganizationTarget };
  /** Tasks in flight per account (the per-account Map's concurrency). */
  concurrency?: number;
  /** Accounts in flight (the Distributed Map's concurrency). */
  accountConcurrency?: number;
}

const REQUEST_FIELDS = ['schemaVersion', 'services', 'regions', 'accounts', 'concurrency', 'accountConcurrency'] as const;
const ACCOUNT_FIELDS = ['accountId', 'roleArn', 'externalId'] as const;
const ORGANIZATION_FIELDS = ['include', 'exclude', 'roleName', 'externalId'] as const;

/** The organization a request targets, if it names one. */
export function organizationOf(request: Pick<CollectionRequest, 'accounts'>): OrganizationTarget | undefined {
  return request.accounts && !Array.isArray(request.accounts) ? request.accounts.organization : undefined;
}

/** The accounts a request lists one by one (none for an organization's). */
export function listedAccounts(request: Pick<CollectionRequest, 'accounts'>): AccountTarget[] {
  return Array.isArray(request.accounts) ? request.accounts : [];
}

export function parseSchemaVersion(value: unknown, field: string, optional: boolean): typeof SCHEMA_VERSION {
  if (value === undefined && optional) return SCHEMA_VERSION;
  if (value !== SCHEMA_VERSION) {
    throw new InvalidInputError(field, `must be ${SCHEMA_VERSION} (the only version this collector reads), got ${JSON.stringify(value)}`);
  }
  return SCHEMA_VERSION;
}

/**
 * Validates an execution input; throws InvalidInputError naming the field and what is valid. `known`: the services
 * that exist (`serviceNames()` of the registry, which the DTOs do not import: data flows one way).
 */
export function parseCollectionRequest(input: unknown, known: readonly string[]): CollectionRequest {
  const record = input === undefined || input === null ? {} : expectRecord(input, 'CollectionRequest');
  rejectUnknownKeys(record, '', REQUEST_FIELDS);
  const request: CollectionRequest = { schemaVersion: parseSchemaVersion(record.schemaVersion, 'schemaVersion', true) };

  if (record.services !== undefined) {
    request.services = expectArray(record.services, 'services').map((value, i) => {
      const name = typeof value === 'string' ? known.find((s) => s.toLowerCase() === value.toLowerCase()) : undefined;
      if (!name) throw new InvalidInputError(`services[${i}]`, `unknown service ${JSON.stringify(value)}; valid services are: ${known.join(', ')}`);
      return name;
    });
    if (request.services.length === 0) throw new InvalidInputError('services', `must name at least one of: ${known.join(', ')} (or be left out for all)`);
  }
  if (record.regions !== undefined) {
    request.regions = expectArray(record.regions, 'regions').map((value, i) => {
      if (typeof value !== 'string' || !REGION_PATTERN.test(value)) {
        throw new InvalidInputError(`regions[${i}]`, `${JSON.stringify(value)} is not a region name; use names such as us-east-1 or eu-west-1`);
      }
      return value;
    });
    if (request.regions.length === 0) throw new InvalidInputError('regions', 'must name at least one region (or be left out for every enabled region)');
  }
  if (record.accounts !== undefined) {
    request.accounts = isRecord(record.accounts) && !Array.isArray(record.accounts)
      ? { organization: parseOrganizationTarget(record.accounts) }
      : expectArray(record.accounts, 'accounts').map((value, i) => parseAccountTarget(value, `accounts[${i}]`));
  }
  if (record.concurrency !== undefined) {
    request.concurrency = expectInteger(record.concurrency, 'concurrency', 1, MAX_CONCURRENCY);
  }
  if (record.accountConcurrency !== undefined) {
    request.accountConcurrency = expectInteger(record.accountConcurrency, 'accountConcurrency', 1, MAX_CONCURRENCY);
  }
  return request;
}

function parseOrganizationTarget(accounts: Record<string, unknown>): OrganizationTarget {
  rejectUnknownKeys(accounts, 'accounts', ['organization']);
  const value = accounts.organization === true ? {} : accounts.organization;
  if (!isRecord(value)) throw new InvalidInputError('accounts.organization', 'must be an object such as {"include": ["ou-ab12-cdef3456"], "exclude": ["123456789012"]} (or {} for every account)');
  rejectUnknownKeys(value, 'accounts.organization', ORGANIZATION_FIELDS);
  const target: OrganizationTarget = {};
  for (const key of ['include', 'exclude'] as const) {
    if (value[key] === undefined) continue;
    target[key] = expectArray(value[key], `accounts.organization.${key}`).map((id, i) => {
      if (typeof id !== 'string' || !(ACCOUNT_ID_PATTERN.test(id) || OU_ID_PATTERN.test(id))) {
        throw new InvalidInputError(`accounts.organization.${key}[${i}]`, `${JSON.stringify(id)} is neither an account id (12 digits) nor an OU or root id (ou-ab12-cdef3456, r-ab12)`);
      }
      return id;
    });
    if (key === 'include' && target.include?.length === 0) throw new InvalidInputError('accounts.organization.include', 'must name at least one OU, root or account (or be left out for the whole organization)');
  }
  const roleName = optionalString(value.roleName, 'accounts.organization.roleName', ROLE_NAME_PATTERN, 'a role name is 1–64 letters, digits or +=,.@_-');
  const externalId = optionalString(value.externalId, 'accounts.organization.externalId', EXTERNAL_ID_PATTERN, EXTERNAL_ID_HINT);
  if (roleName) target.roleName = roleName;
  if (externalId) target.externalId = externalId;
  return target;
}

export function parseAccountTarget(value: unknown, field: string): AccountTarget {
  if (!isRecord(value)) throw new InvalidInputError(field, 'must be an object such as {"accountId": "123456789012", "roleArn": "arn:aws:iam::123456789012:role/cloudtap-collector"}');
  rejectUnknownKeys(value, field, ACCOUNT_FIELDS);
  const target: AccountTarget = {};
  const accountId = optionalString(value.accountId, `${field}.accountId`, ACCOUNT_ID_PATTERN, 'an account id is 12 digits');
  const roleArn = optionalString(value.roleArn, `${field}.roleArn`, ROLE_ARN_PATTERN, 'use arn:aws:iam::<account-id>:role/<name>');
  const externalId = optionalString(value.externalId, `${field}.externalId`, EXTERNAL_ID_PATTERN, EXTERNAL_ID_HINT);
  if (accountId) target.accountId = accountId;
  if (roleArn) target.roleArn = roleArn;
  if (externalId) target.externalId = externalId;
  if (roleArn && accountId && !roleArn.includes(`::${accountId}:`)) {
    throw new InvalidInputError(`${field}.roleArn`, `role ${roleArn} is not in account ${accountId}`);
  }
  if (externalId && !roleArn) throw new InvalidInputError(`${field}.externalId`, 'is only used with roleArn');
  return target;
}
