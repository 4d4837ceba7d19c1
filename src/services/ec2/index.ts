import type { ServiceDefinition } from '../registry';
import { instanceType } from './instance';
import { instanceStateRule } from './instance-rules';
import { InstanceFacts } from './region-facts';
import { volumeType } from './volume';
import { unattachedVolumeRule, unencryptedVolumeRule } from './volume-rules';
import { snapshotType } from './snapshot';
import { imageType } from './image';
import { vpcType } from './vpc';
import { subnetType } from './subnet';
import { networkInterfaceType } from './network-interface';
import { securityGroupType } from './security-group';
import { openIngressRule } from './security-group-rules';
import { addressType } from './address';

export const ec2Service: ServiceDefinition = {
  name: 'EC2',
  scope: { kind: 'regional' },
  types: [instanceType, volumeType, snapshotType, imageType, vpcType, subnetType, networkInterfaceType, securityGroupType, addressType],
  rules: [instanceStateRule, openIngressRule, unattachedVolumeRule, unencryptedVolumeRule],
  facts: { from: 'EC2.Instance', create: () => new InstanceFacts() },
};
