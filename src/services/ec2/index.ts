import { EC2Client } from '@aws-sdk/client-ec2';
import type { ServiceDefinition } from '../service';
import { instanceType } from './instance';
import { instanceStateRule } from './instance-rules';
import { InstanceFacts } from './region-facts';
import { volumeType } from './volume';
import { burstBalanceRule, unattachedVolumeRule, unencryptedVolumeRule } from './volume-rules';
import { instanceMetricRules } from './metric-rules';
import { snapshotType } from './snapshot';
import { imageType } from './image';
import { vpcType } from './vpc';
import { subnetType } from './subnet';
import { networkInterfaceType } from './network-interface';
import { securityGroupType } from './security-group';
import { openIngressRule } from './security-group-rules';
import { addressType } from './address';
import { ec2RegionDirectory, regionType } from './region';

/** EC2's notification that an instance changed state (EventBridge `detail-type`). */
export const STATE_CHANGE = 'EC2 Instance State-change Notification';

export const ec2Service: ServiceDefinition = {
  name: 'EC2',
  scope: { kind: 'regional' },
  clients: { ec2: (config) => new EC2Client(config) },
  types: [instanceType, volumeType, snapshotType, imageType, vpcType, subnetType, networkInterfaceType, securityGroupType, addressType, regionType],
  rules: [instanceStateRule, openIngressRule, unattachedVolumeRule, unencryptedVolumeRule],
  metricRules: [...instanceMetricRules, burstBalanceRule],
  facts: { from: 'EC2.Instance', create: () => new InstanceFacts() },
  regionDirectory: ec2RegionDirectory,
  counters: [{
    // Running instances per server role, for thresholds such as "fewer than 2 web servers" (`RunningInstances`).
    name: 'RunningInstances',
    type: 'EC2.Instance',
    group: (record) => (record.data.state === 'running' ? (typeof record.data.role === 'string' ? record.data.role : null) : undefined),
    describe: (count, group) => `${count} running ${group ? `${group} ` : ''}instances`,
  }],
  realtime: {
    source: 'aws.ec2',
    apiCalls: [
      'RunInstances', 'StartInstances', 'StopInstances', 'RebootInstances', 'TerminateInstances', 'ModifyInstanceAttribute',
      'CreateTags', 'DeleteTags',
      'CreateSecurityGroup', 'DeleteSecurityGroup', 'AuthorizeSecurityGroupIngress', 'RevokeSecurityGroupIngress',
      'AuthorizeSecurityGroupEgress', 'RevokeSecurityGroupEgress', 'ModifySecurityGroupRules',
      'CreateVolume', 'DeleteVolume', 'AttachVolume', 'DetachVolume', 'ModifyVolume',
    ],
    notifications: [{
      detailType: STATE_CHANGE,
      resources: (detail) => (typeof detail['instance-id'] === 'string' ? [{ type: 'EC2.Instance', ids: [detail['instance-id']] }] : []),
    }],
  },
};
