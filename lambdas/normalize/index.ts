import type { RunSummary } from '../../src/dto/run-summary';
import type { IngestResult } from '../../src/realtime/ingest';
import { normalizeEvent } from '../../src/realtime/normalize-event';

/** Normalize: closes a run (mode `finalize`), or applies a real-time AWS change notification. */
export async function handler(event: unknown): Promise<RunSummary | IngestResult> {
  return normalizeEvent(event);
}
