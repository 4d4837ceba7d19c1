import type { RegionFacts } from '../rule';
import type { ResourceRecord } from '../resource-type';
import { IdTable, grown } from '../../util/id-table';

/**
 * Builds RegionFacts from the instance records of one listing, as they stream by. Held for the whole region:
 * instance ids in an id table with a number per instance for its role (roles are few, each kept once),
 * ~40 bytes an instance with a role, nothing for one without.
 */
export class InstanceFacts implements RegionFacts {
  /** The facts EC2 offers its rules. */
  static readonly INSTANCE_ROLE = 'instanceRole';
  static readonly SECURITY_GROUP_ROLE = 'securityGroupRole';

  private readonly instances = new IdTable();
  /** By the instance's slot: 1 + the role's index in `roles` (0: no role). */
  private roleOf = new Uint32Array(64);
  private readonly roles: string[] = [];
  private readonly roleNumbers = new Map<string, number>();
  private readonly rolesByGroup = new Map<string, Map<string, number>>();

  observe(record: ResourceRecord): void {
    const role = typeof record.data.role === 'string' ? record.data.role : null;
    // A record seen again (a listing can repeat one) says the latest role, also when it says none.
    const slot = role ? this.instances.add(record.id) : this.instances.slotOf(record.id);
    if (slot >= 0) {
      if (slot >= this.roleOf.length) this.roleOf = grown(this.roleOf, slot + 1);
      this.roleOf[slot] = role ? this.roleNumber(role) : 0;
    }
    if (!role || record.data.state === 'terminated' || record.data.state === 'shutting-down') return;
    for (const group of (record.data.security_groups as { id: string | null }[] | undefined) ?? []) {
      if (!group.id) continue;
      const counts = this.rolesByGroup.get(group.id) ?? new Map<string, number>();
      counts.set(role, (counts.get(role) ?? 0) + 1);
      this.rolesByGroup.set(group.id, counts);
    }
  }

  get(fact: string, id: string): string | null {
    if (fact === InstanceFacts.INSTANCE_ROLE) return this.roleOfInstance(id);
    if (fact === InstanceFacts.SECURITY_GROUP_ROLE) return this.dominantRoleOfSecurityGroup(id);
    return null;
  }

  roleOfInstance(instanceId: string): string | null {
    const slot = this.instances.slotOf(instanceId);
    const number = slot >= 0 ? (this.roleOf[slot] as number) : 0;
    return number > 0 ? (this.roles[number - 1] as string) : null;
  }

  /** The most common role of the (not terminated) instances in a security group (ties: alphabetical); null if none. */
  dominantRoleOfSecurityGroup(groupId: string): string | null {
    const counts = this.rolesByGroup.get(groupId);
    if (!counts) return null;
    return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? null;
  }

  private roleNumber(role: string): number {
    let number = this.roleNumbers.get(role);
    if (number === undefined) {
      this.roles.push(role);
      number = this.roles.length;
      this.roleNumbers.set(role, number);
    }
    return number;
  }
}
