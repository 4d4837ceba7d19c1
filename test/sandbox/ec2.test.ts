import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DescribeImagesCommand, DescribeInstanceAttributeCommand, DescribeInstanceStatusCommand, DescribeInstancesCommand, DescribeRegionsCommand,
  DescribeAvailabilityZonesCommand, DescribeSecurityGroupsCommand, DescribeSnapshotsCommand, DescribeVolumesCommand, DescribeVpcsCommand,
} from '@aws-sdk/client-ec2';
import { sandboxAccount } from '../../local/sandbox/account';
import { allOf } from '../../local/sandbox/collection';
import { RegionInventory } from '../../local/sandbox/inventory';
import { SANDBOX_SECRET_PREFIX } from '../../local/sandbox/catalog';
import { startSandbox, type RunningSandbox } from '../../local/sandbox/server';
import { parseSandboxSpec, type SandboxSpec } from '../../local/sandbox/spec';
import { sandboxTruth, type TruthResource } from '../../local/sandbox/truth';
import { ec2Client, failureOf, listEc2, type Ec2Resources, credentialsFor } from './sdk';

const TYPES_BY_LISTING: [keyof Ec2Resources, TruthResource['type'], (item: never) => string | undefined][] = [
  ['instances', 'EC2.Instance', (i: { InstanceId?: string }) => i.InstanceId],
  ['volumes', 'EC2.Volume', (v: { VolumeId?: string }) => v.VolumeId],
  ['snapshots', 'EC2.Snapshot', (s: { SnapshotId?: string }) => s.SnapshotId],
  ['images', 'EC2.Image', (i: { ImageId?: string }) => i.ImageId],
  ['vpcs', 'EC2.Vpc', (v: { VpcId?: string }) => v.VpcId],
  ['subnets', 'EC2.Subnet', (s: { SubnetId?: string }) => s.SubnetId],
  ['securityGroups', 'EC2.SecurityGroup', (g: { GroupId?: string }) => g.GroupId],
  ['networkInterfaces', 'EC2.NetworkInterface', (n: { NetworkInterfaceId?: string }) => n.NetworkInterfaceId],
  ['addresses', 'EC2.Address', (a: { AllocationId?: string }) => a.AllocationId],
];

describe.each([
  'seed=7&regions=2&instances=30&epoch=3&accounts=2',
  'seed=11&regions=1&instances=0',
  'seed=3&regions=1&instances=60&epoch=9',
])('the Describe calls of spec %s', (text) => {
  let sandbox: RunningSandbox;
  let spec: SandboxSpec;
  beforeAll(async () => {
    spec = parseSandboxSpec(text);
    sandbox = await startSandbox(spec);
  });
  afterAll(() => sandbox.close());

  it('return every resource of the truth, and nothing else, in every account and region', async () => {
    const truth = sandboxTruth(spec);
    for (const account of truth.accounts) {
      const credentials = await credentialsFor(sandbox, account.accountId);
      for (const region of account.regions.filter((candidate) => candidate.enabled)) {
        const listed = await listEc2(ec2Client(sandbox, region.name, credentials), 7);
        const truthHere = truth.resources.filter((resource) => resource.accountId === account.accountId && resource.region === region.name);
        for (const [listing, type, idOf] of TYPES_BY_LISTING) {
          const ids = (listed[listing] as never[]).map(idOf).sort();
          expect({ type, ids }).toEqual({ type, ids: truthHere.filter((resource) => resource.type === type).map((resource) => resource.id).sort() });
        }
        for (const instance of listed.instances) {
          const truthInstance = truthHere.find((resource) => resource.id === instance.InstanceId);
          expect(truthInstance?.attributes).toMatchObject({
            state: instance.State?.Name, instanceType: instance.InstanceType, imageId: instance.ImageId,
            reservationId: listed.reservationOf.get(instance.InstanceId ?? ''), privateIpAddress: instance.PrivateIpAddress ?? null,
            publicIpAddress: instance.PublicIpAddress ?? null, launchTime: instance.LaunchTime?.toISOString(),
          });
        }
      }
    }
  });

  it('deliver through the SDK exactly the resources the model generated (every field survives the wire)', async () => {
    for (const region of sandboxAccount(spec, '111111111111').regions()) {
      const inventory = new RegionInventory(region, spec.epoch);
      const listed = await listEc2(ec2Client(sandbox, region.regionName));
      expect(listed.instances).toEqual([...allOf(inventory.instances)]);
      expect(listed.statuses).toEqual([...allOf(inventory.instanceStatuses)]);
      expect(listed.volumes).toEqual([...allOf(inventory.volumes)]);
      expect(listed.snapshots).toEqual([...allOf(inventory.snapshots)]);
      expect(listed.images).toEqual([...allOf(inventory.ownedImages)]);
      expect(listed.vpcs).toEqual([...allOf(inventory.vpcs)]);
      expect(listed.subnets).toEqual([...allOf(inventory.subnets)]);
      expect(listed.securityGroups).toEqual([...allOf(inventory.securityGroups)]);
      expect(listed.networkInterfaces).toEqual([...allOf(inventory.networkInterfaces)]);
      expect(listed.addresses).toEqual([...allOf(inventory.addresses)]);
    }
  });
});

describe('EC2 pagination and parameters', () => {
  let sandbox: RunningSandbox;
  const spec = parseSandboxSpec('seed=5&regions=2&instances=40&epoch=2');
  beforeAll(async () => {
    sandbox = await startSandbox(spec);
  });
  afterAll(() => sandbox.close());
  const ec2 = () => ec2Client(sandbox, 'us-east-1');

  it('pages of MaxResults cover every instance exactly once', async () => {
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await ec2().send(new DescribeInstancesCommand({ MaxResults: 6, NextToken: nextToken }));
      const ids = (page.Reservations ?? []).flatMap((reservation) => reservation.Instances ?? []).map((instance) => instance.InstanceId ?? '');
      expect(ids.length).toBeLessThanOrEqual(6);
      seen.push(...ids);
      nextToken = page.NextToken;
      pages++;
    } while (nextToken);
    const truth = sandboxTruth(spec).resources.filter((resource) => resource.type === 'EC2.Instance' && resource.region === 'us-east-1');
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.sort()).toEqual(truth.map((resource) => resource.id).sort());
    expect(pages).toBe(Math.ceil(truth.length / 6));
  });

  it('groups instances into their reservations; some reservations hold several instances', async () => {
    const { Reservations = [] } = await ec2().send(new DescribeInstancesCommand({}));
    expect(Reservations.some((reservation) => (reservation.Instances ?? []).length > 1)).toBe(true);
    for (const reservation of Reservations) {
      const [first, ...rest] = reservation.Instances ?? [];
      for (const instance of rest) expect(instance.LaunchTime).toEqual(first?.LaunchTime);
      expect(reservation.OwnerId).toBe('111111111111');
    }
  });

  it.each([
    ['DescribeInstances', () => new DescribeInstancesCommand({ MaxResults: 4 }), 'Value ( 4 ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.'],
    ['DescribeInstances', () => new DescribeInstancesCommand({ MaxResults: 1001 }), 'Expecting a value between 5 and 1000'],
    ['DescribeInstanceStatus', () => new DescribeInstanceStatusCommand({ MaxResults: 2000 }), 'Expecting a value between 5 and 1000'],
    ['DescribeVolumes', () => new DescribeVolumesCommand({ MaxResults: 3 }), 'Expecting a value between 5 and 500'],
    ['DescribeSecurityGroups', () => new DescribeSecurityGroupsCommand({ MaxResults: 1 }), 'Expecting a value between 5 and 1000'],
    ['DescribeImages', () => new DescribeImagesCommand({ MaxResults: 0 }), 'Expecting a value between 1 and 1000'],
  ])('%s refuses a MaxResults outside AWS\'s range with InvalidParameterValue', async (_operation, command, message) => {
    const error = await failureOf(ec2().send(command() as never));
    expect(error.name).toBe('InvalidParameterValue');
    expect(error.message).toContain(message);
    expect(error.$metadata?.httpStatusCode).toBe(400);
  });

  it('returns at most 500 volumes per page even when asked for more, as AWS documents', async () => {
    const big = await startSandbox(parseSandboxSpec('regions=1&instances=450'));
    try {
      const page = await ec2Client(big, 'us-east-1').send(new DescribeVolumesCommand({ MaxResults: 1000 }));
      expect(page.Volumes).toHaveLength(500);
      expect(page.NextToken).toBeDefined();
    } finally {
      await big.close();
    }
  });

  it('refuses MaxResults together with instance ids, like AWS', async () => {
    const error = await failureOf(ec2().send(new DescribeInstancesCommand({ MaxResults: 5, InstanceIds: ['i-0123456789abcdef0'] })));
    expect(error.name).toBe('InvalidParameterCombination');
  });

  it('refuses a NextToken it did not hand out, or one of another operation', async () => {
    expect((await failureOf(ec2().send(new DescribeInstancesCommand({ MaxResults: 5, NextToken: 'bogus' })))).name).toBe('InvalidNextToken');
    const volumes = await ec2().send(new DescribeVolumesCommand({ MaxResults: 5 }));
    expect(volumes.NextToken).toBeDefined();
    const error = await failureOf(ec2().send(new DescribeInstancesCommand({ MaxResults: 5, NextToken: volumes.NextToken })));
    expect(error.name).toBe('InvalidNextToken');
  });

  it('describes single resources by id list or id filter, and names ids that do not exist', async () => {
    const truth = sandboxTruth(spec).resources.filter((resource) => resource.region === 'us-east-1');
    const [first, second] = truth.filter((resource) => resource.type === 'EC2.Instance');
    const byId = await ec2().send(new DescribeInstancesCommand({ InstanceIds: [second?.id ?? '', first?.id ?? ''] }));
    expect(byId.Reservations?.flatMap((reservation) => reservation.Instances ?? []).map((instance) => instance.InstanceId).sort()).toEqual([first?.id, second?.id].sort());
    const byFilter = await ec2().send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-id', Values: [first?.id ?? ''] }] }));
    expect(byFilter.Reservations?.flatMap((reservation) => reservation.Instances ?? []).map((instance) => instance.InstanceId)).toEqual([first?.id]);

    const missing = await failureOf(ec2().send(new DescribeInstancesCommand({ InstanceIds: ['i-0123456789abcdef0'] })));
    expect(missing.name).toBe('InvalidInstanceID.NotFound');
    expect(missing.message).toContain('i-0123456789abcdef0');
    expect((await failureOf(ec2().send(new DescribeInstancesCommand({ InstanceIds: ['server-1'] })))).name).toBe('InvalidInstanceID.Malformed');

    const volume = truth.find((resource) => resource.type === 'EC2.Volume');
    const volumes = await ec2().send(new DescribeVolumesCommand({ Filters: [{ Name: 'volume-id', Values: [volume?.id ?? ''] }] }));
    expect(volumes.Volumes?.map((found) => found.VolumeId)).toEqual([volume?.id]);
    expect((await failureOf(ec2().send(new DescribeVolumesCommand({ VolumeIds: ['vol-0123456789abcdef0'] })))).name).toBe('InvalidVolume.NotFound');

    const group = truth.find((resource) => resource.type === 'EC2.SecurityGroup' && resource.name === 'ssh-admin');
    const groups = await ec2().send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-id', Values: [group?.id ?? ''] }] }));
    expect(groups.SecurityGroups?.map((found) => found.GroupName)).toEqual(['ssh-admin']);
    expect((await failureOf(ec2().send(new DescribeSecurityGroupsCommand({ GroupIds: ['sg-0123456789abcdef0'] })))).name).toBe('InvalidGroup.NotFound');
    expect((await failureOf(ec2().send(new DescribeVpcsCommand({ VpcIds: ['vpc-0123456789abcdef0'] })))).name).toBe('InvalidVpcID.NotFound');
  });

  it('filters by state and tags, with wildcards, and refuses filters it does not know', async () => {
    const truth = sandboxTruth(spec).resources.filter((resource) => resource.type === 'EC2.Instance' && resource.region === 'us-east-1');
    const stopped = await ec2().send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-state-name', Values: ['stopped'] }] }));
    expect(stopped.Reservations?.flatMap((reservation) => reservation.Instances ?? []).length)
      .toBe(truth.filter((resource) => resource.attributes.state === 'stopped').length);
    const web = await ec2().send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:Name', Values: ['web-*'] }] }));
    expect(web.Reservations?.flatMap((reservation) => reservation.Instances ?? []).length)
      .toBe(truth.filter((resource) => resource.name?.startsWith('web-')).length);
    expect((await failureOf(ec2().send(new DescribeInstancesCommand({ Filters: [{ Name: 'colour', Values: ['blue'] }] })))).name).toBe('InvalidParameterValue');
  });

  it('lists only running instances\' status unless IncludeAllInstances, and reports impaired ones', async () => {
    const running = await ec2().send(new DescribeInstanceStatusCommand({}));
    expect(running.InstanceStatuses?.every((status) => status.InstanceState?.Name === 'running')).toBe(true);
    const conditions = sandboxTruth(spec).conditions.filter((condition) => condition.rule === 'InstanceState' && condition.region === 'us-east-1');
    const impaired = (running.InstanceStatuses ?? []).filter((status) => status.InstanceStatus?.Status === 'impaired').map((status) => status.InstanceId).sort();
    expect(impaired).toEqual(conditions.filter((condition) => condition.detail.state === 'impaired').map((condition) => condition.id).sort());
  });

  it('gives user data with the role= line among other lines and a fake secret, base64 encoded', async () => {
    const truth = sandboxTruth(parseSandboxSpec('seed=5&regions=2&instances=40&epoch=2'));
    const byUserData = truth.resources.filter((resource) =>
      resource.type === 'EC2.Instance' && resource.region === 'us-east-1' && resource.attributes.role !== null && resource.tags.Role === undefined);
    expect(byUserData.length).toBeGreaterThan(0);
    for (const instance of byUserData) {
      const attribute = await ec2().send(new DescribeInstanceAttributeCommand({ InstanceId: instance.id, Attribute: 'userData' }));
      const text = Buffer.from(attribute.UserData?.Value ?? '', 'base64').toString();
      expect(text.split('\n')).toContain(`role=${String(instance.attributes.role)}`);
      expect(text).toContain(`DB_PASSWORD=${SANDBOX_SECRET_PREFIX}`);
      expect(text.split('\n').length).toBeGreaterThan(4);
    }
    const noRole = truth.resources.filter((resource) => resource.type === 'EC2.Instance' && resource.region === 'us-east-1' && resource.attributes.role === null);
    for (const instance of noRole) {
      const attribute = await ec2().send(new DescribeInstanceAttributeCommand({ InstanceId: instance.id, Attribute: 'userData' }));
      expect(Buffer.from(attribute.UserData?.Value ?? '', 'base64').toString()).not.toMatch(/^role=/m);
    }
  });

  it('answers DescribeRegions and DescribeAvailabilityZones for the enabled regions', async () => {
    const regions = await ec2().send(new DescribeRegionsCommand({}));
    expect(regions.Regions?.map((region) => [region.RegionName, region.OptInStatus, region.Endpoint])).toEqual([
      ['us-east-1', 'opt-in-not-required', 'ec2.us-east-1.amazonaws.com'],
      ['us-west-2', 'opt-in-not-required', 'ec2.us-west-2.amazonaws.com'],
    ]);
    const zones = await ec2Client(sandbox, 'us-west-2').send(new DescribeAvailabilityZonesCommand({}));
    const truthZones = sandboxTruth(spec).resources.find((resource) => resource.type === 'EC2.Region' && resource.id === 'us-west-2')?.attributes.availabilityZones;
    expect(zones.AvailabilityZones?.map((zone) => ({ zoneName: zone.ZoneName, zoneId: zone.ZoneId, state: zone.State }))).toEqual(truthZones);
  });

  it('returns the account\'s own snapshots and images for Owner=self, and Amazon\'s images for Owner=amazon', async () => {
    const own = await ec2().send(new DescribeImagesCommand({ Owners: ['self'] }));
    expect(own.Images?.every((image) => image.OwnerId === '111111111111' && image.Public === false)).toBe(true);
    const amazon = await ec2().send(new DescribeImagesCommand({ Owners: ['amazon'] }));
    expect(amazon.Images?.length).toBeGreaterThan(0);
    expect(amazon.Images?.every((image) => image.ImageOwnerAlias === 'amazon')).toBe(true);
    const snapshots = await ec2().send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }));
    expect(snapshots.Snapshots?.every((snapshot) => snapshot.OwnerId === '111111111111')).toBe(true);
  });
});
