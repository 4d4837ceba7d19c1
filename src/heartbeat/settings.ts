import { expectInteger, expectRecord, rejectUnknownKeys } from '../dto/validation';

/**
 * The heartbeat knobs (cdk.json context `heartbeat`, or `cloudtap heartbeat`/`cloudtap run` flags): how many schedule
 * periods may pass without a successful run before `CollectorSilent` opens, and for how many runs in a row a partition
 * may go uncollected before `StaleInventory` opens.
 */
export interface HeartbeatKnobs {
  silentAfterSchedules: number;
  staleAfterRuns: number;
}

export const DEFAULT_HEARTBEAT: HeartbeatKnobs = { silentAfterSchedules: 2, staleAfterRuns: 3 };

/** Beyond these, the heartbeat would say nothing anyone could act on in time. */
const MAX_SCHEDULES = 100;
const MAX_RUNS = 1000;

/** Validates the knobs (a missing one takes its default); errors name the field and what is valid. */
export function parseHeartbeat(input: unknown, source: string): HeartbeatKnobs {
  const record = expectRecord(input, source);
  rejectUnknownKeys(record, source, ['silentAfterSchedules', 'staleAfterRuns']);
  return {
    silentAfterSchedules: expectInteger(record.silentAfterSchedules ?? DEFAULT_HEARTBEAT.silentAfterSchedules, `${source}.silentAfterSchedules`, 1, MAX_SCHEDULES),
    staleAfterRuns: expectInteger(record.staleAfterRuns ?? DEFAULT_HEARTBEAT.staleAfterRuns, `${source}.staleAfterRuns`, 1, MAX_RUNS),
  };
}
