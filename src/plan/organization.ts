import {
  OrganizationsClient, paginateListAccounts, paginateListAccountsForParent, paginateListOrganizationalUnitsForParent,
  type Account,
} from '@aws-sdk/client-organizations';
import type { AwsCredentialIdentity } from '@smithy/types';
import { traced } from '../aws/clients';
import { ACCOUNT_ID_PATTERN, type AccountTarget, type OrganizationTarget } from '../dto/collection-request';
import type { SkippedTarget } from '../dto/run-summary';
import { InvalidInputError } from '../dto/validation';
import { taskError } from '../dto/task';

export { ORGANIZATION_IAM_ACTIONS } from './organization-actions';

/** Organizations answers in one region per partition (us-east-1 for `aws`), whichever region the collector runs in. */
const ORGANIZATIONS_REGION: Record<string, string> = { aws: 'us-east-1', 'aws-us-gov': 'us-gov-west-1', 'aws-cn': 'cn-northwest-1' };

/** The caller cannot list the organization: not its management account nor a delegated administrator, or not allowed. */
export class OrganizationUnavailableError extends Error {
  override readonly name = 'OrganizationUnavailable';
}

export interface OrganizationAccounts {
  /** The accounts to collect, by id: the caller's own is collected with its own credentials, every other one through the member role. */
  targets: AccountTarget[];
  /** Accounts of the selection that are not active (suspended, closing), with why. */
  skipped: SkippedTarget[];
  /** Accounts the organization lists, in all. */
  listed: number;
}

export interface DiscoveryOptions {
  /** The collector's own account (its credentials collect it without a role). */
  callerAccountId: string;
  /** `aws`, `aws-us-gov` or `aws-cn`: which endpoint answers. */
  partition: string;
  credentials?: AwsCredentialIdentity;
}

/**
 * The accounts of the organization a request selects: ListAccounts for their status, and for `include`/`exclude`
 * OUs a walk of ListOrganizationalUnitsForParent and ListAccountsForParent (recursive). Every list is paged (≤ 20 a
 * page; a page may be empty and still carry a token: the SDK's paginators go on while there is a token). Accounts not
 * ACTIVE are skipped with their status; an include or exclude id the organization does not have is an input error.
 */
export async function discoverOrganization(target: OrganizationTarget, options: DiscoveryOptions): Promise<OrganizationAccounts> {
  const client = traced(new OrganizationsClient({
    region: ORGANIZATIONS_REGION[options.partition] ?? 'us-east-1',
    ...(options.credentials ? { credentials: options.credentials } : {}),
  }), 'Organizations', { region: ORGANIZATIONS_REGION[options.partition] ?? 'us-east-1', accountId: options.callerAccountId });
  try {
    const all = new Map<string, Account>();
    try {
      for await (const page of paginateListAccounts({ client }, {})) for (const account of page.Accounts ?? []) if (account.Id) all.set(account.Id, account);
    } catch (error) {
      const { code, message } = taskError(error);
      throw new OrganizationUnavailableError(
        `account ${options.callerAccountId} cannot list its organization's accounts (${code}: ${message}); run the collector in the organization's `
        + 'management account or in a delegated administrator account (aws organizations register-delegated-administrator), and give it organizations:ListAccounts',
      );
    }
    const under = async (ids: readonly string[], field: string): Promise<Set<string>> => {
      const found = new Set<string>();
      for (const [i, id] of ids.entries()) {
        if (ACCOUNT_ID_PATTERN.test(id)) {
          if (!all.has(id)) throw new InvalidInputError(`${field}[${i}]`, `account ${id} is not in the organization (it lists ${all.size} accounts)`);
          found.add(id);
        } else {
          await accountsUnder(client, id, found, `${field}[${i}]`);
        }
      }
      return found;
    };
    const included = target.include ? await under(target.include, 'accounts.organization.include') : new Set(all.keys());
    const excluded = target.exclude ? await under(target.exclude, 'accounts.organization.exclude') : new Set<string>();
    const targets: AccountTarget[] = [];
    const skipped: SkippedTarget[] = [];
    for (const id of [...included].sort()) {
      if (excluded.has(id)) continue;
      const account = all.get(id);
      const status = account?.State ?? account?.Status ?? 'ACTIVE';
      if (status !== 'ACTIVE') {
        skipped.push({ accountId: id, inactive: true, reason: `account ${status === 'SUSPENDED' ? 'suspended' : status === 'PENDING_CLOSURE' ? 'closing' : 'not active'} in the organization (${account?.State ? 'State' : 'Status'} ${status}): not collected` });
        continue;
      }
      targets.push({ accountId: id });
    }
    return { targets, skipped, listed: all.size };
  } finally {
    client.destroy();
  }
}

/** Every account under an OU or root, recursively. An id the organization does not know is an input error. */
async function accountsUnder(client: OrganizationsClient, parentId: string, found: Set<string>, field: string): Promise<void> {
  const parents = [parentId];
  while (parents.length > 0) {
    const parent = parents.shift()!;
    try {
      for await (const page of paginateListAccountsForParent({ client }, { ParentId: parent })) for (const a of page.Accounts ?? []) if (a.Id) found.add(a.Id);
      for await (const page of paginateListOrganizationalUnitsForParent({ client }, { ParentId: parent })) for (const ou of page.OrganizationalUnits ?? []) if (ou.Id) parents.push(ou.Id);
    } catch (error) {
      const { code, message } = taskError(error);
      if (code === 'ParentNotFoundException' || code === 'ChildNotFoundException' || code === 'InvalidInputException') {
        throw new InvalidInputError(field, `${parentId} is not an OU or root of the organization (${code}: ${message})`);
      }
      throw error;
    }
  }
}
