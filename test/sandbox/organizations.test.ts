/**
 * AWS Organizations in the sandbox through the real SDK client over HTTP: paging as Organizations pages (at most 20,
 * empty pages that still carry a NextToken), the OU tree a recursive walk finds, account statuses, and who may call.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DescribeAccountCommand, DescribeOrganizationCommand, DescribeOrganizationalUnitCommand, ListAccountsCommand, ListAccountsForParentCommand,
  ListDelegatedAdministratorsCommand, ListParentsCommand, ListRootsCommand, paginateListAccounts, paginateListAccountsForParent,
  paginateListChildren, paginateListOrganizationalUnitsForParent, paginateListParents, paginateListRoots, type Account, type OrganizationsClient,
  type Parent, type Root,
} from '@aws-sdk/client-organizations';
import { sandboxAccountIds } from '../../local/sandbox/accounts';
import { drawnInactiveAccounts } from '../../local/sandbox/organization';
import { startSandbox, type RunningSandbox } from '../../local/sandbox/server';
import { parseSandboxSpec, type SandboxSpec } from '../../local/sandbox/spec';
import { sandboxOrganizationTruth } from '../../local/sandbox/truth';
import type { OrganizationTruth } from '../../local/sandbox/truth/organization';
import { credentialsFor, failureOf, organizationsClient } from './sdk';

type OrganizationsError = Error & { $metadata?: { httpStatusCode?: number }; Reason?: string };

/** Every page a client gets when it follows NextToken to the end, as AWS says a client must. */
async function allPages(client: OrganizationsClient, maxResults?: number): Promise<{ accounts: Account[]; next?: string }[]> {
  const pages: { accounts: Account[]; next?: string }[] = [];
  let next: string | undefined;
  do {
    const page = await client.send(new ListAccountsCommand({ NextToken: next, MaxResults: maxResults }));
    next = page.NextToken;
    pages.push({ accounts: page.Accounts ?? [], ...(next ? { next } : {}) });
  } while (next);
  return pages;
}

interface Walked {
  accounts: { account: Account; namePath: string; parentPath: string }[];
  units: { id: string; name: string; depth: number; path: string }[];
}

async function roots(client: OrganizationsClient): Promise<Root[]> {
  const found: Root[] = [];
  for await (const page of paginateListRoots({ client }, {})) found.push(...(page.Roots ?? []));
  return found;
}

async function parents(client: OrganizationsClient, childId: string): Promise<Parent[]> {
  const found: Parent[] = [];
  for await (const page of paginateListParents({ client }, { ChildId: childId })) found.push(...(page.Parents ?? []));
  return found;
}

/** ListRoots, then each parent's OUs and accounts, depth first: what a collector of some OUs does. */
async function walk(client: OrganizationsClient): Promise<Walked> {
  const listed = await roots(client);
  expect(listed).toHaveLength(1);
  const root = listed[0] as { Id: string; Arn?: string };
  const orgPath = `${root.Arn?.split('/')[1]}/${root.Id}/`;
  const found: Walked = { accounts: [], units: [] };
  const visit = async (parentId: string, namePath: string, path: string, depth: number): Promise<void> => {
    for await (const page of paginateListAccountsForParent({ client }, { ParentId: parentId })) {
      for (const account of page.Accounts ?? []) found.accounts.push({ account, namePath, parentPath: path });
    }
    for await (const page of paginateListOrganizationalUnitsForParent({ client }, { ParentId: parentId })) {
      for (const unit of page.OrganizationalUnits ?? []) {
        found.units.push({ id: unit.Id ?? '', name: unit.Name ?? '', depth: depth + 1, path: unit.Path ?? '' });
        await visit(unit.Id ?? '', `${namePath}/${unit.Name}`, `${path}${unit.Id}/`, depth + 1);
      }
    }
  };
  await visit(root.Id, 'Root', orgPath, 0);
  return found;
}

describe('the organization of 137 accounts', () => {
  let sandbox: RunningSandbox;
  let spec: SandboxSpec;
  let truth: OrganizationTruth;
  let client: OrganizationsClient;
  beforeAll(async () => {
    spec = parseSandboxSpec('seed=5&accounts=137&regions=1&instances=0');
    sandbox = await startSandbox(spec);
    client = organizationsClient(sandbox);
    truth = sandboxOrganizationTruth(spec) as OrganizationTruth;
  });
  afterAll(() => sandbox.close());

  it('describes the organization: ids as AWS forms them, the primary account its management account', async () => {
    const { Organization: organization } = await client.send(new DescribeOrganizationCommand({}));
    expect(organization).toMatchObject({
      Id: truth.id, FeatureSet: 'ALL', MasterAccountId: '111111111111',
      Arn: `arn:aws:organizations::111111111111:organization/${truth.id}`,
      MasterAccountArn: `arn:aws:organizations::111111111111:account/${truth.id}/111111111111`,
    });
    expect(truth.id).toMatch(/^o-[a-z0-9]{10,32}$/);
    expect(truth.rootId).toMatch(/^r-[0-9a-z]{4,32}$/);
    for (const unit of truth.units) expect(unit.id).toMatch(new RegExp(`^ou-${truth.rootId.slice(2)}-[a-z0-9]{8,32}$`));
    expect(await roots(client)).toEqual([{ Id: truth.rootId, Arn: `arn:aws:organizations::111111111111:root/${truth.id}/${truth.rootId}`, Name: 'Root', PolicyTypes: [{ Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' }] }]);
  });

  it('pages ListAccounts 20 at most, hands out empty pages that carry a NextToken, and lists every account exactly once', async () => {
    const pages = await allPages(client);
    expect(pages.every((page) => page.accounts.length <= 20)).toBe(true);
    const ids = pages.flatMap((page) => page.accounts.map((account) => account.Id));
    expect(ids).toEqual(truth.accounts.map((account) => account.accountId));
    expect(new Set(ids).size).toBe(137);
    // A client that stops at the first empty page misses accounts.
    const firstEmpty = pages.findIndex((page) => page.accounts.length === 0);
    expect(firstEmpty).toBeGreaterThanOrEqual(0);
    expect(pages[firstEmpty]?.next).toBeDefined();
    expect(pages.slice(firstEmpty + 1).some((page) => page.accounts.length > 0)).toBe(true);

    const small = await allPages(client, 7);
    expect(small.every((page) => page.accounts.length <= 7)).toBe(true);
    expect(small.flatMap((page) => page.accounts.map((account) => account.Id))).toEqual(ids);
    const paginated: string[] = [];
    for await (const page of paginateListAccounts({ client }, {})) paginated.push(...(page.Accounts ?? []).map((account) => account.Id ?? ''));
    expect(paginated).toEqual(ids);
  });

  it('refuses MaxResults outside 1–20 and a NextToken it did not hand out with InvalidInputException and its Reason', async () => {
    for (const [maxResults, reason] of [[21, 'MAX_VALUE_EXCEEDED'], [0, 'MIN_VALUE_EXCEEDED']] as const) {
      const error = await failureOf(client.send(new ListAccountsCommand({ MaxResults: maxResults }))) as OrganizationsError;
      expect([error.name, error.Reason, error.$metadata?.httpStatusCode]).toEqual(['InvalidInputException', reason, 400]);
    }
    const token = (await allPages(client, 20))[0]?.next ?? '';
    const elsewhere = await failureOf(client.send(new ListAccountsForParentCommand({ ParentId: truth.rootId, NextToken: token }))) as OrganizationsError;
    expect([elsewhere.name, elsewhere.Reason]).toEqual(['InvalidInputException', 'INVALID_PAGINATION_TOKEN']);
    const garbled = await failureOf(client.send(new ListAccountsCommand({ NextToken: 'not-a-token' }))) as OrganizationsError;
    expect(garbled.Reason).toBe('INVALID_PAGINATION_TOKEN');
  });

  it('a recursive walk of the OUs finds every account exactly once, where the truth puts it', async () => {
    const found = await walk(client);
    const ids = found.accounts.map(({ account }) => account.Id);
    expect(ids.length).toBe(137);
    expect(new Set(ids).size).toBe(137);
    const truthOf = new Map(truth.accounts.map((account) => [account.accountId, account]));
    for (const { account, namePath, parentPath } of found.accounts) {
      expect(namePath).toBe(truthOf.get(account.Id ?? '')?.ouPath);
      expect(account.Paths).toEqual([`${parentPath}${account.Id}/`]);
    }
    // Three top-level OUs, two levels of OUs below one of them; every OU holds some of the 137 accounts.
    expect(found.units.filter((unit) => unit.depth === 1)).toHaveLength(3);
    expect(Math.max(...found.units.map((unit) => unit.depth))).toBe(3);
    expect(found.units.map((unit) => unit.id).sort()).toEqual(truth.units.map((unit) => unit.id).sort());
    for (const unit of truth.units) expect(found.accounts.some(({ namePath }) => namePath === unit.namePath)).toBe(true);
    expect(truthOf.get('111111111111')?.ouPath).toBe('Root');
  });

  it('reports each account\'s status and state as the truth has it: about 2 % SUSPENDED and one PENDING_CLOSURE', async () => {
    const listed = (await allPages(client)).flatMap((page) => page.accounts);
    expect(listed.map((account) => [account.Id, account.Status, account.State]))
      .toEqual(truth.accounts.map((account) => [account.accountId, account.status, account.status]));
    const count = (status: string) => listed.filter((account) => account.Status === status).length;
    expect([count('SUSPENDED'), count('PENDING_CLOSURE'), count('ACTIVE')]).toEqual([3, 1, 133]);
    const suspended = listed.find((account) => account.Status === 'SUSPENDED') as Account;
    const described = await client.send(new DescribeAccountCommand({ AccountId: suspended.Id }));
    expect(described.Account).toEqual(suspended);
    expect(suspended).toMatchObject({
      Arn: `arn:aws:organizations::111111111111:account/${truth.id}/${suspended.Id}`, Email: expect.stringMatching(/^aws\+[a-z0-9-]+@example\.com$/),
      JoinedMethod: expect.stringMatching(/^(CREATED|INVITED)$/),
    });
    expect(suspended.JoinedTimestamp?.getTime()).toBeLessThan(Date.UTC(2026, 0, 1));
  });

  it('answers ListChildren, ListParents, DescribeOrganizationalUnit as the tree is, and unknown ids as AWS does', async () => {
    const unit = truth.units.find((candidate) => candidate.namePath.split('/').length === 4) as OrganizationTruth['units'][number];
    expect((await client.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: unit.id }))).OrganizationalUnit)
      .toEqual({ Id: unit.id, Name: unit.name, Path: unit.path, Arn: `arn:aws:organizations::111111111111:ou/${truth.id}/${unit.id}` });
    expect(await parents(client, unit.id)).toEqual([{ Id: unit.parentId, Type: 'ORGANIZATIONAL_UNIT' }]);
    const member = truth.accounts.find((account) => account.parentId === unit.id) as OrganizationTruth['accounts'][number];
    expect(await parents(client, member.accountId)).toEqual([{ Id: unit.id, Type: 'ORGANIZATIONAL_UNIT' }]);
    expect(await parents(client, '111111111111')).toEqual([{ Id: truth.rootId, Type: 'ROOT' }]);
    const children = async (ChildType: 'ACCOUNT' | 'ORGANIZATIONAL_UNIT') => {
      const ids: string[] = [];
      for await (const page of paginateListChildren({ client }, { ParentId: unit.id, ChildType })) {
        ids.push(...(page.Children ?? []).map((child) => { expect(child.Type).toBe(ChildType); return child.Id ?? ''; }));
      }
      return ids;
    };
    expect(await children('ACCOUNT')).toEqual(truth.accounts.filter((account) => account.parentId === unit.id).map((account) => account.accountId));
    expect(await children('ORGANIZATIONAL_UNIT')).toEqual([]);

    const missing = [
      [new ListAccountsForParentCommand({ ParentId: 'ou-zzzz-zzzzzzzz' }), 'ParentNotFoundException'],
      [new ListAccountsForParentCommand({ ParentId: 'Root' }), 'InvalidInputException'],
      [new DescribeAccountCommand({ AccountId: '123456789012' }), 'AccountNotFoundException'],
      [new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: 'ou-zzzz-zzzzzzzz' }), 'OrganizationalUnitNotFoundException'],
      [new ListParentsCommand({ ChildId: '123456789012' }), 'ChildNotFoundException'],
    ] as const;
    for (const [command, code] of missing) {
      const error = await failureOf(client.send(command as never)) as OrganizationsError;
      expect([error.name, error.$metadata?.httpStatusCode]).toEqual([code, 400]);
    }
  });
});

describe('who may call Organizations', () => {
  const inactive = drawnInactiveAccounts({ seed: 1, accounts: 12, organization: true });
  const [admin = '', member = ''] = sandboxAccountIds({ accounts: 12 }).slice(1).filter((id) => ![...inactive.suspended, ...inactive.pendingClosure].includes(id));
  let sandbox: RunningSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox(parseSandboxSpec(`accounts=12&regions=1&instances=0&delegatedAdmin=${admin}`));
  });
  afterAll(() => sandbox.close());

  it('refuses a member account\'s List and Describe calls with AccessDeniedException, but lets it describe its organization', async () => {
    const client = organizationsClient(sandbox, await credentialsFor(sandbox, member));
    for (const command of [new ListAccountsCommand({}), new ListRootsCommand({}), new DescribeAccountCommand({ AccountId: member }), new ListParentsCommand({ ChildId: member })]) {
      const error = await failureOf(client.send(command as never)) as OrganizationsError;
      expect([error.name, error.message, error.$metadata?.httpStatusCode]).toEqual(['AccessDeniedException', 'You don\'t have permissions to access this resource.', 400]);
    }
    expect((await client.send(new DescribeOrganizationCommand({}))).Organization?.MasterAccountId).toBe('111111111111');
  });

  it('lets the delegated administrator list what the management account lists, and names it', async () => {
    const client = organizationsClient(sandbox, await credentialsFor(sandbox, admin));
    const ids: string[] = [];
    for await (const page of paginateListAccounts({ client }, {})) ids.push(...(page.Accounts ?? []).map((account) => account.Id ?? ''));
    expect(ids).toEqual(sandboxAccountIds({ accounts: 12 }));
    const delegated = await organizationsClient(sandbox).send(new ListDelegatedAdministratorsCommand({}));
    expect(delegated.DelegatedAdministrators?.map((account) => [account.Id, account.Status])).toEqual([[admin, 'ACTIVE']]);
    expect(delegated.DelegatedAdministrators?.[0]?.DelegationEnabledDate).toBeInstanceOf(Date);
  });

  it('answers AWSOrganizationsNotInUseException when the accounts are in no organization', async () => {
    const standalone = await startSandbox(parseSandboxSpec('accounts=3&regions=1&instances=0&organization=none'));
    try {
      for (const command of [new DescribeOrganizationCommand({}), new ListAccountsCommand({})]) {
        const error = await failureOf(organizationsClient(standalone).send(command as never)) as OrganizationsError;
        expect([error.name, error.$metadata?.httpStatusCode]).toEqual(['AWSOrganizationsNotInUseException', 400]);
      }
      expect(sandboxOrganizationTruth(standalone.spec)).toBeNull();
    } finally {
      await standalone.close();
    }
  });

  it('with accounts=1 the organization is the management account alone, and its OUs are empty', async () => {
    const single = await startSandbox(parseSandboxSpec('accounts=1&regions=1&instances=0'));
    try {
      const client = organizationsClient(single);
      const found = await walk(client);
      expect(found.accounts.map(({ account }) => [account.Id, account.Status])).toEqual([['111111111111', 'ACTIVE']]);
      expect(found.units).toHaveLength(7);
      const truth = sandboxOrganizationTruth(single.spec);
      expect(truth?.expected).toEqual({ collected: ['111111111111'], readDenied: [], skipped: [] });
    } finally {
      await single.close();
    }
  });
});

describe('inactive accounts', () => {
  it.each([[1, 0, 0], [4, 0, 0], [5, 1, 0], [9, 1, 0], [10, 1, 1], [300, 6, 2], [10_000, 200, 50]])(
    'of %i accounts: %i SUSPENDED and %i PENDING_CLOSURE, never the management account, the same for the same seed',
    (accounts, suspended, pendingClosure) => {
      const drawn = drawnInactiveAccounts({ seed: 7, accounts, organization: true });
      expect([drawn.suspended.length, drawn.pendingClosure.length]).toEqual([suspended, pendingClosure]);
      const all = [...drawn.suspended, ...drawn.pendingClosure];
      expect(new Set(all).size).toBe(all.length);
      expect(all).not.toContain('111111111111');
      expect(drawnInactiveAccounts({ seed: 7, accounts, organization: true })).toEqual(drawn);
    },
  );

  it('are the ones suspended= and pendingClosure= name when given, and none outside an organization', () => {
    const spec = parseSandboxSpec('accounts=20&suspended=333333333333,100000000020&pendingClosure=none');
    const truth = sandboxOrganizationTruth(spec) as OrganizationTruth;
    expect(truth.accounts.filter((account) => account.status !== 'ACTIVE').map((account) => [account.accountId, account.status]))
      .toEqual([['333333333333', 'SUSPENDED'], ['100000000020', 'SUSPENDED']]);
    expect(drawnInactiveAccounts(parseSandboxSpec('accounts=20&organization=none'))).toEqual({ suspended: [], pendingClosure: [] });
  });
});
