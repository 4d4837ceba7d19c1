import {
  InvalidInputError, expectArray, expectInteger, expectRecord, optionalString, rejectUnknownKeys, isRecord,
} from './validation';

export const SCHEMA_VERSION = 1;

/** An AWS region name such as `eu-west-1`, `us-gov-west-1` or `cn-north-1`. */
export const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)?-[a-z]+-\d{1,2}$/;
export const ACCOUNT_ID_PATTERN = /^\d{12}$/;
export const ROLE_ARN_PATTERN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
export const MAX_CONCURRENCY = 1000;

export interface AccountTarget {
  /** Expected account id; for the caller's own account it may be omitted and is learned from STS. */
  accountId?: string;
  /** Role to assume into this account; absent means the collector's own credentials. */
  roleArn?: string;
  externalId?: string;
}

/** The execution input of a collection run (Step Functions StartExecution, the schedule, or `cloudtap run`). */
export interface CollectionRequest {
  schemaVersion: typeof SCHEMA_VERSION;
  services?: string[];
  regions?: string[];
  accounts?: AccountTarget[];
  concurrency?: number;
}

const REQUEST_FIELDS = ['schemaVersion', 'services', 'regions', 'accounts', 'concurrency'] as const;
const ACCOUNT_FIELDS = ['accountId', 'roleArn', 'externalId'] as const;

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
    request.accounts = expectArray(record.accounts, 'accounts').map((value, i) => parseAccountTarget(value, `accounts[${i}]`));
  }
  if (record.concurrency !== undefined) {
    request.concurrency = expectInteger(record.concurrency, 'concurrency', 1, MAX_CONCURRENCY);
  }
  return request;
}

export function parseAccountTarget(value: unknown, field: string): AccountTarget {
  if (!isRecord(value)) throw new InvalidInputError(field, 'must be an object such as {"accountId": "123456789012", "roleArn": "arn:aws:iam::123456789012:role/cloudtap-collector"}');
  rejectUnknownKeys(value, field, ACCOUNT_FIELDS);
  const target: AccountTarget = {};
  const accountId = optionalString(value.accountId, `${field}.accountId`, ACCOUNT_ID_PATTERN, 'an account id is 12 digits');
  const roleArn = optionalString(value.roleArn, `${field}.roleArn`, ROLE_ARN_PATTERN, 'use arn:aws:iam::<account-id>:role/<name>');
  const externalId = optionalString(value.externalId, `${field}.externalId`);
  if (accountId) target.accountId = accountId;
  if (roleArn) target.roleArn = roleArn;
  if (externalId) target.externalId = externalId;
  if (roleArn && accountId && !roleArn.includes(`::${accountId}:`)) {
    throw new InvalidInputError(`${field}.roleArn`, `role ${roleArn} is not in account ${accountId}`);
  }
  if (externalId && !roleArn) throw new InvalidInputError(`${field}.externalId`, 'is only used with roleArn');
  return target;
}
