import { describe, it, expect } from '@jest/globals';
import { parseSandboxSpec } from '../../local/sandbox/spec';
import { sandboxOrganizationTruth } from '../../local/sandbox/truth';
import { RunStore } from '../../src/store/run-store';
import { isUnreachableAccount } from '../../src/dto/run-summary';
import { runOutcome } from '../../src/lambda/observations';
import { localStore } from '../support/local-run';

/** The organization's accounts, four at a time (a local run takes one at a time by default). */
const ORGANIZATION = { accounts: { organization: {} }, accountConcurrency: 4 };

describe('a run of an AWS Organization (the sandbox\'s)', () => {
  it('collects every active account the organization lists, skips the inactive ones with their reason, and assumes each member role once', async () => {
    const spec = 'accounts=20&regions=2&instances=1';
    const truth = sandboxOrganizationTruth(parseSandboxSpec(spec));
    if (!truth) throw new Error('the sandbox has no organization');
    const store = await localStore();
    const summary = await store.run(spec, { ...ORGANIZATION, services: ['EC2'] });

    // Suspended and closing accounts are not collected by design: the run is not partial, and no run alarm fires.
    expect(summary.status).toBe('succeeded');
    expect(runOutcome(summary)).toBe('succeeded');
    expect(summary.skipped.filter(isUnreachableAccount)).toEqual([]);
    const inactive = truth.expected.skipped.filter((s) => s.reason === 'suspended' || s.reason === 'pending-closure');
    expect(inactive.length).toBeGreaterThan(0);
    expect(summary.accounts).toEqual({ total: 20, succeeded: truth.expected.collected.length, partial: 0, unreachable: 0, failed: 0, inactive: inactive.length });
    expect(summary.skipped.filter((s) => !s.region).map((s) => [s.accountId, /suspended|closing/.test(s.reason)]).sort())
      .toEqual(inactive.map((s) => [s.accountId, true]).sort());

    const resources = await store.resources();
    const accounts = new Set(resources.filter((r) => r.type === 'EC2.Instance').map((r) => r.accountId));
    expect([...accounts].sort()).toEqual([...truth.expected.collected].sort());

    // AssumeRole: once per member account (the management account is the collector's own), whatever its tasks.
    const workspace = await store.open();
    try {
      const traces = await new RunStore(workspace.db).taskTraces(summary.runId);
      const assumed = traces.flatMap((t) => t.calls).filter((c) => c.operation === 'AssumeRole').map((c) => String(c.params.RoleArn).split(':')[4]);
      expect(assumed.sort()).toEqual(truth.expected.collected.filter((id) => id !== truth.managementAccountId).sort());
    } finally {
      await workspace.close();
    }
  }, 300_000);

  it('takes --include and --exclude as OUs (recursively) and accounts', async () => {
    const spec = 'accounts=30&regions=1&instances=1&suspended=none&pendingClosure=none';
    const truth = sandboxOrganizationTruth(parseSandboxSpec(spec))!;
    const ou = truth.units.find((u) => truth.units.some((child) => child.parentId === u.id))!;
    const under = new Set([ou.id]);
    for (const unit of truth.units) if (under.has(unit.parentId)) under.add(unit.id);
    const inOu = truth.accounts.filter((a) => under.has(a.parentId)).map((a) => a.accountId);
    expect(inOu.length).toBeGreaterThan(1);
    const excluded = inOu[0]!;
    const store = await localStore();
    const summary = await store.run(spec, { accounts: { organization: { include: [ou.id, truth.managementAccountId], exclude: [excluded] } }, services: ['EC2'], accountConcurrency: 4 });
    const resources = await store.resources();
    expect([...new Set(resources.filter((r) => r.type === 'EC2.Instance').map((r) => r.accountId))].sort())
      .toEqual([...inOu.filter((id) => id !== excluded), truth.managementAccountId].sort());
    expect(summary.accounts?.total).toBe(inOu.length);
  }, 300_000);

  it('an account whose role is missing, and one whose role denies every read: partial, each named, none of their data deleted, every other account complete', async () => {
    const base = 'accounts=12&regions=1&instances=2&suspended=none&pendingClosure=none';
    const store = await localStore();
    const first = await store.run(base, { ...ORGANIZATION, services: ['EC2'] });
    expect(first.status).toBe('succeeded');
    const before = await store.resources();
    const truth = sandboxOrganizationTruth(parseSandboxSpec(base))!;
    const [missing, denying] = truth.expected.collected.filter((id) => id !== truth.managementAccountId).slice(0, 2) as [string, string];
    const live = (resources: typeof before, account: string) => resources.filter((r) => r.accountId === account && !r.deletedAt).map((r) => r.id).sort();

    // The next epoch changes every account's instances; the two accounts cannot be collected.
    const second = await store.run(`${base}&epoch=2&deny=${missing}&readDenied=${denying}`, { ...ORGANIZATION, services: ['EC2'] });
    expect(second.status).toBe('partial');
    // The denying role cannot even list the account's regions (ec2:DescribeRegions): neither account is reached.
    expect(second.accounts).toMatchObject({ total: 12, succeeded: 10, partial: 0, unreachable: 2, failed: 0 });
    const unreachable = Object.fromEntries(second.skipped.filter(isUnreachableAccount).map((s) => [s.accountId, s.reason]));
    expect(Object.keys(unreachable).sort()).toEqual([missing, denying].sort());
    expect(unreachable[missing]).toMatch(/could not be reached: AccessDenied – .*sts:AssumeRole/);
    expect(unreachable[denying]).toMatch(/could not be reached: UnauthorizedOperation/);

    const after = await store.resources();
    expect(live(after, missing)).toEqual(live(before, missing));
    expect(live(after, denying)).toEqual(live(before, denying));
    // The others were collected completely: their changes of the epoch are in the store.
    const others = truth.expected.collected.filter((id) => id !== missing && id !== denying);
    expect(others.some((id) => JSON.stringify(live(after, id)) !== JSON.stringify(live(before, id)))).toBe(true);
    expect(second.resources.created + second.resources.updated + second.resources.deleted).toBeGreaterThan(0);
  }, 300_000);
});
