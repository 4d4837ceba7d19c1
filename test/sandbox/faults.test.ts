import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DescribeTrailsCommand, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { DescribeInstancesCommand, DescribeRegionsCommand, DescribeVolumesCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { startSandbox, type RunningSandbox } from '../../local/sandbox/server';
import { parseSandboxSpec } from '../../local/sandbox/spec';
import { cloudTrailClient, ec2Client, failureOf, stsClient } from './sdk';

async function withSandbox<T>(text: string, use: (sandbox: RunningSandbox) => Promise<T>): Promise<T> {
  const sandbox = await startSandbox(parseSandboxSpec(text));
  try {
    return await use(sandbox);
  } finally {
    await sandbox.close();
  }
}

describe('throttling', () => {
  it('answers with each service\'s own throttling error and status when every call is throttled', async () => {
    await withSandbox('throttle=1', async (sandbox) => {
      const ec2 = await failureOf(ec2Client(sandbox, 'us-east-1').send(new DescribeVpcsCommand({})));
      expect([ec2.name, ec2.$metadata?.httpStatusCode]).toEqual(['RequestLimitExceeded', 503]);
      const cloudTrail = await failureOf(cloudTrailClient(sandbox, 'us-east-1').send(new DescribeTrailsCommand({})));
      expect([cloudTrail.name, cloudTrail.$metadata?.httpStatusCode]).toEqual(['ThrottlingException', 400]);
      const sts = await failureOf(stsClient(sandbox).send(new GetCallerIdentityCommand({})));
      expect([sts.name, sts.$metadata?.httpStatusCode]).toEqual(['Throttling', 400]);
      expect(sandbox.stats()).toMatchObject({ requests: 3, throttled: 3, failed: 0 });
    });
  });

  it('throttles about the given fraction of calls, the same ones for the same seed', async () => {
    const throttledCalls = async () => withSandbox('throttle=0.3&regions=1&instances=5', async (sandbox) => {
      const ec2 = ec2Client(sandbox, 'us-east-1');
      const outcomes: boolean[] = [];
      for (let call = 0; call < 200; call++) outcomes.push(await ec2.send(new DescribeVpcsCommand({})).then(() => true, () => false));
      expect(sandbox.stats().throttled).toBe(outcomes.filter((ok) => !ok).length);
      return outcomes;
    });
    const first = await throttledCalls();
    const share = first.filter((ok) => !ok).length / first.length;
    expect(share).toBeGreaterThan(0.2);
    expect(share).toBeLessThan(0.4);
    expect(await throttledCalls()).toEqual(first);
  });
});

describe('injected failures', () => {
  let sandbox: RunningSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox(parseSandboxSpec('fail=eu-west-1:EC2:UnauthorizedOperation,*:EC2.DescribeVolumes:InternalError,us-west-2:CloudTrail:AccessDeniedException,*:STS:ExpiredToken'));
  });
  afterAll(() => sandbox.close());

  it('fails every EC2 call in the named region with the named code and AWS\'s status, other regions work', async () => {
    const denied = await failureOf(ec2Client(sandbox, 'eu-west-1').send(new DescribeInstancesCommand({})));
    expect([denied.name, denied.$metadata?.httpStatusCode]).toEqual(['UnauthorizedOperation', 403]);
    expect(denied.message).toContain('eu-west-1');
    const fine = await ec2Client(sandbox, 'us-east-1').send(new DescribeInstancesCommand({}));
    expect(fine.Reservations?.length).toBeGreaterThan(0);
  });

  it('fails a single operation in every region when the entry names Service.Operation', async () => {
    for (const region of ['us-east-1', 'us-west-2']) {
      const error = await failureOf(ec2Client(sandbox, region).send(new DescribeVolumesCommand({})));
      expect([error.name, error.$metadata?.httpStatusCode]).toEqual(['InternalError', 500]);
    }
    expect((await ec2Client(sandbox, 'us-west-2').send(new DescribeVpcsCommand({}))).Vpcs?.length).toBe(2);
  });

  it('fails CloudTrail and STS the same way, in their own error formats', async () => {
    const cloudTrail = await failureOf(cloudTrailClient(sandbox, 'us-west-2').send(new LookupEventsCommand({})));
    expect([cloudTrail.name, cloudTrail.$metadata?.httpStatusCode]).toEqual(['AccessDeniedException', 403]);
    expect((await cloudTrailClient(sandbox, 'us-east-1').send(new DescribeTrailsCommand({}))).trailList?.length).toBeGreaterThan(0);
    const sts = await failureOf(stsClient(sandbox).send(new GetCallerIdentityCommand({})));
    expect([sts.name, sts.$metadata?.httpStatusCode]).toEqual(['ExpiredToken', 400]);
  });

  it('counts failed calls apart from throttled ones', () => {
    expect(sandbox.stats().failed).toBeGreaterThanOrEqual(5);
    expect(sandbox.stats().throttled).toBe(0);
  });
});

describe('regions that are not opted in', () => {
  it('answer AuthFailure (401), and DescribeRegions lists them only with AllRegions', async () => {
    await withSandbox('regions=2&optIn=af-south-1,eu-west-1', async (sandbox) => {
      for (const region of ['af-south-1', 'eu-west-1']) {
        const error = await failureOf(ec2Client(sandbox, region).send(new DescribeVpcsCommand({})));
        expect([error.name, error.$metadata?.httpStatusCode]).toEqual(['AuthFailure', 401]);
        expect((await failureOf(cloudTrailClient(sandbox, region).send(new DescribeTrailsCommand({})))).name).toBe('AuthFailure');
      }
      const ec2 = ec2Client(sandbox, 'us-east-1');
      expect((await ec2.send(new DescribeRegionsCommand({}))).Regions?.map((region) => region.RegionName)).toEqual(['us-east-1', 'us-west-2']);
      const all = await ec2.send(new DescribeRegionsCommand({ AllRegions: true }));
      expect(all.Regions?.map((region) => [region.RegionName, region.OptInStatus])).toEqual([
        ['us-east-1', 'opt-in-not-required'], ['us-west-2', 'opt-in-not-required'], ['af-south-1', 'not-opted-in'], ['eu-west-1', 'not-opted-in'],
      ]);
    });
  });
});

describe('latency', () => {
  it('delays every answer by latencyMs', async () => {
    await withSandbox('latencyMs=120&regions=1&instances=1', async (sandbox) => {
      const ec2 = ec2Client(sandbox, 'us-east-1');
      const started = performance.now();
      await ec2.send(new DescribeVpcsCommand({}));
      await ec2.send(new DescribeVpcsCommand({}));
      expect(performance.now() - started).toBeGreaterThanOrEqual(240);
    });
  });
});

describe('requests the sandbox does not know', () => {
  let sandbox: RunningSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox(parseSandboxSpec('regions=1&instances=3'));
  });
  afterAll(() => sandbox.close());
  const signed = (service: string) => `AWS4-HMAC-SHA256 Credential=AKIDSANDBOX/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`;

  it('answers an unknown EC2 or STS action with InvalidAction and an unknown CloudTrail operation with UnknownOperationException', async () => {
    const ec2 = await fetch(sandbox.url, { method: 'POST', headers: { authorization: signed('ec2'), 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=RunInstances&Version=2016-11-15' });
    expect(ec2.status).toBe(400);
    expect(await ec2.text()).toMatch(/<Code>InvalidAction<\/Code>/);
    const sts = await fetch(sandbox.url, { method: 'POST', headers: { authorization: signed('sts') }, body: 'Action=GetSessionToken&Version=2011-06-15' });
    expect(await sts.text()).toMatch(/<ErrorResponse[^>]*><Error><Type>Sender<\/Type><Code>InvalidAction<\/Code>/);
    const cloudTrail = await fetch(sandbox.url, {
      method: 'POST', body: '{}',
      headers: { authorization: signed('cloudtrail'), 'x-amz-target': 'CloudTrail_20131101.DeleteTrail', 'content-type': 'application/x-amz-json-1.1' },
    });
    expect(await cloudTrail.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });

  it('counts every answered request by Service.Operation, serves the same over HTTP, and resets', async () => {
    sandbox.resetStats();
    const ec2 = ec2Client(sandbox, 'us-east-1');
    await ec2.send(new DescribeVpcsCommand({}));
    await ec2.send(new DescribeVpcsCommand({}));
    await failureOf(ec2.send(new DescribeInstancesCommand({ MaxResults: 1 })));
    await cloudTrailClient(sandbox, 'us-east-1').send(new DescribeTrailsCommand({}));
    const stats = sandbox.stats();
    expect(stats).toEqual({
      requests: 4, throttled: 0, failed: 1,
      byOperation: { 'EC2.DescribeVpcs': 2, 'EC2.DescribeInstances': 1, 'CloudTrail.DescribeTrails': 1 },
    });
    expect(await (await fetch(`${sandbox.url}/_sandbox/stats`)).json()).toEqual(stats);
    sandbox.resetStats();
    expect(sandbox.stats()).toEqual({ requests: 0, byOperation: {}, throttled: 0, failed: 0 });
  });

  it('serves its truth and spec for standalone use', async () => {
    const truth = await (await fetch(`${sandbox.url}/_sandbox/truth`)).json() as { resources: unknown[]; spec: { instances: number } };
    expect(truth.spec.instances).toBe(3);
    expect(truth.resources.length).toBeGreaterThan(0);
    expect((await fetch(`${sandbox.url}/_sandbox/nothing`)).status).toBe(404);
  });
});
