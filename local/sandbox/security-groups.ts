/**
 * Security groups of one region: a default group per VPC and one per server role plus two admin
 * groups. Rules are kept as flat grants (one source per rule) so epochs can authorize and revoke
 * single grants; they are grouped back into IpPermissions the way EC2 reports them.
 */
import type { IpPermission, SecurityGroup } from '@aws-sdk/client-ec2';
import { OPEN_CIDRS, SENSITIVE_PORTS, type ServerRole } from './catalog';
import { IdCodec } from './ids';
import { APP_VPC, DEFAULT_VPC, type NetworkPlan } from './network';
import type { Dice } from './random';

export interface Grant {
  protocol: string;
  fromPort?: number;
  toPort?: number;
  cidr?: string;
  cidrIpv6?: string;
  /** Index of the security group the traffic may come from. */
  sourceGroup?: number;
  description?: string;
}

export type GroupPurpose = ServerRole | 'default' | 'ssh-admin' | 'legacy-rdp';

export interface SecurityGroupPlan {
  id: string;
  name: string;
  description: string;
  vpcIndex: number;
  purpose: GroupPurpose;
  baseGrants: Grant[];
  /** Epoch steps may open and close ports on this group. */
  editable: boolean;
}

const OFFICE_CIDR = '198.51.100.0/24';
const BASTION_CIDR = '203.0.113.0/24';

function tcp(port: number, source: Pick<Grant, 'cidr' | 'cidrIpv6' | 'sourceGroup' | 'description'>): Grant {
  return { protocol: 'tcp', fromPort: port, toPort: port, ...source };
}

/** Index of each group; instances and rules refer to groups by these. */
export const GROUP_INDEX = {
  defaultOfDefaultVpc: 0,
  defaultOfAppVpc: 1,
  web_server: 2,
  app_server: 3,
  db_server: 4,
  batch_worker: 5,
  cache_server: 6,
  sshAdmin: 7,
  legacyRdp: 8,
} as const;

export function roleGroupIndex(role: ServerRole | null): number {
  return role ? GROUP_INDEX[role] : GROUP_INDEX.defaultOfAppVpc;
}

/** Open-to-anywhere rules on sensitive ports that a region may start with (each by chance). */
const PLANTABLE_OPEN_GRANTS: { group: number; grant: Grant; chance: number }[] = [
  { group: GROUP_INDEX.sshAdmin, grant: tcp(22, { cidr: '0.0.0.0/0', description: 'temporary ssh' }), chance: 0.6 },
  { group: GROUP_INDEX.legacyRdp, grant: tcp(3389, { cidr: '0.0.0.0/0' }), chance: 0.5 },
  { group: GROUP_INDEX.db_server, grant: tcp(3306, { cidr: '0.0.0.0/0', description: 'migration' }), chance: 0.35 },
  { group: GROUP_INDEX.db_server, grant: tcp(5432, { cidrIpv6: '::/0' }), chance: 0.15 },
  { group: GROUP_INDEX.cache_server, grant: tcp(27017, { cidr: '0.0.0.0/0' }), chance: 0.2 },
  { group: GROUP_INDEX.app_server, grant: tcp(1433, { cidr: '0.0.0.0/0' }), chance: 0.15 },
];

export function planSecurityGroups(network: NetworkPlan, dice: Dice): SecurityGroupPlan[] {
  const ids = new IdCodec('sg', dice.key ^ 0x03);
  const G = GROUP_INDEX;
  const groups: Omit<SecurityGroupPlan, 'id'>[] = [
    { name: 'default', description: 'default VPC security group', vpcIndex: DEFAULT_VPC, purpose: 'default', editable: false,
      baseGrants: [{ protocol: '-1', sourceGroup: G.defaultOfDefaultVpc }] },
    { name: 'default', description: 'default VPC security group', vpcIndex: APP_VPC, purpose: 'default', editable: false,
      baseGrants: [{ protocol: '-1', sourceGroup: G.defaultOfAppVpc }] },
    { name: 'web-sg', description: 'Web servers: HTTP(S) from the internet', vpcIndex: APP_VPC, purpose: 'web_server', editable: true,
      baseGrants: [tcp(80, { cidr: '0.0.0.0/0' }), tcp(80, { cidrIpv6: '::/0' }), tcp(443, { cidr: '0.0.0.0/0' }), tcp(443, { cidrIpv6: '::/0' }), tcp(22, { cidr: '10.0.0.0/8' })] },
    { name: 'app-sg', description: 'Application servers', vpcIndex: APP_VPC, purpose: 'app_server', editable: true,
      baseGrants: [tcp(8080, { sourceGroup: G.web_server }), tcp(22, { cidr: BASTION_CIDR, description: 'bastion' })] },
    { name: 'db-sg', description: 'Databases', vpcIndex: APP_VPC, purpose: 'db_server', editable: true,
      baseGrants: [tcp(5432, { sourceGroup: G.app_server }), tcp(3306, { sourceGroup: G.app_server })] },
    { name: 'batch-sg', description: 'Batch workers (egress only)', vpcIndex: APP_VPC, purpose: 'batch_worker', editable: true, baseGrants: [] },
    { name: 'cache-sg', description: 'Caches', vpcIndex: APP_VPC, purpose: 'cache_server', editable: true,
      baseGrants: [tcp(6379, { sourceGroup: G.app_server }), tcp(11211, { sourceGroup: G.app_server })] },
    { name: 'ssh-admin', description: 'SSH for administrators', vpcIndex: APP_VPC, purpose: 'ssh-admin', editable: true,
      baseGrants: [tcp(22, { cidr: OFFICE_CIDR, description: 'office' })] },
    { name: 'legacy-rdp', description: 'RDP for the old Windows hosts', vpcIndex: APP_VPC, purpose: 'legacy-rdp', editable: true,
      baseGrants: [tcp(3389, { cidr: OFFICE_CIDR, description: 'office' })] },
  ];
  PLANTABLE_OPEN_GRANTS.forEach((planted, i) => {
    if (dice.chance(planted.chance, 10, i)) groups[planted.group]?.baseGrants.push(planted.grant);
  });
  return groups.map((group, index) => ({ ...group, id: ids.encode(index) }));
}

export function grantKey(grant: Grant): string {
  return [grant.protocol, grant.fromPort, grant.toPort, grant.cidr, grant.cidrIpv6, grant.sourceGroup].join('|');
}

/** The sensitive ports a grant opens to anywhere (none when it is restricted). */
export function openSensitivePorts(grant: Grant): number[] {
  const open = (grant.cidr !== undefined && OPEN_CIDRS.includes(grant.cidr)) || (grant.cidrIpv6 !== undefined && OPEN_CIDRS.includes(grant.cidrIpv6));
  if (!open) return [];
  if (grant.protocol === '-1') return [...SENSITIVE_PORTS];
  if (grant.protocol !== 'tcp') return [];
  return SENSITIVE_PORTS.filter((port) => (grant.fromPort ?? 0) <= port && port <= (grant.toPort ?? 65535));
}

/** A grant an epoch step may authorize on a group that has no open sensitive port. */
export function openGrantToAdd(dice: Dice, epoch: number): Grant {
  const port = dice.pick(SENSITIVE_PORTS, epoch, 12, 1);
  const anywhere = dice.pick(OPEN_CIDRS, epoch, 12, 2);
  return tcp(port, anywhere.includes(':') ? { cidrIpv6: anywhere } : { cidr: anywhere });
}

/** Groups grants into EC2's IpPermissions: one permission per protocol and port range. */
export function ipPermissions(grants: readonly Grant[], groups: readonly SecurityGroupPlan[], accountId: string): IpPermission[] {
  const byRange = new Map<string, IpPermission>();
  for (const grant of grants) {
    const rangeKey = `${grant.protocol}|${grant.fromPort}|${grant.toPort}`;
    let permission = byRange.get(rangeKey);
    if (!permission) {
      permission = { IpProtocol: grant.protocol, UserIdGroupPairs: [], IpRanges: [], Ipv6Ranges: [], PrefixListIds: [] };
      if (grant.fromPort !== undefined) permission.FromPort = grant.fromPort;
      if (grant.toPort !== undefined) permission.ToPort = grant.toPort;
      byRange.set(rangeKey, permission);
    }
    const description = grant.description ? { Description: grant.description } : {};
    if (grant.cidr) permission.IpRanges?.push({ CidrIp: grant.cidr, ...description });
    if (grant.cidrIpv6) permission.Ipv6Ranges?.push({ CidrIpv6: grant.cidrIpv6, ...description });
    if (grant.sourceGroup !== undefined) {
      permission.UserIdGroupPairs?.push({ UserId: accountId, GroupId: groups[grant.sourceGroup]?.id, ...description });
    }
  }
  return [...byRange.values()];
}

const EGRESS_ALL: Grant[] = [{ protocol: '-1', cidr: '0.0.0.0/0' }];

export function securityGroupShape(
  group: SecurityGroupPlan, grants: readonly Grant[], groups: readonly SecurityGroupPlan[], network: NetworkPlan, accountId: string, region: string,
): SecurityGroup {
  return {
    GroupId: group.id,
    IpPermissionsEgress: ipPermissions(EGRESS_ALL, groups, accountId),
    Tags: group.purpose === 'default' ? [] : [{ Key: 'Purpose', Value: group.purpose }],
    VpcId: network.vpcs[group.vpcIndex]?.id,
    SecurityGroupArn: `arn:aws:ec2:${region}:${accountId}:security-group/${group.id}`,
    OwnerId: accountId,
    GroupName: group.name,
    Description: group.description,
    IpPermissions: ipPermissions(grants, groups, accountId),
  };
}

