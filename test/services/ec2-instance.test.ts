import { describe, it, expect } from '@jest/globals';
import { NO_FACTS } from '../../src/services/rule';
import type { Instance } from '@aws-sdk/client-ec2';
import { preprocessInstance, roleFromUserData } from '../../src/services/ec2/instance';
import { instanceStateRule } from '../../src/services/ec2/instance-rules';
import { collectIamActions } from '../../src/services/registry';

/** A DescribeInstances item as the SDK deserializes it. */
const rawInstance: Instance & { ReservationId: string } = {
  InstanceId: 'i-0abc1234def567890',
  ImageId: 'ami-0123456789abcdef0',
  InstanceType: 'm5.large',
  KeyName: 'ops',
  LaunchTime: new Date('2026-01-01T00:00:00Z'),
  Placement: { AvailabilityZone: 'eu-west-1b', Tenancy: 'default' },
  PrivateDnsName: 'ip-10-0-1-23.eu-west-1.compute.internal',
  PrivateIpAddress: '10.0.1.23',
  PublicDnsName: 'ec2-54-1-2-3.eu-west-1.compute.amazonaws.com',
  PublicIpAddress: '54.1.2.3',
  ProductCodes: [{ ProductCodeId: 'aw0evgkw8e5c1q413zgy5pjce', ProductCodeType: 'marketplace' }],
  State: { Code: 80, Name: 'stopped' },
  SubnetId: 'subnet-1', VpcId: 'vpc-1',
  SecurityGroups: [{ GroupId: 'sg-1', GroupName: 'web' }],
  Tags: [{ Key: 'Name', Value: 'web-1' }, { Key: 'Role', Value: 'web_server' }],
  BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeId: 'vol-1', Status: 'attached' } }],
  ReservationId: 'r-0123456789',
};

describe('EC2.Instance preprocess', () => {
  const context = { accountId: '111111111111', region: 'eu-west-1' };

  it('carries the Tap EC2 metadata fields', () => {
    const record = preprocessInstance(rawInstance, context);
    expect(record).toMatchObject({
      id: 'i-0abc1234def567890',
      name: 'web-1',
      arn: 'arn:aws:ec2:eu-west-1:111111111111:instance/i-0abc1234def567890',
      data: {
        ami_id: 'ami-0123456789abcdef0', instance_id: 'i-0abc1234def567890', instance_type: 'm5.large',
        local_hostname: 'ip-10-0-1-23.eu-west-1.compute.internal', public_hostname: 'ec2-54-1-2-3.eu-west-1.compute.amazonaws.com',
        local_ipv4: '10.0.1.23', public_ipv4: '54.1.2.3', reservation_id: 'r-0123456789',
        security_groups: [{ id: 'sg-1', name: 'web' }],
        product_codes: [{ id: 'aw0evgkw8e5c1q413zgy5pjce', type: 'marketplace' }],
        role: 'web_server', role_source: 'tag', state: 'stopped', launch_time: '2026-01-01T00:00:00.000Z',
      },
    });
  });

  it('leaves the role open for user data when there is no Role tag', () => {
    const record = preprocessInstance({ ...rawInstance, Tags: [{ Key: 'Name', Value: 'x' }] }, context);
    expect(record.data.role).toBeNull();
  });

  it('reads the role from a role= line of user data in its common forms', () => {
    const encode = (text: string) => Buffer.from(text).toString('base64');
    expect(roleFromUserData(encode('#!/bin/bash\nDB_PASSWORD=hunter2\nrole=db_server\n'))).toBe('db_server');
    expect(roleFromUserData(encode('#cloud-config\nrole: "cache_server"\n'))).toBe('cache_server');
    expect(roleFromUserData(encode('export ROLE=batch_worker'))).toBe('batch_worker');
    expect(roleFromUserData(encode('#!/bin/sh\necho hello'))).toBeNull();
    expect(roleFromUserData(undefined)).toBeNull();
  });
});

describe('InstanceState rule', () => {
  const context = { accountId: '111111111111', region: 'eu-west-1' };

  it('a stopped instance is a WARNING pinpointed as role:instance-id', () => {
    const [finding, ...rest] = instanceStateRule.evaluate(preprocessInstance(rawInstance, context), NO_FACTS);
    expect(rest).toHaveLength(0);
    expect(finding).toEqual({
      severity: 2, group: 'web_server', typeNames: [{ type: 'ID', name: 'web_server:i-0abc1234def567890' }],
      text: 'WARNING – instance i-0abc1234def567890 (web_server) is stopped',
    });
  });

  it('a running instance holds no condition', () => {
    expect(instanceStateRule.evaluate(preprocessInstance({ ...rawInstance, State: { Name: 'running' } }, context), NO_FACTS)).toEqual([]);
  });
});

describe('least privilege', () => {
  it('collect needs exactly the calls the types declare', () => {
    expect(collectIamActions().filter((a) => /^(ec2|cloudtrail):/.test(a))).toEqual([
      'cloudtrail:DescribeTrails', 'cloudtrail:GetEventSelectors', 'cloudtrail:GetTrailStatus', 'cloudtrail:LookupEvents',
      'ec2:DescribeAddresses', 'ec2:DescribeAvailabilityZones', 'ec2:DescribeImages', 'ec2:DescribeInstanceAttribute', 'ec2:DescribeInstanceStatus',
      'ec2:DescribeInstances', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeRegions', 'ec2:DescribeSecurityGroups', 'ec2:DescribeSnapshots',
      'ec2:DescribeSubnets', 'ec2:DescribeVolumes', 'ec2:DescribeVpcs',
    ]);
  });
});
