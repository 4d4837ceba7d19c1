import { describe, expect, it } from '@jest/globals';
import type { Instance } from '@aws-sdk/client-ec2';
import { epochTime, sandboxAccount } from '../../local/sandbox/account';
import { SENSITIVE_PORTS } from '../../local/sandbox/catalog';
import { allOf } from '../../local/sandbox/collection';
import { EC2_HANDLERS, ec2Call } from '../../local/sandbox/ec2-api';
import { ec2Response } from '../../local/sandbox/ec2-xml';
import { stepEvents } from '../../local/sandbox/events';
import { RegionInventory } from '../../local/sandbox/inventory';
import { QueryParams } from '../../local/sandbox/query';
import { RegionModel } from '../../local/sandbox/region-model';
import { regionInfo } from '../../local/sandbox/regions';
import { parseSandboxSpec } from '../../local/sandbox/spec';
import { diffTruth, resourceKey, sandboxTruth, type SandboxTruth, type TruthResource } from '../../local/sandbox/truth';

const instancesOf = (truth: SandboxTruth) => truth.resources.filter((resource) => resource.type === 'EC2.Instance');

function freshInstances(seed: number, region: string, epoch: number): Instance[] {
  const model = new RegionModel(seed, 30, '111111111111', regionInfo(region) ?? { name: region, zoneIdPrefix: 'x', zoneLetters: 'abc' });
  return [...allOf(new RegionInventory(model, epoch).instances)];
}

describe('the synthetic account', () => {
  const truth = sandboxTruth(parseSandboxSpec('seed=21&regions=3&instances=200'));

  it('is the same for the same seed, however it is computed, and another for another seed', () => {
    const first = freshInstances(21, 'eu-west-1', 3);
    expect(freshInstances(21, 'eu-west-1', 3)).toEqual(first);
    const other = new Set(freshInstances(22, 'eu-west-1', 3).map((instance) => instance.InstanceId));
    expect(first.filter((instance) => other.has(instance.InstanceId))).toEqual([]);
    expect(sandboxTruth(parseSandboxSpec('seed=21&regions=3&instances=200'))).toEqual(truth);
  });

  it('does not change a region when more regions are enabled', () => {
    const one = sandboxTruth(parseSandboxSpec('seed=21&regions=1&instances=200'));
    const inFirstRegion = (candidate: SandboxTruth) => instancesOf(candidate).filter((resource) => resource.region === 'us-east-1');
    expect(inFirstRegion(one)).toEqual(inFirstRegion(truth));
  });

  it('mixes server roles: told by a Role tag, by a role= line of the user data, or not at all', () => {
    const instances = instancesOf(truth);
    const byTag = instances.filter((resource) => resource.tags.Role !== undefined);
    const byUserData = instances.filter((resource) => resource.tags.Role === undefined && resource.attributes.role !== null);
    const unknown = instances.filter((resource) => resource.attributes.role === null);
    expect(byTag.length / instances.length).toBeGreaterThan(0.6);
    expect(byUserData.length).toBeGreaterThan(0);
    expect(unknown.length).toBeGreaterThan(0);
    expect(new Set(instances.map((resource) => resource.attributes.role))).toEqual(new Set(['web_server', 'app_server', 'db_server', 'batch_worker', 'cache_server', null]));
  });

  it('has running and stopped instances of several types, public addresses, shared reservations and a few product codes', () => {
    const instances = instancesOf(truth);
    const attribute = (name: string) => instances.map((resource) => resource.attributes[name]);
    expect(new Set(attribute('state'))).toEqual(new Set(['running', 'stopped']));
    expect(new Set(attribute('instanceType')).size).toBeGreaterThan(8);
    expect(instances.filter((resource) => resource.attributes.publicIpAddress !== null).length).toBeGreaterThan(10);
    expect(new Set(attribute('reservationId')).size).toBeLessThan(instances.length);
    expect(instances.some((resource) => (resource.attributes.productCodes as unknown[]).length > 0)).toBe(true);
    expect(instances.every((resource) => /^i-0[0-9a-f]{16}$/.test(resource.id))).toBe(true);
    for (const region of ['us-east-1', 'us-west-2', 'eu-west-1']) {
      const inRegion = instances.filter((resource) => resource.region === region);
      expect(new Set(inRegion.map((resource) => resource.attributes.privateIpAddress)).size).toBe(inRegion.length);
    }
  });

  it('has security groups open to anywhere on SSH, RDP or database ports, and restricted ones', () => {
    const open = truth.conditions.filter((condition) => condition.rule === 'OpenIngress');
    expect(open.length).toBeGreaterThan(0);
    for (const condition of open) {
      expect(['0.0.0.0/0', '::/0']).toContain(condition.detail.cidr);
      expect(SENSITIVE_PORTS).toContain(condition.detail.fromPort);
      const group = truth.resources.find((resource) => resource.id === condition.id);
      expect(group?.attributes.ingress).toContainEqual(expect.objectContaining({ fromPort: condition.detail.fromPort, cidr: condition.detail.cidr }));
    }
    const groups = truth.resources.filter((resource) => resource.type === 'EC2.SecurityGroup');
    const openIds = new Set(open.map((condition) => condition.id));
    expect(groups.some((group) => !openIds.has(group.id) && (group.attributes.ingress as unknown[]).length > 0)).toBe(true);
  });

  it('has unattached and unencrypted volumes, owned snapshots and images, a default VPC and unassociated Elastic IPs', () => {
    const byType = (type: TruthResource['type']) => truth.resources.filter((resource) => resource.type === type);
    expect(byType('EC2.Volume').some((volume) => volume.attributes.state === 'available')).toBe(true);
    expect(byType('EC2.Volume').some((volume) => volume.attributes.encrypted === false)).toBe(true);
    expect(byType('EC2.Snapshot').length).toBeGreaterThan(0);
    expect(byType('EC2.Image').length).toBeGreaterThan(0);
    expect(byType('EC2.Vpc').filter((vpc) => vpc.attributes.isDefault)).toHaveLength(3);
    expect(byType('EC2.Address').some((address) => address.attributes.instanceId === null)).toBe(true);
    expect(byType('EC2.Address').some((address) => address.attributes.instanceId !== null)).toBe(true);
    expect(byType('EC2.Region').map((region) => region.id)).toEqual(['us-east-1', 'us-west-2', 'eu-west-1']);
    expect(truth.conditions.filter((condition) => condition.rule === 'InstanceState').map((condition) => condition.detail.state).sort())
      .toEqual(expect.arrayContaining(['impaired', 'stopped']));
  });

  it('plants conditions that agree with the resources they are about', () => {
    const resource = (id: string) => truth.resources.find((candidate) => candidate.id === id);
    for (const condition of truth.conditions) {
      const about = resource(condition.id);
      if (condition.rule === 'InstanceState') {
        expect(about?.attributes.state === 'stopped' ? 'stopped' : 'impaired').toBe(condition.detail.state);
        expect(condition.group).toBe(about?.attributes.role);
      }
      if (condition.rule === 'UnattachedVolume') expect(about?.attributes.state).toBe('available');
      if (condition.rule === 'UnencryptedVolume') {
        expect(about?.attributes.encrypted).toBe(false);
        const instance = about?.attributes.attachedInstanceId ? resource(String(about.attributes.attachedInstanceId)) : undefined;
        expect(condition.group).toBe(instance ? instance.attributes.role : null);
      }
      if (condition.rule === 'TrailLogging') expect(about?.type).toBe('CloudTrail.Trail');
    }
  });
});

describe('epochs', () => {
  const spec = (epoch: number) => parseSandboxSpec(`seed=8&regions=2&instances=120&epoch=${epoch}`);
  const truths = [0, 1, 2, 3, 4, 5, 6].map((epoch) => sandboxTruth(spec(epoch)));

  it('map epoch e to 2026-01-01T00:00:00Z plus e hours', () => {
    expect(epochTime(0).toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(epochTime(25).toISOString()).toBe('2026-01-02T01:00:00.000Z');
    expect(truths[3]?.time).toBe('2026-01-01T03:00:00.000Z');
  });

  it('change a few percent of the account per step, as CloudTrail recorded it', () => {
    for (let epoch = 1; epoch < truths.length; epoch++) {
      const before = truths[epoch - 1] as SandboxTruth;
      const after = truths[epoch] as SandboxTruth;
      const diff = diffTruth(before, after);
      expect(diff.created.length + diff.updated.length + diff.deleted.length).toBeGreaterThan(0);
      const instanceKeys = (keys: string[]) => keys.filter((key) => key.includes('/EC2.Instance/'));
      expect(instanceKeys(diff.updated).length).toBeLessThan(0.1 * instancesOf(before).length);

      const account = sandboxAccount(after.spec, '111111111111');
      const events = account.regions().flatMap((region) => stepEvents(account, region, epoch).map((event) => ({ ...event, region: region.regionName })));
      const idsOf = (name: string) => events.filter((event) => event.eventName === name).flatMap((event) => event.resources.map((resource) => `${event.region}/${resource.ResourceName}`)).sort();
      const keyOf = (key: string) => `${key.split('/')[1]}/${key.split('/')[3]}`;
      expect(instanceKeys(diff.created).map(keyOf).sort()).toEqual(idsOf('RunInstances'));
      const nowTerminated = instanceKeys(diff.updated).filter((key) => after.resources.find((resource) => resourceKey(resource) === key)?.attributes.state === 'terminated');
      expect(nowTerminated.map(keyOf).sort()).toEqual(idsOf('TerminateInstances'));
      const gone = instanceKeys(diff.deleted).map(keyOf).sort();
      const terminatedBefore = instancesOf(before).filter((resource) => resource.attributes.state === 'terminated').map((resource) => `${resource.region}/${resource.id}`).sort();
      expect(gone).toEqual(terminatedBefore);
    }
  });

  it('keep a lifecycle for every instance that ever existed', () => {
    const last = truths[6] as SandboxTruth;
    const lifecycles = new Map(last.instanceLifecycles.map((lifecycle) => [lifecycle.instanceId, lifecycle]));
    for (const instance of instancesOf(last)) {
      const lifecycle = lifecycles.get(instance.id);
      expect(lifecycle?.role).toBe(instance.attributes.role);
      expect(lifecycle?.launchedAt).toBe(instance.attributes.launchTime);
      expect(lifecycle?.terminatedAt === null).toBe(instance.attributes.state !== 'terminated');
    }
    const everSeen = new Set(truths.flatMap((truth) => instancesOf(truth).map((resource) => resource.id)));
    expect(new Set(lifecycles.keys())).toEqual(everSeen);
    for (const lifecycle of lifecycles.values()) {
      expect(lifecycle.launchedAt <= last.time).toBe(true);
      if (lifecycle.terminatedAt) expect(lifecycle.launchedAt < lifecycle.terminatedAt && lifecycle.terminatedAt <= last.time).toBe(true);
    }
    const launchedLater = last.instanceLifecycles.filter((lifecycle) => lifecycle.launchedAt >= '2026-01-01');
    expect(launchedLater.length).toBeGreaterThan(0);
  });

  it('stop and terminate instances only after they launched', () => {
    const account = sandboxAccount(spec(6), '111111111111');
    for (const region of account.regions()) {
      for (const instance of allOf(new RegionInventory(region, 6).instances)) {
        const reason = /User initiated \((.+) GMT\)/.exec(instance.StateTransitionReason ?? '')?.[1];
        expect(reason !== undefined).toBe(instance.State?.Name !== 'running');
        if (reason) expect(Date.parse(`${reason.replace(' ', 'T')}Z`)).toBeGreaterThan(instance.LaunchTime?.getTime() ?? 0);
      }
    }
  });

  it('open and close ports, and toggle trails so that "no trail" comes and goes', () => {
    const many = Array.from({ length: 16 }, (_, epoch) => sandboxTruth(parseSandboxSpec(`seed=8&regions=2&instances=120&epoch=${epoch}`)));
    const openKeys = many.map((truth) => new Set(truth.conditions.filter((c) => c.rule === 'OpenIngress').map((c) => JSON.stringify(c.detail))));
    const closed = openKeys.slice(1).some((keys, i) => [...(openKeys[i] ?? [])].some((key) => !keys.has(key)));
    const opened = openKeys.slice(1).some((keys, i) => [...keys].some((key) => !openKeys[i]?.has(key)));
    expect([closed, opened]).toEqual([true, true]);
    const noTrail = many.map((truth) => truth.conditions.some((condition) => condition.rule === 'NoTrail'));
    expect(noTrail).toContain(true);
    expect(noTrail).toContain(false);
  });
});

describe('scale', () => {
  it('serves a page of 1,000 out of 100,000 instances without building the whole region', () => {
    const spec = parseSandboxSpec('seed=99&regions=1&instances=100000&epoch=2');
    const heapBefore = process.memoryUsage().heapUsed;
    const account = sandboxAccount(spec, '111111111111');
    const model = account.region('us-east-1') as RegionModel;
    let nextToken: string | undefined;
    for (let page = 0; page < 4; page++) {
      const params = new QueryParams(`Action=DescribeInstances&MaxResults=1000${nextToken ? `&NextToken=${nextToken}` : ''}`);
      const call = ec2Call('DescribeInstances', params, spec, account, model);
      const body = ec2Response('DescribeInstances', 'request', (out) => EC2_HANDLERS.DescribeInstances(call, out));
      expect(body.match(/<instanceId>/g)).toHaveLength(1000);
      nextToken = /<nextToken>([^<]+)<\/nextToken>/.exec(body.slice(-1000))?.[1];
      expect(nextToken).toBeDefined();
    }
    // How fast a page is served is the benchmark's to measure (npm run bench), not a test's.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(150_000_000);
  });

  it('lists 16 regions of 2,000 instances', () => {
    const truth = sandboxTruth(parseSandboxSpec('seed=5&regions=16&instances=2000'));
    expect(instancesOf(truth)).toHaveLength(32_000);
    expect(new Set(instancesOf(truth).map((resource) => resource.region)).size).toBe(16);
  });
});
