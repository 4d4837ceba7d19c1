import { DescribeNetworkInterfacesCommand, type DescribeNetworkInterfacesCommandOutput, type NetworkInterface } from '@aws-sdk/client-ec2';
import { defineResourceType, tagMap, type CollectContext, type ResourceRecord } from '../resource-type';
import { regionalArn } from '../arn';
import { EC2_RELATIONS } from './relations';

export const networkInterfaceType = defineResourceType<NetworkInterface, DescribeNetworkInterfacesCommandOutput>({
  service: 'EC2',
  name: 'NetworkInterface',
  info: {
    group: 'EC2',
    displayName: 'Network Interface',
    labels: ['Networking'],
    primaryFields: ['network_interface_id', 'status', 'private_ip'],
    displayFields: ['network_interface_id', 'name', 'status', 'interface_type', 'private_ip', 'public_ip', 'attachment', 'subnet_id', 'security_groups'],
  },
  list: {
    client: 'ec2',
    action: 'ec2:DescribeNetworkInterfaces',
    maxResults: 1000,
    command: (page) => new DescribeNetworkInterfacesCommand({ MaxResults: page.maxResults, NextToken: page.token }),
    items: (output) => output.NetworkInterfaces ?? [],
    nextToken: (output) => output.NextToken,
  },
  relations: EC2_RELATIONS.networkInterface,
  preprocess: (raw, context) => preprocessNetworkInterface(raw, context),
  volatileFields: [],
  cloudTrailResourceType: 'AWS::EC2::NetworkInterface',
});

export function preprocessNetworkInterface(raw: NetworkInterface, context: Pick<CollectContext, 'accountId' | 'region'>): ResourceRecord {
  // Interfaces carry their tags in TagSet, not Tags.
  const tags = tagMap(raw.TagSet);
  const id = raw.NetworkInterfaceId ?? '';
  const attachment = raw.Attachment;
  return {
    id,
    name: tags.Name,
    arn: regionalArn(context, 'ec2', `network-interface/${id}`),
    tags,
    data: {
      network_interface_id: id,
      status: raw.Status ?? null,
      interface_type: raw.InterfaceType ?? null,
      description: raw.Description || null,
      vpc_id: raw.VpcId ?? null,
      subnet_id: raw.SubnetId ?? null,
      availability_zone: raw.AvailabilityZone ?? null,
      mac_address: raw.MacAddress ?? null,
      private_ip: raw.PrivateIpAddress ?? null,
      private_dns_name: raw.PrivateDnsName || null,
      private_ips: (raw.PrivateIpAddresses ?? []).map((p) => p.PrivateIpAddress).filter((ip): ip is string => !!ip),
      public_ip: raw.Association?.PublicIp ?? null,
      // An Elastic IP's allocation; absent for an auto-assigned public IP.
      public_ip_allocation_id: raw.Association?.AllocationId ?? null,
      ipv6_addresses: (raw.Ipv6Addresses ?? []).map((a) => a.Ipv6Address).filter((ip): ip is string => !!ip),
      security_groups: (raw.Groups ?? []).map((g) => ({ id: g.GroupId ?? null, name: g.GroupName ?? null })),
      attachment: attachment
        ? {
          attachment_id: attachment.AttachmentId ?? null,
          instance_id: attachment.InstanceId ?? null,
          instance_owner_id: attachment.InstanceOwnerId ?? null,
          device_index: attachment.DeviceIndex ?? null,
          status: attachment.Status ?? null,
          delete_on_termination: attachment.DeleteOnTermination ?? null,
        }
        : null,
      requester_managed: raw.RequesterManaged ?? false,
      // Who created a requester-managed interface (e.g. an ELB or Lambda service account).
      requester_id: raw.RequesterId ?? null,
      source_dest_check: raw.SourceDestCheck ?? null,
      owner_id: raw.OwnerId ?? null,
    },
  };
}
