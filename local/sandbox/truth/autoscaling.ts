/**
 * Auto Scaling's truth, from the model (services/autoscaling-model.ts): every group, and the planted AsgBelowDesired
 * (desired capacity above the number of members in service).
 */
import type { ServiceTruth, ServiceTruthCondition, ServiceTruthResource } from '../service-truth';
import { autoScalingGroups } from '../services/autoscaling-model';

export const autoScalingTruth: ServiceTruth = {
  service: 'AutoScaling',
  truth(spec, accountId, regions) {
    const resources: ServiceTruthResource[] = [];
    const conditions: ServiceTruthCondition[] = [];
    for (const region of regions) {
      for (const group of autoScalingGroups(spec, accountId, region)) {
        const id = group.AutoScalingGroupName ?? '';
        const instances = group.Instances ?? [];
        const inService = instances.filter((instance) => instance.LifecycleState === 'InService').length;
        resources.push({
          accountId, region, type: 'AutoScaling.AutoScalingGroup', id, name: id,
          tags: Object.fromEntries((group.Tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? ''])),
          attributes: {
            arn: group.AutoScalingGroupARN, minSize: group.MinSize, maxSize: group.MaxSize, desiredCapacity: group.DesiredCapacity,
            instances: instances.map((instance) => instance.InstanceId), inServiceCount: inService,
            subnets: (group.VPCZoneIdentifier ?? '').split(',').filter((subnet) => subnet !== ''), targetGroupArns: group.TargetGroupARNs ?? [],
          },
        });
        if ((group.DesiredCapacity ?? 0) > inService) {
          conditions.push({
            rule: 'AsgBelowDesired', accountId, region, type: 'AutoScaling.AutoScalingGroup', id, severity: 2,
            detail: { desiredCapacity: group.DesiredCapacity, inService },
          });
        }
      }
    }
    return { resources, conditions };
  },
};
