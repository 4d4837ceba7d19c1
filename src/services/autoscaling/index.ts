import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { NamedResources, ServiceDefinition } from '../service';
import { AUTOSCALING_CLIENT, autoScalingGroupType } from './auto-scaling-group';
import { asgBelowDesiredRule } from './rules';

const GROUP = 'AutoScaling.AutoScalingGroup';

/** The group an API call or a launch/terminate notification names (`autoScalingGroupName` / `AutoScalingGroupName`). */
function groupsIn(...values: unknown[]): NamedResources[] {
  const names = [...new Set(values.filter((value): value is string => typeof value === 'string' && value !== ''))];
  return names.length > 0 ? [{ type: GROUP, ids: names }] : [];
}

/** CreateOrUpdateTags / DeleteTags name groups in `tags[].resourceId`. */
function taggedGroups(requestParameters: Record<string, unknown>): unknown[] {
  const tags = Array.isArray(requestParameters.tags) ? (requestParameters.tags as Record<string, unknown>[]) : [];
  return tags.filter((tag) => tag.resourceType === undefined || tag.resourceType === 'auto-scaling-group').map((tag) => tag.resourceId);
}

export function autoScalingResourcesInApiCall(detail: Record<string, unknown>): NamedResources[] {
  const request = (detail.requestParameters ?? {}) as Record<string, unknown>;
  return groupsIn(request.autoScalingGroupName, ...taggedGroups(request));
}

const fromNotification = (detail: Record<string, unknown>) => groupsIn(detail.AutoScalingGroupName);

export const autoScalingService: ServiceDefinition = {
  name: 'AutoScaling',
  scope: { kind: 'regional' },
  clients: { [AUTOSCALING_CLIENT]: (config) => new AutoScalingClient(config) },
  types: [autoScalingGroupType],
  rules: [asgBelowDesiredRule],
  realtime: {
    source: 'aws.autoscaling',
    apiCalls: [
      'CreateAutoScalingGroup', 'DeleteAutoScalingGroup', 'UpdateAutoScalingGroup', 'SetDesiredCapacity',
      'AttachInstances', 'DetachInstances', 'CreateOrUpdateTags', 'DeleteTags',
    ],
    resourcesInApiCall: autoScalingResourcesInApiCall,
    notifications: [
      { detailType: 'EC2 Instance Launch Successful', resources: fromNotification },
      { detailType: 'EC2 Instance Terminate Successful', resources: fromNotification },
    ],
  },
};
