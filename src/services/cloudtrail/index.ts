import type { ServiceDefinition } from '../registry';
import { trailType } from './trail';
import { trailLoggingRule } from './trail-rules';
import { eventType } from './event';
import { noTrailRule } from './no-trail-rule';

/** Regional: trails are read in their home region, and event history is kept per region. */
export const cloudTrailService: ServiceDefinition = {
  name: 'CloudTrail',
  scope: { kind: 'regional' },
  types: [trailType, eventType],
  rules: [trailLoggingRule],
  accountRules: [noTrailRule],
};
