/**
 * The EC2 operations the sandbox answers. Most are one generic describe routine fed with a small
 * declaration per resource type (its listing, id parameter and filter, not-found error, page
 * limits, filters, XML element); the few that differ are written out.
 */
import type {
  Address, AvailabilityZone, Image, Instance, InstanceStatus, NetworkInterface, Region, Reservation, SecurityGroup, Snapshot, Subnet, Volume, Vpc,
} from '@aws-sdk/client-ec2';
import type { AccountModel } from './account';
import { SandboxApiError } from './api-errors';
import type { Collection } from './collection';
import {
  ADDRESS, ATTRIBUTE_VALUE, AVAILABILITY_ZONE, GROUP_SET, IMAGE, INSTANCE_BLOCK_DEVICE, INSTANCE_STATUS, NETWORK_INTERFACE, PRODUCT_CODES, REGION, RESERVATION,
  SECURITY_GROUP, SNAPSHOT, SUBNET, VOLUME, VPC, listOf, scalar,
} from './ec2-xml';
import { compileFilters, exactValues, type FilterTable } from './filters';
import { looksLikeId } from './ids';
import { describeInstance, planInstance, userDataOf } from './instances';
import { RegionInventory } from './inventory';
import { zoneShape } from './network';
import { allPositions, listedPositions, pageSize, pageThrough, type PageLimits } from './pagination';
import type { QueryParams } from './query';
import type { RegionModel } from './region-model';
import { ec2Endpoint } from './regions';
import type { Ec2Operation, SandboxSpec } from './spec';
import type { Writer, XmlOut } from './xml';

export interface Ec2Call {
  action: Ec2Operation;
  params: QueryParams;
  spec: SandboxSpec;
  account: AccountModel;
  model: RegionModel;
  inventory: RegionInventory;
}

/** Appends the body of the response (inside `<ActionResponse>`, after `<requestId>`). */
type Ec2Handler = (call: Ec2Call, out: XmlOut) => void;

interface DescribeType<T> {
  listing: (call: Ec2Call) => Collection<T>;
  /** The response element holding the items, e.g. `volumeSet`. */
  element: string;
  write: Writer;
  /** Parameter listing ids (`VolumeId` → `VolumeId.1`, …) and the filter naming an id. */
  idParameter?: string;
  idFilter?: string;
  /** Error when an id asked for does not exist, e.g. `InvalidVolume.NotFound`. */
  notFound: { code: string; noun: string };
  malformed?: { prefix: string; code: string };
  /** Page limits; absent when the operation does not paginate. */
  limits?: PageLimits;
  /** AWS refuses MaxResults together with the id list for these. */
  idsExcludeMaxResults?: boolean;
  filters: FilterTable<T>;
  /** Narrowing that comes from other parameters (IncludeAllInstances, Owner.N). */
  scope?: (call: Ec2Call) => (item: T) => boolean;
}

const yes = (value: boolean | undefined) => (value === undefined ? undefined : String(value));

function ownedBy(call: Ec2Call, owners: string[], ownerOf: (item: { OwnerId?: string }) => string | undefined) {
  if (owners.length === 0) return () => true;
  const accepted = owners.map((owner) => (owner === 'self' ? call.model.accountId : owner));
  return (item: { OwnerId?: string; ImageOwnerAlias?: string }) => accepted.includes(ownerOf(item) ?? '') || (item.ImageOwnerAlias !== undefined && accepted.includes(item.ImageOwnerAlias));
}

function concat<T>(first: Collection<T>, second: Collection<T>): Collection<T> {
  return {
    size: first.size + second.size,
    at: (position) => (position < first.size ? first.at(position) : second.at(position - first.size)),
    positionOf: (id) => {
      const inFirst = first.positionOf(id);
      if (inFirst !== undefined) return inFirst;
      const inSecond = second.positionOf(id);
      return inSecond === undefined ? undefined : first.size + inSecond;
    },
  };
}

const INSTANCES: DescribeType<Instance> = {
  listing: (call) => call.inventory.instances,
  element: 'reservationSet',
  write: RESERVATION,
  idParameter: 'InstanceId',
  idFilter: 'instance-id',
  notFound: { code: 'InvalidInstanceID.NotFound', noun: 'instance ID' },
  malformed: { prefix: 'i', code: 'InvalidInstanceID.Malformed' },
  limits: { min: 5, max: 1000 },
  idsExcludeMaxResults: true,
  filters: {
    fields: {
      'instance-id': (i) => [i.InstanceId],
      'instance-state-name': (i) => [i.State?.Name],
      'instance-state-code': (i) => [i.State?.Code],
      'instance-type': (i) => [i.InstanceType],
      'image-id': (i) => [i.ImageId],
      'vpc-id': (i) => [i.VpcId],
      'subnet-id': (i) => [i.SubnetId],
      'availability-zone': (i) => [i.Placement?.AvailabilityZone],
      'private-ip-address': (i) => [i.PrivateIpAddress],
      'ip-address': (i) => [i.PublicIpAddress],
      'private-dns-name': (i) => [i.PrivateDnsName],
      'dns-name': (i) => [i.PublicDnsName],
      'key-name': (i) => [i.KeyName],
      'architecture': (i) => [i.Architecture],
      'instance.group-id': (i) => (i.SecurityGroups ?? []).map((group) => group.GroupId),
      'instance.group-name': (i) => (i.SecurityGroups ?? []).map((group) => group.GroupName),
      'group-id': (i) => (i.SecurityGroups ?? []).map((group) => group.GroupId),
      'group-name': (i) => (i.SecurityGroups ?? []).map((group) => group.GroupName),
      'product-code': (i) => (i.ProductCodes ?? []).map((code) => code.ProductCodeId),
    },
    tags: (i) => i.Tags,
  },
};

const INSTANCE_STATUSES: DescribeType<InstanceStatus> = {
  listing: (call) => call.inventory.instanceStatuses,
  element: 'instanceStatusSet',
  write: INSTANCE_STATUS,
  idParameter: 'InstanceId',
  idFilter: 'instance-id',
  notFound: { code: 'InvalidInstanceID.NotFound', noun: 'instance ID' },
  malformed: { prefix: 'i', code: 'InvalidInstanceID.Malformed' },
  limits: { min: 5, max: 1000 },
  idsExcludeMaxResults: true,
  filters: {
    fields: {
      'instance-id': (s) => [s.InstanceId],
      'instance-state-name': (s) => [s.InstanceState?.Name],
      'instance-state-code': (s) => [s.InstanceState?.Code],
      'instance-status.status': (s) => [s.InstanceStatus?.Status],
      'instance-status.reachability': (s) => (s.InstanceStatus?.Details ?? []).map((detail) => detail.Status),
      'system-status.status': (s) => [s.SystemStatus?.Status],
      'availability-zone': (s) => [s.AvailabilityZone],
    },
  },
  // Without IncludeAllInstances, only running instances have a status.
  scope: (call) => (call.params.boolean('IncludeAllInstances') ? () => true : (status) => status.InstanceState?.Name === 'running'),
};

const VOLUMES: DescribeType<Volume> = {
  listing: (call) => call.inventory.volumes,
  element: 'volumeSet',
  write: VOLUME,
  idParameter: 'VolumeId',
  idFilter: 'volume-id',
  notFound: { code: 'InvalidVolume.NotFound', noun: 'volume' },
  malformed: { prefix: 'vol', code: 'InvalidVolumeID.Malformed' },
  limits: { min: 5, max: 500, clampAbove: true },
  idsExcludeMaxResults: true,
  filters: {
    fields: {
      'volume-id': (v) => [v.VolumeId],
      'status': (v) => [v.State],
      'size': (v) => [v.Size],
      'volume-type': (v) => [v.VolumeType],
      'encrypted': (v) => [yes(v.Encrypted)],
      'availability-zone': (v) => [v.AvailabilityZone],
      'snapshot-id': (v) => [v.SnapshotId],
      'create-time': (v) => [v.CreateTime?.toISOString()],
      'attachment.instance-id': (v) => (v.Attachments ?? []).map((a) => a.InstanceId),
      'attachment.status': (v) => (v.Attachments ?? []).map((a) => a.State),
      'attachment.device': (v) => (v.Attachments ?? []).map((a) => a.Device),
      'attachment.delete-on-termination': (v) => (v.Attachments ?? []).map((a) => yes(a.DeleteOnTermination)),
    },
    tags: (v) => v.Tags,
  },
};

const SNAPSHOTS: DescribeType<Snapshot> = {
  listing: (call) => call.inventory.snapshots,
  element: 'snapshotSet',
  write: SNAPSHOT,
  idParameter: 'SnapshotId',
  idFilter: 'snapshot-id',
  notFound: { code: 'InvalidSnapshot.NotFound', noun: 'snapshot' },
  limits: { min: 5, max: 1000, clampAbove: true },
  idsExcludeMaxResults: true,
  filters: {
    fields: {
      'snapshot-id': (s) => [s.SnapshotId],
      'volume-id': (s) => [s.VolumeId],
      'status': (s) => [s.State],
      'owner-id': (s) => [s.OwnerId],
      'encrypted': (s) => [yes(s.Encrypted)],
      'volume-size': (s) => [s.VolumeSize],
      'description': (s) => [s.Description],
    },
    tags: (s) => s.Tags,
  },
  scope: (call) => ownedBy(call, call.params.list('Owner'), (snapshot) => snapshot.OwnerId),
};

const IMAGES: DescribeType<Image> = {
  listing: (call) => concat(call.inventory.ownedImages, call.inventory.publicImages),
  element: 'imagesSet',
  write: IMAGE,
  idParameter: 'ImageId',
  idFilter: 'image-id',
  notFound: { code: 'InvalidAMIID.NotFound', noun: 'image id' },
  malformed: { prefix: 'ami', code: 'InvalidAMIID.Malformed' },
  limits: { min: 1, max: 1000 },
  idsExcludeMaxResults: true,
  filters: {
    fields: {
      'image-id': (i) => [i.ImageId],
      'name': (i) => [i.Name],
      'state': (i) => [i.State],
      'owner-id': (i) => [i.OwnerId],
      'owner-alias': (i) => [i.ImageOwnerAlias],
      'architecture': (i) => [i.Architecture],
      'is-public': (i) => [yes(i.Public)],
      'image-type': (i) => [i.ImageType],
    },
    tags: (i) => i.Tags,
  },
  scope: (call) => ownedBy(call, call.params.list('Owner'), (image) => image.OwnerId),
};

const VPCS: DescribeType<Vpc> = {
  listing: (call) => call.inventory.vpcs,
  element: 'vpcSet',
  write: VPC,
  idParameter: 'VpcId',
  idFilter: 'vpc-id',
  notFound: { code: 'InvalidVpcID.NotFound', noun: 'vpc ID' },
  limits: { min: 5, max: 1000 },
  filters: {
    fields: {
      'vpc-id': (v) => [v.VpcId],
      'is-default': (v) => [yes(v.IsDefault)],
      'cidr': (v) => [v.CidrBlock],
      'cidr-block-association.cidr-block': (v) => (v.CidrBlockAssociationSet ?? []).map((a) => a.CidrBlock),
      'state': (v) => [v.State],
      'owner-id': (v) => [v.OwnerId],
      'dhcp-options-id': (v) => [v.DhcpOptionsId],
    },
    tags: (v) => v.Tags,
  },
};

const SUBNETS: DescribeType<Subnet> = {
  listing: (call) => call.inventory.subnets,
  element: 'subnetSet',
  write: SUBNET,
  idParameter: 'SubnetId',
  idFilter: 'subnet-id',
  notFound: { code: 'InvalidSubnetID.NotFound', noun: 'subnet ID' },
  limits: { min: 5, max: 1000 },
  filters: {
    fields: {
      'subnet-id': (s) => [s.SubnetId],
      'vpc-id': (s) => [s.VpcId],
      'availability-zone': (s) => [s.AvailabilityZone],
      'availability-zone-id': (s) => [s.AvailabilityZoneId],
      'cidr-block': (s) => [s.CidrBlock],
      'default-for-az': (s) => [yes(s.DefaultForAz)],
      'map-public-ip-on-launch': (s) => [yes(s.MapPublicIpOnLaunch)],
      'state': (s) => [s.State],
      'owner-id': (s) => [s.OwnerId],
    },
    tags: (s) => s.Tags,
  },
};

const SECURITY_GROUPS: DescribeType<SecurityGroup> = {
  listing: (call) => call.inventory.securityGroups,
  element: 'securityGroupInfo',
  write: SECURITY_GROUP,
  idParameter: 'GroupId',
  idFilter: 'group-id',
  notFound: { code: 'InvalidGroup.NotFound', noun: 'security group' },
  limits: { min: 5, max: 1000 },
  idsExcludeMaxResults: true,
  filters: {
    fields: {
      'group-id': (g) => [g.GroupId],
      'group-name': (g) => [g.GroupName],
      'vpc-id': (g) => [g.VpcId],
      'description': (g) => [g.Description],
      'owner-id': (g) => [g.OwnerId],
      'ip-permission.cidr': (g) => (g.IpPermissions ?? []).flatMap((p) => (p.IpRanges ?? []).map((r) => r.CidrIp)),
      'ip-permission.ipv6-cidr': (g) => (g.IpPermissions ?? []).flatMap((p) => (p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6)),
      'ip-permission.from-port': (g) => (g.IpPermissions ?? []).map((p) => p.FromPort),
      'ip-permission.to-port': (g) => (g.IpPermissions ?? []).map((p) => p.ToPort),
      'ip-permission.protocol': (g) => (g.IpPermissions ?? []).map((p) => p.IpProtocol),
      'ip-permission.group-id': (g) => (g.IpPermissions ?? []).flatMap((p) => (p.UserIdGroupPairs ?? []).map((pair) => pair.GroupId)),
    },
    tags: (g) => g.Tags,
  },
  scope: (call) => {
    const names = call.params.list('GroupName');
    return names.length === 0 ? () => true : (group) => names.includes(group.GroupName ?? '');
  },
};

const NETWORK_INTERFACES: DescribeType<NetworkInterface> = {
  listing: (call) => call.inventory.networkInterfaces,
  element: 'networkInterfaceSet',
  write: NETWORK_INTERFACE,
  idParameter: 'NetworkInterfaceId',
  idFilter: 'network-interface-id',
  notFound: { code: 'InvalidNetworkInterfaceID.NotFound', noun: 'networkInterface ID' },
  malformed: { prefix: 'eni', code: 'InvalidNetworkInterfaceID.Malformed' },
  limits: { min: 5, max: 1000 },
  idsExcludeMaxResults: true,
  filters: {
    fields: {
      'network-interface-id': (n) => [n.NetworkInterfaceId],
      'attachment.instance-id': (n) => [n.Attachment?.InstanceId],
      'attachment.status': (n) => [n.Attachment?.Status],
      'status': (n) => [n.Status],
      'subnet-id': (n) => [n.SubnetId],
      'vpc-id': (n) => [n.VpcId],
      'availability-zone': (n) => [n.AvailabilityZone],
      'private-ip-address': (n) => [n.PrivateIpAddress],
      'group-id': (n) => (n.Groups ?? []).map((group) => group.GroupId),
      'association.public-ip': (n) => [n.Association?.PublicIp],
      'interface-type': (n) => [n.InterfaceType],
      'owner-id': (n) => [n.OwnerId],
    },
    tags: (n) => n.TagSet,
  },
};

const ADDRESSES: DescribeType<Address> = {
  listing: (call) => call.inventory.addresses,
  element: 'addressesSet',
  write: ADDRESS,
  idParameter: 'AllocationId',
  idFilter: 'allocation-id',
  notFound: { code: 'InvalidAllocationID.NotFound', noun: 'allocation ID' },
  filters: {
    fields: {
      'allocation-id': (a) => [a.AllocationId],
      'association-id': (a) => [a.AssociationId],
      'instance-id': (a) => [a.InstanceId],
      'public-ip': (a) => [a.PublicIp],
      'network-interface-id': (a) => [a.NetworkInterfaceId],
      'private-ip-address': (a) => [a.PrivateIpAddress],
      'domain': (a) => [a.Domain],
      'network-border-group': (a) => [a.NetworkBorderGroup],
    },
    tags: (a) => a.Tags,
  },
  scope: (call) => {
    const publicIps = call.params.list('PublicIp');
    if (publicIps.length === 0) return () => true;
    const known = new Set(call.model.addresses.map((address) => address.publicIp));
    const missing = publicIps.filter((ip) => !known.has(ip));
    if (missing.length > 0) throw new SandboxApiError('InvalidAddress.NotFound', `Address '${missing.join(', ')}' not found.`);
    return (address) => publicIps.includes(address.PublicIp ?? '');
  },
};

function notFoundError(type: DescribeType<unknown>, missing: string[]): SandboxApiError {
  const { code, noun } = type.notFound;
  const plural = missing.length > 1;
  return new SandboxApiError(code, `The ${noun}${plural ? 's' : ''} '${missing.join(', ')}' ${plural ? 'do' : 'does'} not exist`);
}

/** The one describe routine: ids or id filter → positions; filters and scope → predicate; then a page. */
function describe<T>(call: Ec2Call, out: XmlOut, type: DescribeType<T>, writeItems: (found: T[]) => void = (found) => listOf(type.write)(out, type.element, found)): void {
  const { params } = call;
  const listing = type.listing(call);
  const ids = type.idParameter ? [...new Set(params.list(type.idParameter))] : [];
  const maxResults = params.integer('MaxResults');
  if (ids.length > 0 && maxResults !== undefined && type.idsExcludeMaxResults) {
    throw new SandboxApiError('InvalidParameterCombination', `The parameter ${type.idParameter}s cannot be used with the parameter maxResults`);
  }
  const filters = params.filters();
  const matches = compileFilters(filters, type.filters);
  const scope = type.scope?.(call) ?? (() => true);
  const predicate = (item: T) => scope(item) && matches(item);

  let positions: number[] | undefined;
  if (ids.length > 0) {
    const malformed = type.malformed && ids.find((id) => !looksLikeId(type.malformed?.prefix ?? '', id));
    if (malformed && type.malformed) throw new SandboxApiError(type.malformed.code, `Invalid id: "${malformed}"`);
    const found = ids.map((id) => ({ id, position: listing.positionOf(id) }))
      .map((entry) => ({ ...entry, exists: entry.position !== undefined && entry.position < listing.size && listing.at(entry.position) !== undefined }));
    const missing = found.filter((entry) => !entry.exists).map((entry) => entry.id);
    if (missing.length > 0) throw notFoundError(type as DescribeType<unknown>, missing);
    positions = found.map((entry) => entry.position as number);
  } else if (type.idFilter) {
    // An id filter naming exact ids: look them up instead of scanning the region.
    const exact = exactValues(filters, type.idFilter);
    if (exact) positions = [...new Set(exact.map((id) => listing.positionOf(id)).filter((position): position is number => position !== undefined))].sort((a, b) => a - b);
  }
  const source = positions ? listedPositions(positions) : allPositions(listing.size);
  const scopeKey = `${call.action}|${call.model.accountId}|${call.model.regionName}|${call.inventory.epoch}`;
  if (!type.limits) {
    if (maxResults !== undefined) throw new SandboxApiError('InvalidParameterValue', `The parameter MaxResults is not recognized for ${call.action}`);
    writeItems(pageThrough(listing, source, predicate, Number.MAX_SAFE_INTEGER, scopeKey, undefined).items);
    return;
  }
  const page = pageThrough(listing, source, predicate, pageSize(maxResults, type.limits), scopeKey, params.get('NextToken'));
  writeItems(page.items);
  scalar(out, 'nextToken', page.nextToken);
}

/** Instances grouped into their reservations, consecutive ones sharing a reservation together. */
function reservationsOf(call: Ec2Call, instances: Instance[]): Reservation[] {
  const reservations: Reservation[] = [];
  for (const instance of instances) {
    const index = call.model.ids.instance.decode(instance.InstanceId ?? '') ?? 0;
    const reservationId = planInstance(call.model, index).reservationId;
    const last = reservations.at(-1);
    if (last?.ReservationId === reservationId) last.Instances?.push(instance);
    else reservations.push({ ReservationId: reservationId, OwnerId: call.model.accountId, Groups: [], Instances: [instance] });
  }
  return reservations;
}

function describeRegions(call: Ec2Call, out: XmlOut): void {
  const { spec, account, params } = call;
  const enabled = account.enabledRegions.map((name): Region => ({ RegionName: name, Endpoint: ec2Endpoint(name), OptInStatus: 'opt-in-not-required' }));
  const notOptedIn = spec.optIn.map((name): Region => ({ RegionName: name, Endpoint: ec2Endpoint(name), OptInStatus: 'not-opted-in' }));
  const names = params.list('RegionName');
  const all = params.boolean('AllRegions') ? [...enabled, ...notOptedIn] : enabled;
  const unknown = names.filter((name) => !all.some((region) => region.RegionName === name));
  if (unknown.length > 0) throw new SandboxApiError('InvalidParameterValue', `Invalid region: ${unknown.join(', ')}`);
  const matches = compileFilters<Region>(params.filters(), {
    fields: { 'region-name': (r) => [r.RegionName], 'endpoint': (r) => [r.Endpoint], 'opt-in-status': (r) => [r.OptInStatus] },
  });
  const regions = all.filter((region) => (names.length === 0 || names.includes(region.RegionName ?? '')) && matches(region));
  listOf(REGION)(out, 'regionInfo', regions);
}

function describeAvailabilityZones(call: Ec2Call, out: XmlOut): void {
  const { model, params } = call;
  const zones = model.network.zones.map((zone) => zoneShape(zone, model.regionName));
  const names = params.list('ZoneName');
  const ids = params.list('ZoneId');
  const unknown = names.filter((name) => !zones.some((zone) => zone.ZoneName === name));
  if (unknown.length > 0) throw new SandboxApiError('InvalidParameterValue', `The zone '${unknown.join(', ')}' does not exist.`);
  const matches = compileFilters<AvailabilityZone>(params.filters(), {
    fields: {
      'zone-name': (z) => [z.ZoneName], 'zone-id': (z) => [z.ZoneId], 'state': (z) => [z.State], 'region-name': (z) => [z.RegionName],
      'zone-type': (z) => [z.ZoneType], 'group-name': (z) => [z.GroupName], 'opt-in-status': (z) => [z.OptInStatus],
    },
  });
  listOf(AVAILABILITY_ZONE)(out, 'availabilityZoneInfo', zones.filter((zone) =>
    (names.length === 0 || names.includes(zone.ZoneName ?? '')) && (ids.length === 0 || ids.includes(zone.ZoneId ?? '')) && matches(zone)));
}

const INSTANCE_ATTRIBUTES = ['instanceType', 'userData', 'disableApiTermination', 'disableApiStop', 'instanceInitiatedShutdownBehavior',
  'rootDeviceName', 'blockDeviceMapping', 'productCodes', 'sourceDestCheck', 'groupSet', 'ebsOptimized', 'sriovNetSupport', 'enaSupport'];

function describeInstanceAttribute(call: Ec2Call, out: XmlOut): void {
  const { params, model, inventory } = call;
  const instanceId = params.require('InstanceId');
  const attribute = params.require('Attribute');
  if (!INSTANCE_ATTRIBUTES.includes(attribute)) {
    throw new SandboxApiError('InvalidParameterValue', `Value (${attribute}) for parameter attribute is invalid. Expecting one of ${INSTANCE_ATTRIBUTES.join(', ')}.`);
  }
  if (!looksLikeId('i', instanceId)) throw new SandboxApiError('InvalidInstanceID.Malformed', `Invalid id: "${instanceId}"`);
  const index = model.ids.instance.decode(instanceId);
  const instance = index === undefined ? undefined : describeInstance(model, index, inventory.epoch);
  if (index === undefined || !instance) throw new SandboxApiError('InvalidInstanceID.NotFound', `The instance ID '${instanceId}' does not exist`);
  scalar(out, 'instanceId', instanceId);
  const value = (text: string | boolean | undefined) => ATTRIBUTE_VALUE(out, attribute, text === undefined ? {} : { Value: text });
  switch (attribute) {
    case 'userData': {
      const userData = userDataOf(model, planInstance(model, index));
      return value(userData === undefined ? undefined : Buffer.from(userData).toString('base64'));
    }
    case 'instanceType': return value(instance.InstanceType);
    case 'rootDeviceName': return value(instance.RootDeviceName);
    case 'instanceInitiatedShutdownBehavior': return value('stop');
    case 'disableApiTermination': case 'disableApiStop': return value(false);
    case 'sourceDestCheck': return value(instance.SourceDestCheck ?? true);
    case 'ebsOptimized': return value(instance.EbsOptimized);
    case 'enaSupport': return value(instance.EnaSupport);
    case 'sriovNetSupport': return value('simple');
    case 'groupSet': return GROUP_SET(out, 'groupSet', instance.SecurityGroups ?? []);
    case 'productCodes': return PRODUCT_CODES(out, 'productCodes', instance.ProductCodes ?? []);
    default: return listOf(INSTANCE_BLOCK_DEVICE)(out, 'blockDeviceMapping', instance.BlockDeviceMappings ?? []);
  }
}

export const EC2_HANDLERS: Record<Ec2Operation, Ec2Handler> = {
  DescribeRegions: describeRegions,
  DescribeAvailabilityZones: describeAvailabilityZones,
  DescribeInstances: (call, out) => describe(call, out, INSTANCES, (found) => listOf(RESERVATION)(out, 'reservationSet', reservationsOf(call, found))),
  DescribeInstanceStatus: (call, out) => describe(call, out, INSTANCE_STATUSES),
  DescribeInstanceAttribute: describeInstanceAttribute,
  DescribeVolumes: (call, out) => describe(call, out, VOLUMES),
  DescribeSnapshots: (call, out) => describe(call, out, SNAPSHOTS),
  DescribeImages: (call, out) => describe(call, out, IMAGES),
  DescribeVpcs: (call, out) => describe(call, out, VPCS),
  DescribeSubnets: (call, out) => describe(call, out, SUBNETS),
  DescribeSecurityGroups: (call, out) => describe(call, out, SECURITY_GROUPS),
  DescribeNetworkInterfaces: (call, out) => describe(call, out, NETWORK_INTERFACES),
  DescribeAddresses: (call, out) => describe(call, out, ADDRESSES),
};

export function ec2Call(action: Ec2Operation, params: QueryParams, spec: SandboxSpec, account: AccountModel, model: RegionModel): Ec2Call {
  return { action, params, spec, account, model, inventory: new RegionInventory(model, spec.epoch) };
}
