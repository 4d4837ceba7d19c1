import {
  finalizeRun, finishAccount, parseAccountDoneRequest, parseFinalizeRequest, parseTaskFailedRequest, recordFailedTask, type TaskOutcome,
} from '../finalize/finalize-run';
import type { RunSummary, SnapshotOutcome } from '../dto/run-summary';
import { InvalidInputError, isRecord } from '../dto/validation';
import { Database } from '../store/dynamo';
import {
  finalizeSettingsFromEnv, heartbeatSettingsFromEnv, leaseSettingsFromEnv, memberAccessFromEnv, planSettingsFromEnv, snapshotSettingsFromEnv,
} from '../lambda/settings';
import { heartbeat, type HeartbeatResult } from '../heartbeat/collector-silent';
import { exportRun, parseExportRequest } from '../sql/export-run';
import { ingestNotification, parseChangeNotification, type IngestResult } from './ingest';

/**
 * What the normalize function does with its input: the state machine's Finalize request closes a run, and its
 * ExportSnapshot request exports the closed run for SQL; the heartbeat schedule's request looks for silence (no recent
 * successful run); an EventBridge event a service follows (a state change, a CloudTrail API call) refreshes the
 * resources it names.
 */
export async function normalizeEvent(event: unknown): Promise<RunSummary | IngestResult | TaskOutcome | SnapshotOutcome | HeartbeatResult | { accountId: string; status: string }> {
  if (isRecord(event) && event.mode === 'finalize') return finalizeRun(parseFinalizeRequest(event), Database.fromEnv(), finalizeSettingsFromEnv());
  if (isRecord(event) && event.mode === 'export') return exportRun(parseExportRequest(event), Database.fromEnv(), () => snapshotSettingsFromEnv());
  if (isRecord(event) && event.mode === 'account') return finishAccount(parseAccountDoneRequest(event), Database.fromEnv(), finalizeSettingsFromEnv());
  if (isRecord(event) && event.mode === 'taskFailed') return recordFailedTask(parseTaskFailedRequest(event), Database.fromEnv());
  if (isRecord(event) && event.mode === 'heartbeat') return heartbeat(Database.fromEnv(), heartbeatSettingsFromEnv());
  if (isRecord(event) && 'detail-type' in event) {
    const { ems, homeRegion } = planSettingsFromEnv();
    return ingestNotification(parseChangeNotification(event), {
      db: Database.fromEnv(), ems, homeRegion, memberAccess: memberAccessFromEnv(), lease: leaseSettingsFromEnv(),
    });
  }
  throw new InvalidInputError('Normalize input', 'expected {"mode": "finalize" | "export" | "account" | "taskFailed", …} from the state machine, {"mode": "heartbeat"} from the heartbeat schedule, or an EventBridge event with a detail-type');
}
