import { describe, it, expect } from '@jest/globals';
import { parseSandboxSpec } from '../../local/sandbox/spec';
import { sandboxTruth, type TruthResource } from '../../local/sandbox/truth';
import type { StoredResource } from '../../src/store/resource-store';
import { localStore } from '../support/local-run';

/** Collected records in the truth's terms: the Region task's records are `EC2.Region` in the truth. */
function collectedKey(r: StoredResource): string | undefined {
  if (r.deletedAt || r.type === 'CloudServiceType' || r.type === 'CloudTrail.Event') return undefined;
  if (r.type === 'Region') return r.data.enabled ? `${r.accountId}|${r.resourceId}|EC2.Region|${r.resourceId}` : undefined;
  return `${r.accountId}|${r.region}|${r.type}|${r.resourceId}`;
}

const truthKey = (r: Pick<TruthResource, 'accountId' | 'region' | 'id'> & { type: string }): string => `${r.accountId}|${r.region}|${r.type}|${r.id}`;

function countsByPartition(keys: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const key of keys) {
    const partition = key.split('|').slice(0, 3).join(' ');
    counts[partition] = (counts[partition] ?? 0) + 1;
  }
  return counts;
}

describe.each([
  ['seed=1'],
  ['seed=5&regions=3&instances=40'],
  ['seed=9&regions=2&instances=7&accounts=2&optIn=eu-south-1'],
  // Every listing past its first page: instances and their status (1,000 a page), network interfaces (1,000), volumes
  // (500), RDS, DynamoDB and Lambda. One instance past a page crosses the same boundaries 1,200 did, for 17 % less work.
  ['seed=2&regions=1&instances=1001'],
])('every resource the sandbox truth lists is collected: %s', (specText) => {
  it('exact counts per account, type and region, the same ids, and every instance\'s role and metadata', async () => {
    const store = await localStore();
    const summary = await store.run(specText);
    expect(summary.failures).toEqual([]);
    const truth = sandboxTruth(parseSandboxSpec(specText));
    const resources = await store.resources();

    const collected = resources.map(collectedKey).filter((k): k is string => !!k).sort();
    // Every type of all ten services: EC2 and CloudTrail, and the services added as plugins.
    const expected = [...truth.resources, ...truth.services.resources].map(truthKey).sort();
    expect(countsByPartition(collected)).toEqual(countsByPartition(expected));
    expect(collected).toEqual(expected);

    const instances = new Map(resources.filter((r) => r.type === 'EC2.Instance').map((r) => [r.resourceId, r]));
    for (const t of truth.resources.filter((r) => r.type === 'EC2.Instance')) {
      const data = instances.get(t.id)?.data;
      const a = t.attributes;
      expect({ id: t.id, ...data }).toMatchObject({
        id: t.id, role: a.role, state: a.state, instance_type: a.instanceType, ami_id: a.imageId, reservation_id: a.reservationId,
        local_ipv4: a.privateIpAddress ?? null, public_ipv4: a.publicIpAddress ?? null,
        local_hostname: a.privateDnsName || null, public_hostname: a.publicDnsName || null,
        security_groups: (a.securityGroups as { groupId: string; groupName: string }[]).map((g) => ({ id: g.groupId, name: g.groupName })),
        launch_time: a.launchTime,
      });
      expect((data?.product_codes as { id: string }[]).map((p) => p.id)).toEqual((a.productCodes as { productCodeId?: string; id?: string }[] ?? []).map((p) => p.productCodeId ?? p.id));
    }
  });
});

describe('regions and accounts get-tasks cannot collect', () => {
  it('a region that is not opted in is skipped with the reason; the second account is reached through AssumeRole', async () => {
    const store = await localStore();
    const summary = await store.run('seed=4&regions=2&instances=3&accounts=2&optIn=eu-south-1,ap-east-1');
    expect(summary.status).toBe('succeeded');
    expect(summary.skipped).toEqual(expect.arrayContaining([
      { accountId: '111111111111', region: 'eu-south-1', reason: 'region not opted in (OptInStatus not-opted-in)' },
      { accountId: '222222222222', region: 'ap-east-1', reason: 'region not opted in (OptInStatus not-opted-in)' },
    ]));
    const accounts = new Set((await store.resources()).filter((r) => r.type === 'EC2.Instance').map((r) => r.accountId));
    expect([...accounts].sort()).toEqual(['111111111111', '222222222222']);
  });
});
