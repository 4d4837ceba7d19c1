import { beforeAll, describe, expect, it } from '@jest/globals';
import { cp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseSandboxSpec } from '../../local/sandbox/spec';
import { sandboxTruth } from '../../local/sandbox/truth';
import { epochTime } from '../../local/sandbox/clock';
import { currentEvents } from '../../cli/commands/events';
import { ResourceStore, partitionKey } from '../../src/store/resource-store';
import { localStore } from '../support/local-run';
import { cloudtap } from '../support/cli';

const MEMBER = '222222222222';

/** An EC2 state-change notification as EventBridge delivers it. */
function stateChange(id: string, account: string, region: string, instanceId: string, epoch: number): Record<string, unknown> {
  return {
    version: '0', id, 'detail-type': 'EC2 Instance State-change Notification', source: 'aws.ec2', account, region,
    time: epochTime(epoch).toISOString(), resources: [`arn:aws:ec2:${region}:${account}:instance/${instanceId}`],
    detail: { 'instance-id': instanceId, state: 'stopped' },
  };
}

async function ingest(dataDir: string, event: Record<string, unknown>, spec: string) {
  const file = join(dataDir, `event-${String(event.id)}.json`);
  await writeFile(file, JSON.stringify(event));
  const result = await cloudtap(['ingest', file, `--sandbox=${spec}`, '--json', '--data-dir', dataDir]);
  expect(result.stderr).toBe('');
  return { code: result.code, output: JSON.parse(result.stdout) as { duplicate?: boolean; resources: Record<string, number>; events: Record<string, number>; errors: unknown[] } };
}

describe('one write pipeline, across accounts', () => {
  const base = `seed=51&regions=1&instances=40&accounts=2`;

  // The store after a run of epoch 0, which both tests start from: collected once, each test ingests into a copy.
  let collected: string;
  beforeAll(async () => {
    const store = await localStore();
    await store.run(`${base}&epoch=0`);
    collected = store.dataDir;
  });
  async function collectedStore(): Promise<Awaited<ReturnType<typeof localStore>>> {
    const store = await localStore();
    await cp(collected, store.dataDir, { recursive: true });
    return store;
  }

  it('a member account\'s event is described in that account: its instance is updated, nothing is deleted, and the same event three times counts once', async () => {
    const region = 'us-east-1';
    const atStart = sandboxTruth(parseSandboxSpec(`${base}&epoch=0`)).resources.filter((r) => r.type === 'EC2.Instance' && r.accountId === MEMBER);
    const running = new Set(atStart.filter((r) => r.attributes.state === 'running').map((r) => r.id));
    const later = sandboxTruth(parseSandboxSpec(`${base}&epoch=2`)).resources.filter((r) => r.type === 'EC2.Instance' && r.accountId === MEMBER);
    const stopped = later.find((r) => r.attributes.state === 'stopped' && running.has(r.id));
    const stillRunning = later.find((r) => r.attributes.state === 'running' && running.has(r.id));
    expect(stopped && stillRunning).toBeDefined();

    const store = await collectedStore();
    const partition = partitionKey(MEMBER, region, 'EC2.Instance');
    const countBefore = (await store.resources()).filter((r) => r.pk === partition && !r.deletedAt).length;

    // A running instance of the member account: described there, found, nothing changes (it used to be marked deleted).
    const unchanged = await ingest(store.dataDir, stateChange('e-running', MEMBER, region, stillRunning?.id as string, 2), `${base}&epoch=2`);
    expect(unchanged.code).toBe(0);
    expect(unchanged.output.resources).toMatchObject({ deleted: 0, created: 0 });
    expect((unchanged.output.resources.unchanged ?? 0) + (unchanged.output.resources.updated ?? 0)).toBe(1);

    // The stopped one: updated in the member's partition, its InstanceState event opened with a count of 1 …
    const event = stateChange('e-stopped', MEMBER, region, stopped?.id as string, 2);
    const first = await ingest(store.dataDir, event, `${base}&epoch=2`);
    expect(first.output).toMatchObject({ resources: { updated: 1, deleted: 0 }, events: { opened: 1 } });
    // … and delivered twice more (EventBridge delivers at least once): nothing more happens.
    for (let i = 0; i < 2; i++) {
      const again = await ingest(store.dataDir, event, `${base}&epoch=2`);
      expect(again.code).toBe(0);
      expect(again.output).toMatchObject({ duplicate: true, resources: { created: 0, updated: 0, deleted: 0 }, events: { opened: 0, recurred: 0, cleared: 0 } });
    }

    const workspace = await store.open();
    try {
      const record = await new ResourceStore(workspace.db).get(partition, stopped?.id as string);
      expect(record?.data.state).toBe('stopped');
      const events = (await currentEvents(workspace.db)).filter((e) => e.rule === 'InstanceState' && e.resourceId === stopped?.id);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ state: 'open', count: 1, partition });
    } finally {
      await workspace.close();
    }
    expect((await store.resources()).filter((r) => r.pk === partition && !r.deletedAt)).toHaveLength(countBefore);
  });

  it('an account cloudtap does not collect changes nothing and is reported', async () => {
    const store = await collectedStore();
    const before = await store.resources();
    const instance = before.find((r) => r.type === 'EC2.Instance') as (typeof before)[number];
    const outcome = await ingest(store.dataDir, stateChange('e-stranger', '333333333333', instance.region, instance.resourceId, 2), `${base}&epoch=2`);
    expect(outcome.code).toBe(3);
    expect(JSON.stringify(outcome.output.errors)).toMatch(/AccountNotCollected.*333333333333/);
    expect((await store.resources()).map((r) => [r.pk, r.sk, r.hash, r.deletedAt ?? null])).toEqual(before.map((r) => [r.pk, r.sk, r.hash, r.deletedAt ?? null]));
  });

  it('a CloudTrail call on an S3 bucket refreshes the bucket, its per-bucket settings read again, through the same pipeline', async () => {
    const spec = 'seed=7&regions=2&instances=10';
    const truth = sandboxTruth(parseSandboxSpec(spec));
    const bucket = truth.services.resources.find((r) => r.type === 'S3.Bucket' && r.attributes.encryption !== null);
    expect(bucket).toBeDefined();
    const store = await localStore();
    // The first run cannot read the encryption settings: the buckets are stored, that field unknown, and the run warns.
    const summary = await store.run(`${spec}&fail=*:S3.GetBucketEncryption:AccessDenied`);
    expect(summary.status).toBe('succeeded');
    expect(summary.warnings).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'S3.Bucket', call: 's3:GetEncryptionConfiguration', code: 'AccessDenied' })]));
    const partition = partitionKey(bucket?.accountId as string, bucket?.region as string, 'S3.Bucket');
    const stored = (await store.resources()).find((r) => r.pk === partition && r.sk === bucket?.id);
    expect(stored?.data.unknown_fields).toContain('default_encryption');

    const outcome = await ingest(store.dataDir, {
      version: '0', id: 'e-s3', 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.s3', account: bucket?.accountId,
      region: bucket?.attributes.region, time: epochTime(0).toISOString(),
      detail: { eventName: 'PutBucketEncryption', eventSource: 's3.amazonaws.com', requestParameters: { bucketName: bucket?.id } },
    }, spec);
    expect(outcome.code).toBe(0);
    expect(outcome.output.resources).toMatchObject({ updated: 1, deleted: 0 });
    const refreshed = (await store.resources()).find((r) => r.pk === partition && r.sk === bucket?.id);
    expect(refreshed?.data.default_encryption).not.toBeNull();
    expect(refreshed?.data.unknown_fields ?? []).not.toContain('default_encryption');
  });

  it('two accounts without a logging trail have a NoTrail event each, per region', async () => {
    const spec = 'seed=2&accounts=2&regions=2&instances=2&epoch=6';
    const planted = sandboxTruth(parseSandboxSpec(spec)).conditions.filter((c) => c.rule === 'NoTrail');
    expect(new Set(planted.map((c) => c.accountId)).size).toBe(2);
    const store = await localStore();
    await store.run(spec);
    const workspace = await store.open();
    try {
      const events = (await currentEvents(workspace.db)).filter((e) => e.rule === 'NoTrail' && e.state === 'open');
      expect(events.map((e) => `${e.partition.split('#')[0]}/${e.resourceId}`).sort()).toEqual(planted.map((c) => `${c.accountId}/${c.id}`).sort());
      expect(new Set(events.map((e) => e.id)).size).toBe(planted.length);
    } finally {
      await workspace.close();
    }
  });
});
