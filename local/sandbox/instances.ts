/**
 * EC2 instances. Instance i of a region is planned from a hash of (seed, account, region, i)
 * and of its reservation (instances launched together share role, type, AMI, subnet, groups
 * and launch time); the timeline says when it launched, stopped, started, was retagged or
 * terminated. Nothing here depends on other instances, so any page can be produced on its own.
 */
import type {
  _InstanceType, GroupIdentifier, Instance, InstanceBlockDeviceMapping, InstanceNetworkInterface, InstancePrivateIpAddress, InstanceStatus, InstanceStatusSummary, Tag,
} from '@aws-sdk/client-ec2';
import { ENVIRONMENTS, ROLE_PROFILES, SANDBOX_SECRET_PREFIX, SERVER_ROLES, TEAMS, roleProfile, type ServerRole } from './catalog';
import { SANDBOX_CLOCK_START_MS, gmtText, timeBeforeStart, timeWithinStep } from './clock';
import type { Collection } from './collection';
import type { Architecture } from './images';
import { subnetAddress } from './network';
import type { RegionModel } from './region-model';
import { roleGroupIndex, GROUP_INDEX } from './security-groups';
import { NEVER } from './timeline';
import { attachedVolumesAt } from './volumes';

export type RoleSource = 'tag' | 'userData' | 'none';
export type InstanceStateName = 'running' | 'stopped' | 'terminated';

/** What an instance was launched with; never changes afterwards. */
export interface InstancePlan {
  index: number;
  id: string;
  networkInterfaceId: string;
  /** Of the primary network interface. */
  attachmentId: string;
  macAddress: string;
  rootVolumeId: string;
  dataVolumeId?: string;
  reservationStart: number;
  reservationId: string;
  launchEpoch: number;
  launchTime: Date;
  /** The role the instance was launched for; null when nothing tells it (no Role tag, no role= line). */
  launchRole: ServerRole | null;
  roleSource: RoleSource;
  instanceType: string;
  architecture: Architecture;
  imageId: string;
  subnet: number;
  privateIp: string;
  keyName: string;
  groups: number[];
  productCodes: string[];
  hasDataVolume: boolean;
  impaired: boolean;
  baseName?: string;
  environment: string;
  team: string;
  hasUserData: boolean;
}

/** Salts: one per independent draw about an instance or reservation. */
const DRAW = {
  reservationBreak: 1, role: 2, roleSource: 3, instanceType: 4, image: 5, ownImage: 6, zone: 7, sshAdmin: 8,
  productCode: 9, dataVolume: 10, stopped: 11, impaired: 12, unnamed: 13, environment: 14, team: 15,
  launchTime: 16, stopTime: 17, terminateTime: 18, powerTime: 19, userData: 20, secret: 21, mac: 22,
} as const;

const MAX_RESERVATION_SIZE = 5;
const ROLE_WEIGHTS = SERVER_ROLES.map((role) => ROLE_PROFILES[role].weight);

/** Instances launched in the same step may share a reservation; base ones too. */
function startsReservation(model: RegionModel, index: number): boolean {
  if (index === 0 || index % MAX_RESERVATION_SIZE === 0) return true;
  const timeline = model.timeline;
  if (timeline.launchEpoch(index) !== timeline.launchEpoch(index - 1)) return true;
  return model.instanceDice.chance(0.6, index, DRAW.reservationBreak);
}

function reservationStartOf(model: RegionModel, index: number): number {
  let start = index;
  while (!startsReservation(model, start)) start--;
  return start;
}

/** Some of the base instances were already stopped before epoch 0; launched ones start running. */
export function startsStopped(model: RegionModel, index: number): boolean {
  return index < model.baseInstances && model.instanceDice.chance(0.08, index, DRAW.stopped);
}

export function hasDataVolume(model: RegionModel, index: number): boolean {
  return model.instanceDice.chance(0.3, index, DRAW.dataVolume);
}

function architectureOf(instanceType: string): Architecture {
  return /^[a-z]+\d+g/.test(instanceType) ? 'arm64' : 'x86_64';
}

const PLAN_CACHE_SIZE = 4096;
const planCaches = new WeakMap<RegionModel, Map<number, InstancePlan>>();

/** The plan of instance `index`, remembered for the few thousand most recent (a page asks for each several times). */
export function planInstance(model: RegionModel, index: number): InstancePlan {
  // Instances beyond the built timeline have no launch epoch yet: compute, never remember.
  if (index >= model.timeline.knownInstances()) return computePlan(model, index);
  let cache = planCaches.get(model);
  if (!cache) planCaches.set(model, (cache = new Map()));
  let plan = cache.get(index);
  if (!plan) {
    // Start over when full: cheaper than evicting one by one from a Map.
    if (cache.size >= PLAN_CACHE_SIZE) cache.clear();
    plan = computePlan(model, index);
    cache.set(index, plan);
  }
  return plan;
}

function computePlan(model: RegionModel, index: number): InstancePlan {
  const dice = model.instanceDice;
  const start = reservationStartOf(model, index);
  const launchEpoch = model.timeline.launchEpoch(index);
  const roleSource = dice.pickWeighted<RoleSource>(['tag', 'userData', 'none'], [75, 17, 8], start, DRAW.roleSource);
  const launchRole = roleSource === 'none' ? null : dice.pickWeighted(SERVER_ROLES, ROLE_WEIGHTS, start, DRAW.role);
  const profile = roleProfile(launchRole);
  const instanceType = dice.pick(profile.instanceTypes, start, DRAW.instanceType);
  const architecture = architectureOf(instanceType);
  const { owned, available } = model.imagesFor(architecture);
  const images = owned.length > 0 && dice.chance(0.6, start, DRAW.ownImage) ? owned : available;
  const subnets = profile.publicSubnet ? model.network.publicSubnets : model.network.privateSubnets;
  const subnet = dice.pick(subnets, start, DRAW.zone);
  const subnetPlan = model.network.subnets[subnet];
  const launchTime = launchEpoch === 0 ? timeBeforeStart(dice.unit(start, DRAW.launchTime), 700) : timeWithinStep(launchEpoch, dice.unit(start, DRAW.launchTime));
  const groups = [roleGroupIndex(launchRole)];
  if (dice.chance(0.15, start, DRAW.sshAdmin)) groups.push(GROUP_INDEX.sshAdmin);
  const environment = dice.pick(ENVIRONMENTS, start, DRAW.environment);
  const team = dice.pick(TEAMS, start, DRAW.team);
  const withDataVolume = hasDataVolume(model, index);
  const plan: InstancePlan = {
    index,
    id: model.ids.instance.encode(index),
    networkInterfaceId: model.ids.networkInterface.encode(index),
    attachmentId: `eni-attach-0${dice.hex(16, index, DRAW.mac, 9)}`,
    macAddress: macAddress(dice, index, 0),
    rootVolumeId: model.ids.rootVolume.encode(index),
    reservationStart: start,
    reservationId: model.ids.reservation.encode(start),
    launchEpoch,
    launchTime,
    launchRole,
    roleSource,
    instanceType,
    architecture,
    imageId: dice.pick(images, start, DRAW.image)?.id ?? 'ami-00000000000000000',
    subnet,
    privateIp: subnetPlan ? subnetAddress(subnetPlan, index) : '10.0.0.4',
    keyName: `${team}-${environment}`,
    groups,
    productCodes: dice.chance(0.03, start, DRAW.productCode) ? [dice.alphanumeric(25, start, DRAW.productCode).toLowerCase()] : [],
    hasDataVolume: withDataVolume,
    impaired: dice.chance(0.03, index, DRAW.impaired),
    baseName: dice.chance(0.04, index, DRAW.unnamed) ? undefined : `${profile.namePrefix}-${String(index + 1).padStart(4, '0')}`,
    environment,
    team,
    hasUserData: roleSource === 'userData' || dice.chance(roleSource === 'tag' ? 0.5 : 0.6, start, DRAW.userData),
  };
  // Optional members are set afterwards: spreading them into a big literal is slow in V8.
  if (withDataVolume) plan.dataVolumeId = model.ids.dataVolume.encode(index);
  return plan;
}

/** The instance's state at `epoch`, or undefined when it does not exist then (not launched yet, or terminated earlier). */
export function instanceStateAt(model: RegionModel, index: number, epoch: number): InstanceStateName | undefined {
  const timeline = model.timeline;
  if (index >= timeline.instanceSpace(epoch) || timeline.launchEpoch(index) > epoch) return undefined;
  const terminated = timeline.terminateEpoch(index);
  if (terminated < epoch) return undefined;
  if (terminated === epoch) return 'terminated';
  if (model.stoppedEpochs.has(epoch)) return 'stopped';
  const flips = timeline.powerChangesUpTo(index, epoch).length;
  return startsStopped(model, index) !== (flips % 2 === 1) ? 'stopped' : 'running';
}

export function terminationTime(model: RegionModel, index: number): Date | undefined {
  const epoch = model.timeline.terminateEpoch(index);
  return epoch === NEVER ? undefined : timeWithinStep(epoch, model.instanceDice.unit(index, epoch, DRAW.terminateTime));
}

export function powerChangeTime(model: RegionModel, index: number, epoch: number): Date {
  return timeWithinStep(epoch, model.instanceDice.unit(index, epoch, DRAW.powerTime));
}

/** When the instance last stopped (for a stopped instance). */
function stopTime(model: RegionModel, plan: InstancePlan, epoch: number): Date {
  const lastFlip = model.timeline.powerChangesUpTo(plan.index, epoch).at(-1);
  if (lastFlip !== undefined) return powerChangeTime(model, plan.index, lastFlip);
  const sinceLaunch = SANDBOX_CLOCK_START_MS - plan.launchTime.getTime();
  return new Date(plan.launchTime.getTime() + Math.floor(model.instanceDice.unit(plan.index, DRAW.stopTime) * sinceLaunch / 1000) * 1000);
}

export function instanceTagsAt(model: RegionModel, plan: InstancePlan, epoch: number): Tag[] {
  const tags = new Map<string, string>();
  if (plan.baseName) tags.set('Name', plan.baseName);
  if (plan.roleSource === 'tag' && plan.launchRole) tags.set('Role', plan.launchRole);
  tags.set('Environment', plan.environment);
  tags.set('Team', plan.team);
  for (const edit of model.timeline.tagEditsUpTo(plan.index, epoch)) tags.set(edit.key, edit.value);
  return [...tags].map(([Key, Value]) => ({ Key, Value }));
}

/** The server role as the Tap agent tells it: the Role tag, else the role= line of the user data. */
export function effectiveRole(plan: InstancePlan, tags: readonly Tag[]): ServerRole | null {
  const roleTag = tags.find((tag) => tag.Key === 'Role')?.Value;
  if (roleTag) return SERVER_ROLES.find((role) => role === roleTag) ?? null;
  return plan.roleSource === 'userData' ? plan.launchRole : null;
}

export function roleAt(model: RegionModel, index: number, epoch: number): ServerRole | null {
  const plan = planInstance(model, index);
  return effectiveRole(plan, instanceTagsAt(model, plan, epoch));
}

/** Realistic boot script: the role= line (for role-by-user-data instances) sits among a secret and other lines. */
export function userDataOf(model: RegionModel, plan: InstancePlan): string | undefined {
  if (!plan.hasUserData) return undefined;
  const secret = `${SANDBOX_SECRET_PREFIX}${model.instanceDice.hex(20, plan.index, DRAW.secret)}`;
  const lines = [
    '#!/bin/bash',
    `# bootstrap ${plan.baseName ?? plan.id} (${plan.team}/${plan.environment})`,
    'set -euo pipefail',
    `export APP_ENV=${plan.environment}`,
    `export TEAM=${plan.team}`,
    ...(plan.roleSource === 'userData' && plan.launchRole ? [`role=${plan.launchRole}`] : []),
    `DB_PASSWORD=${secret}`,
    `/opt/bootstrap/install.sh --cluster ${plan.team}-${plan.environment}`,
  ];
  return lines.join('\n') + '\n';
}

export function privateDnsName(region: string, ip: string): string {
  const host = `ip-${ip.replace(/\./g, '-')}`;
  return region === 'us-east-1' ? `${host}.ec2.internal` : `${host}.${region}.compute.internal`;
}

export function publicDnsName(region: string, ip: string): string {
  const host = `ec2-${ip.replace(/\./g, '-')}`;
  return region === 'us-east-1' ? `${host}.compute-1.amazonaws.com` : `${host}.${region}.compute.amazonaws.com`;
}

/** The public IP an instance has in this state: its Elastic IP, or an automatic one while it runs in a public subnet. */
export function publicIpOf(model: RegionModel, plan: InstancePlan, state: InstanceStateName): string | undefined {
  if (state === 'terminated') return undefined;
  const address = model.addressOfInstance(plan.index);
  if (address) return address.publicIp;
  const subnet = model.network.subnets[plan.subnet];
  return state === 'running' && subnet?.isPublic ? model.autoPublicIp(plan.index) : undefined;
}

const STATE_CODES: Record<InstanceStateName, number> = { running: 16, stopped: 80, terminated: 48 };

function cpuOptions(instanceType: string, architecture: Architecture): { CoreCount: number; ThreadsPerCore: number } {
  const size = instanceType.split('.')[1] ?? 'large';
  const multiple = /^(\d+)xlarge$/.exec(size)?.[1];
  const vcpus = multiple ? Number(multiple) * 4 : size === 'xlarge' ? 4 : 2;
  return architecture === 'arm64' ? { CoreCount: vcpus, ThreadsPerCore: 1 } : { CoreCount: Math.max(1, vcpus / 2), ThreadsPerCore: 2 };
}

export function macAddress(dice: RegionModel['instanceDice'], index: number, salt: number): string {
  const hex = dice.hex(10, index, DRAW.mac, salt);
  return `02:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}:${hex.slice(6, 8)}:${hex.slice(8, 10)}`;
}

function groupIdentifiers(model: RegionModel, groups: readonly number[]): GroupIdentifier[] {
  return groups.map((group) => ({ GroupId: model.securityGroups[group]?.id, GroupName: model.securityGroups[group]?.name }));
}

export function describeInstance(model: RegionModel, index: number, epoch: number): Instance | undefined {
  const state = instanceStateAt(model, index, epoch);
  if (!state) return undefined;
  const plan = planInstance(model, index);
  const subnet = model.network.subnets[plan.subnet];
  const zone = subnet?.zone;
  const publicIp = publicIpOf(model, plan, state);
  const region = model.regionName;
  const gone = state === 'terminated';
  const instance: Instance = {
    Architecture: plan.architecture,
    BlockDeviceMappings: gone ? [] : blockDeviceMappings(model, plan, epoch),
    EbsOptimized: !plan.instanceType.startsWith('t'),
    EnaSupport: true,
    Hypervisor: 'xen',
    NetworkInterfaces: gone ? [] : [primaryNetworkInterface(model, plan, publicIp)],
    RootDeviceName: '/dev/xvda',
    RootDeviceType: 'ebs',
    SecurityGroups: gone ? [] : groupIdentifiers(model, plan.groups),
    Tags: instanceTagsAt(model, plan, epoch),
    VirtualizationType: 'hvm',
    CpuOptions: cpuOptions(plan.instanceType, plan.architecture),
    CapacityReservationSpecification: { CapacityReservationPreference: 'open' },
    HibernationOptions: { Configured: false },
    MetadataOptions: { State: 'applied', HttpTokens: 'required', HttpPutResponseHopLimit: 2, HttpEndpoint: 'enabled', HttpProtocolIpv6: 'disabled', InstanceMetadataTags: 'disabled' },
    EnclaveOptions: { Enabled: false },
    BootMode: 'uefi-preferred',
    PlatformDetails: 'Linux/UNIX',
    UsageOperation: 'RunInstances',
    UsageOperationUpdateTime: plan.launchTime,
    MaintenanceOptions: { AutoRecovery: 'default' },
    CurrentInstanceBootMode: 'uefi',
    InstanceId: plan.id,
    ImageId: plan.imageId,
    State: { Code: STATE_CODES[state], Name: state },
    PrivateDnsName: gone ? '' : privateDnsName(region, plan.privateIp),
    PublicDnsName: publicIp ? publicDnsName(region, publicIp) : '',
    StateTransitionReason: '',
    KeyName: plan.keyName,
    AmiLaunchIndex: index - plan.reservationStart,
    ProductCodes: plan.productCodes.map((code) => ({ ProductCodeId: code, ProductCodeType: 'marketplace' })),
    InstanceType: plan.instanceType as _InstanceType,
    LaunchTime: plan.launchTime,
    Placement: { AvailabilityZoneId: zone?.zoneId, GroupName: '', Tenancy: 'default', AvailabilityZone: zone?.name },
    Monitoring: { State: 'disabled' },
  };
  if (!gone) {
    instance.SourceDestCheck = true;
    instance.PrivateDnsNameOptions = { HostnameType: 'ip-name', EnableResourceNameDnsARecord: false, EnableResourceNameDnsAAAARecord: false };
    instance.SubnetId = subnet?.id;
    instance.VpcId = model.network.vpcs[subnet?.vpcIndex ?? 1]?.id;
    instance.PrivateIpAddress = plan.privateIp;
  }
  if (publicIp) instance.PublicIpAddress = publicIp;
  if (state !== 'running') {
    const when = gone ? terminationTime(model, index) : stopTime(model, plan, epoch);
    instance.StateTransitionReason = `User initiated (${gmtText(when ?? plan.launchTime)})`;
    instance.StateReason = { Code: 'Client.UserInitiatedShutdown', Message: 'Client.UserInitiatedShutdown: User initiated shutdown' };
  }
  return instance;
}

function blockDeviceMappings(model: RegionModel, plan: InstancePlan, epoch: number): InstanceBlockDeviceMapping[] {
  return attachedVolumesAt(model, plan, epoch).map((volume) => ({
    DeviceName: volume.device,
    Ebs: { AttachTime: volume.attachTime, DeleteOnTermination: volume.deleteOnTermination, Status: 'attached', VolumeId: volume.id },
  }));
}

export function primaryNetworkInterface(model: RegionModel, plan: InstancePlan, publicIp: string | undefined): InstanceNetworkInterface {
  const region = model.regionName;
  const subnet = model.network.subnets[plan.subnet];
  const address = model.addressOfInstance(plan.index);
  const association = publicIp
    ? { IpOwnerId: address ? model.accountId : 'amazon', PublicDnsName: publicDnsName(region, publicIp), PublicIp: publicIp }
    : undefined;
  const privateDns = privateDnsName(region, plan.privateIp);
  const primaryAddress: InstancePrivateIpAddress = { Primary: true, PrivateDnsName: privateDns, PrivateIpAddress: plan.privateIp };
  const networkInterface: InstanceNetworkInterface = {
    Attachment: {
      AttachTime: plan.launchTime, AttachmentId: plan.attachmentId,
      DeleteOnTermination: true, DeviceIndex: 0, Status: 'attached', NetworkCardIndex: 0,
    },
    Description: '',
    Groups: groupIdentifiers(model, plan.groups),
    Ipv6Addresses: [],
    MacAddress: plan.macAddress,
    NetworkInterfaceId: plan.networkInterfaceId,
    OwnerId: model.accountId,
    PrivateDnsName: privateDns,
    PrivateIpAddress: plan.privateIp,
    PrivateIpAddresses: [primaryAddress],
    SourceDestCheck: true,
    Status: 'in-use',
    SubnetId: subnet?.id,
    VpcId: model.network.vpcs[subnet?.vpcIndex ?? 1]?.id,
    InterfaceType: 'interface',
  };
  // Optional members are set afterwards: a leading spread in a big literal is slow in V8.
  if (association) {
    networkInterface.Association = association;
    primaryAddress.Association = association;
  }
  return networkInterface;
}

export function instanceCollection(model: RegionModel, epoch: number): Collection<Instance> {
  return {
    size: model.timeline.instanceSpace(epoch),
    at: (index) => describeInstance(model, index, epoch),
    positionOf: (id) => model.ids.instance.decode(id),
  };
}

/** DescribeInstanceStatus: health checks; a few running instances fail their reachability check. */
export function describeInstanceStatus(model: RegionModel, index: number, epoch: number): InstanceStatus | undefined {
  const state = instanceStateAt(model, index, epoch);
  if (!state) return undefined;
  const plan = planInstance(model, index);
  const zone = model.network.subnets[plan.subnet]?.zone;
  const running = state === 'running';
  const impaired = running && plan.impaired;
  const impairedSince = impaired ? impairedSinceOf(model, plan, epoch) : undefined;
  const check = (failed: boolean): InstanceStatusSummary => running
    ? { Status: failed ? 'impaired' : 'ok', Details: [{ Name: 'reachability', Status: failed ? 'failed' : 'passed', ...(failed ? { ImpairedSince: impairedSince } : {}) }] }
    : { Status: 'not-applicable' };
  return {
    AvailabilityZone: zone?.name,
    AvailabilityZoneId: zone?.zoneId,
    Events: [],
    InstanceId: plan.id,
    InstanceState: { Code: STATE_CODES[state], Name: state },
    InstanceStatus: check(impaired),
    SystemStatus: check(false),
    AttachedEbsStatus: running ? { Status: 'ok', Details: [{ Name: 'reachability', Status: 'passed' }] } : { Status: 'not-applicable' },
  };
}

/** Impaired since the instance last started running (or launched). */
function impairedSinceOf(model: RegionModel, plan: InstancePlan, epoch: number): Date {
  const lastStart = model.timeline.powerChangesUpTo(plan.index, epoch).at(-1);
  return lastStart === undefined ? plan.launchTime : powerChangeTime(model, plan.index, lastStart);
}

export function instanceStatusCollection(model: RegionModel, epoch: number): Collection<InstanceStatus> {
  return {
    size: model.timeline.instanceSpace(epoch),
    at: (index) => describeInstanceStatus(model, index, epoch),
    positionOf: (id) => model.ids.instance.decode(id),
  };
}
