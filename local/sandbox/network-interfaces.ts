/**
 * Network interfaces: the primary interface of every instance (gone with the instance) and two
 * interfaces per region left behind, available, in the default VPC.
 */
import type { NetworkInterface, NetworkInterfaceAssociation, NetworkInterfacePrivateIpAddress } from '@aws-sdk/client-ec2';
import type { Collection } from './collection';
import { instanceStateAt, macAddress, planInstance, primaryNetworkInterface, privateDnsName, publicIpOf } from './instances';
import { DEFAULT_VPC, subnetAddress } from './network';
import type { RegionModel } from './region-model';
import { GROUP_INDEX } from './security-groups';

export const LEFTOVER_INTERFACES = 2;

function instanceInterfaceAt(model: RegionModel, index: number, epoch: number): NetworkInterface | undefined {
  const state = instanceStateAt(model, index, epoch);
  if (state !== 'running' && state !== 'stopped') return undefined;
  const plan = planInstance(model, index);
  const publicIp = publicIpOf(model, plan, state);
  const attached = primaryNetworkInterface(model, plan, publicIp);
  const zone = model.network.subnets[plan.subnet]?.zone;
  const address = model.addressOfInstance(index);
  const association: NetworkInterfaceAssociation | undefined = attached.Association && {
    IpOwnerId: attached.Association.IpOwnerId,
    PublicDnsName: attached.Association.PublicDnsName,
    PublicIp: attached.Association.PublicIp,
  };
  if (association && address) {
    association.AllocationId = address.allocationId;
    association.AssociationId = address.associationId;
  }
  const shape: NetworkInterface = {
    Attachment: {
      AttachTime: attached.Attachment?.AttachTime, AttachmentId: attached.Attachment?.AttachmentId, DeleteOnTermination: true,
      DeviceIndex: 0, NetworkCardIndex: 0, InstanceId: plan.id, InstanceOwnerId: model.accountId, Status: 'attached',
    },
    AvailabilityZone: zone?.name,
    AvailabilityZoneId: zone?.zoneId,
    Description: attached.Description,
    Groups: attached.Groups,
    InterfaceType: 'interface',
    Ipv6Addresses: [],
    MacAddress: attached.MacAddress,
    NetworkInterfaceId: attached.NetworkInterfaceId,
    OwnerId: model.accountId,
    PrivateDnsName: attached.PrivateDnsName,
    PrivateIpAddress: attached.PrivateIpAddress,
    PrivateIpAddresses: (attached.PrivateIpAddresses ?? []).map((address) => {
      const copy: NetworkInterfacePrivateIpAddress = { Primary: address.Primary, PrivateDnsName: address.PrivateDnsName, PrivateIpAddress: address.PrivateIpAddress };
      if (association) copy.Association = association;
      return copy;
    }),
    RequesterManaged: false,
    SourceDestCheck: true,
    Status: 'in-use',
    SubnetId: attached.SubnetId,
    TagSet: [],
    VpcId: attached.VpcId,
  };
  if (association) shape.Association = association;
  if (association?.PublicDnsName) shape.PublicDnsName = association.PublicDnsName;
  return shape;
}

function leftoverInterface(model: RegionModel, leftover: number): NetworkInterface {
  const subnet = model.network.subnets.filter((plan) => plan.vpcIndex === DEFAULT_VPC)[leftover % 2];
  const group = model.securityGroups[GROUP_INDEX.defaultOfDefaultVpc];
  const privateIp = subnet ? subnetAddress(subnet, 100 + leftover) : '172.31.0.100';
  const privateDns = privateDnsName(model.regionName, privateIp);
  return {
    AvailabilityZone: subnet?.zone.name,
    AvailabilityZoneId: subnet?.zone.zoneId,
    Description: leftover === 0 ? 'leftover interface of a deleted Lambda function' : 'detached interface',
    Groups: [{ GroupId: group?.id, GroupName: group?.name }],
    InterfaceType: 'interface',
    Ipv6Addresses: [],
    MacAddress: macAddress(model.instanceDice, leftover, 7),
    NetworkInterfaceId: model.ids.leftoverInterface.encode(leftover),
    OwnerId: model.accountId,
    PrivateDnsName: privateDns,
    PrivateIpAddress: privateIp,
    PrivateIpAddresses: [{ Primary: true, PrivateDnsName: privateDns, PrivateIpAddress: privateIp }],
    RequesterManaged: false,
    SourceDestCheck: true,
    Status: 'available',
    SubnetId: subnet?.id,
    TagSet: [],
    VpcId: model.network.vpcs[DEFAULT_VPC]?.id,
  };
}

export function networkInterfaceCollection(model: RegionModel, epoch: number): Collection<NetworkInterface> {
  const instances = model.timeline.instanceSpace(epoch);
  return {
    size: instances + LEFTOVER_INTERFACES,
    at: (position) => position < instances ? instanceInterfaceAt(model, position, epoch) : leftoverInterface(model, position - instances),
    positionOf: (id) => {
      const instance = model.ids.networkInterface.decode(id);
      if (instance !== undefined) return instance;
      const leftover = model.ids.leftoverInterface.decode(id);
      return leftover === undefined ? undefined : instances + leftover;
    },
  };
}

