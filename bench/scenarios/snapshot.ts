/**
 * The snapshot export (src/sql/export.ts), measured per 10,000 resources: the collector's records of one sandbox region
 * stored as a run stores them (the embedded store, BatchWrite), then exported as ExportSnapshot does — read back by the
 * store's Scan, built into Parquet, written to a directory — and, apart, the building alone from records in memory.
 * `syntheticSnapshot` writes such a snapshot without a store (for measuring queries over a large one).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWorkspace } from '../../cli/workspace';
import { batchWrite } from '../../src/store/dynamo';
import { decodeLargeFields } from '../../src/store/item-size';
import { parsePartition, recordHash, resourceItem, type StoredResource } from '../../src/store/resource-store';
import { RunStore, type StoredRun } from '../../src/store/run-store';
import { exportSnapshot, SnapshotBuilder, type TableExport } from '../../src/sql/export';
import { DirectorySink } from '../../src/sql/snapshot-sink';
import { snapshotPaths } from '../../src/sql/schema';
import { mapWithConcurrency } from '../../src/util/concurrency';
import { attachRelations } from '../../src/collect/enrich';
import { serviceByName } from '../../src/services/registry';
import { typeKey } from '../../src/services/resource-type';
import { cpuMsSince, peakRss } from '../processes';
import { SnapshotDatabase } from '../../src/sql/duckdb';
import { deployableNamedQueries } from '../../src/sql/named-queries';
import { sandboxRecords } from './store-ceiling';

export interface SnapshotParams {
  /** Instances of the sandbox region whose records are exported (about five resources each, with their volumes, interfaces, …). */
  instances: number;
  /** Exports of the same store; the fastest is the figure (noise only ever slows one down). */
  repeats: number;
  /** Resources of the synthetic snapshot `cloudtap query`'s latency is measured on. */
  queryResources: number;
}

/** One query's latency on the synthetic snapshot: opening the views and running it, as `cloudtap query` does. */
export interface QueryLatency {
  query: string;
  rows: number;
  /** Best of QUERY_REPEATS, each on a fresh in-memory database (views created, Parquet read cold by DuckDB). */
  ms: number;
  samplesMs: number[];
}

export interface SnapshotResult {
  instances: number;
  resources: number;
  rows: number;
  bytes: number;
  tables: Record<string, TableExport>;
  /** The whole export from the embedded store to a directory, best of the repeats, and every repeat. */
  exportMs: number;
  exportSamplesMs: number[];
  /** CPU of the process (every thread: the embedded store's too) during the fastest export. */
  exportCpuMs: number;
  /** Building the tables from the records in memory, no store and no files, best of the repeats. */
  buildMs: number;
  buildSamplesMs: number[];
  per10k: { exportMs: number; buildMs: number; bytes: number; rows: number };
  peakRssBytes: number;
  /** `cloudtap query` on a synthetic snapshot of `queryResources` resources (`queryBytes` of Parquet). */
  queries: { resources: number; bytes: number; latencies: QueryLatency[] };
}

const QUERY_REPEATS = 3;

const RUN_ID = 'bench-snapshot';
const BATCHES_IN_FLIGHT = 4;

export async function snapshot(params: SnapshotParams): Promise<SnapshotResult> {
  const { run, records } = sandboxRun(params.instances);
  const dataDir = await mkdtemp(join(tmpdir(), 'cloudtap-bench-snapshot-'));
  const workspace = await openWorkspace({ dataDir });
  try {
    const items = records.map((r) => ({ PutRequest: { Item: resourceItem(r.pk, r, r.hash, { seq: run.seq, time: r.firstSeen, runId: RUN_ID }) } }));
    const chunks: (typeof items)[] = [];
    for (let i = 0; i < items.length; i += 25 * 20) chunks.push(items.slice(i, i + 25 * 20));
    await mapWithConcurrency(chunks, BATCHES_IN_FLIGHT, (chunk) => batchWrite(workspace.db, workspace.tables.resources, chunk));
    await new RunStore(workspace.db).saveRun(run);

    const exports: { ms: number; cpuMs: number; tables: Record<string, TableExport> }[] = [];
    for (let i = 0; i < params.repeats; i++) {
      const cpu = process.cpuUsage();
      const started = performance.now();
      const exported = await exportSnapshot(workspace.db, run, new DirectorySink(join(dataDir, 'snapshots')), { clearedEventDays: 7 });
      exports.push({ ms: Math.round(performance.now() - started), cpuMs: cpuMsSince(cpu), tables: exported.tables });
    }
    const builds: number[] = [];
    for (let i = 0; i < params.repeats; i++) {
      const started = performance.now();
      const builder = new SnapshotBuilder(run);
      for (const record of records) builder.addResource(record);
      builder.finish();
      builds.push(Math.round(performance.now() - started));
    }
    const queries = await queryLatencies(join(dataDir, 'large'), params.queryResources);
    const fastest = exports.reduce((a, b) => (b.ms < a.ms ? b : a));
    const rows = Object.values(fastest.tables).reduce((sum, t) => sum + t.rows, 0);
    const bytes = Object.values(fastest.tables).reduce((sum, t) => sum + t.bytes, 0);
    const buildMs = Math.min(...builds);
    const per10k = (n: number) => Math.round((n / records.length) * 10_000);
    return {
      instances: params.instances, resources: records.length, rows, bytes, tables: fastest.tables,
      exportMs: fastest.ms, exportSamplesMs: exports.map((e) => e.ms), exportCpuMs: Math.round(fastest.cpuMs), buildMs, buildSamplesMs: builds,
      per10k: { exportMs: per10k(fastest.ms), buildMs: per10k(buildMs), bytes: per10k(bytes), rows: per10k(rows) },
      peakRssBytes: peakRss(),
      queries,
    };
  } finally {
    await workspace.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/**
 * A snapshot of about `resources` resources (whole sandbox regions' records, each region a copy of the first under
 * another name) written under `root` as an export writes it, without a store: for measuring queries over a large one.
 */
export async function syntheticSnapshot(root: string, resources: number): Promise<{ resources: number; bytes: number }> {
  const region = sandboxRun(Math.max(1, Math.round(resources / 5)));
  const builder = new SnapshotBuilder(region.run);
  let written = 0;
  for (let copy = 0; written < resources; copy++) {
    for (const record of region.records) {
      if (written >= resources) break;
      builder.addResource(copy === 0 ? record : { ...record, region: `${record.region}-${copy}` });
      written++;
    }
  }
  const sink = new DirectorySink(root);
  let bytes = 0;
  for (const file of builder.finish()) {
    await sink.put(snapshotPaths.latest(file.name), file.bytes);
    bytes += file.bytes.byteLength;
  }
  return { resources: written, bytes };
}

/** The records of one sandbox region as a first run stores them (created by the run), and that run. */
function sandboxRun(instances: number): { run: StoredRun; records: StoredResource[] } {
  const startedAt = new Date().toISOString();
  const seq = 1;
  const records: StoredResource[] = [];
  const types = new Map(serviceByName('EC2').types.map((type) => [typeKey(type), type]));
  for (const [partition, list] of sandboxRecords(instances)) {
    // The edges collection sets on each record (an instance → its subnet, security groups, volumes …).
    const type = types.get(parsePartition(partition).type);
    if (type) attachRelations(type, list);
    for (const record of list) {
      records.push(decodeLargeFields(resourceItem(partition, record, recordHash(record, []), { seq, time: startedAt, runId: RUN_ID }) as unknown as StoredResource));
    }
  }
  const run = {
    runId: RUN_ID, seq, completePartitions: [], status: 'succeeded', startedAt, finishedAt: startedAt, durationMs: 0,
    tasks: { total: 1, succeeded: 1, failed: 0, skipped: 0 },
    resources: { seen: records.length, created: records.length, updated: 0, unchanged: 0, deleted: 0 },
    events: { opened: 0, recurred: 0, cleared: 0 }, writes: records.length, apiCalls: 0, failures: [], skipped: [],
  } satisfies StoredRun;
  return { run, records };
}

/**
 * `cloudtap query`'s latency on a large snapshot: `SELECT count(*) FROM resources` and every named query as the stack
 * deploys it (parameters at their defaults or examples), each on a fresh in-memory DuckDB over the files.
 */
async function queryLatencies(root: string, resources: number): Promise<SnapshotResult['queries']> {
  const written = await syntheticSnapshot(root, resources);
  const queries = [{ name: 'count', sql: 'SELECT count(*) FROM resources' }, ...deployableNamedQueries()];
  const latencies: QueryLatency[] = [];
  for (const query of queries) {
    const samples: number[] = [];
    let rows = 0;
    for (let i = 0; i < QUERY_REPEATS; i++) {
      const started = performance.now();
      const database = await SnapshotDatabase.open(root);
      try {
        rows = (await database.query(query.sql)).result.rows.length;
      } finally {
        database.close();
      }
      samples.push(Math.round(performance.now() - started));
    }
    latencies.push({ query: query.name, rows, ms: Math.min(...samples), samplesMs: samples });
  }
  return { resources: written.resources, bytes: written.bytes, latencies };
}
