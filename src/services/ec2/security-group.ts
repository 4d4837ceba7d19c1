import {
  DescribeSecurityGroupsCommand, type DescribeSecurityGroupsCommandOutput, type IpPermission, type SecurityGroup,
} from '@aws-sdk/client-ec2';
import { defineResourceType, tagMap, type CollectContext, type ResourceRecord } from '../resource-type';
import { regionalArn } from '../arn';
import { EC2_RELATIONS } from './relations';

/**
 * One source of one permission: a rule as operators read it. `source` is an IPv4 CIDR, an IPv6 CIDR, a prefix
 * list id or a security group id (`<account>/<group id>` when the group is another account's).
 */
export interface FlatRule {
  protocol: string;
  /** For tcp/udp the port range; for icmp the type and code (-1: any); null for protocol `all`. */
  fromPort: number | null;
  toPort: number | null;
  source: string;
}

export const securityGroupType = defineResourceType<SecurityGroup, DescribeSecurityGroupsCommandOutput>({
  service: 'EC2',
  name: 'SecurityGroup',
  info: {
    group: 'EC2',
    displayName: 'Security Group',
    labels: ['Networking', 'Security'],
    primaryFields: ['group_id', 'group_name', 'vpc_id'],
    displayFields: ['group_id', 'group_name', 'vpc_id', 'description', 'ingress', 'egress'],
  },
  list: {
    client: 'ec2',
    action: 'ec2:DescribeSecurityGroups',
    maxResults: 1000,
    command: (page) => new DescribeSecurityGroupsCommand({ MaxResults: page.maxResults, NextToken: page.token }),
    items: (output) => output.SecurityGroups ?? [],
    nextToken: (output) => output.NextToken,
  },
  describe: { command: (ids) => new DescribeSecurityGroupsCommand({ GroupIds: ids }), idPrefix: 'sg-', notFoundCode: 'InvalidGroup.NotFound' },
  relations: EC2_RELATIONS.securityGroup,
  preprocess: (raw, context) => preprocessSecurityGroup(raw, context),
  volatileFields: [],
  cloudTrailResourceType: 'AWS::EC2::SecurityGroup',
});

export function preprocessSecurityGroup(raw: SecurityGroup, context: Pick<CollectContext, 'accountId' | 'region'>): ResourceRecord {
  const tags = tagMap(raw.Tags);
  const id = raw.GroupId ?? '';
  const owner = raw.OwnerId ?? context.accountId;
  return {
    id,
    name: raw.GroupName ?? tags.Name,
    arn: raw.SecurityGroupArn ?? regionalArn(context, 'ec2', `security-group/${id}`),
    tags,
    data: {
      group_id: id,
      group_name: raw.GroupName ?? null,
      description: raw.Description ?? null,
      vpc_id: raw.VpcId ?? null,
      owner_id: raw.OwnerId ?? null,
      ingress: flattenPermissions(raw.IpPermissions, owner),
      egress: flattenPermissions(raw.IpPermissionsEgress, owner),
    },
  };
}

/**
 * Permissions → one entry per source, sorted, so that AWS returning the same rules in another order is no change.
 * Protocol `-1` is rendered `all`.
 */
export function flattenPermissions(permissions: IpPermission[] | undefined, ownerId: string): FlatRule[] {
  const rules: FlatRule[] = [];
  for (const permission of permissions ?? []) {
    const protocol = permission.IpProtocol === '-1' ? 'all' : (permission.IpProtocol ?? 'all');
    const ports = protocol === 'all'
      ? { fromPort: null, toPort: null }
      : { fromPort: permission.FromPort ?? null, toPort: permission.ToPort ?? null };
    const sources = [
      ...(permission.IpRanges ?? []).map((r) => r.CidrIp),
      ...(permission.Ipv6Ranges ?? []).map((r) => r.CidrIpv6),
      ...(permission.PrefixListIds ?? []).map((p) => p.PrefixListId),
      ...(permission.UserIdGroupPairs ?? []).map((pair) => {
        const group = pair.GroupId ?? pair.GroupName;
        return group && pair.UserId && pair.UserId !== ownerId ? `${pair.UserId}/${group}` : group;
      }),
    ];
    for (const source of sources) if (source) rules.push({ protocol, ...ports, source });
  }
  return rules.sort(compareRules);
}

function compareRules(a: FlatRule, b: FlatRule): number {
  return compareText(a.protocol, b.protocol) || (a.fromPort ?? -2) - (b.fromPort ?? -2)
    || (a.toPort ?? -2) - (b.toPort ?? -2) || compareText(a.source, b.source);
}

/** Code-unit order, the same in every locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
