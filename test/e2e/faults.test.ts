import { describe, it, expect } from '@jest/globals';
import { startSandbox } from '../../local/sandbox/server';
import { parseSandboxSpec } from '../../local/sandbox/spec';
import { sandboxTruth } from '../../local/sandbox/truth';
import type { RunSummary } from '../../src/dto/run-summary';
import { localStore } from '../support/local-run';
import { cloudtap, tempDir } from '../support/cli';
import { sandboxEndpointVariables } from '../../local/sandbox/endpoints';

describe('an AWS error on one type in one region', () => {
  it('is reported with account, region, service, type and the AWS code, and the other types still complete', async () => {
    const store = await localStore();
    const summary = await store.run('seed=3&regions=2&instances=10&fail=us-west-2:EC2.DescribeVolumes:UnauthorizedOperation');
    expect(summary.status).toBe('partial');
    expect(summary.failures).toEqual([expect.objectContaining({
      account: '111111111111', region: 'us-west-2', service: 'EC2', type: 'EC2.Volume', code: 'UnauthorizedOperation',
    })]);
    const truth = sandboxTruth(parseSandboxSpec('seed=3&regions=2&instances=10'));
    const resources = await store.resources();
    const count = (type: string, region: string, list: { type: string; region: string }[]) => list.filter((r) => r.type === type && r.region === region).length;
    for (const type of ['EC2.Instance', 'EC2.SecurityGroup', 'EC2.Snapshot', 'EC2.Vpc']) {
      expect(count(type, 'us-west-2', resources)).toBe(count(type, 'us-west-2', truth.resources));
    }
    expect(count('EC2.Volume', 'us-west-2', resources)).toBe(0);
    expect(count('EC2.Volume', 'us-east-1', resources)).toBe(count('EC2.Volume', 'us-east-1', truth.resources));
  });

  it('cloudtap run exits 3 and names the failure', async () => {
    const result = await cloudtap(['run', '--sandbox=regions=2&instances=3&fail=us-west-2:EC2:UnauthorizedOperation', '--data-dir', await tempDir()]);
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/completed with failed tasks/);
    expect(result.stdout).toMatch(/111111111111 +us-west-2 +EC2 +EC2\.Instance +UnauthorizedOperation/);
  });
});

describe('any endpoint, through the SDK\'s own variables', () => {
  it('cloudtap run without --sandbox collects a standalone sandbox reached through AWS_ENDPOINT_URL_*, as with LocalStack', async () => {
    const spec = parseSandboxSpec('seed=6&regions=2&instances=9');
    const sandbox = await startSandbox(spec, { port: 0 });
    const dataDir = await tempDir();
    try {
      const result = await cloudtap(['run', '--json', '--data-dir', dataDir], {
        // Every service's variable, DynamoDB's too: --data-dir names the store, so that one is the collected account's.
        ...sandboxEndpointVariables(sandbox.url),
        AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'example', AWS_REGION: 'us-east-1', CLOUDTAP_HOME_REGION: 'us-east-1',
      });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const summary = JSON.parse(result.stdout) as RunSummary;
      expect(summary.failures).toEqual([]);
      // Every request the sandbox served was one of the run's calls (the probe's included).
      expect(summary.apiCalls).toBe(sandbox.stats().requests);
      const listed = await cloudtap(['resources', '--type', 'EC2.Instance', '--json', '--data-dir', dataDir]);
      const instances = JSON.parse(listed.stdout) as { resourceId: string }[];
      expect(instances.map((i) => i.resourceId).sort()).toEqual(sandboxTruth(spec).resources.filter((r) => r.type === 'EC2.Instance').map((r) => r.id).sort());
    } finally {
      await sandbox.close();
    }
  });
});
