import type { TapRule } from '../rule';

/** AsgBelowDesired: fewer instances in service than the group wants, e.g. launches failing or instances replaced. */
export const asgBelowDesiredRule: TapRule = {
  name: 'AsgBelowDesired',
  resourceType: 'AutoScaling.AutoScalingGroup',
  eventClass: 'AWS_AUTOSCALING',
  evaluate(record) {
    const desired = record.data.desired_capacity;
    const inService = record.data.in_service_count;
    if (typeof desired !== 'number' || typeof inService !== 'number' || desired <= inService) return [];
    return [{
      severity: 2, typeNames: [{ type: 'ID', name: record.id }], group: record.tags.Role ?? null,
      text: `WARNING – auto scaling group ${record.id} has ${inService} of ${desired} desired instances in service`,
    }];
  },
  clearText: (typeNames) => `OK – auto scaling group ${typeNames[0]?.name ?? ''} has its desired instances in service, or is deleted`,
};
