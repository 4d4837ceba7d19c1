/**
 * AWS Organizations (awsJson1_1, `AWSOrganizationsV20161128.<Op>`, global) over the organization in ../organization.ts:
 * the organization, its root, OUs and accounts, paged as Organizations pages (MaxResults 1–20, default 20, and now and
 * then an empty page that still carries a NextToken, which AWS documents and a client must page past). Only the
 * management account and the delegated administrator may list; any member may DescribeOrganization; accounts outside
 * an organization (`organization=none`) get AWSOrganizationsNotInUseException.
 */
import * as Organizations from '@aws-sdk/client-organizations';
import { SandboxApiError } from '../api-errors';
import { sandboxOrganization, type SandboxOrganization } from '../organization';
import { decodeToken, encodeToken } from '../pagination';
import { awsJsonProtocol } from '../protocols/json';
import { hashOf, hashText, unitOf } from '../random';
import type { SandboxCall, SandboxServiceModule } from '../service-module';

/** Organizations answers every error with 400, AccessDeniedException included. */
const STATUS = 400;
const PAGE = { min: 1, max: 20 } as const;
/** The share of pages answered empty (with a NextToken to the same place): AWS does it, and clients stop there by mistake. */
const EMPTY_PAGE_SHARE = 0.25;
/** NextToken flags: the page at the token's position was answered empty already; some page of the listing was. */
const ANSWERED_EMPTY = 1;
const EMPTY_BEFORE = 2;
const PARENT_ID = /^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/;
const OU_ID = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;
const ACCOUNT_ID = /^\d{12}$/;
const POLICY_TYPES = [{ Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' }];

function invalidInput(reason: string, message: string): SandboxApiError {
  return new SandboxApiError('InvalidInputException', message, STATUS, { Reason: reason });
}

/** The members of an input that must match a pattern (INPUT_REQUIRED when absent, INVALID_PATTERN when not matching). */
function requireId(call: SandboxCall, member: string, pattern: RegExp): string {
  const value = call.input[member];
  if (value === undefined || value === '') throw invalidInput('INPUT_REQUIRED', 'You must specify a value for all required parameters.');
  if (typeof value !== 'string' || !pattern.test(value)) throw invalidInput('INVALID_PATTERN', `You specified a value for ${member} that doesn't match the required pattern.`);
  return value;
}

/**
 * The positions of one page of a listing of `length` items: MaxResults within 1–20, a NextToken bound to the operation
 * and its parameters. Which pages are empty is a function of the listing: a quarter of them by chance, and the first
 * page after the first one when none was empty before, so every listing of more than one page has an empty page a
 * client must page past. The token carries the position, whether the page there was answered empty already (every
 * position is empty at most once, so the listing ends) and whether any page was.
 */
function pageRange(call: SandboxCall, org: SandboxOrganization, length: number, scopeExtra: string): { start: number; end: number; NextToken?: string } {
  const maxResults = call.input.MaxResults as number | undefined;
  if (maxResults !== undefined && maxResults > PAGE.max) throw invalidInput('MAX_VALUE_EXCEEDED', `You provided a value that exceeds the maximum allowed value: MaxResults must be at most ${PAGE.max}, got ${maxResults}.`);
  if (maxResults !== undefined && maxResults < PAGE.min) throw invalidInput('MIN_VALUE_EXCEEDED', `You provided a value that is lower than the minimum allowed value: MaxResults must be at least ${PAGE.min}, got ${maxResults}.`);
  const size = maxResults ?? PAGE.max;
  const scope = `organizations|${call.operation}|${org.id}|${scopeExtra}`;
  const key = hashText(scope);
  const token = call.input.NextToken as string | undefined;
  let cursor = 0;
  if (token !== undefined) {
    try {
      cursor = decodeToken(scope, token, length * 4 + 3);
    } catch {
      throw invalidInput('INVALID_PAGINATION_TOKEN', 'The NextToken is not valid: get the value for the NextToken parameter from the response to a previous call of the operation.');
    }
  }
  const start = cursor >> 2;
  const answeredEmpty = (cursor & ANSWERED_EMPTY) !== 0;
  const emptyBefore = (cursor & EMPTY_BEFORE) !== 0;
  const tokenTo = (position: number, flags: number) => encodeToken(scope, position * 4 + flags);
  const emptyHere = start < length && (unitOf(hashOf(key, start)) < EMPTY_PAGE_SHARE || (start > 0 && !emptyBefore));
  if (!answeredEmpty && emptyHere) return { start, end: start, NextToken: tokenTo(start, ANSWERED_EMPTY | EMPTY_BEFORE) };
  const end = Math.min(start + size, length);
  const flags = emptyBefore || answeredEmpty ? EMPTY_BEFORE : 0;
  if (end < length) return { start, end, NextToken: tokenTo(end, flags) };
  // A last page sometimes still hands out a token, to an empty page without one.
  const emptyTail = !answeredEmpty && end > start && unitOf(hashOf(key, length, 1)) < EMPTY_PAGE_SHARE;
  return emptyTail ? { start, end, NextToken: tokenTo(end, ANSWERED_EMPTY | EMPTY_BEFORE) } : { start, end };
}

function page<T>(call: SandboxCall, org: SandboxOrganization, items: readonly T[], scopeExtra = ''): { items: T[]; NextToken?: string } {
  const { start, end, NextToken } = pageRange(call, org, items.length, scopeExtra);
  return { items: items.slice(start, end), NextToken };
}

/** AWS: only the management account and a delegated administrator list; any member describes its organization. */
function authorize(call: SandboxCall): SandboxOrganization {
  const org = sandboxOrganization(call.spec);
  if (!org) throw new SandboxApiError('AWSOrganizationsNotInUseException', 'Your account is not a member of an organization.', STATUS);
  if (call.operation === 'DescribeOrganization') return org;
  if (call.accountId !== org.managementAccountId && call.accountId !== org.delegatedAdmin) {
    throw new SandboxApiError('AccessDeniedException', 'You don\'t have permissions to access this resource.', STATUS);
  }
  return org;
}

function requireParent(call: SandboxCall, org: SandboxOrganization, member = 'ParentId'): string {
  const parentId = requireId(call, member, PARENT_ID);
  if (!org.isParent(parentId)) throw new SandboxApiError('ParentNotFoundException', 'We can\'t find a root or OU with the ParentId that you specified.', STATUS);
  return parentId;
}

function requireAccount(call: SandboxCall, org: SandboxOrganization): number {
  const index = org.indexOf(requireId(call, 'AccountId', ACCOUNT_ID));
  if (index < 0) {
    throw new SandboxApiError('AccountNotFoundException', 'We can\'t find an account with the AccountId that you specified, or the account whose credentials you used to make this request isn\'t a member of an organization.', STATUS);
  }
  return index;
}

function handle(call: SandboxCall): unknown {
  const org = authorize(call);
  switch (call.operation) {
    case 'DescribeOrganization': {
      const management = org.account(0);
      return {
        Organization: {
          Id: org.id, Arn: org.arn, FeatureSet: 'ALL', MasterAccountArn: management.Arn, MasterAccountId: management.Id,
          MasterAccountEmail: management.Email, AvailablePolicyTypes: POLICY_TYPES,
        },
      };
    }
    case 'ListRoots': {
      const { items, NextToken } = page(call, org, [{ Id: org.rootId, Arn: org.rootArn, Name: 'Root', PolicyTypes: POLICY_TYPES }]);
      return { Roots: items, NextToken };
    }
    case 'ListOrganizationalUnitsForParent': {
      const parentId = requireParent(call, org);
      const { items, NextToken } = page(call, org, org.childUnits(parentId), parentId);
      return { OrganizationalUnits: items.map((unit) => org.organizationalUnit(unit)), NextToken };
    }
    case 'ListAccountsForParent': {
      const parentId = requireParent(call, org);
      const { items, NextToken } = page(call, org, org.accountsIn(parentId), parentId);
      return { Accounts: items.map((index) => org.account(index)), NextToken };
    }
    case 'ListAccounts': {
      // Every account in the order they joined, built only for the page asked for.
      const { start, end, NextToken } = pageRange(call, org, call.spec.accounts, '');
      return { Accounts: Array.from({ length: end - start }, (_, offset) => org.account(start + offset)), NextToken };
    }
    case 'DescribeAccount':
      return { Account: org.account(requireAccount(call, org)) };
    case 'DescribeOrganizationalUnit': {
      const unit = org.unit(requireId(call, 'OrganizationalUnitId', OU_ID));
      if (!unit) throw new SandboxApiError('OrganizationalUnitNotFoundException', 'We can\'t find an OU with the OrganizationalUnitId that you specified.', STATUS);
      return { OrganizationalUnit: org.organizationalUnit(unit) };
    }
    case 'ListChildren': {
      const parentId = requireParent(call, org);
      const childType = call.input.ChildType;
      if (childType !== 'ACCOUNT' && childType !== 'ORGANIZATIONAL_UNIT') throw invalidInput('INVALID_ENUM', 'You specified an invalid value for ChildType: ACCOUNT or ORGANIZATIONAL_UNIT.');
      const ids = childType === 'ACCOUNT' ? org.accountsIn(parentId).map((index) => org.account(index).Id) : org.childUnits(parentId).map((unit) => unit.id);
      const { items, NextToken } = page(call, org, ids, `${parentId}|${childType}`);
      return { Children: items.map((Id) => ({ Id, Type: childType })), NextToken };
    }
    case 'ListParents': {
      const childId = requireId(call, 'ChildId', /^(\d{12}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/);
      const index = ACCOUNT_ID.test(childId) ? org.indexOf(childId) : -1;
      const parentId = index >= 0 ? org.parentOf(index) : org.unit(childId)?.parentId;
      if (!parentId) throw new SandboxApiError('ChildNotFoundException', 'We can\'t find an organizational unit (OU) or Amazon Web Services account with the ChildId that you specified.', STATUS);
      const { items, NextToken } = page(call, org, [parentId], childId);
      return { Parents: items.map((Id) => ({ Id, Type: Id === org.rootId ? 'ROOT' : 'ORGANIZATIONAL_UNIT' })), NextToken };
    }
    case 'ListDelegatedAdministrators': {
      const { items, NextToken } = page(call, org, org.delegatedAdministrators(), String(call.input.ServicePrincipal ?? ''));
      return { DelegatedAdministrators: items, NextToken };
    }
    default:
      throw new SandboxApiError('UnknownOperationException', `Unknown operation ${call.operation}`);
  }
}

export const organizationsModule: SandboxServiceModule = {
  name: 'Organizations',
  signingName: 'organizations',
  endpointVariable: 'AWS_ENDPOINT_URL_ORGANIZATIONS',
  global: true,
  protocol: awsJsonProtocol({ schemas: Organizations, version: '1.1', target: 'AWSOrganizationsV20161128' }),
  operations: [
    'DescribeOrganization', 'ListRoots', 'ListOrganizationalUnitsForParent', 'ListAccountsForParent', 'ListAccounts', 'DescribeAccount',
    'DescribeOrganizationalUnit', 'ListChildren', 'ListParents', 'ListDelegatedAdministrators',
  ],
  throttling: { code: 'TooManyRequestsException', status: STATUS, message: 'You have sent too many requests in too short a period of time. The quota helps protect against denial-of-service attacks. Try again later.' },
  accessDenied: { code: 'AccessDeniedException', status: STATUS },
  handle,
};
