import { parseSchemaVersion } from '../dto/collection-request';
import type { SnapshotOutcome } from '../dto/run-summary';
import { expectRecord, expectString } from '../dto/validation';
import type { Database } from '../store/dynamo';
import { RunStore } from '../store/run-store';
import { exportSnapshot, type ExportOptions } from './export';
import type { SnapshotSink } from './snapshot-sink';

/** ExportSnapshot's input: the run Finalize just closed. */
export interface ExportRequest {
  mode: 'export';
  runId: string;
  startedAt: string;
}

export function parseExportRequest(input: unknown): ExportRequest {
  const record = expectRecord(input, 'ExportRequest');
  parseSchemaVersion(record.schemaVersion, 'ExportRequest.schemaVersion', false);
  return { mode: 'export', runId: expectString(record.runId, 'ExportRequest.runId'), startedAt: expectString(record.startedAt, 'ExportRequest.startedAt') };
}

export interface ExportRunSettings extends Omit<ExportOptions, 'now'> {
  sink?: SnapshotSink;
}

/**
 * Exports a finished run's snapshot and records the outcome on the run's item (`cloudtap trace` and the report read
 * it there). Never throws for what the export meets — a sink that refuses, a store that cannot be read, settings that
 * do not parse: the outcome says `failed` and why, and the run stays what Finalize made it.
 */
export async function exportRun(request: ExportRequest, db: Database, settings: () => ExportRunSettings): Promise<SnapshotOutcome> {
  const started = Date.now();
  let outcome: SnapshotOutcome;
  let location: string | undefined;
  try {
    const { sink, ...options } = settings();
    if (!sink) outcome = { status: 'disabled', tables: {}, durationMs: Date.now() - started };
    else {
      location = sink.location;
      const run = await new RunStore(db).getRun(request.runId);
      if (!run) throw new Error(`run ${request.runId} has no stored summary: Finalize stores it before the export, so this run did not finish`);
      const exported = await exportSnapshot(db, run, sink, options);
      outcome = { status: 'exported', location: exported.location, tables: exported.tables, durationMs: Date.now() - started };
    }
  } catch (error) {
    const e = error as { name?: string; code?: string; message?: string };
    outcome = {
      status: 'failed', ...(location ? { location } : {}), tables: {}, durationMs: Date.now() - started,
      error: { code: e.code ?? e.name ?? 'Error', message: `the snapshot of run ${request.runId} was not exported${location ? ` to ${location}` : ''}: ${e.message ?? String(error)}; the run's data is in the store, and the next run exports a whole snapshot again` },
    };
  }
  try {
    await new RunStore(db).recordSnapshot(request.runId, outcome);
  } catch {
    // The outcome is still the execution's output; the run item keeps what Finalize wrote.
  }
  return outcome;
}
