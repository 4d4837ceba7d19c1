import { describe, it, expect } from '@jest/globals';
import { NO_FACTS } from '../../src/services/rule';
import { DescribeSecurityGroupsCommand, type IpPermission, type SecurityGroup } from '@aws-sdk/client-ec2';
import { flattenPermissions, preprocessSecurityGroup, securityGroupType } from '../../src/services/ec2/security-group';
import { openIngressRule } from '../../src/services/ec2/security-group-rules';
import { collectType, mockedContext } from './collect-type';

const context = { accountId: '111111111111', region: 'eu-west-1' };
const OWNER = '111111111111';

const tcp = (FromPort: number, ToPort: number, rest: Partial<IpPermission>): IpPermission => ({
  IpProtocol: 'tcp', FromPort, ToPort, IpRanges: [], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [], ...rest,
});

/** A DescribeSecurityGroups item as the SDK deserializes it. */
const webGroup: SecurityGroup = {
  Description: 'web servers',
  GroupName: 'web',
  OwnerId: OWNER,
  GroupId: 'sg-0a1b2c3d4e5f60718',
  VpcId: 'vpc-0a1b2c3d4e5f60718',
  SecurityGroupArn: 'arn:aws:ec2:eu-west-1:111111111111:security-group/sg-0a1b2c3d4e5f60718',
  Tags: [{ Key: 'Role', Value: 'web_server' }],
  IpPermissions: [
    // One permission, several sources: two IPv4 ranges, an IPv6 range, a prefix list and two groups.
    tcp(443, 443, {
      IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'public' }, { CidrIp: '10.0.0.0/8' }],
      Ipv6Ranges: [{ CidrIpv6: '::/0' }],
      PrefixListIds: [{ PrefixListId: 'pl-6da54004', Description: 'CloudFront' }],
      UserIdGroupPairs: [
        { GroupId: 'sg-0alb', UserId: OWNER },
        { GroupId: 'sg-0partner', UserId: '222222222222', VpcPeeringConnectionId: 'pcx-0abc', PeeringStatus: 'active' },
      ],
    }),
    tcp(22, 22, { IpRanges: [{ CidrIp: '0.0.0.0/0' }] }),
    { IpProtocol: 'icmp', FromPort: -1, ToPort: -1, IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [] },
  ],
  IpPermissionsEgress: [
    { IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [{ CidrIpv6: '::/0' }], PrefixListIds: [], UserIdGroupPairs: [] },
  ],
};

describe('EC2.SecurityGroup preprocess', () => {
  it('flattens every permission to one entry per source, all-protocol rendered all', () => {
    expect(preprocessSecurityGroup(webGroup, context)).toEqual({
      id: 'sg-0a1b2c3d4e5f60718',
      name: 'web',
      arn: 'arn:aws:ec2:eu-west-1:111111111111:security-group/sg-0a1b2c3d4e5f60718',
      tags: { Role: 'web_server' },
      data: {
        group_id: 'sg-0a1b2c3d4e5f60718', group_name: 'web', description: 'web servers', vpc_id: 'vpc-0a1b2c3d4e5f60718', owner_id: OWNER,
        ingress: [
          { protocol: 'icmp', fromPort: -1, toPort: -1, source: '0.0.0.0/0' },
          { protocol: 'tcp', fromPort: 22, toPort: 22, source: '0.0.0.0/0' },
          { protocol: 'tcp', fromPort: 443, toPort: 443, source: '0.0.0.0/0' },
          { protocol: 'tcp', fromPort: 443, toPort: 443, source: '10.0.0.0/8' },
          { protocol: 'tcp', fromPort: 443, toPort: 443, source: '222222222222/sg-0partner' },
          { protocol: 'tcp', fromPort: 443, toPort: 443, source: '::/0' },
          { protocol: 'tcp', fromPort: 443, toPort: 443, source: 'pl-6da54004' },
          { protocol: 'tcp', fromPort: 443, toPort: 443, source: 'sg-0alb' },
        ],
        egress: [
          { protocol: 'all', fromPort: null, toPort: null, source: '0.0.0.0/0' },
          { protocol: 'all', fromPort: null, toPort: null, source: '::/0' },
        ],
      },
    });
  });

  it('the same rules in another order are the same record', () => {
    const reordered = { ...webGroup, IpPermissions: [...(webGroup.IpPermissions ?? [])].reverse() };
    expect(preprocessSecurityGroup(reordered, context)).toEqual(preprocessSecurityGroup(webGroup, context));
  });

  it('a group referenced by name only (default VPC) and a group without rules', () => {
    expect(flattenPermissions([tcp(5432, 5432, { UserIdGroupPairs: [{ GroupName: 'default', UserId: OWNER }] })], OWNER))
      .toEqual([{ protocol: 'tcp', fromPort: 5432, toPort: 5432, source: 'default' }]);
    const empty = preprocessSecurityGroup({ GroupId: 'sg-0empty', GroupName: 'empty', Description: 'nothing', VpcId: 'vpc-1', OwnerId: OWNER }, context);
    expect(empty.data).toMatchObject({ ingress: [], egress: [] });
    expect(empty.arn).toBe('arn:aws:ec2:eu-west-1:111111111111:security-group/sg-0empty');
  });

  it('a protocol number stays a number; udp keeps its ports', () => {
    expect(flattenPermissions([
      { IpProtocol: '50', IpRanges: [{ CidrIp: '203.0.113.0/24' }] },
      { IpProtocol: 'udp', FromPort: 53, ToPort: 53, Ipv6Ranges: [{ CidrIpv6: '2001:db8::/32' }] },
    ], OWNER)).toEqual([
      { protocol: '50', fromPort: null, toPort: null, source: '203.0.113.0/24' },
      { protocol: 'udp', fromPort: 53, toPort: 53, source: '2001:db8::/32' },
    ]);
  });

  it('is paged 1000 at a time', async () => {
    const { context: mocked, ec2 } = mockedContext();
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [webGroup] });
    await collectType(securityGroupType, mocked);
    expect(ec2.commandCalls(DescribeSecurityGroupsCommand)[0]?.args[0].input).toEqual({ MaxResults: 1000, NextToken: undefined });
  });
});

function groupWith(ingress: IpPermission[], tags = [{ Key: 'Role', Value: 'web_server' }]): SecurityGroup {
  return { ...webGroup, IpPermissions: ingress, IpPermissionsEgress: [], Tags: tags };
}

describe('OpenIngress rule', () => {
  it('SSH open to the world is CRITICAL, pinpointed group → rule → port', () => {
    const record = preprocessSecurityGroup(groupWith([tcp(22, 22, { IpRanges: [{ CidrIp: '0.0.0.0/0' }] })]), context);
    expect(openIngressRule.evaluate(record, NO_FACTS)).toEqual([{
      severity: 1,
      typeNames: [
        { type: 'ID', name: 'sg-0a1b2c3d4e5f60718' },
        { type: 'Rule', name: 'ingress:tcp:22-22:0.0.0.0/0' },
        { type: 'Port', name: '22' },
      ],
      group: 'web_server',
      text: 'CRITICAL – security group sg-0a1b2c3d4e5f60718 (web) allows tcp 22-22 from 0.0.0.0/0, exposing SSH 22',
    }]);
  });

  it('a database port open on IPv6 is a WARNING', () => {
    const record = preprocessSecurityGroup(groupWith([tcp(5432, 5432, { Ipv6Ranges: [{ CidrIpv6: '::/0' }] })]), context);
    expect(openIngressRule.evaluate(record, NO_FACTS)).toEqual([expect.objectContaining({
      severity: 2,
      typeNames: [{ type: 'ID', name: 'sg-0a1b2c3d4e5f60718' }, { type: 'Rule', name: 'ingress:tcp:5432-5432:::/0' }, { type: 'Port', name: '5432' }],
    })]);
  });

  it('a range covering RDP and MySQL is one finding at the worse severity, naming both', () => {
    const record = preprocessSecurityGroup(groupWith([tcp(3000, 3400, { IpRanges: [{ CidrIp: '0.0.0.0/0' }] })]), context);
    const findings = openIngressRule.evaluate(record, NO_FACTS);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 1, typeNames: [{ name: 'sg-0a1b2c3d4e5f60718' }, { name: 'ingress:tcp:3000-3400:0.0.0.0/0' }, { name: '3389' }] });
    expect(findings[0]?.text).toMatch(/exposing RDP 3389, MySQL 3306$/);
  });

  it('protocol all covers every port', () => {
    const record = preprocessSecurityGroup(groupWith([{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }]), context);
    const [finding, ...rest] = openIngressRule.evaluate(record, NO_FACTS);
    expect(rest).toHaveLength(0);
    expect(finding?.severity).toBe(1);
    expect(finding?.typeNames).toEqual([{ type: 'ID', name: 'sg-0a1b2c3d4e5f60718' }, { type: 'Rule', name: 'ingress:all:0-65535:0.0.0.0/0' }, { type: 'Port', name: '22' }]);
    expect(finding?.text).toContain('SSH 22, RDP 3389, MySQL 3306, PostgreSQL 5432, SQL Server 1433, Oracle 1521, MongoDB 27017, Redis 6379, Elasticsearch 9200');
  });

  it('one finding per entry: the same port open on IPv4 and IPv6 is two', () => {
    const record = preprocessSecurityGroup(groupWith([tcp(22, 22, { IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [{ CidrIpv6: '::/0' }] })]), context);
    expect(openIngressRule.evaluate(record, NO_FACTS).map((f) => f.typeNames[1]?.name)).toEqual(['ingress:tcp:22-22:0.0.0.0/0', 'ingress:tcp:22-22:::/0']);
  });

  it('without a Role tag the group is null', () => {
    const record = preprocessSecurityGroup(groupWith([tcp(22, 22, { IpRanges: [{ CidrIp: '0.0.0.0/0' }] })], []), context);
    expect(openIngressRule.evaluate(record, NO_FACTS)[0]?.group).toBeNull();
  });

  it.each([
    ['SSH from a private range', tcp(22, 22, { IpRanges: [{ CidrIp: '10.0.0.0/8' }] })],
    ['SSH from a narrow public range', tcp(22, 22, { IpRanges: [{ CidrIp: '203.0.113.0/24' }] })],
    ['SSH from another group', tcp(22, 22, { UserIdGroupPairs: [{ GroupId: 'sg-0bastion', UserId: OWNER }] })],
    ['SSH from a prefix list', tcp(22, 22, { PrefixListIds: [{ PrefixListId: 'pl-0office' }] })],
    ['HTTPS from anywhere', tcp(443, 443, { IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [{ CidrIpv6: '::/0' }] })],
    ['a range next to SSH', tcp(23, 1432, { IpRanges: [{ CidrIp: '0.0.0.0/0' }] })],
    ['UDP on the RDP port', { IpProtocol: 'udp', FromPort: 3389, ToPort: 3389, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    ['all ICMP from anywhere', { IpProtocol: 'icmp', FromPort: -1, ToPort: -1, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
  ] as [string, IpPermission][])('%s holds no condition', (_, permission) => {
    expect(openIngressRule.evaluate(preprocessSecurityGroup(groupWith([permission]), context), NO_FACTS)).toEqual([]);
  });

  it('egress open to the world is not ingress', () => {
    const record = preprocessSecurityGroup({ ...groupWith([]), IpPermissionsEgress: webGroup.IpPermissionsEgress }, context);
    expect(openIngressRule.evaluate(record, NO_FACTS)).toEqual([]);
  });

  it('clears with an OK text naming the group and the rule', () => {
    expect(openIngressRule.clearText([{ type: 'ID', name: 'sg-1' }, { type: 'Rule', name: 'ingress:tcp:22-22:0.0.0.0/0' }, { type: 'Port', name: '22' }]))
      .toBe('OK – security group sg-1 no longer has ingress:tcp:22-22:0.0.0.0/0');
  });
});

describe('OpenIngress group', () => {
  it('without a Role tag, is the most common role of the instances in the security group', () => {
    const record = preprocessSecurityGroup(groupWith([{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }]), context);
    const facts = { get: (fact: string, id: string) => (fact === 'securityGroupRole' && id === record.id ? 'app_server' : null) };
    expect(openIngressRule.evaluate({ ...record, tags: {} }, facts)[0]?.group).toBe('app_server');
  });
});
