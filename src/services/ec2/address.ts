import { DescribeAddressesCommand, type Address, type DescribeAddressesCommandOutput } from '@aws-sdk/client-ec2';
import { defineResourceType, tagMap, type CollectContext, type ResourceRecord } from '../resource-type';
import { regionalArn } from '../arn';
import { EC2_RELATIONS } from './relations';

/** Elastic IPs. DescribeAddresses returns them all in one response: it does not paginate. */
export const addressType = defineResourceType<Address, DescribeAddressesCommandOutput>({
  service: 'EC2',
  name: 'Address',
  info: {
    group: 'EC2',
    displayName: 'Elastic IP',
    labels: ['Networking'],
    primaryFields: ['public_ip', 'allocation_id', 'instance_id'],
    displayFields: ['public_ip', 'name', 'allocation_id', 'instance_id', 'network_interface_id', 'private_ip', 'domain', 'network_border_group'],
  },
  list: {
    client: 'ec2',
    action: 'ec2:DescribeAddresses',
    command: () => new DescribeAddressesCommand({}),
    items: (output) => output.Addresses ?? [],
  },
  relations: EC2_RELATIONS.address,
  preprocess: (raw, context) => preprocessAddress(raw, context),
  volatileFields: [],
  cloudTrailResourceType: 'AWS::EC2::EIP',
});

export function preprocessAddress(raw: Address, context: Pick<CollectContext, 'accountId' | 'region'>): ResourceRecord {
  const tags = tagMap(raw.Tags);
  // Only EC2-Classic addresses lack an allocation id; their public IP was their identity.
  const id = raw.AllocationId ?? raw.PublicIp ?? '';
  return {
    id,
    name: tags.Name ?? raw.PublicIp,
    arn: regionalArn(context, 'ec2', `elastic-ip/${id}`),
    tags,
    data: {
      allocation_id: raw.AllocationId ?? null,
      public_ip: raw.PublicIp ?? null,
      association_id: raw.AssociationId ?? null,
      instance_id: raw.InstanceId || null,
      network_interface_id: raw.NetworkInterfaceId ?? null,
      network_interface_owner_id: raw.NetworkInterfaceOwnerId ?? null,
      private_ip: raw.PrivateIpAddress ?? null,
      domain: raw.Domain ?? null,
      network_border_group: raw.NetworkBorderGroup ?? null,
      public_ipv4_pool: raw.PublicIpv4Pool ?? null,
      // Addresses AWS manages for a service (e.g. a NAT gateway's) cannot be released by the account.
      service_managed: raw.ServiceManaged ?? null,
    },
  };
}
