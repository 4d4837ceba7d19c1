import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand, paginateDescribeAutoScalingGroups, type AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { sandboxAccountIds } from '../../local/sandbox/accounts';
import { startSandbox, type RunningSandbox } from '../../local/sandbox/server';
import { enabledRegions, parseSandboxSpec, type SandboxSpec } from '../../local/sandbox/spec';
import { autoScalingTruth } from '../../local/sandbox/truth/autoscaling';
import { elbv2Truth } from '../../local/sandbox/truth/elbv2';
import { sandboxTruth } from '../../local/sandbox/truth';
import { listPages } from '../../src/services/pages';
import type { CollectContext, ResourceRecord, ResourceType } from '../../src/services/resource-type';
import { autoScalingService } from '../../src/services/autoscaling';
import { asgBelowDesiredRule } from '../../src/services/autoscaling/rules';
import { PRIMARY_CREDENTIALS, failureOf, stsClient, credentialsFor } from './sdk';

function autoScalingClient(sandbox: RunningSandbox, region: string, credentials = PRIMARY_CREDENTIALS): AutoScalingClient {
  return new AutoScalingClient({ region, endpoint: sandbox.url, credentials, maxAttempts: 1 });
}

const groupType = autoScalingService.types[0] as ResourceType;

describe.each([
  'seed=3&accounts=2&regions=2&instances=30',
  'seed=8&regions=3&instances=130&epoch=500',
  'seed=5&regions=1&instances=0',
])('Auto Scaling in the sandbox, spec %s', (text) => {
  let sandbox: RunningSandbox;
  let spec: SandboxSpec;
  beforeAll(async () => {
    spec = parseSandboxSpec(text);
    sandbox = await startSandbox(spec);
  });
  afterAll(() => sandbox.close());

  it('DescribeAutoScalingGroups pages (MaxRecords 1) through exactly the truth\'s groups, in every account and region', async () => {
    for (const accountId of sandboxAccountIds(spec)) {
      const credentials = await credentialsFor(sandbox, accountId);
      const truth = autoScalingTruth.truth(spec, accountId, enabledRegions(spec)).resources;
      for (const region of enabledRegions(spec)) {
        const groups: AutoScalingGroup[] = [];
        for await (const page of paginateDescribeAutoScalingGroups({ client: autoScalingClient(sandbox, region, credentials), pageSize: 1 }, {})) {
          groups.push(...(page.AutoScalingGroups ?? []));
        }
        expect(groups.map((group) => group.AutoScalingGroupName).sort())
          .toEqual(truth.filter((r) => r.region === region).map((r) => r.id).sort());
        expect(groups.length).toBeGreaterThanOrEqual(2);
      }
    }
  });

  it('cloudtap collects the truth\'s groups, AsgBelowDesired finds exactly the planted ones, and members and target groups exist', async () => {
    const everything = sandboxTruth(spec);
    const exists = new Set(everything.resources.map((r) => `${r.type}|${r.id}`));
    for (const accountId of sandboxAccountIds(spec)) {
      const credentials = await credentialsFor(sandbox, accountId);
      const truth = autoScalingTruth.truth(spec, accountId, enabledRegions(spec));
      const targetGroups = new Set(elbv2Truth.truth(spec, accountId, enabledRegions(spec)).resources.map((r) => r.id));
      for (const region of enabledRegions(spec)) {
        const client = autoScalingClient(sandbox, region, credentials);
        const context: CollectContext = { accountId, region, clients: { sts: stsClient(sandbox, credentials), get: <Client>() => client as Client } };
        const records: ResourceRecord[] = [];
        for await (const raws of listPages(groupType.list as NonNullable<ResourceType['list']>, context.clients)) {
          records.push(...raws.map((raw) => groupType.preprocess(raw, context)));
        }
        expect(records.map((r) => r.id).sort()).toEqual(truth.resources.filter((r) => r.region === region).map((r) => r.id).sort());
        const findings = records.filter((r) => asgBelowDesiredRule.evaluate(r, { get: () => null }).length > 0).map((r) => r.id).sort();
        const planted = truth.conditions.filter((c) => c.region === region);
        expect(findings).toEqual(planted.map((c) => c.id).sort());
        expect(planted.length).toBeGreaterThanOrEqual(1);
        for (const record of records) {
          for (const relation of groupType.relations ?? []) {
            for (const id of relation.ids(record)) {
              if (relation.type === 'ELBv2.TargetGroup') expect(targetGroups.has(id ?? '')).toBe(true);
              else expect({ relation: relation.name, exists: exists.has(`${relation.type}|${id ?? ''}`) }).toEqual({ relation: relation.name, exists: true });
            }
          }
        }
      }
    }
  });
});

describe('the Auto Scaling sandbox answers like AWS', () => {
  let sandbox: RunningSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox(parseSandboxSpec('seed=2&regions=1&instances=60&fail=*:AutoScaling.DescribeAutoScalingGroups:AccessDenied'));
  });
  afterAll(() => sandbox.close());

  it('fail=*:AutoScaling.DescribeAutoScalingGroups:AccessDenied denies the listing', async () => {
    const error = await failureOf(autoScalingClient(sandbox, 'us-east-1').send(new DescribeAutoScalingGroupsCommand({})));
    expect(error.name).toBe('AccessDenied');
    expect(error.$metadata?.httpStatusCode).toBe(403);
  });
});

describe('DescribeAutoScalingGroups', () => {
  let sandbox: RunningSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox(parseSandboxSpec('seed=2&regions=1&instances=60'));
  });
  afterAll(() => sandbox.close());

  it('returns only the names asked for; a name that does not exist is simply not returned', async () => {
    const client = autoScalingClient(sandbox, 'us-east-1');
    const all = (await client.send(new DescribeAutoScalingGroupsCommand({}))).AutoScalingGroups ?? [];
    const name = all[1]?.AutoScalingGroupName ?? '';
    const output = await client.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name, 'no-such-group'] }));
    expect(output.AutoScalingGroups?.map((group) => group.AutoScalingGroupName)).toEqual([name]);
  });

  it('refuses MaxRecords above 100, like AWS', async () => {
    expect((await failureOf(autoScalingClient(sandbox, 'us-east-1').send(new DescribeAutoScalingGroupsCommand({ MaxRecords: 101 })))).name).toBe('ValidationError');
  });
});
