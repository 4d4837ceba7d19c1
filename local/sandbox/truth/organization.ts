/**
 * The organization's truth: its root, OUs and accounts (status, OU path), and what a collection of the whole
 * organization should do with each account — collect it, find every read denied, or skip it and why — derived from the
 * spec (never by calling the API), so a test can compare a collector's run with it.
 */
import { sandboxAccountId } from '../accounts';
import { sandboxOrganization } from '../organization';
import type { SandboxSpec } from '../spec';

/**
 * What a collection of the whole organization meets in an account:
 * `collected` — ACTIVE, AssumeRole works, the reads answer;
 * `read-denied` — ACTIVE and AssumeRole works, but every read call fails with the service's access-denied error (`readDenied=`);
 * `assume-role-denied` — ACTIVE, but AssumeRole fails with AccessDenied (`deny=`);
 * `suspended`, `pending-closure` — not ACTIVE: a collection should not try it (AssumeRole would fail with AccessDenied).
 */
export type OrganizationAccountOutcome = 'collected' | 'read-denied' | 'assume-role-denied' | 'suspended' | 'pending-closure';

export type OrganizationSkipReason = Exclude<OrganizationAccountOutcome, 'collected' | 'read-denied'>;

export interface OrganizationTruthUnit {
  id: string;
  name: string;
  /** The root's or the parent OU's id. */
  parentId: string;
  /** The names from the root down: `Root/Workloads/Prod`. */
  namePath: string;
  /** The entity path, as the API's `Path`: `o-…/r-…/ou-…/`. */
  path: string;
}

export interface OrganizationTruthAccount {
  accountId: string;
  name: string;
  email: string;
  status: 'ACTIVE' | 'SUSPENDED' | 'PENDING_CLOSURE';
  joinedMethod: string;
  joinedTimestamp: string;
  /** The root's or the OU's id the account sits in. */
  parentId: string;
  /** The names from the root down to the account's parent: `Root` or `Root/Workloads/Prod`. */
  ouPath: string;
  management: boolean;
  delegatedAdministrator: boolean;
  outcome: OrganizationAccountOutcome;
}

export interface OrganizationTruth {
  id: string;
  arn: string;
  rootId: string;
  managementAccountId: string;
  delegatedAdministrator: string | null;
  /** Parents first. */
  units: OrganizationTruthUnit[];
  /** Every account, in the order they joined (ListAccounts' order). */
  accounts: OrganizationTruthAccount[];
  /** What a collection of the whole organization should do, account by account (ids in the order they joined). */
  expected: {
    /** ACTIVE, reachable and readable: their resources are the truth's resources. */
    collected: string[];
    /** Reached, but every read call fails with the service's access-denied error (`readDeniedCodes`). */
    readDenied: string[];
    /** Not collected, and why. */
    skipped: { accountId: string; reason: OrganizationSkipReason }[];
  };
  /** The error code a read call fails with in a `readDenied` account, per service (EC2, CloudTrail and every module). */
  readDeniedCodes: Record<string, string>;
}

/** The organization of a spec; null with `organization=none` (every account is then collected, or denied, one by one). */
export function organizationTruth(spec: SandboxSpec, readDeniedCodes: Record<string, string>): OrganizationTruth | null {
  const org = sandboxOrganization(spec);
  if (!org) return null;
  const accounts: OrganizationTruthAccount[] = [];
  const expected: OrganizationTruth['expected'] = { collected: [], readDenied: [], skipped: [] };
  for (let index = 0; index < spec.accounts; index++) {
    const accountId = sandboxAccountId(index);
    const account = org.account(index);
    const outcome = accountOutcome(spec, accountId, account.Status);
    const parentId = org.parentOf(index);
    accounts.push({
      accountId, name: account.Name ?? '', email: account.Email ?? '', status: account.Status, joinedMethod: account.JoinedMethod ?? '',
      joinedTimestamp: (account.JoinedTimestamp as Date).toISOString(), parentId, ouPath: org.namePath(parentId),
      management: accountId === org.managementAccountId, delegatedAdministrator: accountId === org.delegatedAdmin, outcome,
    });
    if (outcome === 'collected') expected.collected.push(accountId);
    else if (outcome === 'read-denied') expected.readDenied.push(accountId);
    else expected.skipped.push({ accountId, reason: outcome });
  }
  return {
    id: org.id, arn: org.arn, rootId: org.rootId, managementAccountId: org.managementAccountId, delegatedAdministrator: org.delegatedAdmin ?? null,
    units: org.units.map(({ id, name, parentId, namePath, path }) => ({ id, name, parentId, namePath, path })),
    accounts, expected, readDeniedCodes,
  };
}

/** What a collection meets in one of the spec's accounts (ACTIVE outside an organization). */
export function accountOutcome(spec: SandboxSpec, accountId: string, status: OrganizationTruthAccount['status']): OrganizationAccountOutcome {
  if (status === 'SUSPENDED') return 'suspended';
  if (status === 'PENDING_CLOSURE') return 'pending-closure';
  if (spec.deny.includes(accountId)) return 'assume-role-denied';
  if (spec.readDenied.includes(accountId)) return 'read-denied';
  return 'collected';
}
