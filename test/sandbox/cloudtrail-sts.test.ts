import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DescribeTrailsCommand, GetEventSelectorsCommand, GetTrailStatusCommand, ListTrailsCommand, LookupEventsCommand, paginateLookupEvents, type Event,
} from '@aws-sdk/client-cloudtrail';
import { DescribeInstancesCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { sandboxAccount } from '../../local/sandbox/account';
import { startSandbox, type RunningSandbox } from '../../local/sandbox/server';
import { parseSandboxSpec } from '../../local/sandbox/spec';
import { sandboxTruth } from '../../local/sandbox/truth';
import { cloudTrailClient, ec2Client, failureOf, stsClient, type Credentials } from './sdk';

describe('CloudTrail', () => {
  const spec = parseSandboxSpec('seed=4&regions=4&instances=20&epoch=4');
  let sandbox: RunningSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox(spec);
  });
  afterAll(() => sandbox.close());
  const trails = sandboxAccount(spec, '111111111111').trails;
  const multiRegion = trails.find((trail) => trail.multiRegion);

  it('has one multi-region trail homed in the first enabled region, shown as a shadow trail elsewhere', async () => {
    expect(multiRegion?.homeRegion).toBe('us-east-1');
    const elsewhere = await cloudTrailClient(sandbox, 'eu-west-1').send(new DescribeTrailsCommand({}));
    expect(elsewhere.trailList?.map((trail) => trail.Name)).toContain(multiRegion?.name);
    const withoutShadows = await cloudTrailClient(sandbox, 'eu-west-1').send(new DescribeTrailsCommand({ includeShadowTrails: false }));
    expect(withoutShadows.trailList?.every((trail) => trail.HomeRegion === 'eu-west-1')).toBe(true);
    const listed = await cloudTrailClient(sandbox, 'us-west-2').send(new ListTrailsCommand({}));
    expect(listed.Trails?.map((trail) => trail.TrailARN).sort()).toEqual(trails.map((trail) => trail.arn).sort());
  });

  it('reports each trail\'s status as the truth has it, by name or by ARN', async () => {
    const truth = sandboxTruth(spec);
    for (const trail of truth.resources.filter((resource) => resource.type === 'CloudTrail.Trail')) {
      const client = cloudTrailClient(sandbox, trail.region);
      const byName = await client.send(new GetTrailStatusCommand({ Name: trail.name }));
      const byArn = await cloudTrailClient(sandbox, 'ap-southeast-2').send(new GetTrailStatusCommand({ Name: trail.arn }));
      expect(byName.IsLogging).toBe(trail.attributes.isLogging);
      expect(byArn.IsLogging).toBe(trail.attributes.isLogging);
      expect(byName.LatestDeliveryError ?? null).toBe(trail.attributes.latestDeliveryError);
      expect(byName.LatestDeliveryTime).toBeInstanceOf(Date);
      const condition = truth.conditions.find((candidate) => candidate.rule === 'TrailLogging' && candidate.id === trail.id);
      const expected = !byName.IsLogging ? 'not-logging' : byName.LatestDeliveryError ? 'delivery-error' : undefined;
      expect(condition?.detail.reason).toBe(expected);
      const selectors = await client.send(new GetEventSelectorsCommand({ TrailName: trail.name }));
      expect(selectors.TrailARN).toBe(trail.arn);
      expect(selectors.EventSelectors?.[0]?.IncludeManagementEvents).toBe(true);
    }
    const missing = await failureOf(cloudTrailClient(sandbox, 'us-east-1').send(new GetTrailStatusCommand({ Name: 'no-such-trail' })));
    expect(missing.name).toBe('TrailNotFoundException');
  });

  it('looks up the write events the epochs caused, newest first, in pages of at most 50', async () => {
    const client = cloudTrailClient(sandbox, 'us-east-1');
    const events: Event[] = [];
    for await (const page of paginateLookupEvents({ client, pageSize: 7 }, {})) {
      expect((page.Events ?? []).length).toBeLessThanOrEqual(7);
      events.push(...(page.Events ?? []));
    }
    expect(events.length).toBeGreaterThan(10);
    const times = events.map((event) => event.EventTime?.getTime() ?? 0);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(new Set(events.map((event) => event.EventId)).size).toBe(events.length);
    expect(events.every((event) => event.ReadOnly === 'false')).toBe(true);
    const names = new Set(events.map((event) => event.EventName));
    for (const name of ['RunInstances', 'TerminateInstances', 'CreateTags']) expect(names).toContain(name);
    const document = JSON.parse(events[0]?.CloudTrailEvent ?? '{}') as Record<string, unknown>;
    expect(document).toMatchObject({ eventName: events[0]?.EventName, awsRegion: 'us-east-1', recipientAccountId: '111111111111', readOnly: false, eventID: events[0]?.EventId });

    const all = await client.send(new LookupEventsCommand({ MaxResults: 50 }));
    expect(all.Events?.map((event) => event.EventId)).toEqual(events.slice(0, 50).map((event) => event.EventId));
  });

  it('filters by lookup attribute and time range', async () => {
    const client = cloudTrailClient(sandbox, 'us-east-1');
    const runs = await client.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'RunInstances' }] }));
    expect(runs.Events?.length).toBeGreaterThan(0);
    expect(runs.Events?.every((event) => event.EventName === 'RunInstances')).toBe(true);
    const instanceId = runs.Events?.[0]?.Resources?.[0]?.ResourceName ?? '';
    const aboutInstance = await client.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: instanceId }] }));
    expect(aboutInstance.Events?.every((event) => event.Resources?.some((resource) => resource.ResourceName === instanceId))).toBe(true);
    expect((await client.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'ReadOnly', AttributeValue: 'true' }] }))).Events).toEqual([]);
    const firstHour = await client.send(new LookupEventsCommand({ StartTime: new Date('2026-01-01T00:00:00Z'), EndTime: new Date('2026-01-01T01:00:00Z') }));
    expect(firstHour.Events?.length).toBeGreaterThan(0);
    expect(firstHour.Events?.every((event) => (event.EventTime?.getTime() ?? 0) <= Date.parse('2026-01-01T01:00:00Z'))).toBe(true);
    // Collectors look back from the real clock, which is ahead of the sandbox's: an empty window, not an error.
    const afterNow = await client.send(new LookupEventsCommand({ StartTime: new Date(Date.now() - 86_400_000) }));
    expect(afterNow.Events).toEqual([]);
  });

  it('refuses what CloudTrail refuses', async () => {
    const client = cloudTrailClient(sandbox, 'us-east-1');
    expect((await failureOf(client.send(new LookupEventsCommand({ MaxResults: 51 })))).name).toBe('InvalidMaxResultsException');
    expect((await failureOf(client.send(new LookupEventsCommand({
      LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'RunInstances' }, { AttributeKey: 'Username', AttributeValue: 'bob' }],
    })))).name).toBe('InvalidLookupAttributesException');
    expect((await failureOf(client.send(new LookupEventsCommand({ StartTime: new Date('2026-01-02'), EndTime: new Date('2026-01-01') })))).name).toBe('InvalidTimeRangeException');
    expect((await failureOf(client.send(new LookupEventsCommand({ NextToken: 'nope' })))).name).toBe('InvalidNextTokenException');
  });
});

describe('STS and the other accounts', () => {
  let sandbox: RunningSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox(parseSandboxSpec('regions=1&instances=5&accounts=3&externalId=tap-secret'));
  });
  afterAll(() => sandbox.close());
  const assume = (accountId: string, externalId?: string) => stsClient(sandbox).send(new AssumeRoleCommand({
    RoleArn: `arn:aws:iam::${accountId}:role/cloudtap-collector`, RoleSessionName: 'collector', ExternalId: externalId,
  }));

  it('tells the primary account from any access key', async () => {
    const identity = await stsClient(sandbox).send(new GetCallerIdentityCommand({}));
    expect(identity).toMatchObject({ Account: '111111111111', Arn: 'arn:aws:iam::111111111111:user/sandbox-admin' });
  });

  it('reaches the second account with AssumeRole and the ExternalId, and sees that account\'s resources', async () => {
    const assumed = await assume('222222222222', 'tap-secret');
    expect(assumed.Credentials?.AccessKeyId).toMatch(/^ASIA222222222222[A-Z0-9]{4}$/);
    expect(assumed.AssumedRoleUser?.Arn).toBe('arn:aws:sts::222222222222:assumed-role/cloudtap-collector/collector');
    expect(assumed.Credentials?.Expiration?.getTime()).toBeGreaterThan(Date.now());
    const credentials: Credentials = {
      accessKeyId: assumed.Credentials?.AccessKeyId ?? '', secretAccessKey: assumed.Credentials?.SecretAccessKey ?? '', sessionToken: assumed.Credentials?.SessionToken,
    };
    const identity = await stsClient(sandbox, credentials).send(new GetCallerIdentityCommand({}));
    expect(identity).toMatchObject({ Account: '222222222222', Arn: 'arn:aws:sts::222222222222:assumed-role/cloudtap-collector/collector' });
    const second = await ec2Client(sandbox, 'us-east-1', credentials).send(new DescribeInstancesCommand({}));
    const primary = await ec2Client(sandbox, 'us-east-1').send(new DescribeInstancesCommand({}));
    expect(second.Reservations?.every((reservation) => reservation.OwnerId === '222222222222')).toBe(true);
    const ids = (reservations: typeof second.Reservations) => (reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId);
    expect(ids(second.Reservations)).not.toEqual(ids(primary.Reservations));
    const vpcs = await ec2Client(sandbox, 'us-east-1', credentials).send(new DescribeVpcsCommand({}));
    expect(vpcs.Vpcs?.every((vpc) => vpc.OwnerId === '222222222222')).toBe(true);
  });

  it('enforces the ExternalId for the other accounts, not for the primary one', async () => {
    for (const externalId of [undefined, 'wrong']) {
      const error = await failureOf(assume('333333333333', externalId));
      expect([error.name, error.$metadata?.httpStatusCode]).toEqual(['AccessDenied', 403]);
      expect(error.message).toContain('sts:AssumeRole');
    }
    expect((await assume('333333333333', 'tap-secret')).Credentials?.AccessKeyId).toMatch(/^ASIA333333333333/);
    expect((await assume('111111111111')).Credentials?.AccessKeyId).toMatch(/^ASIA111111111111/);
  });

  it('denies accounts that do not exist and refuses malformed role ARNs', async () => {
    expect((await failureOf(assume('444444444444', 'tap-secret'))).name).toBe('AccessDenied');
    const malformed = await failureOf(stsClient(sandbox).send(new AssumeRoleCommand({ RoleArn: 'collector', RoleSessionName: 'x1' })));
    expect(malformed.name).toBe('ValidationError');
  });
});
