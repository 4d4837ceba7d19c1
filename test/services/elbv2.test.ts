import { describe, it, expect } from '@jest/globals';
import {
  DescribeListenersCommand, DescribeLoadBalancersCommand, DescribeTagsCommand, DescribeTargetGroupsCommand, DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client, type Listener, type LoadBalancer, type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { listPages } from '../../src/services/pages';
import { NO_FACTS } from '../../src/services/rule';
import {
  enrichmentsOf, typeActions, type CollectContext, type CollectWarning, type ResourceRecord, type ResourceType,
} from '../../src/services/resource-type';
import { loadBalancerType, preprocessLoadBalancer } from '../../src/services/elbv2/load-balancer';
import { applyTargetHealth, preprocessTargetGroup, targetGroupType } from '../../src/services/elbv2/target-group';
import { listenerType, preprocessListener } from '../../src/services/elbv2/listener';
import { httpListenerWithoutRedirectRule, unhealthyTargetsRule } from '../../src/services/elbv2/rules';
import { elbv2ResourcesInApiCall, elbv2Service } from '../../src/services/elbv2';

const PREFIX = 'arn:aws:elasticloadbalancing:eu-west-1:111111111111';
const LB_ARN = `${PREFIX}:loadbalancer/app/web-alb/50dc6c495c0c9188`;
const TG_ARN = `${PREFIX}:targetgroup/web-tg/73e2d6bc24d8a067`;
const HTTP_ARN = `${PREFIX}:listener/app/web-alb/50dc6c495c0c9188/f2f7dc8efc522ab2`;
const HTTPS_ARN = `${PREFIX}:listener/app/web-alb/50dc6c495c0c9188/0467ef3c8400ae65`;

function mockedElb(warnings: CollectWarning[] = []) {
  const elbv2 = new ElasticLoadBalancingV2Client({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
  const clients = { get: <T>(name: string) => { if (name !== 'elbv2') throw new Error(`no client ${name}`); return elbv2 as T; } } as unknown as CollectContext['clients'];
  const context: CollectContext = { accountId: '111111111111', region: 'eu-west-1', clients, warn: (warning) => warnings.push(warning) };
  return { context, elbv2: mockClient(elbv2), warnings };
}

async function collect(type: ResourceType, context: CollectContext): Promise<ResourceRecord[][]> {
  const pages: ResourceRecord[][] = [];
  for await (const raws of type.list ? listPages(type.list, context.clients, context) : type.source?.pages(context) ?? []) {
    const records = raws.map((raw) => type.preprocess(raw, context));
    for (const enrichment of enrichmentsOf(type)) await enrichment.apply(records, context);
    pages.push(records);
  }
  return pages;
}

function relatedOf(type: ResourceType, record: ResourceRecord): Record<string, (string | null | undefined)[]> {
  return Object.fromEntries((type.relations ?? []).map((relation) => [relation.name, [...relation.ids(record)]]));
}

function denied(): Error {
  return Object.assign(new Error('User is not authorized to perform: elasticloadbalancing:DescribeTargetHealth'), { name: 'AccessDenied' });
}

/** A DescribeLoadBalancers item as the SDK deserializes it: an internet-facing ALB in two zones. */
const alb: LoadBalancer = {
  LoadBalancerArn: LB_ARN,
  DNSName: 'web-alb-1234567890.eu-west-1.elb.amazonaws.com',
  CanonicalHostedZoneId: 'Z32O12XQLNTSW2',
  CreatedTime: new Date('2025-09-01T10:00:00.000Z'),
  LoadBalancerName: 'web-alb',
  Scheme: 'internet-facing',
  VpcId: 'vpc-0a1b2c3d',
  State: { Code: 'active' },
  Type: 'application',
  AvailabilityZones: [{ ZoneName: 'eu-west-1a', SubnetId: 'subnet-0aaa' }, { ZoneName: 'eu-west-1b', SubnetId: 'subnet-0bbb' }],
  SecurityGroups: ['sg-0web'],
  IpAddressType: 'ipv4',
};

const targetGroup: TargetGroup = {
  TargetGroupArn: TG_ARN,
  TargetGroupName: 'web-tg',
  Protocol: 'HTTP',
  Port: 80,
  VpcId: 'vpc-0a1b2c3d',
  HealthCheckProtocol: 'HTTP',
  HealthCheckPort: 'traffic-port',
  HealthCheckEnabled: true,
  HealthCheckIntervalSeconds: 30,
  HealthCheckTimeoutSeconds: 5,
  HealthyThresholdCount: 5,
  UnhealthyThresholdCount: 2,
  HealthCheckPath: '/health',
  Matcher: { HttpCode: '200' },
  LoadBalancerArns: [LB_ARN],
  TargetType: 'instance',
  ProtocolVersion: 'HTTP1',
  IpAddressType: 'ipv4',
};

const httpForward: Listener = {
  ListenerArn: HTTP_ARN, LoadBalancerArn: LB_ARN, Port: 80, Protocol: 'HTTP',
  DefaultActions: [{ Type: 'forward', TargetGroupArn: TG_ARN, Order: 1, ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG_ARN, Weight: 1 }] } }],
};

const httpRedirect: Listener = {
  ...httpForward,
  DefaultActions: [{ Type: 'redirect', Order: 1, RedirectConfig: { Protocol: 'HTTPS', Port: '443', Host: '#{host}', Path: '/#{path}', Query: '#{query}', StatusCode: 'HTTP_301' } }],
};

const httpsForward: Listener = { ...httpForward, ListenerArn: HTTPS_ARN, Port: 443, Protocol: 'HTTPS', SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06' };

describe('ELBv2.LoadBalancer', () => {
  it('flattens name, type, scheme, state, DNS name, VPC, zones with their subnets and security groups; the ARN is the id', () => {
    expect(preprocessLoadBalancer(alb)).toEqual({
      id: LB_ARN, name: 'web-alb', arn: LB_ARN, tags: {},
      data: {
        load_balancer_arn: LB_ARN, load_balancer_name: 'web-alb', type: 'application', scheme: 'internet-facing', state: 'active', state_reason: null,
        dns_name: 'web-alb-1234567890.eu-west-1.elb.amazonaws.com', canonical_hosted_zone_id: 'Z32O12XQLNTSW2', vpc_id: 'vpc-0a1b2c3d',
        availability_zones: [{ zone_name: 'eu-west-1a', subnet_id: 'subnet-0aaa' }, { zone_name: 'eu-west-1b', subnet_id: 'subnet-0bbb' }],
        subnets: ['subnet-0aaa', 'subnet-0bbb'], security_groups: ['sg-0web'], ip_address_type: 'ipv4', created_time: '2025-09-01T10:00:00.000Z',
      },
    });
  });

  it('relates to its subnets and security groups', () => {
    expect(relatedOf(loadBalancerType, preprocessLoadBalancer(alb))).toEqual({ subnet: ['subnet-0aaa', 'subnet-0bbb'], security_group: ['sg-0web'] });
  });

  it('is listed 400 at a time with Marker, and its tags come from one DescribeTags per page of up to 20 ARNs', async () => {
    const { context, elbv2 } = mockedElb();
    const many = Array.from({ length: 25 }, (_, i) => ({ ...alb, LoadBalancerArn: `${LB_ARN}${i}`, LoadBalancerName: `lb-${i}` }));
    elbv2.on(DescribeLoadBalancersCommand)
      .resolvesOnce({ LoadBalancers: many.slice(0, 21), NextMarker: 'm-2' })
      .resolvesOnce({ LoadBalancers: many.slice(21) });
    elbv2.on(DescribeTagsCommand).callsFake((input: { ResourceArns: string[] }) => ({
      TagDescriptions: input.ResourceArns.map((arn) => ({ ResourceArn: arn, Tags: [{ Key: 'Role', Value: 'web_server' }] })),
    }));
    const pages = await collect(loadBalancerType, context);
    expect(pages.map((page) => page.length)).toEqual([21, 4]);
    expect(pages.flat().every((record) => record.tags.Role === 'web_server')).toBe(true);
    expect(elbv2.commandCalls(DescribeLoadBalancersCommand).map((call) => call.args[0].input)).toEqual([
      { PageSize: 400, Marker: undefined }, { PageSize: 400, Marker: 'm-2' },
    ]);
    expect(elbv2.commandCalls(DescribeTagsCommand).map((call) => call.args[0].input.ResourceArns?.length)).toEqual([20, 1, 4]);
  });

  it('a denied DescribeTags marks the tags unknown, warns, and keeps the records', async () => {
    const { context, elbv2, warnings } = mockedElb();
    elbv2.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [alb] });
    elbv2.on(DescribeTagsCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));
    const [record] = (await collect(loadBalancerType, context)).flat();
    expect(record?.id).toBe(LB_ARN);
    expect(record?.data).toMatchObject({ tags: null, unknown_fields: ['tags'], load_balancer_name: 'web-alb' });
    expect(warnings).toEqual([{ call: 'elasticloadbalancing:DescribeTags', code: 'AccessDenied', message: 'not authorized', records: 1 }]);
  });
});

describe('ELBv2.TargetGroup', () => {
  it('flattens protocol, port, target type, health check and load balancers; health stays null until read', () => {
    expect(preprocessTargetGroup(targetGroup).data).toEqual({
      target_group_arn: TG_ARN, target_group_name: 'web-tg', protocol: 'HTTP', protocol_version: 'HTTP1', port: 80, target_type: 'instance',
      vpc_id: 'vpc-0a1b2c3d', ip_address_type: 'ipv4',
      health_check: {
        enabled: true, protocol: 'HTTP', port: 'traffic-port', path: '/health', interval_seconds: 30, timeout_seconds: 5,
        healthy_threshold: 5, unhealthy_threshold: 2, matcher: '200',
      },
      load_balancer_arns: [LB_ARN], targets: null, healthy_target_count: null, unhealthy_target_count: null, unhealthy_targets: null,
    });
  });

  it('reads every group\'s target health each listing, counting unhealthy and unhealthy.draining targets as unhealthy', async () => {
    const { context, elbv2 } = mockedElb();
    elbv2.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [targetGroup] });
    elbv2.on(DescribeTagsCommand).resolves({ TagDescriptions: [{ ResourceArn: TG_ARN, Tags: [{ Key: 'Role', Value: 'web_server' }] }] });
    elbv2.on(DescribeTargetHealthCommand, { TargetGroupArn: TG_ARN }).resolves({
      TargetHealthDescriptions: [
        { Target: { Id: 'i-0aaa', Port: 80 }, TargetHealth: { State: 'healthy' } },
        { Target: { Id: 'i-0bbb', Port: 80 }, TargetHealth: { State: 'unhealthy', Reason: 'Target.Timeout' } },
        { Target: { Id: 'i-0ccc', Port: 80 }, TargetHealth: { State: 'unhealthy.draining' } },
        { Target: { Id: 'i-0ddd', Port: 80 }, TargetHealth: { State: 'initial' } },
      ],
    });
    const [record] = (await collect(targetGroupType, context)).flat();
    expect(record?.data).toMatchObject({ healthy_target_count: 1, unhealthy_target_count: 2, unhealthy_targets: ['i-0bbb', 'i-0ccc'] });
    expect(record?.tags).toEqual({ Role: 'web_server' });
    expect(elbv2.commandCalls(DescribeTargetGroupsCommand)[0]?.args[0].input).toEqual({ PageSize: 400, Marker: undefined });
    expect(relatedOf(targetGroupType, record as ResourceRecord)).toEqual({ load_balancer: [LB_ARN], target: ['i-0aaa', 'i-0bbb', 'i-0ccc', 'i-0ddd'] });
  });

  it('does not memoise target health per resource: health changes while the listing does not', () => {
    const health = enrichmentsOf(targetGroupType).find((e) => e.actions.includes('elasticloadbalancing:DescribeTargetHealth'));
    expect(health?.perResource).toBeUndefined();
  });

  it('IP targets are no instances', () => {
    const record = preprocessTargetGroup({ ...targetGroup, TargetType: 'ip' });
    applyTargetHealth(record, [{ Target: { Id: '10.0.1.5', Port: 80 }, TargetHealth: { State: 'healthy' } }]);
    expect(relatedOf(targetGroupType, record).target).toEqual([]);
  });

  it('a denied enrichment call marks the fields unknown, warns, and keeps the record', async () => {
    const { context, elbv2, warnings } = mockedElb();
    const other = { ...targetGroup, TargetGroupArn: `${TG_ARN}0`, TargetGroupName: 'other-tg' };
    elbv2.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [targetGroup, other] });
    elbv2.on(DescribeTagsCommand).resolves({ TagDescriptions: [] });
    elbv2.on(DescribeTargetHealthCommand, { TargetGroupArn: TG_ARN }).rejects(denied());
    elbv2.on(DescribeTargetHealthCommand, { TargetGroupArn: other.TargetGroupArn }).resolves({ TargetHealthDescriptions: [] });
    const records = (await collect(targetGroupType, context)).flat();
    expect(records.map((r) => r.id)).toEqual([TG_ARN, other.TargetGroupArn]);
    expect(records[0]?.data).toMatchObject({
      targets: null, healthy_target_count: null, unhealthy_target_count: null, unhealthy_targets: null,
      unknown_fields: ['healthy_target_count', 'targets', 'unhealthy_target_count', 'unhealthy_targets'],
    });
    expect(records[1]?.data).toMatchObject({ healthy_target_count: 0, unhealthy_target_count: 0 });
    expect(warnings).toEqual([{ call: 'elasticloadbalancing:DescribeTargetHealth', code: 'AccessDenied', message: expect.stringContaining('not authorized'), records: 1 }]);
    expect(unhealthyTargetsRule.evaluate(records[0] as ResourceRecord, NO_FACTS)).toEqual([]);
  });

  it('a throttled DescribeTargetHealth fails the listing', async () => {
    const { context, elbv2 } = mockedElb();
    elbv2.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [targetGroup] });
    elbv2.on(DescribeTagsCommand).resolves({ TagDescriptions: [] });
    elbv2.on(DescribeTargetHealthCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
    await expect(collect(targetGroupType, context)).rejects.toThrow('Rate exceeded');
  });
});

describe('ELBv2.Listener', () => {
  it('flattens protocol, port, load balancer and default actions with their redirect', () => {
    expect(preprocessListener(httpRedirect)).toEqual({
      id: HTTP_ARN, arn: HTTP_ARN, tags: {},
      data: {
        listener_arn: HTTP_ARN, load_balancer_arn: LB_ARN, protocol: 'HTTP', port: 80, ssl_policy: null, certificates: [], alpn_policy: [],
        default_actions: [{
          type: 'redirect', order: 1, target_groups: [], fixed_response: null,
          redirect: { protocol: 'HTTPS', port: '443', host: '#{host}', path: '/#{path}', query: '#{query}', status_code: 'HTTP_301' },
        }],
      },
    });
  });

  it('relates to its load balancer and the target groups it forwards to', () => {
    expect(relatedOf(listenerType, preprocessListener(httpForward))).toEqual({ load_balancer: [LB_ARN], target_group: [TG_ARN] });
    expect(relatedOf(listenerType, preprocessListener(httpRedirect)).target_group).toEqual([]);
  });

  it('is listed per load balancer (DescribeListeners needs one), skipping one deleted since it was listed', async () => {
    const { context, elbv2 } = mockedElb();
    const gone = { ...alb, LoadBalancerArn: `${PREFIX}:loadbalancer/app/gone/0000000000000000` };
    elbv2.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [alb, gone] });
    elbv2.on(DescribeListenersCommand, { LoadBalancerArn: LB_ARN, Marker: undefined }).resolves({ Listeners: [httpRedirect], NextMarker: 'l-2' });
    elbv2.on(DescribeListenersCommand, { LoadBalancerArn: LB_ARN, Marker: 'l-2' }).resolves({ Listeners: [httpsForward] });
    elbv2.on(DescribeListenersCommand, { LoadBalancerArn: gone.LoadBalancerArn })
      .rejects(Object.assign(new Error('One or more load balancers not found'), { name: 'LoadBalancerNotFoundException' }));
    elbv2.on(DescribeTagsCommand).resolves({ TagDescriptions: [] });
    const records = (await collect(listenerType, context)).flat();
    expect(records.map((r) => r.id)).toEqual([HTTP_ARN, HTTPS_ARN]);
    expect(elbv2.commandCalls(DescribeListenersCommand).map((call) => call.args[0].input.PageSize)).toEqual([400, 400, 400]);
    expect(typeActions(listenerType)).toEqual([
      'elasticloadbalancing:DescribeLoadBalancers', 'elasticloadbalancing:DescribeListeners', 'elasticloadbalancing:DescribeTags',
    ]);
  });

  it('any other DescribeListeners failure fails the listing (skipping would delete the stored listeners)', async () => {
    const { context, elbv2 } = mockedElb();
    elbv2.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [alb] });
    elbv2.on(DescribeListenersCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
    await expect(collect(listenerType, context)).rejects.toThrow('denied');
  });

  it('is refreshed by ARN; an ARN AWS no longer knows is left out, the others still come back', async () => {
    const { context, elbv2 } = mockedElb();
    const goneArn = `${HTTP_ARN.slice(0, -16)}0000000000000000`;
    elbv2.on(DescribeListenersCommand, { ListenerArns: [HTTP_ARN, goneArn] })
      .rejects(Object.assign(new Error('One or more listeners not found'), { name: 'ListenerNotFoundException' }));
    elbv2.on(DescribeListenersCommand, { ListenerArns: [HTTP_ARN] }).resolves({ Listeners: [httpForward] });
    elbv2.on(DescribeListenersCommand, { ListenerArns: [goneArn] })
      .rejects(Object.assign(new Error('One or more listeners not found'), { name: 'ListenerNotFoundException' }));
    expect((await listenerType.describe?.fetch?.([HTTP_ARN, goneArn], context))?.map((l) => (l as Listener).ListenerArn)).toEqual([HTTP_ARN]);
  });
});

describe('UnhealthyTargets rule', () => {
  const withHealth = (states: string[], tags: Record<string, string> = {}) => {
    const record = { ...preprocessTargetGroup(targetGroup), tags };
    applyTargetHealth(record, states.map((State, i) => ({ Target: { Id: `i-000${i}` }, TargetHealth: { State: State as 'healthy' } })));
    return record;
  };

  it('any unhealthy target is a WARNING on the target group, grouped by its Role tag', () => {
    expect(unhealthyTargetsRule.evaluate(withHealth(['healthy', 'unhealthy', 'unhealthy'], { Role: 'web_server' }), NO_FACTS)).toEqual([{
      severity: 2, typeNames: [{ type: 'ID', name: TG_ARN }], group: 'web_server',
      text: 'WARNING – target group web-tg has 2 unhealthy targets (i-0001, i-0002)',
    }]);
  });

  it('all healthy, or no targets, holds no condition', () => {
    expect(unhealthyTargetsRule.evaluate(withHealth(['healthy', 'initial', 'draining']), NO_FACTS)).toEqual([]);
    expect(unhealthyTargetsRule.evaluate(withHealth([]), NO_FACTS)).toEqual([]);
  });

  it('clears with an OK text', () => {
    expect(unhealthyTargetsRule.clearText([{ type: 'ID', name: TG_ARN }])).toBe(`OK – every target of target group ${TG_ARN} is healthy, or the group is deleted`);
  });
});

describe('HttpListenerWithoutRedirect rule', () => {
  it('plain HTTP forwarded to targets is a MINOR event on the listener', () => {
    expect(httpListenerWithoutRedirectRule.evaluate(preprocessListener(httpForward), NO_FACTS)).toEqual([{
      severity: 3, typeNames: [{ type: 'ID', name: HTTP_ARN }], group: null,
      text: 'MINOR – listener HTTP:80 of web-alb does not redirect to HTTPS',
    }]);
  });

  it('a redirect to HTTPS, or an HTTPS listener, holds no condition', () => {
    expect(httpListenerWithoutRedirectRule.evaluate(preprocessListener(httpRedirect), NO_FACTS)).toEqual([]);
    expect(httpListenerWithoutRedirectRule.evaluate(preprocessListener(httpsForward), NO_FACTS)).toEqual([]);
  });

  it('a redirect that keeps HTTP is still a condition', () => {
    const keepsHttp: Listener = { ...httpRedirect, DefaultActions: [{ Type: 'redirect', RedirectConfig: { Protocol: '#{protocol}', Host: 'www.example.com', StatusCode: 'HTTP_302' } }] };
    expect(httpListenerWithoutRedirectRule.evaluate(preprocessListener(keepsHttp), NO_FACTS)).toHaveLength(1);
  });
});

describe('ELBv2 real-time hooks', () => {
  it('names the load balancers, target groups and listeners in a call\'s request and response', () => {
    expect(elbv2ResourcesInApiCall({
      eventName: 'CreateListener',
      requestParameters: { loadBalancerArn: LB_ARN, defaultActions: [{ type: 'forward', targetGroupArn: TG_ARN }] },
      responseElements: { listeners: [{ listenerArn: HTTP_ARN, loadBalancerArn: LB_ARN }] },
    })).toEqual([
      { type: 'ELBv2.LoadBalancer', ids: [LB_ARN] }, { type: 'ELBv2.TargetGroup', ids: [TG_ARN] }, { type: 'ELBv2.Listener', ids: [HTTP_ARN] },
    ]);
    expect(elbv2ResourcesInApiCall({ eventName: 'AddTags', requestParameters: { resourceArns: [TG_ARN, HTTPS_ARN] }, responseElements: null }))
      .toEqual([{ type: 'ELBv2.TargetGroup', ids: [TG_ARN] }, { type: 'ELBv2.Listener', ids: [HTTPS_ARN] }]);
  });

  it('refreshes load balancers and target groups by ARN with the SDK\'s not-found errors', () => {
    expect(loadBalancerType.describe?.command?.([LB_ARN]).input).toEqual({ LoadBalancerArns: [LB_ARN] });
    expect(loadBalancerType.describe?.notFoundCode).toBe('LoadBalancerNotFoundException');
    expect(targetGroupType.describe?.command?.([TG_ARN]).input).toEqual({ TargetGroupArns: [TG_ARN] });
    expect(targetGroupType.describe?.notFoundCode).toBe('TargetGroupNotFoundException');
  });

  it('declares one client, its types, rules and the CloudTrail calls that change them', () => {
    expect(Object.keys(elbv2Service.clients)).toEqual(['elbv2']);
    expect(elbv2Service.types.map((t) => t.cloudTrailResourceType)).toEqual([
      'AWS::ElasticLoadBalancingV2::LoadBalancer', 'AWS::ElasticLoadBalancingV2::TargetGroup', 'AWS::ElasticLoadBalancingV2::Listener',
    ]);
    expect(elbv2Service.realtime?.apiCalls).toContain('RegisterTargets');
    expect(elbv2Service.rules.map((r) => r.name)).toEqual(['UnhealthyTargets', 'HttpListenerWithoutRedirect']);
  });
});
