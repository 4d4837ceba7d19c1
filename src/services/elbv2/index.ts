import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { NamedResources, ServiceDefinition } from '../service';
import { ELBV2_CLIENT } from './enrichment';
import { listenerType } from './listener';
import { loadBalancerType } from './load-balancer';
import { httpListenerWithoutRedirectRule, unhealthyTargetsRule } from './rules';
import { targetGroupType } from './target-group';

/** The type an ELBv2 ARN names, by its resource part (`loadbalancer/app/…`, `targetgroup/…`, `listener/app/…`). */
const ARN_TYPES: [RegExp, string][] = [
  [/^arn:[\w-]+:elasticloadbalancing:[\w-]+:\d{12}:loadbalancer\/[\w-]+\/[^/]+\/[0-9a-f]+$/, 'ELBv2.LoadBalancer'],
  [/^arn:[\w-]+:elasticloadbalancing:[\w-]+:\d{12}:targetgroup\/[^/]+\/[0-9a-f]+$/, 'ELBv2.TargetGroup'],
  [/^arn:[\w-]+:elasticloadbalancing:[\w-]+:\d{12}:listener\/[\w-]+\/[^/]+\/[0-9a-f]+\/[0-9a-f]+$/, 'ELBv2.Listener'],
];

/** Every load balancer, target group and listener ARN in a CloudTrail event's request and response. */
export function elbv2ResourcesInApiCall(detail: Record<string, unknown>): NamedResources[] {
  const found = new Map<string, Set<string>>();
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      const type = ARN_TYPES.find(([pattern]) => pattern.test(value))?.[1];
      if (type) found.set(type, (found.get(type) ?? new Set()).add(value));
    } else if (Array.isArray(value)) value.forEach(visit);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(visit);
  };
  visit(detail.requestParameters);
  visit(detail.responseElements);
  return [...found].map(([type, ids]) => ({ type, ids: [...ids].sort() }));
}

export const elbv2Service: ServiceDefinition = {
  name: 'ELBv2',
  scope: { kind: 'regional' },
  clients: { [ELBV2_CLIENT]: (config) => new ElasticLoadBalancingV2Client(config) },
  types: [loadBalancerType, targetGroupType, listenerType],
  rules: [unhealthyTargetsRule, httpListenerWithoutRedirectRule],
  realtime: {
    source: 'aws.elasticloadbalancing',
    apiCalls: [
      'CreateLoadBalancer', 'DeleteLoadBalancer', 'ModifyLoadBalancerAttributes', 'SetSecurityGroups', 'SetSubnets',
      'CreateTargetGroup', 'DeleteTargetGroup', 'ModifyTargetGroup', 'RegisterTargets', 'DeregisterTargets',
      'CreateListener', 'DeleteListener', 'ModifyListener', 'AddTags', 'RemoveTags',
    ],
    resourcesInApiCall: elbv2ResourcesInApiCall,
  },
};
