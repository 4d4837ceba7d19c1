import { DescribeSubnetsCommand, type DescribeSubnetsCommandOutput, type Subnet } from '@aws-sdk/client-ec2';
import { defineResourceType, tagMap, type CollectContext, type ResourceRecord } from '../resource-type';
import { regionalArn } from '../arn';
import { EC2_RELATIONS } from './relations';

export const subnetType = defineResourceType<Subnet, DescribeSubnetsCommandOutput>({
  service: 'EC2',
  name: 'Subnet',
  info: {
    group: 'VPC',
    displayName: 'Subnet',
    labels: ['Networking'],
    primaryFields: ['subnet_id', 'cidr_block', 'availability_zone'],
    displayFields: ['subnet_id', 'name', 'vpc_id', 'cidr_block', 'availability_zone', 'available_ip_address_count', 'default_for_az', 'map_public_ip_on_launch', 'state'],
  },
  list: {
    client: 'ec2',
    action: 'ec2:DescribeSubnets',
    maxResults: 1000,
    command: (page) => new DescribeSubnetsCommand({ MaxResults: page.maxResults, NextToken: page.token }),
    items: (output) => output.Subnets ?? [],
    nextToken: (output) => output.NextToken,
  },
  relations: EC2_RELATIONS.subnet,
  preprocess: (raw, context) => preprocessSubnet(raw, context),
  // Moves whenever an interface is created or deleted in the subnet, not when the subnet changes.
  volatileFields: ['available_ip_address_count'],
  cloudTrailResourceType: 'AWS::EC2::Subnet',
});

export function preprocessSubnet(raw: Subnet, context: Pick<CollectContext, 'accountId' | 'region'>): ResourceRecord {
  const tags = tagMap(raw.Tags);
  const id = raw.SubnetId ?? '';
  return {
    id,
    name: tags.Name,
    arn: raw.SubnetArn ?? regionalArn(context, 'ec2', `subnet/${id}`),
    tags,
    data: {
      subnet_id: id,
      vpc_id: raw.VpcId ?? null,
      cidr_block: raw.CidrBlock ?? null,
      ipv6_cidr_blocks: (raw.Ipv6CidrBlockAssociationSet ?? [])
        .filter((a) => a.Ipv6CidrBlockState?.State === 'associated' && a.Ipv6CidrBlock)
        .map((a) => a.Ipv6CidrBlock as string),
      availability_zone: raw.AvailabilityZone ?? null,
      availability_zone_id: raw.AvailabilityZoneId ?? null,
      available_ip_address_count: raw.AvailableIpAddressCount ?? null,
      default_for_az: raw.DefaultForAz ?? false,
      map_public_ip_on_launch: raw.MapPublicIpOnLaunch ?? false,
      state: raw.State ?? null,
      owner_id: raw.OwnerId ?? null,
    },
  };
}
