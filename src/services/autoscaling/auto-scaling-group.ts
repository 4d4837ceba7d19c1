import {
  DescribeAutoScalingGroupsCommand,
  type AutoScalingGroup, type DescribeAutoScalingGroupsCommandOutput, type LaunchTemplateSpecification,
} from '@aws-sdk/client-auto-scaling';
import { defineResourceType, tagMap, type CollectContext, type ResourceRecord } from '../resource-type';
import { regionalArn } from '../arn';
import { isoTime } from '../record-values';

/** The client, by the name the service declares it under. */
export const AUTOSCALING_CLIENT = 'autoscaling';

/** One member instance as stored. */
export interface GroupInstanceData {
  instance_id: string;
  instance_type: string | null;
  availability_zone: string | null;
  lifecycle_state: string | null;
  health_status: string | null;
  protected_from_scale_in: boolean | null;
}

/**
 * Auto Scaling groups, 100 a page (the most DescribeAutoScalingGroups returns). The listing carries members, tags
 * and target groups: no other call is needed. The id is the group's name, as the API and CloudTrail name it.
 */
export const autoScalingGroupType = defineResourceType<AutoScalingGroup, DescribeAutoScalingGroupsCommandOutput>({
  service: 'AutoScaling',
  name: 'AutoScalingGroup',
  info: {
    group: 'AutoScaling',
    displayName: 'Auto Scaling Group',
    labels: ['Compute'],
    primaryFields: ['auto_scaling_group_name', 'desired_capacity', 'in_service_count'],
    displayFields: [
      'auto_scaling_group_name', 'min_size', 'max_size', 'desired_capacity', 'in_service_count', 'launch_template',
      'launch_configuration_name', 'availability_zones', 'subnets', 'target_group_arns', 'status',
    ],
  },
  list: {
    client: AUTOSCALING_CLIENT,
    action: 'autoscaling:DescribeAutoScalingGroups',
    maxResults: 100,
    command: (page) => new DescribeAutoScalingGroupsCommand({ MaxRecords: page.maxResults, NextToken: page.token }),
    items: (output) => output.AutoScalingGroups ?? [],
    nextToken: (output) => output.NextToken,
  },
  describe: {
    // A name that no longer exists is simply not returned (no error).
    command: (ids) => new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ids }),
  },
  relations: [
    { name: 'instance', type: 'EC2.Instance', ids: (record) => instancesOf(record).map((instance) => instance.instance_id) },
    { name: 'subnet', type: 'EC2.Subnet', ids: (record) => stringList(record.data.subnets) },
    { name: 'target_group', type: 'ELBv2.TargetGroup', ids: (record) => stringList(record.data.target_group_arns) },
  ],
  preprocess: (raw, context) => preprocessAutoScalingGroup(raw, context),
  volatileFields: [],
  cloudTrailResourceType: 'AWS::AutoScaling::AutoScalingGroup',
});

export function preprocessAutoScalingGroup(raw: AutoScalingGroup, context: Pick<CollectContext, 'accountId' | 'region'>): ResourceRecord {
  const name = raw.AutoScalingGroupName ?? '';
  const instances: GroupInstanceData[] = (raw.Instances ?? [])
    .map((instance) => ({
      instance_id: instance.InstanceId ?? '',
      instance_type: instance.InstanceType ?? null,
      availability_zone: instance.AvailabilityZone ?? null,
      lifecycle_state: instance.LifecycleState ?? null,
      health_status: instance.HealthStatus ?? null,
      protected_from_scale_in: instance.ProtectedFromScaleIn ?? null,
    }))
    .sort((a, b) => (a.instance_id < b.instance_id ? -1 : a.instance_id > b.instance_id ? 1 : 0));
  const template = raw.LaunchTemplate ?? raw.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
  return {
    id: name,
    name,
    // The ARN embeds a UUID that only the listing knows; without it, the name-based form AWS also accepts in policies.
    arn: raw.AutoScalingGroupARN ?? regionalArn(context, 'autoscaling', `autoScalingGroup:*:autoScalingGroupName/${name}`),
    // Only the group's own tags; `PropagateAtLaunch` says which ones its instances get.
    tags: tagMap(raw.Tags),
    data: {
      auto_scaling_group_name: name,
      auto_scaling_group_arn: raw.AutoScalingGroupARN ?? null,
      min_size: raw.MinSize ?? null,
      max_size: raw.MaxSize ?? null,
      desired_capacity: raw.DesiredCapacity ?? null,
      instances,
      in_service_count: instances.filter((instance) => instance.lifecycle_state === 'InService').length,
      launch_template: template ? launchTemplate(template) : null,
      mixed_instances_policy: raw.MixedInstancesPolicy !== undefined,
      launch_configuration_name: raw.LaunchConfigurationName ?? null,
      availability_zones: raw.AvailabilityZones ?? [],
      subnets: (raw.VPCZoneIdentifier ?? '').split(',').map((subnet) => subnet.trim()).filter((subnet) => subnet !== ''),
      target_group_arns: raw.TargetGroupARNs ?? [],
      load_balancer_names: raw.LoadBalancerNames ?? [],
      health_check_type: raw.HealthCheckType ?? null,
      health_check_grace_period: raw.HealthCheckGracePeriod ?? null,
      status: raw.Status ?? null,
      suspended_processes: (raw.SuspendedProcesses ?? []).flatMap((process) => (process.ProcessName ? [process.ProcessName] : [])),
      propagated_tags: (raw.Tags ?? []).filter((tag) => tag.PropagateAtLaunch && tag.Key !== undefined).map((tag) => tag.Key as string),
      created_time: isoTime(raw.CreatedTime),
    },
  };
}

function launchTemplate(spec: LaunchTemplateSpecification): Record<string, unknown> {
  return { id: spec.LaunchTemplateId ?? null, name: spec.LaunchTemplateName ?? null, version: spec.Version ?? null };
}

export function instancesOf(record: ResourceRecord): GroupInstanceData[] {
  return Array.isArray(record.data.instances) ? (record.data.instances as GroupInstanceData[]) : [];
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
