import { describe, it, expect } from '@jest/globals';
import { DescribeAddressesCommand, type Address, type NetworkInterface, type Subnet, type Vpc } from '@aws-sdk/client-ec2';
import { preprocessVpc, vpcType } from '../../src/services/ec2/vpc';
import { preprocessSubnet, subnetType } from '../../src/services/ec2/subnet';
import { networkInterfaceType, preprocessNetworkInterface } from '../../src/services/ec2/network-interface';
import { addressType, preprocessAddress } from '../../src/services/ec2/address';
import { collectType, mockedContext } from './collect-type';

const context = { accountId: '111111111111', region: 'eu-west-1' };

/** DescribeVpcs: a VPC with a secondary CIDR, a disassociated one, and an IPv6 block. */
const appVpc: Vpc = {
  CidrBlock: '10.0.0.0/16',
  DhcpOptionsId: 'dopt-0abc',
  State: 'available',
  VpcId: 'vpc-0a1b2c3d4e5f60718',
  OwnerId: '111111111111',
  InstanceTenancy: 'default',
  Ipv6CidrBlockAssociationSet: [{ AssociationId: 'vpc-cidr-assoc-6', Ipv6CidrBlock: '2a05:d018:1f4:a00::/56', Ipv6CidrBlockState: { State: 'associated' }, NetworkBorderGroup: 'eu-west-1', Ipv6Pool: 'Amazon' }],
  CidrBlockAssociationSet: [
    { AssociationId: 'vpc-cidr-assoc-1', CidrBlock: '10.0.0.0/16', CidrBlockState: { State: 'associated' } },
    { AssociationId: 'vpc-cidr-assoc-2', CidrBlock: '100.64.0.0/16', CidrBlockState: { State: 'associated' } },
    { AssociationId: 'vpc-cidr-assoc-3', CidrBlock: '10.9.0.0/16', CidrBlockState: { State: 'disassociated' } },
  ],
  IsDefault: false,
  Tags: [{ Key: 'Name', Value: 'app' }],
};

const defaultSubnet: Subnet = {
  AvailabilityZone: 'eu-west-1a',
  AvailabilityZoneId: 'euw1-az3',
  AvailableIpAddressCount: 4089,
  CidrBlock: '172.31.0.0/20',
  DefaultForAz: true,
  MapPublicIpOnLaunch: true,
  State: 'available',
  SubnetId: 'subnet-0123456789abcdef0',
  VpcId: 'vpc-0default',
  OwnerId: '111111111111',
  AssignIpv6AddressOnCreation: false,
  Ipv6CidrBlockAssociationSet: [],
  SubnetArn: 'arn:aws:ec2:eu-west-1:111111111111:subnet/subnet-0123456789abcdef0',
};

/** DescribeNetworkInterfaces: an instance's primary interface with a public IP, and a load balancer's. */
const instanceInterface: NetworkInterface = {
  Association: { IpOwnerId: 'amazon', PublicDnsName: 'ec2-54-1-2-3.eu-west-1.compute.amazonaws.com', PublicIp: '54.1.2.3' },
  Attachment: {
    AttachTime: new Date('2025-11-02T08:00:05.000Z'), AttachmentId: 'eni-attach-0abc', DeleteOnTermination: true,
    DeviceIndex: 0, NetworkCardIndex: 0, InstanceId: 'i-0abc1234def567890', InstanceOwnerId: '111111111111', Status: 'attached',
  },
  AvailabilityZone: 'eu-west-1b',
  Description: '',
  Groups: [{ GroupName: 'web', GroupId: 'sg-0web' }],
  InterfaceType: 'interface',
  Ipv6Addresses: [],
  MacAddress: '06:aa:bb:cc:dd:ee',
  NetworkInterfaceId: 'eni-0a1b2c3d4e5f60718',
  OwnerId: '111111111111',
  PrivateDnsName: 'ip-10-0-1-23.eu-west-1.compute.internal',
  PrivateIpAddress: '10.0.1.23',
  PrivateIpAddresses: [
    { Association: { IpOwnerId: 'amazon', PublicIp: '54.1.2.3' }, Primary: true, PrivateIpAddress: '10.0.1.23' },
    { Primary: false, PrivateIpAddress: '10.0.1.24' },
  ],
  RequesterManaged: false,
  SourceDestCheck: true,
  Status: 'in-use',
  SubnetId: 'subnet-0app',
  TagSet: [{ Key: 'Name', Value: 'web-1-eth0' }],
  VpcId: 'vpc-0a1b2c3d4e5f60718',
};
const loadBalancerInterface: NetworkInterface = {
  AvailabilityZone: 'eu-west-1a',
  Description: 'ELB app/web/50dc6c495c0c9188',
  Groups: [{ GroupName: 'alb', GroupId: 'sg-0alb' }],
  InterfaceType: 'interface',
  NetworkInterfaceId: 'eni-0feedfacecafe0001',
  PrivateIpAddress: '10.0.0.12',
  PrivateIpAddresses: [{ Primary: true, PrivateIpAddress: '10.0.0.12' }],
  RequesterId: 'amazon-elb',
  RequesterManaged: true,
  Status: 'in-use',
  SubnetId: 'subnet-0public',
  TagSet: [],
  VpcId: 'vpc-0a1b2c3d4e5f60718',
  Attachment: { AttachmentId: 'ela-attach-0abc', DeleteOnTermination: false, DeviceIndex: 1, InstanceOwnerId: 'amazon-elb', Status: 'attached' },
};

const associatedAddress: Address = {
  AllocationId: 'eipalloc-0a1b2c3d4e5f60718',
  AssociationId: 'eipassoc-0a1b2c3d',
  Domain: 'vpc',
  InstanceId: 'i-0abc1234def567890',
  NetworkBorderGroup: 'eu-west-1',
  NetworkInterfaceId: 'eni-0a1b2c3d4e5f60718',
  NetworkInterfaceOwnerId: '111111111111',
  PrivateIpAddress: '10.0.1.23',
  PublicIp: '52.17.1.2',
  PublicIpv4Pool: 'amazon',
  Tags: [{ Key: 'Name', Value: 'web-1' }],
};
/** An idle Elastic IP: allocated, associated with nothing (EC2 reports an empty InstanceId). */
const idleAddress: Address = { AllocationId: 'eipalloc-0idle', Domain: 'vpc', InstanceId: '', NetworkBorderGroup: 'eu-west-1', PublicIp: '52.17.9.9', PublicIpv4Pool: 'amazon' };

describe('EC2.Vpc', () => {
  it('lists its associated CIDRs only, its IPv6 blocks, default flag and state', () => {
    expect(preprocessVpc(appVpc, context)).toEqual({
      id: 'vpc-0a1b2c3d4e5f60718', name: 'app', arn: 'arn:aws:ec2:eu-west-1:111111111111:vpc/vpc-0a1b2c3d4e5f60718', tags: { Name: 'app' },
      data: {
        vpc_id: 'vpc-0a1b2c3d4e5f60718', cidr_block: '10.0.0.0/16', cidr_blocks: ['10.0.0.0/16', '100.64.0.0/16'],
        ipv6_cidr_blocks: ['2a05:d018:1f4:a00::/56'], is_default: false, state: 'available', instance_tenancy: 'default',
        dhcp_options_id: 'dopt-0abc', owner_id: '111111111111',
      },
    });
  });

  it('a default VPC without association sets', () => {
    expect(preprocessVpc({ VpcId: 'vpc-0default', CidrBlock: '172.31.0.0/16', IsDefault: true, State: 'available' }, context).data)
      .toMatchObject({ cidr_blocks: [], ipv6_cidr_blocks: [], is_default: true });
  });

  it('is paged 1000 at a time', () => {
    expect(vpcType.list!.maxResults).toBe(1000);
  });
});

describe('EC2.Subnet', () => {
  it('carries CIDR, zone, default flag, public-IP mapping and available addresses, with the ARN AWS gives', () => {
    expect(preprocessSubnet(defaultSubnet, context)).toEqual({
      id: 'subnet-0123456789abcdef0', name: undefined, arn: 'arn:aws:ec2:eu-west-1:111111111111:subnet/subnet-0123456789abcdef0', tags: {},
      data: {
        subnet_id: 'subnet-0123456789abcdef0', vpc_id: 'vpc-0default', cidr_block: '172.31.0.0/20', ipv6_cidr_blocks: [],
        availability_zone: 'eu-west-1a', availability_zone_id: 'euw1-az3', available_ip_address_count: 4089,
        default_for_az: true, map_public_ip_on_launch: true, state: 'available', owner_id: '111111111111',
      },
    });
  });

  it('available addresses are volatile: they move as interfaces come and go', () => {
    expect(subnetType.volatileFields).toEqual(['available_ip_address_count']);
    expect(subnetType.list!.maxResults).toBe(1000);
  });
});

describe('EC2.NetworkInterface', () => {
  it('carries attachment, private and public IPs, security groups, type and its TagSet', () => {
    expect(preprocessNetworkInterface(instanceInterface, context)).toEqual({
      id: 'eni-0a1b2c3d4e5f60718', name: 'web-1-eth0', arn: 'arn:aws:ec2:eu-west-1:111111111111:network-interface/eni-0a1b2c3d4e5f60718',
      tags: { Name: 'web-1-eth0' },
      data: {
        network_interface_id: 'eni-0a1b2c3d4e5f60718', status: 'in-use', interface_type: 'interface', description: null,
        vpc_id: 'vpc-0a1b2c3d4e5f60718', subnet_id: 'subnet-0app', availability_zone: 'eu-west-1b', mac_address: '06:aa:bb:cc:dd:ee',
        private_ip: '10.0.1.23', private_dns_name: 'ip-10-0-1-23.eu-west-1.compute.internal', private_ips: ['10.0.1.23', '10.0.1.24'],
        public_ip: '54.1.2.3', public_ip_allocation_id: null, ipv6_addresses: [],
        security_groups: [{ id: 'sg-0web', name: 'web' }],
        attachment: {
          attachment_id: 'eni-attach-0abc', instance_id: 'i-0abc1234def567890', instance_owner_id: '111111111111',
          device_index: 0, status: 'attached', delete_on_termination: true,
        },
        requester_managed: false, requester_id: null, source_dest_check: true, owner_id: '111111111111',
      },
    });
  });

  it('a requester-managed interface names who manages it and has no instance', () => {
    expect(preprocessNetworkInterface(loadBalancerInterface, context).data).toMatchObject({
      requester_managed: true, requester_id: 'amazon-elb', public_ip: null, description: 'ELB app/web/50dc6c495c0c9188',
      attachment: { instance_id: null, instance_owner_id: 'amazon-elb', device_index: 1 },
    });
  });

  it('an available (detached) interface has no attachment', () => {
    const { Attachment: _, ...detached } = instanceInterface;
    expect(preprocessNetworkInterface({ ...detached, Status: 'available' }, context).data.attachment).toBeNull();
    expect(networkInterfaceType.list!.maxResults).toBe(1000);
  });
});

describe('EC2.Address', () => {
  it('is identified by its allocation id and carries its association', () => {
    expect(preprocessAddress(associatedAddress, context)).toEqual({
      id: 'eipalloc-0a1b2c3d4e5f60718', name: 'web-1', arn: 'arn:aws:ec2:eu-west-1:111111111111:elastic-ip/eipalloc-0a1b2c3d4e5f60718',
      tags: { Name: 'web-1' },
      data: {
        allocation_id: 'eipalloc-0a1b2c3d4e5f60718', public_ip: '52.17.1.2', association_id: 'eipassoc-0a1b2c3d',
        instance_id: 'i-0abc1234def567890', network_interface_id: 'eni-0a1b2c3d4e5f60718', network_interface_owner_id: '111111111111',
        private_ip: '10.0.1.23', domain: 'vpc', network_border_group: 'eu-west-1', public_ipv4_pool: 'amazon', service_managed: null,
      },
    });
  });

  it('an idle address has no association, and is named by its IP', () => {
    const record = preprocessAddress(idleAddress, context);
    expect(record.name).toBe('52.17.9.9');
    expect(record.data).toMatchObject({ association_id: null, instance_id: null, network_interface_id: null });
  });

  it('is listed in one unpaginated call', async () => {
    const { context: mocked, ec2 } = mockedContext();
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [associatedAddress, idleAddress] });
    const pages = await collectType(addressType, mocked);
    expect(pages.flat().map((r) => r.id)).toEqual(['eipalloc-0a1b2c3d4e5f60718', 'eipalloc-0idle']);
    expect(ec2.commandCalls(DescribeAddressesCommand).map((c) => c.args[0].input)).toEqual([{}]);
    expect(addressType.list!.maxResults).toBeUndefined();
  });
});
