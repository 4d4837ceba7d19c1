import type { ServiceDefinition } from '../registry';
import { instanceType } from './instance';
import { instanceStateRule } from './instance-rules';

export const ec2Service: ServiceDefinition = {
  name: 'EC2',
  scope: { kind: 'regional' },
  types: [instanceType],
  rules: [instanceStateRule],
};
