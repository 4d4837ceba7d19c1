import { describe, it, expect } from '@jest/globals';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand, type AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { mockClient } from 'aws-sdk-client-mock';
import { listPages } from '../../src/services/pages';
import { NO_FACTS } from '../../src/services/rule';
import { enrichmentsOf, typeActions, type CollectContext, type ResourceRecord, type ResourceType } from '../../src/services/resource-type';
import { autoScalingGroupType, preprocessAutoScalingGroup } from '../../src/services/autoscaling/auto-scaling-group';
import { asgBelowDesiredRule } from '../../src/services/autoscaling/rules';
import { autoScalingResourcesInApiCall, autoScalingService } from '../../src/services/autoscaling';

const context = { accountId: '111111111111', region: 'eu-west-1' };
const TG_ARN = 'arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/web-tg/73e2d6bc24d8a067';
const ASG_ARN = 'arn:aws:autoscaling:eu-west-1:111111111111:autoScalingGroup:0a1b2c3d-1111-2222-3333-444455556666:autoScalingGroupName/web-asg';

function mockedAutoScaling() {
  const autoscaling = new AutoScalingClient({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
  const clients = { get: <T>(name: string) => { if (name !== 'autoscaling') throw new Error(`no client ${name}`); return autoscaling as T; } } as unknown as CollectContext['clients'];
  return { context: { ...context, clients } satisfies CollectContext, autoscaling: mockClient(autoscaling) };
}

function relatedOf(type: ResourceType, record: ResourceRecord): Record<string, (string | null | undefined)[]> {
  return Object.fromEntries((type.relations ?? []).map((relation) => [relation.name, [...relation.ids(record)]]));
}

/** A DescribeAutoScalingGroups item as the SDK deserializes it: desired 3, two in service, one still pending. */
const webGroup: AutoScalingGroup = {
  AutoScalingGroupName: 'web-asg',
  AutoScalingGroupARN: ASG_ARN,
  LaunchTemplate: { LaunchTemplateId: 'lt-0abc', LaunchTemplateName: 'web-template', Version: '$Latest' },
  MinSize: 2,
  MaxSize: 6,
  DesiredCapacity: 3,
  DefaultCooldown: 300,
  AvailabilityZones: ['eu-west-1a', 'eu-west-1b'],
  LoadBalancerNames: [],
  TargetGroupARNs: [TG_ARN],
  HealthCheckType: 'ELB',
  HealthCheckGracePeriod: 300,
  Instances: [
    { InstanceId: 'i-0bbb', InstanceType: 't3.small', AvailabilityZone: 'eu-west-1b', LifecycleState: 'Pending', HealthStatus: 'Healthy', ProtectedFromScaleIn: false },
    { InstanceId: 'i-0aaa', InstanceType: 't3.small', AvailabilityZone: 'eu-west-1a', LifecycleState: 'InService', HealthStatus: 'Healthy', ProtectedFromScaleIn: false },
    { InstanceId: 'i-0ccc', InstanceType: 't3.small', AvailabilityZone: 'eu-west-1a', LifecycleState: 'InService', HealthStatus: 'Healthy', ProtectedFromScaleIn: true },
  ],
  CreatedTime: new Date('2025-08-01T09:00:00.000Z'),
  VPCZoneIdentifier: 'subnet-0aaa,subnet-0bbb',
  Tags: [
    { ResourceId: 'web-asg', ResourceType: 'auto-scaling-group', Key: 'Role', Value: 'web_server', PropagateAtLaunch: true },
    { ResourceId: 'web-asg', ResourceType: 'auto-scaling-group', Key: 'Team', Value: 'shop', PropagateAtLaunch: false },
  ],
};

describe('AutoScaling.AutoScalingGroup preprocess', () => {
  it('flattens sizes, members with lifecycle and health, launch template, zones, subnets, target groups and tags; the name is the id', () => {
    expect(preprocessAutoScalingGroup(webGroup, context)).toEqual({
      id: 'web-asg', name: 'web-asg', arn: ASG_ARN, tags: { Role: 'web_server', Team: 'shop' },
      data: {
        auto_scaling_group_name: 'web-asg', auto_scaling_group_arn: ASG_ARN, min_size: 2, max_size: 6, desired_capacity: 3,
        instances: [
          { instance_id: 'i-0aaa', instance_type: 't3.small', availability_zone: 'eu-west-1a', lifecycle_state: 'InService', health_status: 'Healthy', protected_from_scale_in: false },
          { instance_id: 'i-0bbb', instance_type: 't3.small', availability_zone: 'eu-west-1b', lifecycle_state: 'Pending', health_status: 'Healthy', protected_from_scale_in: false },
          { instance_id: 'i-0ccc', instance_type: 't3.small', availability_zone: 'eu-west-1a', lifecycle_state: 'InService', health_status: 'Healthy', protected_from_scale_in: true },
        ],
        in_service_count: 2,
        launch_template: { id: 'lt-0abc', name: 'web-template', version: '$Latest' }, mixed_instances_policy: false, launch_configuration_name: null,
        availability_zones: ['eu-west-1a', 'eu-west-1b'], subnets: ['subnet-0aaa', 'subnet-0bbb'], target_group_arns: [TG_ARN], load_balancer_names: [],
        health_check_type: 'ELB', health_check_grace_period: 300, status: null, suspended_processes: [], propagated_tags: ['Role'],
        created_time: '2025-08-01T09:00:00.000Z',
      },
    });
  });

  it('takes the launch template of a mixed instances policy', () => {
    const mixed = preprocessAutoScalingGroup({
      ...webGroup, LaunchTemplate: undefined,
      MixedInstancesPolicy: { LaunchTemplate: { LaunchTemplateSpecification: { LaunchTemplateName: 'mixed', Version: '2' } } },
    }, context);
    expect(mixed.data).toMatchObject({ launch_template: { id: null, name: 'mixed', version: '2' }, mixed_instances_policy: true });
  });

  it('relates to its instances, subnets and target groups', () => {
    expect(relatedOf(autoScalingGroupType, preprocessAutoScalingGroup(webGroup, context))).toEqual({
      instance: ['i-0aaa', 'i-0bbb', 'i-0ccc'], subnet: ['subnet-0aaa', 'subnet-0bbb'], target_group: [TG_ARN],
    });
  });

  it('is listed 100 at a time with NextToken, and makes no other call', async () => {
    const { context: mocked, autoscaling } = mockedAutoScaling();
    autoscaling.on(DescribeAutoScalingGroupsCommand)
      .resolvesOnce({ AutoScalingGroups: [webGroup], NextToken: 't-2' })
      .resolvesOnce({ AutoScalingGroups: [{ ...webGroup, AutoScalingGroupName: 'batch-asg' }] });
    const ids: string[][] = [];
    for await (const raws of listPages(autoScalingGroupType.list as NonNullable<typeof autoScalingGroupType.list>, mocked.clients)) {
      ids.push(raws.map((raw) => autoScalingGroupType.preprocess(raw, mocked).id));
    }
    expect(ids).toEqual([['web-asg'], ['batch-asg']]);
    expect(autoscaling.commandCalls(DescribeAutoScalingGroupsCommand).map((call) => call.args[0].input)).toEqual([
      { MaxRecords: 100, NextToken: undefined }, { MaxRecords: 100, NextToken: 't-2' },
    ]);
    expect(enrichmentsOf(autoScalingGroupType)).toEqual([]);
    expect(typeActions(autoScalingGroupType)).toEqual(['autoscaling:DescribeAutoScalingGroups']);
  });
});

describe('AsgBelowDesired rule', () => {
  it('fewer instances in service than desired is a WARNING on the group, grouped by its Role tag', () => {
    expect(asgBelowDesiredRule.evaluate(preprocessAutoScalingGroup(webGroup, context), NO_FACTS)).toEqual([{
      severity: 2, typeNames: [{ type: 'ID', name: 'web-asg' }], group: 'web_server',
      text: 'WARNING – auto scaling group web-asg has 2 of 3 desired instances in service',
    }]);
  });

  it('standby and terminating members are not in service', () => {
    const group = preprocessAutoScalingGroup({
      ...webGroup, DesiredCapacity: 2,
      Instances: [
        { InstanceId: 'i-1', AvailabilityZone: 'a', LifecycleState: 'Standby', HealthStatus: 'Healthy', ProtectedFromScaleIn: false },
        { InstanceId: 'i-2', AvailabilityZone: 'a', LifecycleState: 'Terminating', HealthStatus: 'Unhealthy', ProtectedFromScaleIn: false },
      ],
    }, context);
    expect(asgBelowDesiredRule.evaluate(group, NO_FACTS)).toHaveLength(1);
  });

  it('as many in service as desired (or a group scaled to zero) holds no condition', () => {
    expect(asgBelowDesiredRule.evaluate(preprocessAutoScalingGroup({ ...webGroup, DesiredCapacity: 2 }, context), NO_FACTS)).toEqual([]);
    expect(asgBelowDesiredRule.evaluate(preprocessAutoScalingGroup({ ...webGroup, DesiredCapacity: 0, Instances: [] }, context), NO_FACTS)).toEqual([]);
  });

  it('clears with an OK text', () => {
    expect(asgBelowDesiredRule.clearText([{ type: 'ID', name: 'web-asg' }])).toBe('OK – auto scaling group web-asg has its desired instances in service, or is deleted');
  });
});

describe('AutoScaling real-time hooks', () => {
  it('an API call names its group; tag calls name the tagged groups', () => {
    expect(autoScalingResourcesInApiCall({ eventName: 'SetDesiredCapacity', requestParameters: { autoScalingGroupName: 'web-asg', desiredCapacity: 4 } }))
      .toEqual([{ type: 'AutoScaling.AutoScalingGroup', ids: ['web-asg'] }]);
    expect(autoScalingResourcesInApiCall({
      eventName: 'CreateOrUpdateTags',
      requestParameters: { tags: [{ resourceId: 'web-asg', resourceType: 'auto-scaling-group', key: 'Role', value: 'x' }, { resourceId: 'batch-asg', key: 'a' }] },
    })).toEqual([{ type: 'AutoScaling.AutoScalingGroup', ids: ['web-asg', 'batch-asg'] }]);
    expect(autoScalingResourcesInApiCall({ eventName: 'DescribeAutoScalingGroups', requestParameters: null })).toEqual([]);
  });

  it('instance launch and terminate notifications name the group', () => {
    const notifications = autoScalingService.realtime?.notifications ?? [];
    expect(notifications.map((n) => n.detailType)).toEqual(['EC2 Instance Launch Successful', 'EC2 Instance Terminate Successful']);
    for (const notification of notifications) {
      expect(notification.resources({ AutoScalingGroupName: 'web-asg', EC2InstanceId: 'i-0aaa' })).toEqual([{ type: 'AutoScaling.AutoScalingGroup', ids: ['web-asg'] }]);
    }
  });

  it('refreshes groups by name', () => {
    expect(autoScalingGroupType.describe?.command?.(['web-asg', 'gone-asg']).input).toEqual({ AutoScalingGroupNames: ['web-asg', 'gone-asg'] });
    expect(autoScalingGroupType.cloudTrailResourceType).toBe('AWS::AutoScaling::AutoScalingGroup');
    expect(autoScalingService.realtime?.source).toBe('aws.autoscaling');
  });
});
