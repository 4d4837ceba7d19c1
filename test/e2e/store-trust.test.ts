import { beforeAll, describe, it, expect } from '@jest/globals';
import { cp } from 'node:fs/promises';
import { parseSandboxSpec } from '../../local/sandbox/spec';
import { allTruthResources, diffTruth, resourceKey, sandboxTruth } from '../../local/sandbox/truth';
import { startSandboxTarget } from '../../cli/sandbox-target';
import { collectTask } from '../../src/collect/collect-task';
import { parseTask } from '../../src/dto/task';
import { ResourceStore, type StoredResource } from '../../src/store/resource-store';
import { TABLE_IDS } from '../../src/store/tables';
import { localStore } from '../support/local-run';
import { serviceNames } from '../../src/services/registry';

/** The truth's key of a collected record (types the truth does not list have none). */
function truthKeyOf(r: StoredResource): string | undefined {
  if (r.type === 'CloudServiceType' || r.type === 'CloudTrail.Event') return undefined;
  if (r.type === 'Region') return r.data.enabled ? resourceKey({ accountId: r.accountId, region: r.resourceId, type: 'EC2.Region', id: r.resourceId }) : undefined;
  return resourceKey({ accountId: r.accountId, region: r.region, type: r.type, id: r.resourceId });
}

/**
 * The store after a run of BASE at epoch 0, which the tests of later epochs start from: collected once, and each
 * test runs into a copy of its own. Its epoch 1 creates, updates and deletes resources of several services; its
 * epoch 4 deletes EC2 and other resources in us-west-2; its epoch 2 changes EC2 in us-east-1.
 */
const BASE = 'seed=14&regions=2&instances=30';
let collected: string;
beforeAll(async () => {
  const store = await localStore();
  await store.run(`${BASE}&epoch=0`);
  collected = store.dataDir;
});
async function collectedStore(): Promise<Awaited<ReturnType<typeof localStore>>> {
  const store = await localStore();
  await cp(collected, store.dataDir, { recursive: true });
  return store;
}

describe('change-only writes and history', () => {
  it('epoch 0 then epoch 1: created, updated and deleted equal the sandbox\'s own diff, and every change has a history entry', async () => {
    const store = await collectedStore();
    const base = BASE;
    const second = await store.run(`${base}&epoch=1`);
    const diff = diffTruth(sandboxTruth(parseSandboxSpec(`${base}&epoch=0`)), sandboxTruth(parseSandboxSpec(`${base}&epoch=1`)));
    expect(diff.created.length + diff.updated.length + diff.deleted.length).toBeGreaterThan(0);

    const workspace = await store.open();
    try {
      const resources = new ResourceStore(workspace.db);
      const byRun = { created: [] as string[], updated: [] as string[], deleted: [] as string[] };
      for await (const r of resources.scan()) {
        const key = truthKeyOf(r);
        if (!key || r.runId !== second.runId) continue;
        const history = await resources.history(r.pk, r.resourceId);
        if (r.deletedAt) byRun.deleted.push(key);
        else if (r.firstSeen === r.lastChanged && history.length === 0) byRun.created.push(key);
        else byRun.updated.push(key);
        if (r.deletedAt || history.length > 0) expect(history.at(-1)?.runId).toBe(second.runId);
      }
      expect(byRun.created.sort()).toEqual([...diff.created].sort());
      expect(byRun.updated.sort()).toEqual([...diff.updated].sort());
      expect(byRun.deleted.sort()).toEqual([...diff.deleted].sort());
    } finally {
      await workspace.close();
    }
  });

  it('a second run over an unchanged account writes at most 1 % of the items the first run wrote', async () => {
    const store = await localStore();
    const first = await store.run('seed=12&regions=2&instances=300');
    const second = await store.run('seed=12&regions=2&instances=300');
    expect(second.resources).toMatchObject({ created: 0, updated: 0, deleted: 0 });
    expect(second.writes / first.writes).toBeLessThanOrEqual(0.01);
  });
});

describe('faults', () => {
  it('throttle=0.2: every resource collected, no failed task', async () => {
    const store = await localStore();
    const summary = await store.run('seed=13&regions=2&instances=40&throttle=0.2');
    expect(summary.failures).toEqual([]);
    const expected = allTruthResources(sandboxTruth(parseSandboxSpec('seed=13&regions=2&instances=40'))).map(resourceKey).sort();
    const collected = (await store.resources()).map(truthKeyOf).filter((k): k is string => !!k).sort();
    expect(collected).toEqual(expected);
  });

  it('a region whose EC2 calls fail deletes nothing there, even where its resources disappeared', async () => {
    const store = await collectedStore();
    const base = BASE;
    const later = `${base}&epoch=4`;
    const diff = diffTruth(sandboxTruth(parseSandboxSpec(`${base}&epoch=0`)), sandboxTruth(parseSandboxSpec(later)));
    const isEc2 = (key: string) => key.includes('/EC2.');
    const goneInWest = diff.deleted.filter((key) => key.includes('us-west-2') && isEc2(key));
    expect(goneInWest.length).toBeGreaterThan(0);

    const summary = await store.run(`${later}&fail=us-west-2:EC2:UnauthorizedOperation`);
    expect(summary.status).toBe('partial');
    // EC2's task in us-west-2 fails, and so does the Region task (its DescribeAvailabilityZones for us-west-2).
    expect(summary.failures.every((f) => f.code === 'UnauthorizedOperation' && f.account === '111111111111')).toBe(true);
    expect(summary.failures.map((f) => f.type)).toEqual(expect.arrayContaining(['EC2.Instance', 'EC2.Volume', 'EC2.SecurityGroup']));
    expect(summary.failures.filter((f) => f.service === 'EC2').map((f) => f.region)).toEqual(expect.arrayContaining(['us-west-2']));
    expect(summary.failures.filter((f) => f.service === 'EC2' && f.region !== 'us-west-2')).toEqual([]);
    const resources = await store.resources();
    const deleted = (region: string, ec2: boolean) => resources.filter((r) => r.region === region && r.deletedAt && r.type.startsWith('EC2.') === ec2).map(truthKeyOf).sort();
    expect(deleted('us-west-2', true)).toEqual([]);
    // The other services of us-west-2 were listed completely: what disappeared there is deleted, as in us-east-1.
    expect(deleted('us-west-2', false)).toEqual(diff.deleted.filter((key) => key.includes('us-west-2') && !isEc2(key)).sort());
    expect([...deleted('us-east-1', true), ...deleted('us-east-1', false)].sort()).toEqual(diff.deleted.filter((key) => key.includes('us-east-1')).sort());
  });
});

describe('idempotence', () => {
  it('the same task run twice in one run (as a retry would) yields an identical store', async () => {
    const store = await collectedStore();
    const spec = parseSandboxSpec(`${BASE}&epoch=2`);
    const workspace = await store.open();
    const sandbox = await startSandboxTarget(spec);
    try {
      const task = parseTask({
        schemaVersion: 1, runId: 'retried-run', taskId: 'CloudService:111111111111:us-east-1:EC2', taskType: 'inventory.CloudService',
        account: { accountId: '111111111111' }, region: 'us-east-1', service: 'EC2',
        options: { runStartedAt: new Date().toISOString(), ems: 'cloudtap-local' },
      }, serviceNames());
      const snapshot = async () => {
        const tables: Record<string, unknown[]> = {};
        for (const id of TABLE_IDS) {
          const items = (await workspace.db.client.scan({ TableName: workspace.tables[id] })).Items ?? [];
          // A task's own result item records its duration and calls, which differ between attempts by nature.
          tables[id] = items.filter((i) => !(id === 'runs' && String(i.sk).startsWith('TASK#'))).sort((a, b) => `${a.pk}${a.sk}`.localeCompare(`${b.pk}${b.sk}`));
        }
        return tables;
      };
      const first = await collectTask(task, { db: workspace.db });
      expect(first.resources.created + first.resources.updated + first.resources.deleted).toBeGreaterThan(0);
      const afterFirst = await snapshot();
      const second = await collectTask(task, { db: workspace.db });
      expect(second.resources).toMatchObject({ created: 0, updated: 0, deleted: 0 });
      expect(second.events.opened).toBe(0);
      expect(await snapshot()).toEqual(afterFirst);
    } finally {
      await sandbox.close();
      await workspace.close();
    }
  });
});
