/**
 * The sandbox counts calls in flight per (account, region, service, operation), the key of AWS's throttles, and keeps
 * the peaks: overall, per key and in accounts; `latencyMs` is inside the counted window, so concurrent calls overlap.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DescribeInstancesCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import { startSandbox, type RunningSandbox } from '../../local/sandbox/server';
import { parseSandboxSpec } from '../../local/sandbox/spec';
import { credentialsFor, ec2Client, failureOf } from './sdk';

describe('calls in flight', () => {
  let sandbox: RunningSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox(parseSandboxSpec('accounts=3&regions=2&instances=2&latencyMs=400'));
  });
  afterAll(() => sandbox.close());

  it('peaks at the calls a client keeps open at once, per account, region, service and operation', async () => {
    const member = await credentialsFor(sandbox, '222222222222');
    sandbox.resetStats();
    const east = ec2Client(sandbox, 'us-east-1');
    const west = ec2Client(sandbox, 'us-west-2');
    const kms = new KMSClient({ region: 'us-east-1', endpoint: sandbox.url, credentials: member, maxAttempts: 1 });
    const calls = [
      ...Array.from({ length: 5 }, () => east.send(new DescribeInstancesCommand({}))),
      ...Array.from({ length: 3 }, () => west.send(new DescribeVpcsCommand({}))),
      ...Array.from({ length: 2 }, () => kms.send(new ListKeysCommand({}))),
    ];
    let during = 0;
    const sample = setInterval(() => {
      during = Math.max(during, sandbox.inFlight());
    }, 5);
    await Promise.all(calls).finally(() => clearInterval(sample));
    expect(during).toBe(10);
    expect(sandbox.inFlight()).toBe(0);
    expect(sandbox.maxInFlight()).toEqual({
      overall: 10, accounts: 2, keys: 3,
      byKey: [
        { accountId: '111111111111', region: 'us-east-1', service: 'EC2', operation: 'DescribeInstances', max: 5 },
        { accountId: '111111111111', region: 'us-west-2', service: 'EC2', operation: 'DescribeVpcs', max: 3 },
        { accountId: '222222222222', region: 'us-east-1', service: 'KMS', operation: 'ListKeys', max: 2 },
      ],
    });
    expect(sandbox.maxInFlight(1).byKey).toHaveLength(1);

    const served = await (await fetch(`${sandbox.url}/_sandbox/in-flight?top=2`)).json() as Record<string, unknown>;
    expect(served).toEqual({ ...sandbox.maxInFlight(2), now: 0 });
    expect((await fetch(`${sandbox.url}/_sandbox/in-flight?top=many`)).status).toBe(400);
  });

  it('counts answers that fail too, and one at a time after a reset', async () => {
    sandbox.resetStats();
    expect(sandbox.maxInFlight()).toEqual({ overall: 0, accounts: 0, keys: 0, byKey: [] });
    const east = ec2Client(sandbox, 'us-east-1');
    await east.send(new DescribeVpcsCommand({}));
    await failureOf(east.send(new DescribeInstancesCommand({ MaxResults: 1 })));
    await east.send(new DescribeVpcsCommand({}));
    const peaks = sandbox.maxInFlight();
    expect([peaks.overall, peaks.accounts, peaks.keys]).toEqual([1, 1, 2]);
    expect(peaks.byKey.map((peak) => `${peak.operation}:${peak.max}`)).toEqual(['DescribeInstances:1', 'DescribeVpcs:1']);
  });
});
