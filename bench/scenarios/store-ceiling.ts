/**
 * The store's own write ceiling, measured alone, as `cloudtap run` has it (the collector's DynamoDB client,
 * and dynalite on LevelDB in its worker thread): the collector's conditional create of exactly the records a
 * sandbox region yields, with the same writes in flight per partition, and BatchWrite of the same items.
 * How busy the store's thread was says whether the store itself is the limit.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWorkspace } from '../../cli/workspace';
import { sandboxAccount } from '../../local/sandbox/account';
import { PRIMARY_ACCOUNT_ID } from '../../local/sandbox/accounts';
import { allOf, type Collection } from '../../local/sandbox/collection';
import { RegionInventory } from '../../local/sandbox/inventory';
import { enabledRegions, parseSandboxSpec } from '../../local/sandbox/spec';
import { serviceByName } from '../../src/services/registry';
import { typeKey, type CollectContext, type ResourceRecord } from '../../src/services/resource-type';
import { batchWrite } from '../../src/store/dynamo';
import { ResourceStore, partitionKey, recordHash, resourceItem } from '../../src/store/resource-store';
import { mapWithConcurrency } from '../../src/util/concurrency';
import { CEILING_REPEATS } from '../plan';
import { cpuMsSince } from '../processes';

/** As src/collect/sync-partition.ts: 16 writes in flight per partition, every partition at once. */
const WRITES_IN_FLIGHT_PER_PARTITION = 16;
/** BatchWrite calls in flight per partition (25 items each). */
const BATCHES_IN_FLIGHT_PER_PARTITION = 2;
const BATCH_SIZE = 25;

export interface CeilingParams {
  /** Instances of the sandbox region whose records are written (the other types follow from it). */
  instances: number;
}

export interface WriteRate {
  items: number;
  ms: number;
  itemsPerSecond: number;
  cpuMsPerItem: number;
  /** The share of the time the store's thread was busy. */
  storeBusyShare: number;
  /** CPU the store's thread used per item, ms, as the kernel counts it (NaN without /proc). */
  storeCpuMsPerItem: number;
}

export interface CeilingResult {
  recordMix: Record<string, number>;
  /** The best of the repeats, with every repeat's rate. */
  conditionalPut: WriteRate & { samplesPerSecond: number[] };
  batchWrite: WriteRate & { samplesPerSecond: number[] };
}

export async function storeCeiling(params: CeilingParams): Promise<CeilingResult> {
  const partitions = sandboxRecords(params.instances);
  const samples: { conditionalPut: WriteRate; batchWrite: WriteRate }[] = [];
  for (let i = 0; i < CEILING_REPEATS; i++) samples.push(await measureOnce(partitions));
  const best = (pick: (s: (typeof samples)[number]) => WriteRate): WriteRate & { samplesPerSecond: number[] } => ({
    ...samples.map(pick).reduce((a, b) => (b.itemsPerSecond > a.itemsPerSecond ? b : a)),
    samplesPerSecond: samples.map((s) => pick(s).itemsPerSecond),
  });
  const recordMix = Object.fromEntries([...partitions].map(([partition, records]) => [partition.split('#')[2] ?? partition, records.length]));
  return { recordMix, conditionalPut: best((s) => s.conditionalPut), batchWrite: best((s) => s.batchWrite) };
}

async function measureOnce(partitions: Map<string, ResourceRecord[]>): Promise<{ conditionalPut: WriteRate; batchWrite: WriteRate }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cloudtap-bench-ceiling-'));
  const workspace = await openWorkspace({ dataDir });
  try {
    const store = new ResourceStore(workspace.db);
    const at = { seq: 1, time: new Date().toISOString(), runId: 'bench-ceiling' };
    const storeThread = { busyMs: () => workspace.embedded?.busyMs() ?? Number.NaN, cpuMs: () => workspace.embedded?.cpuMs() ?? Number.NaN };
    const conditionalPut = await timed(partitions, storeThread, async (partition, records) => {
      await mapWithConcurrency(records, WRITES_IN_FLIGHT_PER_PARTITION, async (record) => {
        if ((await store.create(partition, record, recordHash(record, []), at)) !== 'created') throw new Error('a fresh table refused a create');
      });
    });
    // The same items, unconditionally, into partitions of their own.
    const batch = await timed(partitions, storeThread, async (partition, records) => {
      const chunks: ResourceRecord[][] = [];
      for (let i = 0; i < records.length; i += BATCH_SIZE) chunks.push(records.slice(i, i + BATCH_SIZE));
      const batchPartition = `${partition}#batch`;
      // The item ResourceStore.create writes, so that both ways in write the same bytes into the same indexes.
      await mapWithConcurrency(chunks, BATCHES_IN_FLIGHT_PER_PARTITION, (chunk) => batchWrite(workspace.db, workspace.tables.resources, chunk.map((record) => ({
        PutRequest: { Item: resourceItem(batchPartition, record, recordHash(record, []), at) },
      }))));
    });
    return { conditionalPut, batchWrite: batch };
  } finally {
    await workspace.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function timed(
  partitions: Map<string, ResourceRecord[]>, store: { busyMs(): number; cpuMs(): number }, write: (partition: string, records: ResourceRecord[]) => Promise<void>,
): Promise<WriteRate> {
  const items = [...partitions.values()].reduce((sum, records) => sum + records.length, 0);
  const cpu = process.cpuUsage();
  const busy = store.busyMs();
  const storeCpu = store.cpuMs();
  const started = performance.now();
  await Promise.all([...partitions].map(([partition, records]) => write(partition, records)));
  const ms = performance.now() - started;
  return {
    items, ms: Math.round(ms), itemsPerSecond: Math.round((items / ms) * 1000), cpuMsPerItem: cpuMsSince(cpu) / items, storeBusyShare: (store.busyMs() - busy) / ms,
    storeCpuMsPerItem: (store.cpuMs() - storeCpu) / items,
  };
}

/** The records the collector makes of one sandbox region, by partition: the sandbox's resources through the types' own preprocess. */
export function sandboxRecords(instances: number): Map<string, ResourceRecord[]> {
  const spec = parseSandboxSpec(`regions=1&instances=${instances}`);
  const region = enabledRegions(spec)[0] ?? 'us-east-1';
  const model = sandboxAccount(spec, PRIMARY_ACCOUNT_ID).region(region);
  if (!model) throw new Error(`the sandbox has no region ${region}`);
  const inventory = new RegionInventory(model, spec.epoch);
  const listings: Record<string, Collection<unknown>[]> = {
    'EC2.Instance': [inventory.instances], 'EC2.Volume': [inventory.volumes], 'EC2.Snapshot': [inventory.snapshots],
    'EC2.Image': [inventory.ownedImages, inventory.publicImages], 'EC2.Vpc': [inventory.vpcs], 'EC2.Subnet': [inventory.subnets],
    'EC2.SecurityGroup': [inventory.securityGroups], 'EC2.NetworkInterface': [inventory.networkInterfaces], 'EC2.Address': [inventory.addresses],
  };
  // Preprocessing reads only the account and region; no call is made.
  const context = { accountId: PRIMARY_ACCOUNT_ID, region } as CollectContext;
  const partitions = new Map<string, ResourceRecord[]>();
  for (const type of serviceByName('EC2').types) {
    const records: ResourceRecord[] = [];
    for (const listing of listings[typeKey(type)] ?? []) for (const raw of allOf(listing)) records.push(type.preprocess(raw, context));
    partitions.set(partitionKey(PRIMARY_ACCOUNT_ID, region, typeKey(type)), records);
  }
  return partitions;
}
