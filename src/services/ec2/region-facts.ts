import type { RegionFacts } from '../../events/rule';
import type { ResourceRecord } from '../resource-type';

/** Builds RegionFacts from the instance records of one listing, as they stream by. */
export class InstanceFacts implements RegionFacts {
  private readonly roles = new Map<string, string | null>();
  private readonly rolesByGroup = new Map<string, Map<string, number>>();

  observe(record: ResourceRecord): void {
    const role = typeof record.data.role === 'string' ? record.data.role : null;
    this.roles.set(record.id, role);
    if (!role || record.data.state === 'terminated' || record.data.state === 'shutting-down') return;
    for (const group of (record.data.security_groups as { id: string | null }[] | undefined) ?? []) {
      if (!group.id) continue;
      const counts = this.rolesByGroup.get(group.id) ?? new Map<string, number>();
      counts.set(role, (counts.get(role) ?? 0) + 1);
      this.rolesByGroup.set(group.id, counts);
    }
  }

  roleOfInstance(instanceId: string): string | null {
    return this.roles.get(instanceId) ?? null;
  }

  dominantRoleOfSecurityGroup(groupId: string): string | null {
    const counts = this.rolesByGroup.get(groupId);
    if (!counts) return null;
    return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? null;
  }
}
