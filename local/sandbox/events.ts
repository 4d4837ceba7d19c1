/**
 * CloudTrail event history: the write management events that the epoch steps caused in one
 * region (RunInstances for launches, TerminateInstances, StopInstances/StartInstances,
 * CreateTags, Authorize/RevokeSecurityGroupIngress, CreateVolume/DeleteVolume/AttachVolume,
 * StartLogging/StopLogging). Built per step on demand, newest first, as LookupEvents returns them.
 */
import type { AccountModel } from './account';
import { OPERATORS } from './catalog';
import { timeWithinStep } from './clock';
import { instanceStateAt, planInstance, terminationTime, powerChangeTime } from './instances';
import { Dice, hashText } from './random';
import type { RegionModel } from './region-model';
import { ipPermissions } from './security-groups';
import { standaloneVolume } from './volumes';

export interface SandboxEvent {
  eventId: string;
  eventName: string;
  eventSource: string;
  eventTime: Date;
  username: string;
  accessKeyId: string;
  resources: { ResourceType: string; ResourceName: string }[];
  requestParameters: Record<string, unknown>;
  responseElements: Record<string, unknown> | null;
}

/** CloudTrail keeps 90 days of event history. */
export const EVENT_HISTORY_EPOCHS = 90 * 24;

const EC2 = 'ec2.amazonaws.com';
const CLOUDTRAIL = 'cloudtrail.amazonaws.com';

function accessKeyOf(accountId: string, username: string): string {
  return `AKIA${new Dice(hashText(`${accountId}|${username}`)).alphanumeric(16)}`;
}

class StepEventBuilder {
  readonly events: SandboxEvent[] = [];
  private readonly dice: Dice;

  constructor(private readonly region: RegionModel, private readonly epoch: number) {
    this.dice = region.dice.child(`events-${epoch}`);
  }

  add(eventName: string, eventTime: Date, resources: SandboxEvent['resources'], requestParameters: Record<string, unknown>,
    responseElements: Record<string, unknown> | null = null, eventSource = EC2): void {
    const n = this.events.length;
    const username = this.dice.pick(OPERATORS, n, 1);
    this.events.push({
      eventId: this.region.uuid('event', this.epoch, n),
      eventName, eventSource, eventTime, username, accessKeyId: accessKeyOf(this.region.accountId, username),
      resources, requestParameters, responseElements,
    });
  }

  /** A time inside this step for changes that have no time of their own. */
  time(kind: number, n: number): Date {
    return timeWithinStep(this.epoch, this.dice.unit(kind, n, 2));
  }
}

const instanceResource = (id: string) => ({ ResourceType: 'AWS::EC2::Instance', ResourceName: id });
const volumeResource = (id: string) => ({ ResourceType: 'AWS::EC2::Volume', ResourceName: id });

function addInstanceEvents(builder: StepEventBuilder, region: RegionModel, epoch: number): void {
  const step = region.timeline.step(epoch);
  if (!step) return;
  for (let index = step.firstLaunched; index < step.firstLaunched + step.launchedCount;) {
    const plan = planInstance(region, index);
    const members: string[] = [];
    while (index < step.firstLaunched + step.launchedCount && planInstance(region, index).reservationId === plan.reservationId) {
      members.push(region.ids.instance.encode(index));
      index++;
    }
    builder.add('RunInstances', plan.launchTime, members.map(instanceResource),
      { instanceType: plan.instanceType, imageId: plan.imageId, minCount: members.length, maxCount: members.length, subnetId: region.network.subnets[plan.subnet]?.id },
      { reservationId: plan.reservationId, ownerId: region.accountId, instancesSet: { items: members.map((instanceId) => ({ instanceId })) } });
  }
  for (const index of step.terminated) {
    const id = region.ids.instance.encode(index);
    builder.add('TerminateInstances', terminationTime(region, index) ?? builder.time(1, index), [instanceResource(id)],
      { instancesSet: { items: [{ instanceId: id }] } },
      { instancesSet: { items: [{ instanceId: id, currentState: { code: 32, name: 'shutting-down' } }] } });
  }
  for (const index of step.powerChanged) {
    const id = region.ids.instance.encode(index);
    const stopped = instanceStateAt(region, index, epoch) === 'stopped';
    builder.add(stopped ? 'StopInstances' : 'StartInstances', powerChangeTime(region, index, epoch), [instanceResource(id)],
      { instancesSet: { items: [{ instanceId: id }] }, ...(stopped ? { force: false } : {}) },
      { instancesSet: { items: [{ instanceId: id, currentState: stopped ? { code: 64, name: 'stopping' } : { code: 0, name: 'pending' } }] } });
  }
  step.retagged.forEach(({ instance, edit }, n) => {
    const id = region.ids.instance.encode(instance);
    builder.add('CreateTags', builder.time(3, n), [instanceResource(id)],
      { resourcesSet: { items: [{ resourceId: id }] }, tagSet: { items: [{ key: edit.key, value: edit.value }] } }, { _return: true });
  });
}

function addSecurityGroupEvents(builder: StepEventBuilder, region: RegionModel, epoch: number): void {
  for (const [n, edit] of (region.timeline.step(epoch)?.ruleEdits ?? []).entries()) {
    const group = region.securityGroups[edit.group];
    if (!group) continue;
    const permission = ipPermissions([edit.grant], region.securityGroups, region.accountId)[0];
    builder.add(edit.action === 'authorize' ? 'AuthorizeSecurityGroupIngress' : 'RevokeSecurityGroupIngress', builder.time(4, n),
      [{ ResourceType: 'AWS::EC2::SecurityGroup', ResourceName: group.id }],
      { groupId: group.id, ipPermissions: { items: [{ ipProtocol: permission?.IpProtocol, fromPort: permission?.FromPort, toPort: permission?.ToPort,
        ipRanges: { items: (permission?.IpRanges ?? []).map((range) => ({ cidrIp: range.CidrIp })) },
        ipv6Ranges: { items: (permission?.Ipv6Ranges ?? []).map((range) => ({ cidrIpv6: range.CidrIpv6 })) } }] } },
      { _return: true });
  }
}

function addVolumeEvents(builder: StepEventBuilder, region: RegionModel, epoch: number): void {
  const step = region.timeline.step(epoch);
  if (!step) return;
  for (const volume of step.volumesCreated) {
    const facts = standaloneVolume(region, volume);
    builder.add('CreateVolume', facts.createTime, [volumeResource(facts.id)],
      { size: facts.size, zone: facts.zoneName, volumeType: facts.volumeType, encrypted: facts.encrypted },
      { volumeId: facts.id, size: String(facts.size), zone: facts.zoneName, status: 'creating', encrypted: facts.encrypted });
  }
  step.volumesDeleted.forEach((ref, n) => {
    const id = ref.kind === 'data' ? region.ids.dataVolume.encode(ref.index) : region.ids.standaloneVolume.encode(ref.index);
    builder.add('DeleteVolume', builder.time(5, n), [volumeResource(id)], { volumeId: id }, { _return: true });
  });
  step.volumesAttached.forEach((attach, n) => {
    const volumeId = region.ids.standaloneVolume.encode(attach.volume);
    const instanceId = region.ids.instance.encode(attach.instance);
    builder.add('AttachVolume', builder.time(6, n), [volumeResource(volumeId), instanceResource(instanceId)],
      { volumeId, instanceId, device: attach.device }, { volumeId, instanceId, device: attach.device, status: 'attaching' });
  });
}

function addTrailEvents(builder: StepEventBuilder, account: AccountModel, region: RegionModel, epoch: number): void {
  const trail = account.trails[account.trailTimeline.toggledAt(epoch)];
  if (!trail || trail.homeRegion !== region.regionName) return;
  const logging = trail.baseLogging !== (account.trailTimeline.togglesUpTo(trail.index, epoch).length % 2 === 1);
  builder.add(logging ? 'StartLogging' : 'StopLogging', account.trailTimeline.toggleTime(trail.index, epoch),
    [{ ResourceType: 'AWS::CloudTrail::Trail', ResourceName: trail.arn }], { name: trail.arn }, null, CLOUDTRAIL);
}

const MAX_CACHED_STEPS = 512;
const stepCache = new WeakMap<RegionModel, Map<number, SandboxEvent[]>>();

/** The events of one epoch step in one region, newest first. */
export function stepEvents(account: AccountModel, region: RegionModel, epoch: number): SandboxEvent[] {
  let cache = stepCache.get(region);
  if (!cache) stepCache.set(region, (cache = new Map()));
  const key = epoch * 1000 + account.enabledRegions.length;
  const cached = cache.get(key);
  if (cached) return cached;
  const builder = new StepEventBuilder(region, epoch);
  addInstanceEvents(builder, region, epoch);
  addSecurityGroupEvents(builder, region, epoch);
  addVolumeEvents(builder, region, epoch);
  addTrailEvents(builder, account, region, epoch);
  const events = builder.events.sort((a, b) => b.eventTime.getTime() - a.eventTime.getTime() || (a.eventId < b.eventId ? -1 : 1));
  if (cache.size >= MAX_CACHED_STEPS) cache.delete(cache.keys().next().value as number);
  cache.set(key, events);
  return events;
}

/** The CloudTrailEvent JSON document of an event, as LookupEvents returns it. */
export function cloudTrailEventJson(event: SandboxEvent, accountId: string, region: string): string {
  return JSON.stringify({
    eventVersion: '1.09',
    userIdentity: {
      type: 'IAMUser', principalId: `AIDA${event.accessKeyId.slice(4)}`, arn: `arn:aws:iam::${accountId}:user/${event.username}`,
      accountId, accessKeyId: event.accessKeyId, userName: event.username,
    },
    eventTime: event.eventTime.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventSource: event.eventSource,
    eventName: event.eventName,
    awsRegion: region,
    sourceIPAddress: '198.51.100.23',
    userAgent: event.username === 'terraform' ? 'APN/1.0 HashiCorp/1.0 Terraform/1.9.8' : 'aws-cli/2.22.0 md/Botocore#1.35.0 ua/2.0 os/linux#6.8',
    requestParameters: event.requestParameters,
    responseElements: event.responseElements,
    requestID: event.eventId.split('').reverse().join(''),
    eventID: event.eventId,
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: accountId,
    eventCategory: 'Management',
  });
}
