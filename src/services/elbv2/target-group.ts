import {
  DescribeTargetGroupsCommand, DescribeTargetHealthCommand,
  type DescribeTargetGroupsCommandOutput, type ElasticLoadBalancingV2Client, type TargetGroup, type TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { defineResourceType, markUnknown, type CollectContext, type Enrichment, type ResourceRecord } from '../resource-type';
import { mapWithConcurrency } from '../../util/concurrency';
import { ELBV2_CALLS_IN_FLIGHT, ELBV2_CLIENT, elbv2Tags, errorCode, errorMessage, isThrottling } from './enrichment';
import { ELBV2_PAGE_SIZE, stringsOf } from './load-balancer';

/** The fields DescribeTargetHealth sets. */
export const TARGET_HEALTH_FIELDS = ['targets', 'healthy_target_count', 'unhealthy_target_count', 'unhealthy_targets'] as const;

/** One registered target as stored: its id (instance id, IP or Lambda ARN), port and health. */
export interface TargetData {
  id: string;
  port: number | null;
  availability_zone: string | null;
  state: string | null;
  reason: string | null;
}

export const targetGroupType = defineResourceType<TargetGroup, DescribeTargetGroupsCommandOutput>({
  service: 'ELBv2',
  name: 'TargetGroup',
  info: {
    group: 'ELB',
    displayName: 'Target Group',
    labels: ['Networking'],
    primaryFields: ['target_group_name', 'protocol', 'port', 'unhealthy_target_count'],
    displayFields: [
      'target_group_name', 'protocol', 'port', 'target_type', 'vpc_id', 'health_check', 'load_balancer_arns',
      'healthy_target_count', 'unhealthy_target_count', 'unhealthy_targets',
    ],
  },
  list: {
    client: ELBV2_CLIENT,
    action: 'elasticloadbalancing:DescribeTargetGroups',
    maxResults: ELBV2_PAGE_SIZE,
    command: (page) => new DescribeTargetGroupsCommand({ PageSize: page.maxResults, Marker: page.token }),
    items: (output) => output.TargetGroups ?? [],
    nextToken: (output) => output.NextMarker,
  },
  describe: {
    command: (ids) => new DescribeTargetGroupsCommand({ TargetGroupArns: ids }),
    // The SDK's name for AWS's `TargetGroupNotFound`.
    notFoundCode: 'TargetGroupNotFoundException',
  },
  enrich: [elbv2Tags, {
    // No batch form: one call per target group. Health changes while the listing does not, so this is not
    // memoised per resource: it runs with every listing, ELBV2_CALLS_IN_FLIGHT at a time.
    actions: ['elasticloadbalancing:DescribeTargetHealth'],
    apply: readTargetHealth,
  } satisfies Enrichment],
  relations: [
    { name: 'load_balancer', type: 'ELBv2.LoadBalancer', ids: (record) => stringsOf(record.data.load_balancer_arns) },
    {
      name: 'target',
      type: 'EC2.Instance',
      ids: (record) => (record.data.target_type === 'instance' ? targetsOf(record).map((target) => target.id) : []),
    },
  ],
  preprocess: (raw) => preprocessTargetGroup(raw),
  volatileFields: [],
  cloudTrailResourceType: 'AWS::ElasticLoadBalancingV2::TargetGroup',
});

export function preprocessTargetGroup(raw: TargetGroup): ResourceRecord {
  const arn = raw.TargetGroupArn ?? '';
  return {
    id: arn,
    name: raw.TargetGroupName,
    arn,
    // From DescribeTags (an enrichment).
    tags: {},
    data: {
      target_group_arn: arn,
      target_group_name: raw.TargetGroupName ?? null,
      protocol: raw.Protocol ?? null,
      protocol_version: raw.ProtocolVersion ?? null,
      port: raw.Port ?? null,
      target_type: raw.TargetType ?? null,
      vpc_id: raw.VpcId ?? null,
      ip_address_type: raw.IpAddressType ?? null,
      health_check: {
        enabled: raw.HealthCheckEnabled ?? null,
        protocol: raw.HealthCheckProtocol ?? null,
        port: raw.HealthCheckPort ?? null,
        path: raw.HealthCheckPath ?? null,
        interval_seconds: raw.HealthCheckIntervalSeconds ?? null,
        timeout_seconds: raw.HealthCheckTimeoutSeconds ?? null,
        healthy_threshold: raw.HealthyThresholdCount ?? null,
        unhealthy_threshold: raw.UnhealthyThresholdCount ?? null,
        matcher: raw.Matcher?.HttpCode ?? raw.Matcher?.GrpcCode ?? null,
      },
      load_balancer_arns: raw.LoadBalancerArns ?? [],
      // From DescribeTargetHealth (an enrichment); null until read.
      targets: null,
      healthy_target_count: null,
      unhealthy_target_count: null,
      unhealthy_targets: null,
    },
  };
}

async function readTargetHealth(records: ResourceRecord[], context: CollectContext): Promise<void> {
  const elbv2 = context.clients.get<ElasticLoadBalancingV2Client>(ELBV2_CLIENT);
  const failures = new Map<string, { message: string; records: number }>();
  await mapWithConcurrency(records, ELBV2_CALLS_IN_FLIGHT, async (record) => {
    try {
      const output = await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: record.arn }));
      applyTargetHealth(record, output.TargetHealthDescriptions ?? []);
    } catch (error) {
      if (isThrottling(error)) throw error;
      markUnknown(record, TARGET_HEALTH_FIELDS);
      const code = errorCode(error);
      const failure = failures.get(code) ?? { message: errorMessage(error), records: 0 };
      failure.records++;
      failures.set(code, failure);
    }
  });
  // One warning per error code, not one per target group.
  for (const [code, failure] of failures) {
    context.warn?.({ call: 'elasticloadbalancing:DescribeTargetHealth', code, message: failure.message, records: failure.records });
  }
}

/** `unhealthy` and `unhealthy.draining` targets fail their health checks; `initial`, `unused` and `draining` ones are neither. */
export function applyTargetHealth(record: ResourceRecord, descriptions: readonly TargetHealthDescription[]): void {
  const targets: TargetData[] = descriptions.map((description) => ({
    id: description.Target?.Id ?? '',
    port: description.Target?.Port ?? null,
    availability_zone: description.Target?.AvailabilityZone ?? null,
    state: description.TargetHealth?.State ?? null,
    reason: description.TargetHealth?.Reason ?? null,
  }));
  const unhealthy = targets.filter((target) => target.state?.startsWith('unhealthy'));
  record.data.targets = targets;
  record.data.healthy_target_count = targets.filter((target) => target.state === 'healthy').length;
  record.data.unhealthy_target_count = unhealthy.length;
  record.data.unhealthy_targets = unhealthy.map((target) => target.id);
}

export function targetsOf(record: ResourceRecord): TargetData[] {
  return Array.isArray(record.data.targets) ? (record.data.targets as TargetData[]) : [];
}
