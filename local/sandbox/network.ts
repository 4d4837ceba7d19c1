/**
 * VPCs, subnets and availability zones of one region: a default VPC (172.31.0.0/16, one
 * default subnet per zone) and an application VPC with a public and a private subnet in up to
 * three zones. Subnets are sized from the instance count so every instance gets its own address.
 */
import type { AvailabilityZone, Subnet, Vpc } from '@aws-sdk/client-ec2';
import { IdCodec } from './ids';
import type { Dice } from './random';
import type { RegionInfo } from './regions';

export interface ZonePlan {
  name: string;
  zoneId: string;
}

export interface VpcPlan {
  id: string;
  cidr: string;
  isDefault: boolean;
  name?: string;
  dhcpOptionsId: string;
}

export interface SubnetPlan {
  id: string;
  vpcIndex: number;
  zone: ZonePlan;
  cidr: string;
  /** The subnet's network address as an integer. */
  network: number;
  /** Addresses instances can use: AWS reserves the first four and the last one. */
  capacity: number;
  isPublic: boolean;
  defaultForAz: boolean;
  name?: string;
}

export interface NetworkPlan {
  zones: ZonePlan[];
  vpcs: VpcPlan[];
  subnets: SubnetPlan[];
  /** Indexes into `subnets` of the application VPC's public and private subnets. */
  publicSubnets: number[];
  privateSubnets: number[];
}

export const DEFAULT_VPC = 0;
export const APP_VPC = 1;

export function ipToInt(ip: string): number {
  return ip.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
}

export function intToIp(value: number): string {
  return `${(value >>> 24) & 255}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/** Zones get account-specific zone ids, like AWS, which maps zone names differently per account. */
function planZones(region: RegionInfo, dice: Dice): ZonePlan[] {
  const letters = [...region.zoneLetters];
  const rotation = dice.between(0, letters.length - 1, 1);
  return letters.map((letter, i) => ({
    name: `${region.name}${letter}`,
    zoneId: `${region.zoneIdPrefix}-az${((i + rotation) % letters.length) + 1}`,
  }));
}

/** Host bits per application subnet: room for 4× the base instance count (growth over epochs). */
function appSubnetHostBits(baseInstances: number): number {
  return Math.max(12, Math.ceil(Math.log2(4 * baseInstances + 1024)));
}

export function planNetwork(region: RegionInfo, dice: Dice, baseInstances: number): NetworkPlan {
  const vpcIds = new IdCodec('vpc', dice.key ^ 0x01);
  const subnetIds = new IdCodec('subnet', dice.key ^ 0x02);
  const zones = planZones(region, dice);
  const appZones = zones.slice(0, 3);
  const hostBits = appSubnetHostBits(baseInstances);
  const appVpcPrefix = Math.min(16, 32 - hostBits - 3);
  const vpcs: VpcPlan[] = [
    { id: vpcIds.encode(DEFAULT_VPC), cidr: '172.31.0.0/16', isDefault: true, dhcpOptionsId: `dopt-0${dice.hex(16, 2)}` },
    { id: vpcIds.encode(APP_VPC), cidr: `10.0.0.0/${appVpcPrefix}`, isDefault: false, name: 'app-vpc', dhcpOptionsId: `dopt-0${dice.hex(16, 2)}` },
  ];

  const subnets: SubnetPlan[] = zones.map((zone, i) => {
    const network = ipToInt('172.31.0.0') + i * 4096;
    return {
      id: subnetIds.encode(i), vpcIndex: DEFAULT_VPC, zone, cidr: `${intToIp(network)}/20`, network,
      capacity: 4096 - 5, isPublic: true, defaultForAz: true,
    };
  });
  const publicSubnets: number[] = [];
  const privateSubnets: number[] = [];
  appZones.forEach((zone, z) => {
    for (const isPublic of [true, false]) {
      const slot = z * 2 + (isPublic ? 0 : 1);
      const network = ipToInt('10.0.0.0') + slot * 2 ** hostBits;
      (isPublic ? publicSubnets : privateSubnets).push(subnets.length);
      subnets.push({
        id: subnetIds.encode(subnets.length), vpcIndex: APP_VPC, zone, cidr: `${intToIp(network)}/${32 - hostBits}`, network,
        capacity: 2 ** hostBits - 5, isPublic, defaultForAz: false, name: `app-${isPublic ? 'public' : 'private'}-${zone.name.slice(-1)}`,
      });
    }
  });
  return { zones, vpcs, subnets, publicSubnets, privateSubnets };
}

/** The n-th usable address of a subnet (AWS reserves .0 to .3). */
export function subnetAddress(subnet: SubnetPlan, n: number): string {
  return intToIp(subnet.network + 4 + (n % subnet.capacity));
}

export function nameTags(name: string | undefined): { Key: string; Value: string }[] {
  return name ? [{ Key: 'Name', Value: name }] : [];
}

export function vpcShape(vpc: VpcPlan, accountId: string, dice: Dice, index: number): Vpc {
  return {
    OwnerId: accountId,
    InstanceTenancy: 'default',
    CidrBlockAssociationSet: [{ AssociationId: `vpc-cidr-assoc-0${dice.hex(16, 3, index)}`, CidrBlock: vpc.cidr, CidrBlockState: { State: 'associated' } }],
    IsDefault: vpc.isDefault,
    Tags: nameTags(vpc.name),
    VpcId: vpc.id,
    State: 'available',
    CidrBlock: vpc.cidr,
    DhcpOptionsId: vpc.dhcpOptionsId,
  };
}

export function subnetShape(subnet: SubnetPlan, plan: NetworkPlan, accountId: string, region: string, usedAddresses: number): Subnet {
  return {
    AvailabilityZoneId: subnet.zone.zoneId,
    MapCustomerOwnedIpOnLaunch: false,
    OwnerId: accountId,
    AssignIpv6AddressOnCreation: false,
    Ipv6CidrBlockAssociationSet: [],
    Tags: nameTags(subnet.name),
    SubnetArn: `arn:aws:ec2:${region}:${accountId}:subnet/${subnet.id}`,
    EnableDns64: false,
    Ipv6Native: false,
    PrivateDnsNameOptionsOnLaunch: { HostnameType: 'ip-name', EnableResourceNameDnsARecord: false, EnableResourceNameDnsAAAARecord: false },
    SubnetId: subnet.id,
    State: 'available',
    VpcId: plan.vpcs[subnet.vpcIndex]?.id,
    CidrBlock: subnet.cidr,
    AvailableIpAddressCount: Math.max(0, subnet.capacity - usedAddresses),
    AvailabilityZone: subnet.zone.name,
    DefaultForAz: subnet.defaultForAz,
    MapPublicIpOnLaunch: subnet.isPublic,
  };
}

export function zoneShape(zone: ZonePlan, region: string): AvailabilityZone {
  return {
    OptInStatus: 'opt-in-not-required',
    Messages: [],
    RegionName: region,
    ZoneName: zone.name,
    ZoneId: zone.zoneId,
    GroupName: region,
    NetworkBorderGroup: region,
    ZoneType: 'availability-zone',
    State: 'available',
  };
}
