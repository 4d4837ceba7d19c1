/**
 * Elastic Load Balancing v2 (awsQuery, 2015-12-01): the Describe calls cloudtap's ELBv2 types make, over the model in
 * elbv2-model.ts, with AWS's page sizes (400), markers and not-found errors.
 */
import * as ELBv2 from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Tag } from '@aws-sdk/client-elastic-load-balancing-v2';
import { SandboxApiError } from '../api-errors';
import { awsQueryProtocol } from '../protocols/query-xml';
import type { SandboxCall, SandboxServiceModule } from '../service-module';
import { elbRegion, pageOf, stringsIn, targetHealthShape, type ElbRegion } from './elbv2-model';

const PAGE_SIZE_MAX = 400;
const TAGS_ARNS_MAX = 20;

const EMPTY: ElbRegion = { loadBalancers: [], targetGroups: [], listeners: [], listenersByLoadBalancer: new Map(), targets: new Map(), tags: new Map() };

function validation(message: string): SandboxApiError {
  return new SandboxApiError('ValidationError', message, 400);
}

/** Items of `all` with the given keys, in the order asked; `notFound` when one of them does not exist. */
function byKeys<T>(all: readonly T[], keyOf: (item: T) => string | undefined, keys: readonly string[], notFound: SandboxApiError): T[] {
  const index = new Map(all.map((item) => [keyOf(item) ?? '', item]));
  return [...new Set(keys)].map((key) => {
    const item = index.get(key);
    if (item === undefined) throw notFound;
    return item;
  });
}

const lbNotFound = () => new SandboxApiError('LoadBalancerNotFound', 'One or more load balancers not found', 400);
const tgNotFound = () => new SandboxApiError('TargetGroupNotFound', 'One or more target groups not found', 400);
const listenerNotFound = () => new SandboxApiError('ListenerNotFound', 'One or more listeners not found', 400);

function paged<T>(items: readonly T[], call: SandboxCall): { items: T[]; NextMarker?: string } {
  const page = pageOf(items, call, { size: call.input.PageSize, sizeName: 'pageSize', max: PAGE_SIZE_MAX, token: call.input.Marker, errorCode: 'ValidationError' });
  return { items: page.items, ...(page.next ? { NextMarker: page.next } : {}) };
}

function describeLoadBalancers(region: ElbRegion, call: SandboxCall): ELBv2.DescribeLoadBalancersOutput {
  const arns = stringsIn(call.input.LoadBalancerArns);
  const names = stringsIn(call.input.Names);
  if (arns && arns.length > TAGS_ARNS_MAX) throw validation(`LoadBalancerArns: at most ${TAGS_ARNS_MAX}`);
  let found = region.loadBalancers;
  if (arns) found = byKeys(found, (lb) => lb.LoadBalancerArn, arns, lbNotFound());
  if (names) found = byKeys(found, (lb) => lb.LoadBalancerName, names, lbNotFound());
  const { items, NextMarker } = paged(found, call);
  return { LoadBalancers: items, NextMarker };
}

function describeTargetGroups(region: ElbRegion, call: SandboxCall): ELBv2.DescribeTargetGroupsOutput {
  const lbArn = typeof call.input.LoadBalancerArn === 'string' ? call.input.LoadBalancerArn : undefined;
  const arns = stringsIn(call.input.TargetGroupArns);
  const names = stringsIn(call.input.Names);
  let found = region.targetGroups;
  if (lbArn !== undefined) {
    if (!region.listenersByLoadBalancer.has(lbArn)) throw lbNotFound();
    found = found.filter((tg) => tg.LoadBalancerArns?.includes(lbArn));
  }
  if (arns) found = byKeys(found, (tg) => tg.TargetGroupArn, arns, tgNotFound());
  if (names) found = byKeys(found, (tg) => tg.TargetGroupName, names, tgNotFound());
  const { items, NextMarker } = paged(found, call);
  return { TargetGroups: items, NextMarker };
}

function describeListeners(region: ElbRegion, call: SandboxCall): ELBv2.DescribeListenersOutput {
  const lbArn = typeof call.input.LoadBalancerArn === 'string' ? call.input.LoadBalancerArn : undefined;
  const arns = stringsIn(call.input.ListenerArns);
  if (lbArn === undefined && !arns) throw validation('You must specify either listener ARNs or a load balancer ARN');
  let found = region.listeners;
  if (lbArn !== undefined) {
    const ofLoadBalancer = region.listenersByLoadBalancer.get(lbArn);
    if (!ofLoadBalancer) throw lbNotFound();
    found = ofLoadBalancer;
  }
  if (arns) found = byKeys(found, (listener) => listener.ListenerArn, arns, listenerNotFound());
  const { items, NextMarker } = paged(found, call);
  return { Listeners: items, NextMarker };
}

function describeTags(region: ElbRegion, call: SandboxCall): ELBv2.DescribeTagsOutput {
  const arns = stringsIn(call.input.ResourceArns) ?? [];
  if (arns.length === 0 || arns.length > TAGS_ARNS_MAX) {
    throw validation(`1 validation error detected: Value at 'resourceArns' failed to satisfy constraint: Member must have length between 1 and ${TAGS_ARNS_MAX}`);
  }
  return {
    TagDescriptions: arns.map((arn) => {
      const tags: Tag[] | undefined = region.tags.get(arn);
      if (tags === undefined) {
        throw arn.includes(':targetgroup/') ? tgNotFound() : arn.includes(':listener/') ? listenerNotFound() : lbNotFound();
      }
      return { ResourceArn: arn, Tags: tags };
    }),
  };
}

function describeTargetHealth(region: ElbRegion, call: SandboxCall): ELBv2.DescribeTargetHealthOutput {
  const arn = typeof call.input.TargetGroupArn === 'string' ? call.input.TargetGroupArn : '';
  const targets = region.targets.get(arn);
  if (targets === undefined) throw tgNotFound();
  const asked = Array.isArray(call.input.Targets) ? (call.input.Targets as { Id?: string }[]).map((t) => t.Id) : undefined;
  return { TargetHealthDescriptions: targets.filter((t) => !asked || asked.includes(t.id)).map(targetHealthShape) };
}

const HANDLERS: Record<string, (region: ElbRegion, call: SandboxCall) => unknown> = {
  DescribeLoadBalancers: describeLoadBalancers,
  DescribeTargetGroups: describeTargetGroups,
  DescribeListeners: describeListeners,
  DescribeTags: describeTags,
  DescribeTargetHealth: describeTargetHealth,
};

export const elbv2Module: SandboxServiceModule = {
  name: 'ELBv2',
  signingName: 'elasticloadbalancing',
  endpointVariable: 'AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2',
  protocol: awsQueryProtocol({ schemas: ELBv2, version: '2015-12-01', xmlNamespace: 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/' }),
  operations: Object.keys(HANDLERS),
  throttling: { code: 'Throttling', status: 400, message: 'Rate exceeded' },
  handle(call) {
    const handler = HANDLERS[call.operation];
    if (!handler) throw new SandboxApiError('InvalidAction', `The action ${call.operation} is not valid for this web service.`);
    return handler(elbRegion(call.spec, call.accountId, call.region) ?? EMPTY, call);
  },
};
