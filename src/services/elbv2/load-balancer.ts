import {
  DescribeLoadBalancersCommand, type DescribeLoadBalancersCommandOutput, type LoadBalancer,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { defineResourceType, type ListCall, type ResourceRecord } from '../resource-type';
import { isoTime } from '../record-values';
import { ELBV2_CLIENT, elbv2Tags } from './enrichment';

/** DescribeLoadBalancers and DescribeTargetGroups return at most 400 a page. */
export const ELBV2_PAGE_SIZE = 400;

/** DescribeLoadBalancers, also the first half of the listeners' listing. */
export const loadBalancerListCall: ListCall<LoadBalancer, DescribeLoadBalancersCommandOutput> = {
  client: ELBV2_CLIENT,
  action: 'elasticloadbalancing:DescribeLoadBalancers',
  maxResults: ELBV2_PAGE_SIZE,
  command: (page) => new DescribeLoadBalancersCommand({ PageSize: page.maxResults, Marker: page.token }),
  items: (output) => output.LoadBalancers ?? [],
  nextToken: (output) => output.NextMarker,
};

/** Application, network and gateway load balancers of the region; tags from DescribeTags, 20 a call. */
export const loadBalancerType = defineResourceType<LoadBalancer, DescribeLoadBalancersCommandOutput>({
  service: 'ELBv2',
  name: 'LoadBalancer',
  info: {
    group: 'ELB',
    displayName: 'Load Balancer',
    labels: ['Networking'],
    primaryFields: ['load_balancer_name', 'type', 'scheme', 'state'],
    displayFields: ['load_balancer_name', 'type', 'scheme', 'state', 'dns_name', 'vpc_id', 'availability_zones', 'security_groups', 'created_time'],
  },
  list: loadBalancerListCall,
  describe: {
    command: (ids) => new DescribeLoadBalancersCommand({ LoadBalancerArns: ids }),
    // The SDK's name for AWS's `LoadBalancerNotFound`.
    notFoundCode: 'LoadBalancerNotFoundException',
  },
  enrich: elbv2Tags,
  relations: [
    { name: 'subnet', type: 'EC2.Subnet', ids: (record) => stringsOf(record.data.subnets) },
    { name: 'security_group', type: 'EC2.SecurityGroup', ids: (record) => stringsOf(record.data.security_groups) },
  ],
  preprocess: (raw) => preprocessLoadBalancer(raw),
  volatileFields: [],
  cloudTrailResourceType: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
});

/** The ARN is the id: AWS's calls and CloudTrail name load balancers by it. */
export function preprocessLoadBalancer(raw: LoadBalancer): ResourceRecord {
  const arn = raw.LoadBalancerArn ?? '';
  const zones = (raw.AvailabilityZones ?? []).map((zone) => ({ zone_name: zone.ZoneName ?? null, subnet_id: zone.SubnetId ?? null }));
  return {
    id: arn,
    name: raw.LoadBalancerName,
    arn,
    // From DescribeTags (the enrichment).
    tags: {},
    data: {
      load_balancer_arn: arn,
      load_balancer_name: raw.LoadBalancerName ?? null,
      type: raw.Type ?? null,
      scheme: raw.Scheme ?? null,
      state: raw.State?.Code ?? null,
      state_reason: raw.State?.Reason ?? null,
      dns_name: raw.DNSName ?? null,
      canonical_hosted_zone_id: raw.CanonicalHostedZoneId ?? null,
      vpc_id: raw.VpcId ?? null,
      availability_zones: zones,
      subnets: zones.flatMap((zone) => (zone.subnet_id ? [zone.subnet_id] : [])),
      security_groups: raw.SecurityGroups ?? [],
      ip_address_type: raw.IpAddressType ?? null,
      created_time: isoTime(raw.CreatedTime),
    },
  };
}

export function stringsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
