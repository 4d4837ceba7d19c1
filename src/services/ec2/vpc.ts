import { DescribeVpcsCommand, type DescribeVpcsCommandOutput, type Vpc } from '@aws-sdk/client-ec2';
import { defineResourceType, tagMap, type CollectContext, type ResourceRecord } from '../resource-type';
import { regionalArn } from '../arn';

export const vpcType = defineResourceType<Vpc, DescribeVpcsCommandOutput>({
  service: 'EC2',
  name: 'Vpc',
  info: {
    group: 'VPC',
    displayName: 'VPC',
    labels: ['Networking'],
    primaryFields: ['vpc_id', 'cidr_block', 'is_default'],
    displayFields: ['vpc_id', 'name', 'cidr_block', 'cidr_blocks', 'ipv6_cidr_blocks', 'is_default', 'state'],
  },
  list: {
    client: 'ec2',
    action: 'ec2:DescribeVpcs',
    maxResults: 1000,
    command: (page) => new DescribeVpcsCommand({ MaxResults: page.maxResults, NextToken: page.token }),
    items: (output) => output.Vpcs ?? [],
    nextToken: (output) => output.NextToken,
  },
  preprocess: (raw, context) => preprocessVpc(raw, context),
  volatileFields: [],
  cloudTrailResourceType: 'AWS::EC2::VPC',
});

export function preprocessVpc(raw: Vpc, context: Pick<CollectContext, 'accountId' | 'region'>): ResourceRecord {
  const tags = tagMap(raw.Tags);
  const id = raw.VpcId ?? '';
  return {
    id,
    name: tags.Name,
    arn: regionalArn(context, 'ec2', `vpc/${id}`),
    tags,
    data: {
      vpc_id: id,
      cidr_block: raw.CidrBlock ?? null,
      // The primary CIDR and any secondary ones still associated (disassociated ones linger in the set).
      cidr_blocks: (raw.CidrBlockAssociationSet ?? [])
        .filter((a) => a.CidrBlockState?.State === 'associated' && a.CidrBlock)
        .map((a) => a.CidrBlock as string),
      ipv6_cidr_blocks: (raw.Ipv6CidrBlockAssociationSet ?? [])
        .filter((a) => a.Ipv6CidrBlockState?.State === 'associated' && a.Ipv6CidrBlock)
        .map((a) => a.Ipv6CidrBlock as string),
      is_default: raw.IsDefault ?? false,
      state: raw.State ?? null,
      instance_tenancy: raw.InstanceTenancy ?? null,
      dhcp_options_id: raw.DhcpOptionsId ?? null,
      owner_id: raw.OwnerId ?? null,
    },
  };
}
