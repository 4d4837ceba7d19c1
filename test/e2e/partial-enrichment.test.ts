import { describe, expect, it } from '@jest/globals';
import { parseSandboxSpec } from '../../local/sandbox/spec';
import { allTruthResources, sandboxTruth } from '../../local/sandbox/truth';
import { localStore } from '../support/local-run';
import { startSandboxTarget } from '../../cli/sandbox-target';
import { collectTask } from '../../src/collect/collect-task';
import { parseTask } from '../../src/dto/task';
import { RunStore } from '../../src/store/run-store';
import { clientCatalog, serviceNames } from '../../src/services/registry';
import { createAwsClients } from '../../src/aws/clients';

const key = (r: { accountId: string; region: string; type: string; id: string }) => `${r.accountId}|${r.region}|${r.type}|${r.id}`;

describe('partial enrichment is not a failed listing', () => {
  it('user data denied: every instance, volume and security group is still collected and reconciled, the role unknown, and the warning names the call', async () => {
    const base = 'seed=41&regions=2&instances=40';
    // Instances, volumes and security groups are EC2's: the other services are not collected.
    const ec2 = { services: ['EC2'] };
    const store = await localStore();
    await store.run(`${base}&epoch=0`, ec2);
    const summary = await store.run(`${base}&epoch=3&fail=*:EC2.DescribeInstanceAttribute:UnauthorizedOperation`, ec2);
    expect(summary.status).toBe('succeeded');
    expect(summary.failures).toEqual([]);
    // Instances new at epoch 3 (or started again) needed their user data: the call was denied for them, and said so.
    expect(summary.warnings).toEqual(expect.arrayContaining([
      expect.objectContaining({ type: 'EC2.Instance', call: 'ec2:DescribeInstanceAttribute', code: 'UnauthorizedOperation' }),
    ]));
    const expected = allTruthResources(sandboxTruth(parseSandboxSpec(`${base}&epoch=3`)))
      .filter((r) => ['EC2.Instance', 'EC2.Volume', 'EC2.SecurityGroup'].includes(r.type)).map(key).sort();
    const stored = (await store.resources()).filter((r) => ['EC2.Instance', 'EC2.Volume', 'EC2.SecurityGroup'].includes(r.type));
    // Collected and reconciled: what exists now is stored and live, what disappeared since epoch 0 is marked deleted.
    expect(stored.filter((r) => !r.deletedAt).map((r) => key({ ...r, id: r.resourceId })).sort()).toEqual(expected);
    expect(stored.filter((r) => r.deletedAt).length).toBeGreaterThan(0);
    const unknown = stored.filter((r) => !r.deletedAt && (r.data.unknown_fields as string[] | undefined)?.includes('role'));
    expect(unknown.length).toBe(summary.warnings?.filter((w) => w.call === 'ec2:DescribeInstanceAttribute').reduce((n, w) => n + w.records, 0));
    for (const r of unknown) expect(r.data.role).toBeNull();
  });

  it('a throttled instance listing fails the partitions that need its facts as throttled, so that the workflow retries the task', async () => {
    const store = await localStore();
    await store.run('seed=42&regions=1&instances=10', { services: ['CloudTrail'] });
    const workspace = await store.open();
    const sandbox = await startSandboxTarget(parseSandboxSpec('seed=42&regions=1&instances=10&fail=*:EC2.DescribeInstances:RequestLimitExceeded'));
    try {
      const task = parseTask({
        schemaVersion: 1, runId: 'throttled-run', taskId: 'CloudService:111111111111:us-east-1:EC2', taskType: 'inventory.CloudService',
        account: { accountId: '111111111111' }, region: 'us-east-1', service: 'EC2',
        options: { runStartedAt: new Date().toISOString(), ems: 'cloudtap-local' },
      }, serviceNames());
      // Volumes and security groups wait for the instances' roles: their failure is the listing's cause, throttling —
      // not DependencyFailed, which the workflow does not retry. Every error of the task is throttling, so it throws
      // cloudtap.Throttled for the workflow's Retry.
      // One attempt a call: the SDK's own retries (8 attempts with backoff) are not what this shows.
      const clientsFor = async () => (region: string) => createAwsClients({ region, accountId: '111111111111', maxAttempts: 1 }, clientCatalog());
      await expect(collectTask(task, { db: workspace.db, clientsFor })).rejects.toMatchObject({ name: 'cloudtap.Throttled' });
      const stored = await new RunStore(workspace.db).taskResults('throttled-run');
      const errors = stored.flatMap((r) => r.errors);
      expect(errors.map((e) => e.type)).toEqual(expect.arrayContaining(['EC2.Instance', 'EC2.Volume', 'EC2.SecurityGroup']));
      expect(errors.filter((e) => e.code !== 'RequestLimitExceeded' && e.code !== 'cloudtap.Throttled')).toEqual([]);
    } finally {
      await sandbox.close();
      await workspace.close();
    }
  });
});
