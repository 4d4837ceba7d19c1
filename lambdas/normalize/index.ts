import { normalizeEvent } from '../../src/realtime/normalize-event';
import { lambdaHandler } from '../../src/lambda/middleware';
import { normalizeObservation } from '../../src/lambda/observations';

/**
 * Normalize: closes a run (mode `finalize`), exports its snapshot (mode `export`), looks for silence on the heartbeat
 * schedule (mode `heartbeat`), or applies a real-time AWS change notification.
 */
export const handler = lambdaHandler(normalizeEvent, normalizeObservation);
