import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DescribeListenersCommand, DescribeLoadBalancersCommand, DescribeTagsCommand, DescribeTargetGroupsCommand, DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client, paginateDescribeLoadBalancers, paginateDescribeTargetGroups, type LoadBalancer, type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { sandboxAccountIds } from '../../local/sandbox/accounts';
import { startSandbox, type RunningSandbox } from '../../local/sandbox/server';
import { enabledRegions, parseSandboxSpec, type SandboxSpec } from '../../local/sandbox/spec';
import { elbv2Truth } from '../../local/sandbox/truth/elbv2';
import { listPages } from '../../src/services/pages';
import { enrichmentsOf, typeKey, type CollectContext, type CollectWarning, type ResourceRecord, type ResourceType } from '../../src/services/resource-type';
import { elbv2Service } from '../../src/services/elbv2';
import { PRIMARY_CREDENTIALS, failureOf, stsClient, type Credentials, credentialsFor } from './sdk';

function elbClient(sandbox: RunningSandbox, region: string, credentials = PRIMARY_CREDENTIALS): ElasticLoadBalancingV2Client {
  return new ElasticLoadBalancingV2Client({ region, endpoint: sandbox.url, credentials, maxAttempts: 1 });
}

/** What the engine does with a type in one region: its listing (declared call or own source), preprocess, enrichments. */
async function collect(type: ResourceType, context: CollectContext): Promise<ResourceRecord[]> {
  const pages = type.list ? listPages(type.list, context.clients, context) : type.source?.pages(context);
  const records: ResourceRecord[] = [];
  for await (const raws of pages ?? []) {
    const page = raws.map((raw) => type.preprocess(raw, context));
    for (const enrichment of enrichmentsOf(type)) await enrichment.apply(page, context);
    records.push(...page);
  }
  return records;
}

function contextFor(sandbox: RunningSandbox, accountId: string, region: string, credentials: Credentials, warnings: CollectWarning[]): CollectContext {
  const client = elbClient(sandbox, region, credentials);
  return { accountId, region, clients: { sts: stsClient(sandbox, credentials), get: <Client>() => client as Client }, warn: (warning) => warnings.push(warning) };
}

async function all<Page, Item>(pages: AsyncIterable<Page>, items: (page: Page) => Item[] | undefined): Promise<Item[]> {
  const found: Item[] = [];
  for await (const page of pages) found.push(...(items(page) ?? []));
  return found;
}

describe.each([
  'seed=3&accounts=2&regions=2&instances=30',
  'seed=8&regions=3&instances=70&epoch=500',
  'seed=5&regions=1&instances=0',
])('ELBv2 in the sandbox, spec %s', (text) => {
  let sandbox: RunningSandbox;
  let spec: SandboxSpec;
  beforeAll(async () => {
    spec = parseSandboxSpec(text);
    sandbox = await startSandbox(spec);
  });
  afterAll(() => sandbox.close());

  it('DescribeLoadBalancers and DescribeTargetGroups page (PageSize 1) through exactly the truth\'s, in every account and region', async () => {
    for (const accountId of sandboxAccountIds(spec)) {
      const credentials = await credentialsFor(sandbox, accountId);
      const truth = elbv2Truth.truth(spec, accountId, enabledRegions(spec)).resources;
      for (const region of enabledRegions(spec)) {
        const client = elbClient(sandbox, region, credentials);
        const loadBalancers = await all(paginateDescribeLoadBalancers({ client, pageSize: 1 }, {}), (page) => page.LoadBalancers);
        const targetGroups = await all(paginateDescribeTargetGroups({ client, pageSize: 1 }, {}), (page) => page.TargetGroups);
        const truthIds = (type: string) => truth.filter((r) => r.region === region && r.type === type).map((r) => r.id).sort();
        expect(loadBalancers.map((lb: LoadBalancer) => lb.LoadBalancerArn).sort()).toEqual(truthIds('ELBv2.LoadBalancer'));
        expect(targetGroups.map((tg: TargetGroup) => tg.TargetGroupArn).sort()).toEqual(truthIds('ELBv2.TargetGroup'));
        expect(loadBalancers.length).toBeGreaterThanOrEqual(2);
      }
    }
  });

  it('cloudtap\'s types collect exactly the truth\'s resources, and its rules find exactly the planted conditions', async () => {
    for (const accountId of sandboxAccountIds(spec)) {
      const credentials = await credentialsFor(sandbox, accountId);
      const truth = elbv2Truth.truth(spec, accountId, enabledRegions(spec));
      for (const region of enabledRegions(spec)) {
        const warnings: CollectWarning[] = [];
        const context = contextFor(sandbox, accountId, region, credentials, warnings);
        const found: { type: string; id: string }[] = [];
        const findings: { rule: string; id: string; severity: number }[] = [];
        for (const type of elbv2Service.types) {
          for (const record of await collect(type, context)) {
            found.push({ type: typeKey(type), id: record.id });
            for (const rule of elbv2Service.rules.filter((r) => r.resourceType === typeKey(type))) {
              for (const finding of rule.evaluate(record, { get: () => null })) findings.push({ rule: rule.name, id: record.id, severity: finding.severity });
            }
          }
        }
        const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
        expect(found.sort(byId)).toEqual(truth.resources.filter((r) => r.region === region).map((r) => ({ type: r.type, id: r.id })).sort(byId));
        const planted = truth.conditions.filter((c) => c.region === region).map((c) => ({ rule: c.rule, id: c.id, severity: c.severity }));
        expect(findings.sort(byId)).toEqual(planted.sort(byId));
        expect(new Set(planted.map((c) => c.rule))).toEqual(new Set(['UnhealthyTargets', 'HttpListenerWithoutRedirect']));
        expect(warnings).toEqual([]);
      }
    }
  });
});

describe('the ELBv2 sandbox answers like AWS', () => {
  let sandbox: RunningSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox(parseSandboxSpec('seed=2&regions=1&instances=120&fail=*:ELBv2.DescribeTargetHealth:AccessDenied'));
  });
  afterAll(() => sandbox.close());

  it('fail=*:ELBv2.DescribeTargetHealth:AccessDenied denies that call, and cloudtap keeps the groups with their health unknown', async () => {
    const client = elbClient(sandbox, 'us-east-1');
    const groups = (await client.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? [];
    const error = await failureOf(client.send(new DescribeTargetHealthCommand({ TargetGroupArn: groups[0]?.TargetGroupArn })));
    expect(error.name).toBe('AccessDenied');
    expect(error.$metadata?.httpStatusCode).toBe(403);

    const warnings: CollectWarning[] = [];
    const targetGroupType = elbv2Service.types.find((type) => type.name === 'TargetGroup') as ResourceType;
    const records = await collect(targetGroupType, contextFor(sandbox, '111111111111', 'us-east-1', PRIMARY_CREDENTIALS, warnings));
    expect(records).toHaveLength(groups.length);
    expect(records.every((record) => record.data.unhealthy_target_count === null)).toBe(true);
    expect(warnings).toEqual([{ call: 'elasticloadbalancing:DescribeTargetHealth', code: 'AccessDenied', message: expect.any(String), records: groups.length }]);
  });

  it('refuses a page size above 400 and an unknown marker', async () => {
    const client = elbClient(sandbox, 'us-east-1');
    expect((await failureOf(client.send(new DescribeLoadBalancersCommand({ PageSize: 401 })))).name).toBe('ValidationError');
    expect((await failureOf(client.send(new DescribeTargetGroupsCommand({ Marker: 'not-a-marker' })))).name).toBe('ValidationError');
  });

  it('pages 400 at a time: six load balancers come in one page, with no marker', async () => {
    const output = await elbClient(sandbox, 'us-east-1').send(new DescribeLoadBalancersCommand({ PageSize: 400 }));
    expect(output.LoadBalancers).toHaveLength(6);
    expect(output.NextMarker).toBeUndefined();
  });

  it('names what is not found with the errors the SDK models (LoadBalancerNotFound → LoadBalancerNotFoundException, …)', async () => {
    const client = elbClient(sandbox, 'us-east-1');
    const missing = 'arn:aws:elasticloadbalancing:us-east-1:111111111111';
    expect((await failureOf(client.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [`${missing}:loadbalancer/app/gone/0123456789abcdef`] })))).name).toBe('LoadBalancerNotFoundException');
    expect((await failureOf(client.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [`${missing}:targetgroup/gone/0123456789abcdef`] })))).name).toBe('TargetGroupNotFoundException');
    expect((await failureOf(client.send(new DescribeListenersCommand({ ListenerArns: [`${missing}:listener/app/gone/0123456789abcdef/0123456789abcdef`] })))).name).toBe('ListenerNotFoundException');
    expect((await failureOf(client.send(new DescribeListenersCommand({})))).name).toBe('ValidationError');
  });

  it('DescribeTags takes at most 20 ARNs', async () => {
    const client = elbClient(sandbox, 'us-east-1');
    const arns = ((await client.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? []).map((tg) => tg.TargetGroupArn ?? '');
    const tags = await client.send(new DescribeTagsCommand({ ResourceArns: arns }));
    expect(tags.TagDescriptions?.map((d) => d.ResourceArn)).toEqual(arns);
    expect((await failureOf(client.send(new DescribeTagsCommand({ ResourceArns: Array.from({ length: 21 }, () => arns[0] ?? '') })))).name).toBe('ValidationError');
  });
});
