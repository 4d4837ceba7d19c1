/**
 * The Auto Scaling groups of one region of one synthetic account: ≈ instances/25 groups (at least 2). Group i holds
 * the same running instances as ELBv2 target group i (elbv2-model.ts) and is attached to it; groups past the target
 * groups stand alone. Every region plants AsgBelowDesired: group 0 wants one instance more than it has in service;
 * later groups draw, each epoch, a member in Standby (not in service) by chance.
 * A pure function of (seed, account, region, instances, epoch).
 */
import type { AutoScalingGroup, Instance as GroupInstance } from '@aws-sdk/client-auto-scaling';
import { timeBeforeStart } from '../clock';
import { APP_VPC } from '../network';
import { elbRegion, memberInstances, membersOf, regionModelOf, type ElbModelSpec } from './elbv2-model';
import { remember } from '../bounded-cache';

const ROLES = ['web_server', 'app_server', 'batch_worker'] as const;

export function autoScalingGroupCount(baseInstances: number): number {
  return Math.max(2, Math.round(baseInstances / 25));
}

const MAX_CACHED = 64;
const cache = new Map<string, AutoScalingGroup[]>();

/** The region's groups, sorted by name as DescribeAutoScalingGroups lists them (made once per spec, account, region and epoch). */
export function autoScalingGroups(spec: ElbModelSpec, accountId: string, region: string): AutoScalingGroup[] {
  const key = `${spec.seed}|${spec.instances}|${spec.regions}|${accountId}|${region}|${spec.epoch}`;
  return remember(cache, key, () => planGroups(spec, accountId, region), MAX_CACHED);
}

function planGroups(spec: ElbModelSpec, accountId: string, region: string): AutoScalingGroup[] {
  const model = regionModelOf(spec, accountId, region);
  const elb = elbRegion(spec, accountId, region);
  if (!model || !elb) return [];
  const dice = model.dice.child('autoscaling');
  const members = memberInstances(model, spec.epoch);
  const subnets = model.network.privateSubnets.map((s) => model.network.subnets[s]).filter((s): s is NonNullable<typeof s> => s !== undefined && s.vpcIndex === APP_VPC);
  const groups: AutoScalingGroup[] = [];
  for (let i = 0; i < autoScalingGroupCount(model.baseInstances); i++) {
    const role = ROLES[i % ROLES.length] ?? 'app_server';
    const name = `${role.replace('_', '-')}-asg-${i}`;
    const targetGroup = i < elb.targetGroups.length - 1 ? elb.targetGroups[i]?.TargetGroupArn : undefined;
    const templateId = `lt-0${dice.hex(16, i, 1)}`;
    const standby = i > 0 && dice.chance(0.2, i, 1000 + spec.epoch);
    const held = membersOf(members, i);
    const instances: GroupInstance[] = held.map((member, n) => ({
      InstanceId: member.id,
      InstanceType: member.instanceType,
      AvailabilityZone: member.zone,
      LifecycleState: standby && n === 0 ? 'Standby' : 'InService',
      HealthStatus: 'Healthy',
      LaunchTemplate: { LaunchTemplateId: templateId, LaunchTemplateName: `${name}-template`, Version: '1' },
      ProtectedFromScaleIn: false,
    }));
    // Group 0 wants one more than it holds: the planted AsgBelowDesired.
    const desired = held.length + (i === 0 ? 1 : 0);
    groups.push({
      AutoScalingGroupName: name,
      AutoScalingGroupARN: `arn:aws:autoscaling:${region}:${accountId}:autoScalingGroup:${model.uuid('asg', i)}:autoScalingGroupName/${name}`,
      LaunchTemplate: { LaunchTemplateId: templateId, LaunchTemplateName: `${name}-template`, Version: '1' },
      MinSize: Math.min(1, desired),
      MaxSize: Math.max(4, desired),
      DesiredCapacity: desired,
      DefaultCooldown: 300,
      AvailabilityZones: [...new Set(subnets.map((s) => s.zone.name))],
      LoadBalancerNames: [],
      TargetGroupARNs: targetGroup ? [targetGroup] : [],
      HealthCheckType: targetGroup ? 'ELB' : 'EC2',
      HealthCheckGracePeriod: 300,
      Instances: instances,
      CreatedTime: timeBeforeStart(dice.unit(i, 2), 300),
      SuspendedProcesses: [],
      VPCZoneIdentifier: subnets.map((s) => s.id).join(','),
      EnabledMetrics: [],
      Tags: [
        { ResourceId: name, ResourceType: 'auto-scaling-group', Key: 'Name', Value: name, PropagateAtLaunch: true },
        { ResourceId: name, ResourceType: 'auto-scaling-group', Key: 'Role', Value: role, PropagateAtLaunch: true },
      ],
      TerminationPolicies: ['Default'],
      NewInstancesProtectedFromScaleIn: false,
      ServiceLinkedRoleARN: `arn:aws:iam::${accountId}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
    });
  }
  return groups.sort((a, b) => ((a.AutoScalingGroupName ?? '') < (b.AutoScalingGroupName ?? '') ? -1 : 1));
}
