// First: the failures here are reported after 2 attempts a call, not after the SDK's 8 with backoff.
import '../support/two-sdk-attempts';
import { describe, it, expect } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunSummary } from '../../src/dto/run-summary';
import { ExecutionFailedError } from '../../local/runner';
import { cloudtap, tempDir } from '../support/cli';
import { localStore } from '../support/local-run';

const STACK_LINE = /^ {4}at /m;

/** Nothing the SDK's default chain could use: no keys, a profile that does not exist, empty files, no instance metadata. */
async function noCredentials(): Promise<NodeJS.ProcessEnv> {
  const dir = await tempDir();
  const empty = join(dir, 'empty');
  await writeFile(empty, '');
  return {
    AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_SESSION_TOKEN: '', AWS_PROFILE: 'nonexistent',
    AWS_CONFIG_FILE: empty, AWS_SHARED_CREDENTIALS_FILE: empty, AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '', AWS_CONTAINER_CREDENTIALS_FULL_URI: '', AWS_WEB_IDENTITY_TOKEN_FILE: '',
    AWS_REGION: 'us-east-1',
  };
}

/** The runs the store holds, as `cloudtap trace --list --json` reports them. */
async function storedRuns(dataDir: string): Promise<unknown[]> {
  const listed = await cloudtap(['trace', '--list', '--json', '--data-dir', dataDir]);
  return listed.code === 0 ? JSON.parse(listed.stdout) as unknown[] : [];
}

describe("the collector's own account unreachable fails the run", () => {
  it('with no credentials: exit 1, the SDK\'s reason and what to do, no stack, no run stored', async () => {
    const dataDir = await tempDir();
    const result = await cloudtap(['run', '--data-dir', dataDir], await noCredentials());
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/CollectorAccountUnreachable: the collector's own account could not be reached: sts:GetCallerIdentity in us-east-1 failed: CredentialsProviderError/);
    expect(result.stderr).toMatch(/no AWS credentials: set AWS_PROFILE/);
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(result.stdout).not.toMatch(/succeeded/);
    expect(await storedRuns(dataDir)).toEqual([]);
  });

  it('when DescribeRegions answers InternalError: exit 1, naming the call, the error and what to do', async () => {
    const dataDir = await tempDir();
    const result = await cloudtap(['run', '--sandbox=fail=us-east-1:EC2.DescribeRegions:InternalError', '--data-dir', dataDir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/the collector's own account 111111111111 could not be probed: ec2:DescribeRegions in us-east-1 failed: InternalError/);
    expect(result.stderr).toMatch(/run again later/);
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(await storedRuns(dataDir)).toEqual([]);
  });

  it('is a failed execution with a named error (what AWS shows), when DescribeRegions is throttled out', async () => {
    const store = await localStore();
    const run = store.run('regions=2&instances=1&fail=us-east-1:EC2.DescribeRegions:RequestLimitExceeded');
    await expect(run).rejects.toBeInstanceOf(ExecutionFailedError);
    await expect(run).rejects.toMatchObject({ error: 'CollectorAccountUnreachable', cause: expect.stringMatching(/RequestLimitExceeded.*throttled ec2:DescribeRegions/) });
  });
});

describe('a requested region the account does not have', () => {
  it('is an input error naming the account\'s regions, before anything is written', async () => {
    const dataDir = await tempDir();
    const result = await cloudtap(['run', '--sandbox', '--regions', 'us-east-1,xx-fake-9', '--data-dir', dataDir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('cloudtap: --regions: "xx-fake-9" is not a region of account 111111111111; its regions are: ap-southeast-2, eu-west-1, us-east-1, us-west-2\n');
    expect(await storedRuns(dataDir)).toEqual([]);
  });
});

describe('a member account that cannot be reached', () => {
  it('is a skipped target named in the summary, and the run is partial: exit 3', async () => {
    const result = await cloudtap(['run', '--sandbox=accounts=2&regions=1&instances=2&fail=*:STS.AssumeRole:AccessDenied', '--json', '--data-dir', await tempDir()]);
    expect(result.code).toBe(3);
    const summary = JSON.parse(result.stdout) as RunSummary;
    expect(summary.status).toBe('partial');
    expect(summary.accountsUnreachable).toBe(1);
    expect(summary.tasks.failed).toBe(0);
    expect(summary.skipped).toEqual([expect.objectContaining({ accountId: '222222222222', reason: expect.stringMatching(/could not be reached: AccessDenied/) })]);
    // The collector's own account was collected all the same.
    expect(summary.resources.seen).toBeGreaterThan(0);
  });
});

describe('npm start', () => {
  it('is unaffected: the sandbox collected, exit 0', async () => {
    const result = await cloudtap(['run', '--sandbox', '--data-dir', await tempDir()]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Run \S+ succeeded in /);
  });
});
