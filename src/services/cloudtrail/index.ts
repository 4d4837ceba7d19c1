import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import type { ServiceDefinition } from '../service';
import { trailType } from './trail';
import { trailLoggingRule } from './trail-rules';
import { eventType } from './event';
import { noTrailRule } from './no-trail-rule';

/** Regional: trails are read in their home region, and event history is kept per region. */
export const cloudTrailService: ServiceDefinition = {
  name: 'CloudTrail',
  scope: { kind: 'regional' },
  clients: { cloudtrail: (config) => new CloudTrailClient(config) },
  types: [trailType, eventType],
  rules: [trailLoggingRule],
  accountRules: [noTrailRule],
};
