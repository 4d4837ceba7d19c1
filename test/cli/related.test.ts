import { beforeAll, describe, expect, it } from '@jest/globals';
import { localStore } from '../support/local-run';
import { cloudtap } from '../support/cli';

interface Related {
  resources: { type: string; resourceId: string }[];
  related: { direction: 'to' | 'from'; relation: string; type: string; id: string; collected: boolean }[];
}

describe('cloudtap resources --related-to', () => {
  // One collected inventory, which both tests only read.
  let store: Awaited<ReturnType<typeof localStore>>;
  beforeAll(async () => {
    store = await localStore();
    await store.run('seed=3&regions=1&instances=30');
  });

  it('answers both directions: an instance\'s subnet, groups and volumes, and the target group and Auto Scaling group that point to it', async () => {
    const resources = await store.resources();
    const group = resources.find((r) => r.type === 'ELBv2.TargetGroup' && (r.related ?? []).some((e) => e.type === 'EC2.Instance'));
    const instanceId = group?.related?.find((e) => e.type === 'EC2.Instance')?.id as string;
    expect(instanceId).toMatch(/^i-/);
    const instance = resources.find((r) => r.type === 'EC2.Instance' && r.resourceId === instanceId);

    const result = await cloudtap(['resources', '--related-to', instanceId, '--json', '--data-dir', store.dataDir]);
    expect(result.stderr).toBe('');
    const { related } = JSON.parse(result.stdout) as Related;
    const edges = related.map((e) => `${e.direction} ${e.relation} ${e.type} ${e.id}`);
    expect(edges).toEqual(expect.arrayContaining([
      `to subnet EC2.Subnet ${String(instance?.data.subnet_id)}`,
      ...(instance?.data.volume_ids as string[]).map((v) => `to volume EC2.Volume ${v}`),
      `from target ELBv2.TargetGroup ${group?.resourceId}`,
    ]));
    expect(related.filter((e) => e.direction === 'to').every((e) => e.collected)).toBe(true);
    // The way back: the target group names the instance among what it points to.
    const back = JSON.parse((await cloudtap(['resources', '--related-to', group?.resourceId as string, '--json', '--data-dir', store.dataDir])).stdout) as Related;
    expect(back.related.map((e) => `${e.direction} ${e.relation} ${e.id}`)).toContain(`to target ${instanceId}`);

    const fn = resources.find((r) => r.type === 'Lambda.Function');
    const role = JSON.parse((await cloudtap(['resources', '--related-to', fn?.resourceId as string, '--json', '--data-dir', store.dataDir])).stdout) as Related;
    expect(role.related.find((e) => e.relation === 'role')).toMatchObject({ direction: 'to', type: 'IAM.Role', collected: true });
  });

  it('refuses an id the inventory does not hold, and other filters beside it, naming what to do', async () => {
    const missing = await cloudtap(['resources', '--related-to', 'i-0000000000000000', '--data-dir', store.dataDir]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('--related-to: no resource "i-0000000000000000" in the inventory');
    const mixed = await cloudtap(['resources', '--related-to', 'i-1', '--type', 'EC2.Instance', '--data-dir', store.dataDir]);
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toContain('--related-to lists one resource\'s edges; it does not combine with --type');
  });
});
