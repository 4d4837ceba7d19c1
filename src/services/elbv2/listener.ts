import {
  DescribeListenersCommand,
  type Action, type ElasticLoadBalancingV2Client, type Listener,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { defineResourceType, type CollectContext, type ResourceRecord } from '../resource-type';
import { listPages } from '../pages';
import { mapWithConcurrency } from '../../util/concurrency';
import { ELBV2_CALLS_IN_FLIGHT, ELBV2_CLIENT, elbv2Tags } from './enrichment';
import { loadBalancerListCall, stringsOf } from './load-balancer';

/** DescribeListeners returns at most 400 a page. */
const LISTENERS_PAGE_SIZE = 400;

/** A listener's action as stored; `redirect` and `target_groups` only where the action has them. */
export interface ActionData {
  type: string | null;
  order: number | null;
  /** Forward actions: the single target group, or every group of a weighted forward. */
  target_groups: string[];
  redirect: { protocol: string | null; port: string | null; host: string | null; path: string | null; query: string | null; status_code: string | null } | null;
  fixed_response: { status_code: string | null; content_type: string | null } | null;
}

/**
 * Listeners of every load balancer. DescribeListeners needs a LoadBalancerArn (or listener ARNs), so the listing is
 * its own source: a page of load balancers, then their listeners, ELBV2_CALLS_IN_FLIGHT load balancers at a time —
 * one call per load balancer by necessity, made with every listing.
 */
export const listenerType = defineResourceType<Listener, unknown>({
  service: 'ELBv2',
  name: 'Listener',
  info: {
    group: 'ELB',
    displayName: 'Listener',
    labels: ['Networking'],
    primaryFields: ['protocol', 'port', 'load_balancer_arn'],
    displayFields: ['protocol', 'port', 'load_balancer_arn', 'ssl_policy', 'default_actions'],
  },
  source: {
    actions: ['elasticloadbalancing:DescribeLoadBalancers', 'elasticloadbalancing:DescribeListeners'],
    pages: listenerPages,
  },
  describe: {
    // No `list` to read a DescribeListeners page with, so the refresh fetches the raw listeners itself.
    fetch: describeListeners,
    notFoundCode: 'ListenerNotFoundException',
  },
  enrich: elbv2Tags,
  relations: [
    { name: 'load_balancer', type: 'ELBv2.LoadBalancer', ids: (record) => [stringOrNull(record.data.load_balancer_arn)] },
    { name: 'target_group', type: 'ELBv2.TargetGroup', ids: (record) => forwardTargetGroups(record) },
  ],
  preprocess: (raw) => preprocessListener(raw),
  volatileFields: [],
  cloudTrailResourceType: 'AWS::ElasticLoadBalancingV2::Listener',
});

async function* listenerPages(context: CollectContext): AsyncGenerator<Listener[]> {
  const elbv2 = context.clients.get<ElasticLoadBalancingV2Client>(ELBV2_CLIENT);
  for await (const loadBalancers of listPages(loadBalancerListCall, context.clients, context)) {
    const arns = loadBalancers.flatMap((lb) => (lb.LoadBalancerArn ? [lb.LoadBalancerArn] : []));
    const listeners = await mapWithConcurrency(arns, ELBV2_CALLS_IN_FLIGHT, (arn) => listenersOf(elbv2, arn));
    yield listeners.flat();
  }
}

/** Every listener of one load balancer; none when it was deleted since it was listed. */
async function listenersOf(elbv2: ElasticLoadBalancingV2Client, loadBalancerArn: string): Promise<Listener[]> {
  const found: Listener[] = [];
  let marker: string | undefined;
  try {
    do {
      const output = await elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: loadBalancerArn, PageSize: LISTENERS_PAGE_SIZE, Marker: marker }));
      found.push(...(output.Listeners ?? []));
      marker = output.NextMarker || undefined;
    } while (marker);
  } catch (error) {
    if ((error as { name?: string }).name === 'LoadBalancerNotFoundException') return [];
    // Any other failure fails the listing: skipping a load balancer would delete its stored listeners.
    throw error;
  }
  return found;
}

/** Listeners by ARN, for real-time refreshes; the ARNs AWS no longer knows are simply not returned. */
async function describeListeners(ids: string[], context: CollectContext): Promise<Listener[]> {
  const elbv2 = context.clients.get<ElasticLoadBalancingV2Client>(ELBV2_CLIENT);
  try {
    return (await elbv2.send(new DescribeListenersCommand({ ListenerArns: ids }))).Listeners ?? [];
  } catch (error) {
    if ((error as { name?: string }).name !== 'ListenerNotFoundException') throw error;
    if (ids.length === 1) return [];
    // One of them is gone: ask for each, so the others are still refreshed.
    return (await mapWithConcurrency(ids, ELBV2_CALLS_IN_FLIGHT, (id) => describeListeners([id], context))).flat();
  }
}

export function preprocessListener(raw: Listener): ResourceRecord {
  const arn = raw.ListenerArn ?? '';
  return {
    id: arn,
    arn,
    // From DescribeTags (the enrichment).
    tags: {},
    data: {
      listener_arn: arn,
      load_balancer_arn: raw.LoadBalancerArn ?? null,
      protocol: raw.Protocol ?? null,
      port: raw.Port ?? null,
      ssl_policy: raw.SslPolicy ?? null,
      certificates: (raw.Certificates ?? []).flatMap((c) => (c.CertificateArn ? [c.CertificateArn] : [])),
      alpn_policy: raw.AlpnPolicy ?? [],
      default_actions: [...(raw.DefaultActions ?? [])]
        .sort((a, b) => (a.Order ?? Number.MAX_SAFE_INTEGER) - (b.Order ?? Number.MAX_SAFE_INTEGER))
        .map(flatAction),
    },
  };
}

function flatAction(action: Action): ActionData {
  const groups = action.ForwardConfig?.TargetGroups?.flatMap((g) => (g.TargetGroupArn ? [g.TargetGroupArn] : [])) ?? [];
  const redirect = action.RedirectConfig;
  const fixed = action.FixedResponseConfig;
  return {
    type: action.Type ?? null,
    order: action.Order ?? null,
    target_groups: [...new Set([...(action.TargetGroupArn ? [action.TargetGroupArn] : []), ...groups])],
    redirect: redirect ? {
      protocol: redirect.Protocol ?? null, port: redirect.Port ?? null, host: redirect.Host ?? null,
      path: redirect.Path ?? null, query: redirect.Query ?? null, status_code: redirect.StatusCode ?? null,
    } : null,
    fixed_response: fixed ? { status_code: fixed.StatusCode ?? null, content_type: fixed.ContentType ?? null } : null,
  };
}

export function actionsOf(record: ResourceRecord): ActionData[] {
  return Array.isArray(record.data.default_actions) ? (record.data.default_actions as ActionData[]) : [];
}

function forwardTargetGroups(record: ResourceRecord): string[] {
  return [...new Set(actionsOf(record).filter((a) => a.type === 'forward').flatMap((a) => stringsOf(a.target_groups)))];
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
