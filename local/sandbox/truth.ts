/**
 * The sandbox's own truth: every resource the Describe calls return for a spec, every condition
 * it planted, and the life of every instance, derived from how the account was generated (never
 * by running a collector rule), so tests can compare what a collector stored with what exists.
 */
import type { Instance, IpPermission, Tag } from '@aws-sdk/client-ec2';
import { sandboxAccounts, type AccountModel } from './account';
import { PRIMARY_ACCOUNT_ID, sandboxRoleArn } from './accounts';
import { BUILT_IN_ACCESS_DENIED } from './api-errors';
import { accountStatus } from './organization';
import { epochTime } from './clock';
import { allOf } from './collection';
import { effectiveRole, planInstance, roleAt, terminationTime } from './instances';
import { RegionInventory } from './inventory';
import { ec2Endpoint } from './regions';
import type { RegionModel } from './region-model';
import { openSensitivePorts } from './security-groups';
import { enabledRegions, type SandboxSpec } from './spec';
import { SERVICE_TRUTHS } from './service-truths';
import type { SandboxServiceModule } from './service-module';
import { SANDBOX_SERVICE_MODULES } from './services/index';
import { accountOutcome, organizationTruth, type OrganizationAccountOutcome, type OrganizationTruth } from './truth/organization';
import type { ServiceTruthCondition, ServiceTruthResource } from './service-truth';
import { eventSelectors, trailStateAt, type TrailPlan } from './trails';
import { NEVER } from './timeline';
import { metricTruthData, type MetricTruthData } from './truth/cloudwatch';

export type TruthResourceType =
  | 'EC2.Instance' | 'EC2.Volume' | 'EC2.Snapshot' | 'EC2.Image' | 'EC2.Vpc' | 'EC2.Subnet' | 'EC2.SecurityGroup'
  | 'EC2.NetworkInterface' | 'EC2.Address' | 'CloudTrail.Trail' | 'EC2.Region';

export type OptInStatus = 'opt-in-not-required' | 'opted-in' | 'not-opted-in';

export interface TruthAccount {
  accountId: string;
  primary: boolean;
  /** The role to assume to reach a non-primary account (any role name works). */
  roleArn?: string;
  /** ACTIVE, or SUSPENDED / PENDING_CLOSURE in the organization. */
  status: 'ACTIVE' | 'SUSPENDED' | 'PENDING_CLOSURE';
  /** What collecting the account meets: collected, read-denied, or not reached (assume-role-denied, suspended, pending-closure). */
  outcome: OrganizationAccountOutcome;
  regions: { name: string; optInStatus: OptInStatus; enabled: boolean }[];
}

export interface TruthResource {
  accountId: string;
  region: string;
  type: TruthResourceType;
  id: string;
  name?: string;
  arn?: string;
  tags: Record<string, string>;
  attributes: Record<string, unknown>;
}

export type ConditionRule = 'InstanceState' | 'OpenIngress' | 'UnattachedVolume' | 'UnencryptedVolume' | 'TrailLogging' | 'NoTrail';

export interface TruthCondition {
  rule: ConditionRule;
  accountId: string;
  region: string;
  type: TruthResourceType;
  id: string;
  /** The server role concerned (e.g. web_server), or null. */
  group: string | null;
  detail: Record<string, unknown>;
}

export interface InstanceLifecycle {
  accountId: string;
  region: string;
  instanceId: string;
  role: string | null;
  launchedAt: string;
  terminatedAt: string | null;
}

export interface SandboxTruth {
  spec: SandboxSpec;
  /** The services added as plugins (S3, IAM, …): their resources and planted conditions (service-truths.ts). */
  services: { resources: ServiceTruthResource[]; conditions: ServiceTruthCondition[] };
  /** The account's clock at this epoch (ISO). */
  time: string;
  accounts: TruthAccount[];
  /** The AWS Organization the accounts form (the primary account its management account); null with `organization=none`. */
  organization: OrganizationTruth | null;
  resources: TruthResource[];
  conditions: TruthCondition[];
  instanceLifecycles: InstanceLifecycle[];
  /** CloudWatch: the metric conditions planted on the instances running at the epoch, and the agentless ones (truth/cloudwatch.ts; `metricTruth` adds exact values). */
  metrics: MetricTruthData;
}

function tagRecord(tags: readonly Tag[] | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? '']));
}

function iso(time: Date | undefined): string | null {
  return time ? time.toISOString() : null;
}

/** Flat ingress rules: one per protocol, port range and source. */
function flatRules(permissions: readonly IpPermission[] | undefined): Record<string, unknown>[] {
  return (permissions ?? []).flatMap((permission) => {
    const base = { protocol: permission.IpProtocol, fromPort: permission.FromPort ?? null, toPort: permission.ToPort ?? null };
    return [
      ...(permission.IpRanges ?? []).map((range) => ({ ...base, cidr: range.CidrIp })),
      ...(permission.Ipv6Ranges ?? []).map((range) => ({ ...base, cidr: range.CidrIpv6 })),
      ...(permission.UserIdGroupPairs ?? []).map((pair) => ({ ...base, sourceGroupId: pair.GroupId })),
    ];
  });
}

/** The most common role among instances (ties: alphabetical); null when none has a role. */
function dominantRole(counts: Map<string, number> | undefined): string | null {
  if (!counts || counts.size === 0) return null;
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0] ?? null;
}

class TruthBuilder {
  readonly resources: TruthResource[] = [];
  readonly conditions: TruthCondition[] = [];
  readonly lifecycles: InstanceLifecycle[] = [];

  constructor(private readonly epoch: number) {}

  private resource(resource: TruthResource): void {
    this.resources.push(resource);
  }

  private condition(condition: TruthCondition): void {
    this.conditions.push(condition);
  }

  addRegion(model: RegionModel): void {
    const { accountId, regionName: region } = model;
    const inventory = new RegionInventory(model, this.epoch);
    const arn = (kind: string, id: string, owner = accountId) => `arn:aws:ec2:${region}:${owner}:${kind}/${id}`;

    this.resource({
      accountId, region, type: 'EC2.Region', id: region, name: region, tags: {},
      attributes: {
        regionName: region, endpoint: ec2Endpoint(region), optInStatus: 'opt-in-not-required',
        availabilityZones: model.network.zones.map((zone) => ({ zoneName: zone.name, zoneId: zone.zoneId, state: 'available' })),
      },
    });

    const roleOfInstance = new Map<string, string | null>();
    const rolesByGroup = new Map<string, Map<string, number>>();
    for (const instance of allOf(inventory.instances)) this.addInstance(model, instance, roleOfInstance, rolesByGroup);
    this.addLifecycles(model);

    for (const volume of allOf(inventory.volumes)) {
      const attachment = volume.Attachments?.[0];
      const id = volume.VolumeId ?? '';
      this.resource({
        accountId, region, type: 'EC2.Volume', id, name: tagRecord(volume.Tags).Name, arn: arn('volume', id), tags: tagRecord(volume.Tags),
        attributes: {
          state: volume.State, size: volume.Size, volumeType: volume.VolumeType, encrypted: volume.Encrypted,
          availabilityZone: volume.AvailabilityZone, attachedInstanceId: attachment?.InstanceId ?? null, device: attachment?.Device ?? null,
          createTime: iso(volume.CreateTime), snapshotId: volume.SnapshotId || null,
        },
      });
      if (volume.State === 'available') {
        this.condition({ rule: 'UnattachedVolume', accountId, region, type: 'EC2.Volume', id, group: null, detail: { size: volume.Size, availabilityZone: volume.AvailabilityZone } });
      }
      if (!volume.Encrypted) {
        const instanceId = attachment?.InstanceId ?? null;
        this.condition({
          rule: 'UnencryptedVolume', accountId, region, type: 'EC2.Volume', id,
          group: instanceId ? roleOfInstance.get(instanceId) ?? null : null, detail: { attachedInstanceId: instanceId },
        });
      }
    }

    for (const snapshot of allOf(inventory.snapshots)) {
      const id = snapshot.SnapshotId ?? '';
      this.resource({
        accountId, region, type: 'EC2.Snapshot', id, name: tagRecord(snapshot.Tags).Name, arn: `arn:aws:ec2:${region}::snapshot/${id}`, tags: tagRecord(snapshot.Tags),
        attributes: {
          state: snapshot.State, volumeId: snapshot.VolumeId, volumeSize: snapshot.VolumeSize, encrypted: snapshot.Encrypted,
          startTime: iso(snapshot.StartTime), description: snapshot.Description,
        },
      });
    }

    for (const image of allOf(inventory.ownedImages)) {
      const id = image.ImageId ?? '';
      this.resource({
        accountId, region, type: 'EC2.Image', id, name: image.Name, arn: `arn:aws:ec2:${region}::image/${id}`, tags: tagRecord(image.Tags),
        attributes: { state: image.State, name: image.Name, architecture: image.Architecture, creationDate: image.CreationDate, public: image.Public, rootDeviceName: image.RootDeviceName },
      });
    }

    for (const vpc of allOf(inventory.vpcs)) {
      const id = vpc.VpcId ?? '';
      this.resource({
        accountId, region, type: 'EC2.Vpc', id, name: tagRecord(vpc.Tags).Name, arn: arn('vpc', id), tags: tagRecord(vpc.Tags),
        attributes: { cidrBlock: vpc.CidrBlock, isDefault: vpc.IsDefault, state: vpc.State },
      });
    }

    for (const subnet of allOf(inventory.subnets)) {
      const id = subnet.SubnetId ?? '';
      this.resource({
        accountId, region, type: 'EC2.Subnet', id, name: tagRecord(subnet.Tags).Name, arn: subnet.SubnetArn, tags: tagRecord(subnet.Tags),
        attributes: {
          vpcId: subnet.VpcId, cidrBlock: subnet.CidrBlock, availabilityZone: subnet.AvailabilityZone,
          mapPublicIpOnLaunch: subnet.MapPublicIpOnLaunch, defaultForAz: subnet.DefaultForAz,
        },
      });
    }

    model.securityGroups.forEach((plan, index) => {
      const group = inventory.securityGroups.at(index);
      const id = group?.GroupId ?? plan.id;
      this.resource({
        accountId, region, type: 'EC2.SecurityGroup', id, name: group?.GroupName, arn: group?.SecurityGroupArn, tags: tagRecord(group?.Tags),
        attributes: { groupName: group?.GroupName, vpcId: group?.VpcId, description: group?.Description, ingress: flatRules(group?.IpPermissions) },
      });
      for (const grant of model.timeline.grantsAt(index, this.epoch)) {
        if (openSensitivePorts(grant).length === 0) continue;
        this.condition({
          rule: 'OpenIngress', accountId, region, type: 'EC2.SecurityGroup', id, group: dominantRole(rolesByGroup.get(id)),
          detail: { groupId: id, protocol: grant.protocol, fromPort: grant.fromPort ?? null, toPort: grant.toPort ?? null, cidr: grant.cidr ?? grant.cidrIpv6 },
        });
      }
    });

    for (const eni of allOf(inventory.networkInterfaces)) {
      const id = eni.NetworkInterfaceId ?? '';
      this.resource({
        accountId, region, type: 'EC2.NetworkInterface', id, arn: arn('network-interface', id), tags: tagRecord(eni.TagSet),
        attributes: {
          status: eni.Status, subnetId: eni.SubnetId, vpcId: eni.VpcId, privateIpAddress: eni.PrivateIpAddress,
          publicIp: eni.Association?.PublicIp ?? null, attachedInstanceId: eni.Attachment?.InstanceId ?? null,
          securityGroupIds: (eni.Groups ?? []).map((group) => group.GroupId), description: eni.Description,
        },
      });
    }

    for (const address of allOf(inventory.addresses)) {
      const id = address.AllocationId ?? '';
      this.resource({
        accountId, region, type: 'EC2.Address', id, name: tagRecord(address.Tags).Name, arn: arn('elastic-ip', id), tags: tagRecord(address.Tags),
        attributes: {
          publicIp: address.PublicIp, associationId: address.AssociationId ?? null, instanceId: address.InstanceId ?? null,
          networkInterfaceId: address.NetworkInterfaceId ?? null, privateIpAddress: address.PrivateIpAddress ?? null,
        },
      });
    }
  }

  private addInstance(model: RegionModel, instance: Instance, roleOfInstance: Map<string, string | null>, rolesByGroup: Map<string, Map<string, number>>): void {
    const id = instance.InstanceId ?? '';
    const index = model.ids.instance.decode(id) ?? 0;
    const plan = planInstance(model, index);
    const role = effectiveRole(plan, instance.Tags ?? []);
    const state = instance.State?.Name;
    roleOfInstance.set(id, role);
    if (state !== 'terminated' && role) {
      for (const group of instance.SecurityGroups ?? []) {
        const counts = rolesByGroup.get(group.GroupId ?? '') ?? new Map<string, number>();
        counts.set(role, (counts.get(role) ?? 0) + 1);
        rolesByGroup.set(group.GroupId ?? '', counts);
      }
    }
    const tags = tagRecord(instance.Tags);
    this.resource({
      accountId: model.accountId, region: model.regionName, type: 'EC2.Instance', id, name: tags.Name,
      arn: `arn:aws:ec2:${model.regionName}:${model.accountId}:instance/${id}`, tags,
      attributes: {
        role, state, instanceType: instance.InstanceType, imageId: instance.ImageId, reservationId: plan.reservationId,
        privateIpAddress: instance.PrivateIpAddress ?? null, publicIpAddress: instance.PublicIpAddress ?? null,
        privateDnsName: instance.PrivateDnsName || null, publicDnsName: instance.PublicDnsName || null,
        securityGroups: (instance.SecurityGroups ?? []).map((group) => ({ groupId: group.GroupId, groupName: group.GroupName })),
        productCodes: (instance.ProductCodes ?? []).map((code) => ({ productCodeId: code.ProductCodeId, productCodeType: code.ProductCodeType })),
        launchTime: iso(instance.LaunchTime),
        availabilityZone: instance.Placement?.AvailabilityZone ?? null, vpcId: instance.VpcId ?? null, subnetId: instance.SubnetId ?? null,
        keyName: instance.KeyName ?? null,
        // Attaching a volume changes what DescribeInstances returns for the instance: it is part of its content.
        volumeIds: (instance.BlockDeviceMappings ?? []).map((mapping) => mapping.Ebs?.VolumeId).filter(Boolean),
      },
    });
    if (state === 'stopped' || (state === 'running' && plan.impaired)) {
      this.condition({ rule: 'InstanceState', accountId: model.accountId, region: model.regionName, type: 'EC2.Instance', id, group: role, detail: { state: state === 'stopped' ? 'stopped' : 'impaired' } });
    }
  }

  /** Every instance that ever existed up to this epoch, with its role when last seen. */
  private addLifecycles(model: RegionModel): void {
    const space = model.timeline.instanceSpace(this.epoch);
    for (let index = 0; index < space; index++) {
      const terminated = model.timeline.terminateEpoch(index);
      const plan = planInstance(model, index);
      const seenAt = terminated === NEVER ? this.epoch : Math.min(this.epoch, terminated);
      this.lifecycles.push({
        accountId: model.accountId, region: model.regionName, instanceId: plan.id, role: roleAt(model, index, seenAt),
        launchedAt: plan.launchTime.toISOString(), terminatedAt: terminated <= this.epoch ? iso(terminationTime(model, index)) : null,
      });
    }
  }

  addTrails(account: AccountModel): void {
    const { accountId } = account;
    const loggingMultiRegion = account.trails.some((trail) => trail.multiRegion && trailStateAt(trail, account.trailTimeline, this.epoch).isLogging);
    for (const trail of account.trails) this.addTrail(account, trail);
    if (loggingMultiRegion) return;
    for (const region of account.enabledRegions) {
      this.condition({ rule: 'NoTrail', accountId, region, type: 'EC2.Region', id: region, group: null, detail: { region } });
    }
  }

  private addTrail(account: AccountModel, trail: TrailPlan): void {
    const state = trailStateAt(trail, account.trailTimeline, this.epoch);
    const selector = eventSelectors(trail)[0];
    const base = { accountId: account.accountId, region: trail.homeRegion, type: 'CloudTrail.Trail' as const, id: trail.arn };
    this.resource({
      ...base, name: trail.name, arn: trail.arn, tags: {},
      attributes: {
        homeRegion: trail.homeRegion, isMultiRegionTrail: trail.multiRegion, isLogging: state.isLogging,
        latestDeliveryError: trail.deliveryError ?? null, s3BucketName: trail.bucket, logFileValidationEnabled: trail.logFileValidation,
        readWriteType: selector?.ReadWriteType, includeManagementEvents: selector?.IncludeManagementEvents,
      },
    });
    const reason = !state.isLogging ? 'not-logging' : trail.deliveryError ? 'delivery-error' : undefined;
    if (reason) this.condition({ rule: 'TrailLogging', ...base, group: null, detail: { trailName: trail.name, reason } });
  }
}

function truthAccount(account: AccountModel, spec: SandboxSpec): TruthAccount {
  const primary = account.accountId === PRIMARY_ACCOUNT_ID;
  const status = accountStatus(spec, account.accountId);
  return {
    accountId: account.accountId,
    primary,
    ...(primary ? {} : { roleArn: sandboxRoleArn(account.accountId) }),
    status,
    outcome: accountOutcome(spec, account.accountId, status),
    regions: [
      ...account.enabledRegions.map((name) => ({ name, optInStatus: 'opt-in-not-required' as const, enabled: true })),
      ...spec.optIn.map((name) => ({ name, optInStatus: 'not-opted-in' as const, enabled: false })),
    ],
  };
}

export function sandboxTruth(spec: SandboxSpec): SandboxTruth {
  const builder = new TruthBuilder(spec.epoch);
  const accounts = sandboxAccounts(spec);
  const services: SandboxTruth['services'] = { resources: [], conditions: [] };
  for (const account of accounts) {
    for (const model of account.regions()) builder.addRegion(model);
    builder.addTrails(account);
    const regions = enabledRegions(spec);
    for (const service of SERVICE_TRUTHS) {
      const truth = service.truth(spec, account.accountId, regions);
      services.resources.push(...truth.resources);
      services.conditions.push(...truth.conditions);
    }
  }
  return {
    spec,
    services,
    time: epochTime(spec.epoch).toISOString(),
    accounts: accounts.map((account) => truthAccount(account, spec)),
    organization: sandboxOrganizationTruth(spec),
    resources: builder.resources,
    conditions: builder.conditions,
    instanceLifecycles: builder.lifecycles,
    metrics: metricTruthData(spec),
  };
}

/** The error code a read call fails with in a `readDenied=` account, per service: EC2, CloudTrail and every module's. */
export function readDeniedCodes(modules: readonly SandboxServiceModule[] = SANDBOX_SERVICE_MODULES): Record<string, string> {
  return {
    EC2: BUILT_IN_ACCESS_DENIED.EC2.code,
    CloudTrail: BUILT_IN_ACCESS_DENIED.CloudTrail.code,
    ...Object.fromEntries(modules.map((module) => [module.name, (module.accessDenied ?? module.protocol.accessDenied).code])),
  };
}

/** The organization's truth alone (sandboxTruth's `organization`), without building any account's resources. */
export function sandboxOrganizationTruth(spec: SandboxSpec): OrganizationTruth | null {
  return organizationTruth(spec, readDeniedCodes());
}

/**
 * The part of a truth a collection of every account can store: the resources, conditions and lifecycles of the
 * accounts whose outcome is `collected` (not those it cannot reach or read).
 */
export function collectedTruth(truth: SandboxTruth): SandboxTruth {
  const collected = new Set(truth.accounts.filter((account) => account.outcome === 'collected').map((account) => account.accountId));
  const keep = <T extends { accountId: string }>(items: T[]) => items.filter((item) => collected.has(item.accountId));
  return {
    ...truth,
    services: { resources: keep(truth.services.resources), conditions: keep(truth.services.conditions) },
    resources: keep(truth.resources),
    conditions: keep(truth.conditions),
    instanceLifecycles: keep(truth.instanceLifecycles),
    metrics: { ...truth.metrics, conditions: keep(truth.metrics.conditions), agentless: keep(truth.metrics.agentless), running: keep(truth.metrics.running) },
  };
}

/** `account/region/type/id`: what identifies a resource across epochs. */
export function resourceKey(resource: { accountId: string; region: string; type: string; id: string }): string {
  return `${resource.accountId}/${resource.region}/${resource.type}/${resource.id}`;
}

type AnyTruthResource = Pick<TruthResource, 'accountId' | 'region' | 'id' | 'name' | 'tags' | 'attributes'> & { type: string; arn?: string };

function sameContent(a: AnyTruthResource, b: AnyTruthResource): boolean {
  return JSON.stringify([a.name, a.arn, a.tags, a.attributes]) === JSON.stringify([b.name, b.arn, b.tags, b.attributes]);
}

/** Every resource of a truth: EC2's and CloudTrail's, and those of the services added as plugins. */
export function allTruthResources(truth: SandboxTruth): AnyTruthResource[] {
  return [...truth.resources, ...truth.services.resources];
}

/** Resource keys created, updated (same key, other name, tags or attributes) and deleted from truth a to truth b, over every service. */
export function diffTruth(a: SandboxTruth, b: SandboxTruth): { created: string[]; updated: string[]; deleted: string[] } {
  const before = new Map(allTruthResources(a).map((resource) => [resourceKey(resource), resource]));
  const after = new Map(allTruthResources(b).map((resource) => [resourceKey(resource), resource]));
  const created: string[] = [];
  const updated: string[] = [];
  for (const [key, resource] of after) {
    const previous = before.get(key);
    if (!previous) created.push(key);
    else if (!sameContent(previous, resource)) updated.push(key);
  }
  const deleted = [...before.keys()].filter((key) => !after.has(key));
  return { created, updated, deleted };
}
