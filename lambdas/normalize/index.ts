import { finalizeRun, parseFinalizeRequest } from '../../src/finalize/finalize-run';
import type { RunSummary } from '../../src/dto/run-summary';
import { InvalidInputError, isRecord } from '../../src/dto/validation';
import { Database } from '../../src/store/dynamo';
import { finalizeSettingsFromEnv } from '../../src/lambda/settings';

/** Normalize: closes a run (mode `finalize`). */
export async function handler(event: unknown): Promise<RunSummary> {
  if (isRecord(event) && event.mode === 'finalize') return finalizeRun(parseFinalizeRequest(event), Database.fromEnv(), finalizeSettingsFromEnv());
  throw new InvalidInputError('Normalize input', 'expected {"mode": "finalize", …} from the state machine');
}
