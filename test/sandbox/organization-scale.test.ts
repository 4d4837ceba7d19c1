/**
 * An organization of 300 accounts: ids that stay unique and decode back, AssumeRole into every one, and models built
 * only for the accounts and regions actually called.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { modelsBuilt } from '../../local/sandbox/account';
import { accountIndex, accountOfAccessKey, assumedAccessKeyId, isSandboxAccount, sandboxAccountId, sandboxAccountIds } from '../../local/sandbox/accounts';
import { startSandbox, type RunningSandbox } from '../../local/sandbox/server';
import { MAX_ACCOUNTS, enabledRegions, parseSandboxSpec, type SandboxSpec } from '../../local/sandbox/spec';
import { sandboxOrganizationTruth } from '../../local/sandbox/truth';
import { credentialsFor, failureOf, stsClient, type Credentials } from './sdk';

describe('account ids', () => {
  it('keep 111111111111 … 999999999999 for the first nine, then 10 + the account\'s number in ten digits, all unique', () => {
    const ids = sandboxAccountIds({ accounts: MAX_ACCOUNTS });
    expect(ids.slice(0, 9)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9'].map((digit) => digit.repeat(12)));
    expect(ids.slice(9, 11)).toEqual(['100000000010', '100000000011']);
    expect(ids.at(-1)).toBe('100000010000');
    expect(new Set(ids).size).toBe(MAX_ACCOUNTS);
    expect(ids.every((id, index) => /^\d{12}$/.test(id) && accountIndex(id) === index && sandboxAccountId(index) === id)).toBe(true);
  });

  it('tell sandbox accounts from any other id, and the account of a temporary key', () => {
    for (const id of ['123456789012', '100000000009', '100000000000', '222222222223', '011111111111', '10000000001']) expect(accountIndex(id)).toBe(-1);
    expect([isSandboxAccount({ accounts: 300 }, '100000000300'), isSandboxAccount({ accounts: 300 }, '100000000301')]).toEqual([true, false]);
    const spec = { accounts: 300 };
    expect(accountOfAccessKey(spec, assumedAccessKeyId('100000000123', 'AB12'))).toBe('100000000123');
    expect(accountOfAccessKey(spec, assumedAccessKeyId('100000000301', 'AB12'))).toBe('111111111111');
    expect(accountOfAccessKey(spec, 'AKIDSANDBOX')).toBe('111111111111');
  });
});

describe('an organization of 300 accounts in 4 regions', () => {
  let sandbox: RunningSandbox;
  let spec: SandboxSpec;
  const reached = new Map<string, Credentials>();
  beforeAll(async () => {
    spec = parseSandboxSpec('accounts=300&regions=4&instances=2');
    sandbox = await startSandbox(spec);
  });
  afterAll(() => sandbox.close());

  it('lets AssumeRole into every ACTIVE account, refuses the inactive ones, and builds no account\'s model for it', async () => {
    const before = modelsBuilt();
    const org = sandboxOrganizationTruth(spec);
    const inactive = new Set(org?.expected.skipped.map((skipped) => skipped.accountId));
    expect(inactive.size).toBe(8);
    for (const accountId of sandboxAccountIds(spec)) {
      if (inactive.has(accountId)) {
        expect((await failureOf(credentialsFor(sandbox, accountId))).name).toBe('AccessDenied');
        continue;
      }
      const credentials = await credentialsFor(sandbox, accountId);
      expect((await stsClient(sandbox, credentials).send(new GetCallerIdentityCommand({}))).Account).toBe(accountId);
      reached.set(accountId, credentials);
    }
    expect(reached.size).toBe(292);
    expect(modelsBuilt()).toEqual(before);
  });

  it('answers one DescribeInstances per account and region with that account\'s instances, building each region once', async () => {
    const before = modelsBuilt();
    const jobs = [...reached].flatMap(([accountId, credentials]) => enabledRegions(spec).map((region) => ({ accountId, credentials, region })));
    const instanceIds = new Set<string>();
    const started = performance.now();
    let next = 0;
    // The wire as the SDK writes it, without building 1,168 SDK clients: the sandbox reads the account from the key.
    await Promise.all(Array.from({ length: 8 }, async () => {
      for (let job = jobs[next++]; job; job = jobs[next++]) {
        const response = await fetch(sandbox.url, {
          method: 'POST',
          headers: {
            authorization: `AWS4-HMAC-SHA256 Credential=${job.credentials.accessKeyId}/20260101/${job.region}/ec2/aws4_request, SignedHeaders=host, Signature=0`,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: 'Action=DescribeInstances&Version=2016-11-15',
        });
        const body = await response.text();
        expect(response.status).toBe(200);
        expect([...body.matchAll(/<ownerId>(\d{12})<\/ownerId>/g)].every((match) => match[1] === job.accountId)).toBe(true);
        for (const match of body.matchAll(/<instanceId>(i-[0-9a-f]+)<\/instanceId>/g)) instanceIds.add(match[1] ?? '');
      }
    }));
    const elapsed = performance.now() - started;
    const built = modelsBuilt();
    expect(built.regionModels - before.regionModels).toBe(jobs.length);
    expect(built.accountModels - before.accountModels).toBe(reached.size);
    expect(instanceIds.size).toBe(jobs.length * 2);
    console.log(`300 accounts × 4 regions: ${jobs.length} DescribeInstances in ${Math.round(elapsed)} ms, heap ${Math.round(process.memoryUsage().heapUsed / 1048576)} MB`);
  });
});
