import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { LeaseLostError, PartitionBusyError, PartitionLease, type LeaseSettings, type PostedUpdate } from '../../src/store/partition-lease';
import type { ResourceRecord } from '../../src/services/resource-type';
import type { Workspace } from '../../cli/workspace';
import { localStore } from '../support/local-run';

// Short leases: a holder that stops renewing is taken for dead after 600 ms of the waiter's own time.
const SETTINGS: LeaseSettings = { leaseMs: 600, maxWaitMs: 5_000 };

const record = (id: string): ResourceRecord => ({ id, arn: `arn:aws:ec2:us-east-1:111111111111:volume/${id}`, tags: {}, data: { state: 'available' } });
const update = (seq: number, id: string): PostedUpdate[] => [{ at: { seq, time: '2026-12-01T00:00:00.000Z', runId: `realtime-${seq}` }, record: record(id), hash: `h-${id}` }];

describe('a partition lease', () => {
  let workspace: Workspace;
  let n = 0;
  const partition = (): string => `111111111111#us-east-1#Test.Lease${++n}`;
  beforeAll(async () => {
    workspace = await (await localStore()).open();
  });
  afterAll(async () => {
    await workspace.close();
  });

  it('is held by one writer at a time: a second waits while the first renews it, and gets it when it is let go', async () => {
    const p = partition();
    const first = await PartitionLease.acquire(workspace.db, p, 'run-a', SETTINGS);
    const second = PartitionLease.acquire(workspace.db, p, 'run-b', SETTINGS);
    let secondHeld = false;
    void second.then(() => { secondHeld = true; });
    // Well past the lease: the first renews it (timer), so it is not taken for dead.
    await sleep(1_500);
    expect(secondHeld).toBe(false);
    await first.release(async () => {});
    const lease = await second;
    expect(lease.fresh).toBe(false);
    await lease.release(async () => {});
  });

  it('is taken over from a holder that stopped renewing it, and that holder writes nothing more', async () => {
    const p = partition();
    const dead = await PartitionLease.acquire(workspace.db, p, 'run-killed', SETTINGS);
    dead.abandon(); // as a killed process: no more heartbeats
    const started = performance.now();
    const next = await PartitionLease.acquire(workspace.db, p, 'run-next', SETTINGS);
    expect(performance.now() - started).toBeGreaterThanOrEqual(SETTINGS.leaseMs);
    // The first holder resumes (a paused process): before its next batch it finds the lease gone.
    await sleep(SETTINGS.leaseMs / 2);
    await expect(dead.confirm()).rejects.toBeInstanceOf(LeaseLostError);
    await next.release(async () => {});
  });

  it('is taken back at once by a retry of the same run', async () => {
    const p = partition();
    const attempt = await PartitionLease.acquire(workspace.db, p, 'run-retried', SETTINGS);
    attempt.abandon();
    const started = performance.now();
    const retry = await PartitionLease.acquire(workspace.db, p, 'run-retried', SETTINGS);
    expect(performance.now() - started).toBeLessThan(SETTINGS.leaseMs);
    await retry.release(async () => {});
  });

  it('gives up on a live holder after the longest wait, naming the partition and the holder', async () => {
    const p = partition();
    const holder = await PartitionLease.acquire(workspace.db, p, 'run-slow', SETTINGS);
    const impatient = { ...SETTINGS, maxWaitMs: 800 };
    await expect(PartitionLease.acquire(workspace.db, p, 'run-late', impatient)).rejects.toThrow(PartitionBusyError);
    await expect(PartitionLease.acquire(workspace.db, p, 'run-late', impatient)).rejects.toThrow(new RegExp(`${p} is being written by run-slow`));
    await holder.release(async () => {});
  });

  it('says whether anyone took it since the partition was read', async () => {
    const p = partition();
    const before = await PartitionLease.generation(workspace.db, p);
    const untouched = await PartitionLease.acquire(workspace.db, p, 'run-1', SETTINGS, before);
    expect(untouched.fresh).toBe(true);
    await untouched.release(async () => {});
    const read = await PartitionLease.generation(workspace.db, p);
    const other = await PartitionLease.acquire(workspace.db, p, 'run-2', SETTINGS);
    await other.release(async () => {});
    const stale = await PartitionLease.acquire(workspace.db, p, 'run-3', SETTINGS, read);
    expect(stale.fresh).toBe(false);
    await stale.release(async () => {});
  });

  it('takes a real-time update posted while it is held to its holder, who applies it before letting go — also one posted while it applies', async () => {
    const p = partition();
    const holder = await PartitionLease.acquire(workspace.db, p, 'run-1', SETTINGS);
    expect(await PartitionLease.postOrAcquire(workspace.db, p, 'realtime-10', update(10, 'vol-1'), SETTINGS)).toBeUndefined();
    const applied: string[] = [];
    await holder.release(async (posted) => {
      applied.push(...posted.map((u) => u.record?.id ?? ''));
      // Another update arrives while the first is applied: the release must not let go before it is applied too.
      if (applied.length === 1) expect(await PartitionLease.postOrAcquire(workspace.db, p, 'realtime-11', update(11, 'vol-2'), SETTINGS)).toBeUndefined();
    });
    expect(applied).toEqual(['vol-1', 'vol-2']);
    // Let go: the next real-time update takes the lease and writes itself.
    const own = await PartitionLease.postOrAcquire(workspace.db, p, 'realtime-12', update(12, 'vol-3'), SETTINGS);
    expect(own).toBeInstanceOf(PartitionLease);
    const again: string[] = [];
    await own?.release(async (posted) => { again.push(...posted.map((u) => u.record?.id ?? '')); });
    expect(again).toEqual([]);
  });
});
