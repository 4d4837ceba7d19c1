/**
 * The ELBv2 resources of one region of one synthetic account: ≈ instances/20 load balancers (at least 2; every
 * fourth, starting with the second, a network load balancer), one target group per load balancer plus one spare IP
 * target group attached to none, and the listeners of each load balancer. Targets are the region's first running
 * instances from the EC2 model (the same ones the Auto Scaling groups hold).
 * Every region plants each condition cloudtap's ELBv2 rules find: target group 0's first target is unhealthy, and
 * load balancer 0 (an application load balancer) has an HTTP:80 listener that forwards instead of redirecting to
 * HTTPS; later target groups draw an unhealthy target by chance each epoch, later ALBs redirect or forward by chance.
 * A pure function of (seed, account, region, instances, epoch).
 */
import { SandboxApiError } from '../api-errors';
import { decodeToken, encodeToken } from '../pagination';
import type { SandboxCall } from '../service-module';
import type { Action, Listener, LoadBalancer, Tag, TargetGroup, TargetHealthDescription } from '@aws-sdk/client-elastic-load-balancing-v2';
import { timeBeforeStart } from '../clock';
import { RegionInventory } from '../inventory';
import { APP_VPC } from '../network';
import type { Dice } from '../random';
import { RegionModel } from '../region-model';
import { DEFAULT_REGIONS, regionInfo } from '../regions';
import { GROUP_INDEX } from '../security-groups';
import type { SandboxSpec } from '../spec';
import { remember } from '../bounded-cache';

export type ElbModelSpec = Pick<SandboxSpec, 'seed' | 'instances' | 'epoch' | 'regions'>;

export interface TargetPlan {
  id: string;
  port: number;
  zone: string;
  state: 'healthy' | 'unhealthy';
}

export interface ElbRegion {
  loadBalancers: LoadBalancer[];
  targetGroups: TargetGroup[];
  /** Every listener, by load balancer in listing order. */
  listeners: Listener[];
  /** The listeners of each load balancer, by its ARN (every load balancer has an entry). */
  listenersByLoadBalancer: Map<string, Listener[]>;
  /** Targets by target group ARN. */
  targets: Map<string, TargetPlan[]>;
  /** Tags by load balancer, target group or listener ARN. */
  tags: Map<string, Tag[]>;
}

/** A running instance that can be a target or a group member. */
export interface MemberInstance {
  id: string;
  zone: string;
  instanceType: string;
  imageId: string;
}

/** How many running instances targets and Auto Scaling groups draw from: enough for variety, cheap to compute. */
const MEMBER_POOL = 16;
/** How far into the instance listing to look for running instances. */
const MEMBER_SCAN = 400;

const MAX_CACHED = 64;
const cache = new Map<string, ElbRegion>();
const memberCache = new Map<string, MemberInstance[]>();

const regionModels = new Map<string, RegionModel>();

/**
 * The EC2 model of a region, or undefined for a region the spec does not enable. Made here rather than through
 * account.ts, which imports spec.ts (a module imports only types from spec.ts: spec.ts imports the module list).
 */
export function regionModelOf(spec: ElbModelSpec, accountId: string, region: string): RegionModel | undefined {
  const info = regionInfo(region);
  const index = DEFAULT_REGIONS.findIndex((candidate) => candidate.name === region);
  if (!info || index < 0 || index >= spec.regions) return undefined;
  return remember(regionModels, `${spec.seed}|${spec.instances}|${accountId}|${region}`, () => new RegionModel(spec.seed, spec.instances, accountId, info), MAX_CACHED);
}

/** The first running instances of the region at the epoch, from the EC2 model. */
export function memberInstances(model: RegionModel, epoch: number): MemberInstance[] {
  return remember(memberCache, `${model.dice.key}|${model.baseInstances}|${epoch}`, () => {
    const inventory = new RegionInventory(model, epoch);
    const members: MemberInstance[] = [];
    const limit = Math.min(inventory.instances.size, MEMBER_SCAN);
    for (let position = 0; position < limit && members.length < MEMBER_POOL; position++) {
      const instance = inventory.instances.at(position);
      if (instance?.State?.Name !== 'running' || !instance.InstanceId) continue;
      members.push({
        id: instance.InstanceId, zone: instance.Placement?.AvailabilityZone ?? '', instanceType: instance.InstanceType ?? 't3.micro', imageId: instance.ImageId ?? '',
      });
    }
    return members;
  }, MAX_CACHED);
}

/** Load balancers in a region: ≈ one per 20 base instances, at least 2. */
export function loadBalancerCount(baseInstances: number): number {
  return Math.max(2, Math.round(baseInstances / 20));
}

export function elbRegion(spec: ElbModelSpec, accountId: string, region: string): ElbRegion | undefined {
  const model = regionModelOf(spec, accountId, region);
  if (!model) return undefined;
  return remember(cache, `${spec.seed}|${spec.instances}|${accountId}|${region}|${spec.epoch}`, () => planElb(model, spec.epoch), MAX_CACHED);
}

/** The instances target group (and Auto Scaling group) `index` holds: two of the pool, in turn. */
export function membersOf(members: readonly MemberInstance[], index: number): MemberInstance[] {
  if (members.length === 0) return [];
  const picked = [members[(2 * index) % members.length], members[(2 * index + 1) % members.length]] as MemberInstance[];
  return [...new Map(picked.map((member) => [member.id, member])).values()];
}

function planElb(model: RegionModel, epoch: number): ElbRegion {
  const { accountId, regionName: region, network } = model;
  const dice = model.dice.child('elbv2');
  const members = memberInstances(model, epoch);
  const arnBase = `arn:aws:elasticloadbalancing:${region}:${accountId}`;
  const vpcId = network.vpcs[APP_VPC]?.id ?? '';
  const webGroup = model.securityGroups[GROUP_INDEX.web_server]?.id;
  const appGroup = model.securityGroups[GROUP_INDEX.app_server]?.id;
  const result: ElbRegion = { loadBalancers: [], targetGroups: [], listeners: [], listenersByLoadBalancer: new Map(), targets: new Map(), tags: new Map() };
  const count = loadBalancerCount(model.baseInstances);

  for (let i = 0; i < count; i++) {
    const isNetwork = i % 4 === 1;
    const internetFacing = i % 2 === 0;
    const role = internetFacing ? 'web_server' : 'app_server';
    const kind = isNetwork ? 'net' : 'app';
    const name = `${internetFacing ? 'web' : 'internal'}-${isNetwork ? 'nlb' : 'alb'}-${i}`;
    const lbArn = `${arnBase}:loadbalancer/${kind}/${name}/${dice.hex(16, i, 1)}`;
    const subnets = (internetFacing ? network.publicSubnets : network.privateSubnets).map((s) => network.subnets[s]).filter((s) => s !== undefined);
    result.loadBalancers.push({
      LoadBalancerArn: lbArn,
      DNSName: `${internetFacing ? '' : 'internal-'}${name}-${dice.between(100000000, 999999999, i, 2)}.${region}.elb.amazonaws.com`,
      CanonicalHostedZoneId: `Z${dice.alphanumeric(13, i, 3)}`,
      CreatedTime: timeBeforeStart(dice.unit(i, 4), 400),
      LoadBalancerName: name,
      Scheme: internetFacing ? 'internet-facing' : 'internal',
      VpcId: vpcId,
      State: { Code: 'active' },
      Type: isNetwork ? 'network' : 'application',
      AvailabilityZones: subnets.map((subnet) => ({ ZoneName: subnet.zone.name, SubnetId: subnet.id })),
      ...(isNetwork ? {} : { SecurityGroups: [(internetFacing ? webGroup : appGroup) ?? ''] }),
      IpAddressType: 'ipv4',
    });
    result.tags.set(lbArn, [{ Key: 'Name', Value: name }, { Key: 'Role', Value: role }]);
    const ofThisLoadBalancer: Listener[] = [];
    result.listenersByLoadBalancer.set(lbArn, ofThisLoadBalancer);

    const tgName = `${name}-tg`;
    const tgArn = `${arnBase}:targetgroup/${tgName}/${dice.hex(16, i, 5)}`;
    const port = isNetwork ? 8080 : 80;
    result.targetGroups.push(targetGroupShape(tgArn, tgName, isNetwork ? 'TCP' : 'HTTP', port, members.length > 0 ? 'instance' : 'ip', vpcId, [lbArn]));
    result.tags.set(tgArn, [{ Key: 'Role', Value: role }]);
    result.targets.set(tgArn, targetsOf(dice, i, epoch, port, members, network.subnets[network.privateSubnets[0] ?? 0]?.zone.name ?? ''));

    const forward = (order = 1): Action => ({ Type: 'forward', TargetGroupArn: tgArn, Order: order, ForwardConfig: { TargetGroups: [{ TargetGroupArn: tgArn, Weight: 1 }] } });
    const listener = (protocol: 'HTTP' | 'HTTPS' | 'TCP', listenerPort: number, actions: Action[], salt: number): void => {
      const arn = `${arnBase}:listener/${kind}/${name}/${lbArn.slice(-16)}/${dice.hex(16, i, salt)}`;
      const shape: Listener = {
        ListenerArn: arn, LoadBalancerArn: lbArn, Port: listenerPort, Protocol: protocol, DefaultActions: actions,
        ...(protocol === 'HTTPS' ? {
          SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
          Certificates: [{ CertificateArn: `arn:aws:acm:${region}:${accountId}:certificate/${model.uuid('elbv2-cert', i)}` }],
        } : {}),
      };
      result.listeners.push(shape);
      ofThisLoadBalancer.push(shape);
      result.tags.set(arn, [{ Key: 'Role', Value: role }]);
    };
    if (isNetwork) {
      listener('TCP', 80, [forward()], 6);
    } else {
      // Load balancer 0 always forwards plain HTTP (the planted condition); the others redirect by chance.
      const redirects = i > 0 && dice.chance(0.6, i, 7);
      listener('HTTP', 80, [redirects
        ? { Type: 'redirect', Order: 1, RedirectConfig: { Protocol: 'HTTPS', Port: '443', Host: '#{host}', Path: '/#{path}', Query: '#{query}', StatusCode: 'HTTP_301' } }
        : forward()], 8);
      listener('HTTPS', 443, [forward()], 9);
    }
  }

  // A spare IP target group no load balancer uses (yet), without targets.
  const spareArn = `${arnBase}:targetgroup/spare-ip-tg/${dice.hex(16, count, 5)}`;
  result.targetGroups.push(targetGroupShape(spareArn, 'spare-ip-tg', 'HTTP', 8080, 'ip', vpcId, []));
  result.targets.set(spareArn, []);
  result.tags.set(spareArn, []);
  return result;
}

function targetGroupShape(
  arn: string, name: string, protocol: 'HTTP' | 'TCP', port: number, targetType: 'instance' | 'ip', vpcId: string, loadBalancerArns: string[],
): TargetGroup {
  const http = protocol === 'HTTP';
  return {
    TargetGroupArn: arn,
    TargetGroupName: name,
    Protocol: protocol,
    Port: port,
    VpcId: vpcId,
    HealthCheckProtocol: protocol,
    HealthCheckPort: 'traffic-port',
    HealthCheckEnabled: true,
    HealthCheckIntervalSeconds: 30,
    HealthCheckTimeoutSeconds: http ? 5 : 10,
    HealthyThresholdCount: 5,
    UnhealthyThresholdCount: 2,
    ...(http ? { HealthCheckPath: '/health', Matcher: { HttpCode: '200' }, ProtocolVersion: 'HTTP1' } : {}),
    LoadBalancerArns: loadBalancerArns,
    TargetType: targetType,
    IpAddressType: 'ipv4',
  };
}

/** Target group `index`'s targets: its two member instances (or two IPs without any); the first of group 0 is unhealthy. */
function targetsOf(dice: Dice, index: number, epoch: number, port: number, members: readonly MemberInstance[], ipZone: string): TargetPlan[] {
  const targets = members.length > 0
    ? membersOf(members, index).map((member) => ({ id: member.id, zone: member.zone }))
    : [0, 1].map((n) => ({ id: `10.0.${128 + (index % 100)}.${10 + n}`, zone: ipZone }));
  return targets.map((target, n) => ({
    ...target,
    port,
    state: (index === 0 && n === 0) || dice.chance(0.15, index, n, 1000 + epoch) ? 'unhealthy' : 'healthy',
  }));
}

/** DescribeTargetHealth's answer for one target. */
export function targetHealthShape(target: TargetPlan): TargetHealthDescription {
  return {
    Target: { Id: target.id, Port: target.port, AvailabilityZone: target.zone },
    HealthCheckPort: String(target.port),
    TargetHealth: target.state === 'healthy'
      ? { State: 'healthy' }
      : { State: 'unhealthy', Reason: 'Target.ResponseCodeMismatch', Description: 'Health checks failed with these codes: [502]' },
  };
}

/*
 * Marker / NextToken paging the way the awsQuery services (ELBv2, Auto Scaling) do it: a page size within the API's
 * range, an opaque token bound to the operation, account, region and epoch.
 */

export interface QueryPage<T> {
  items: T[];
  next?: string;
}

export function pageOf<T>(
  items: readonly T[], call: SandboxCall, options: { size: unknown; sizeName: string; max: number; token: unknown; errorCode: string },
): QueryPage<T> {
  const size = options.size === undefined ? options.max : Number(options.size);
  if (!Number.isInteger(size) || size < 1 || size > options.max) {
    throw new SandboxApiError(options.errorCode, `1 validation error detected: Value '${String(options.size)}' at '${options.sizeName}' failed to satisfy constraint: `
      + `Member must have value between 1 and ${options.max}`);
  }
  const scope = `${call.operation}|${call.accountId}|${call.region}|${call.spec.epoch}`;
  const start = typeof options.token === 'string' && options.token !== '' ? decodeToken(scope, options.token, items.length, options.errorCode) : 0;
  const end = Math.min(items.length, start + size);
  return { items: items.slice(start, end), ...(end < items.length ? { next: encodeToken(scope, end) } : {}) };
}

/** A list input member (`LoadBalancerArns`, …) as strings; absent: undefined. */
export function stringsIn(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.map(String) : undefined;
}
