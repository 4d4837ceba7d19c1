import { parseCommandArgs, integerFlag, readJsonFlagFile } from '../args';
import { openStoreFromFlags, storeHelp, STORE_FLAGS } from '../store-flags';
import { overlayEnvironment } from '../environment';
import { UsageError } from '../errors';
import { handler as normalize } from '../../lambdas/normalize/index';
import { InvalidInputError } from '../../src/dto/validation';
import { DEFAULT_HEARTBEAT, parseHeartbeat, type HeartbeatKnobs } from '../../src/heartbeat/settings';
import type { HeartbeatResult } from '../../src/heartbeat/collector-silent';
import { schedulePeriod } from '../../lib/stacks/schedule-period';

/** The stack's default run schedule (DEFAULT_SCHEDULE_EXPRESSION: heartbeat-stack.test.ts holds them equal), without loading the CDK. */
export const DEFAULT_SCHEDULE = 'rate(6 hours)';

export const HEARTBEAT_HELP = `Usage: cloudtap heartbeat [--schedule EXPR] [--silent-after-schedules N] [--settings FILE] [--json]
                          [--stack NAME [--region R] [--profile P] | --data-dir DIR]

Looks for silence, as the deployed heartbeat schedule does every schedule period: when no run collected anything
(a succeeded run, or a partial one with at least one task that succeeded) within N × the schedule's period, opens
the CollectorSilent event (severity 1) and raises an alarm; when a run has succeeded since, clears it. A store with
no run yet is measured from its first heartbeat. It writes events, so it is a command, not a read.

  --schedule EXPR   the run schedule silence is measured in (default: CLOUDTAP_SCHEDULE_EXPRESSION, else ${DEFAULT_SCHEDULE});
                    rate(…) or cron(…), as the stack's scheduleExpression
  --silent-after-schedules N
                    schedule periods without a successful run before the collector is silent (default ${DEFAULT_HEARTBEAT.silentAfterSchedules})
  --settings FILE   the heartbeat knobs as JSON, as cdk.json's "heartbeat": {"silentAfterSchedules": 2, "staleAfterRuns": 3}
                    (staleAfterRuns applies to runs: CLOUDTAP_HEARTBEAT='{"staleAfterRuns": 3}' cloudtap run …)
  --json            the heartbeat's result as JSON
${storeHelp()}

Exit codes: 0 not silent; 3 silent (the CollectorSilent event is open); 1 invalid input or a fatal error.`;

const OPTIONS = {
  schedule: { type: 'string' },
  'silent-after-schedules': { type: 'string' },
  settings: { type: 'string' },
  json: { type: 'boolean' },
  ...STORE_FLAGS,
} as const;

export async function heartbeatCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('heartbeat', argv, OPTIONS);
  if (values.help) {
    console.log(HEARTBEAT_HELP);
    return 0;
  }
  // Everything is validated before the store is opened: bad input writes nothing.
  const expression = (values.schedule ?? process.env.CLOUDTAP_SCHEDULE_EXPRESSION ?? DEFAULT_SCHEDULE).trim();
  const period = schedulePeriod(expression);
  if (period.seconds === undefined) {
    throw new UsageError(`--schedule: ${JSON.stringify(expression)} has no period cloudtap can derive (${period.unmodelled}); use rate(<n> minute|minutes|hour|hours|day|days) or a cron(…) with six fields and no L, W or #`);
  }
  const knobs: HeartbeatKnobs = { ...(values.settings !== undefined ? await readHeartbeatFile(values.settings) : DEFAULT_HEARTBEAT) };
  const silentAfter = integerFlag('silent-after-schedules', values['silent-after-schedules']);
  if (silentAfter !== undefined) {
    try {
      knobs.silentAfterSchedules = parseHeartbeat({ ...knobs, silentAfterSchedules: silentAfter }, 'heartbeat').silentAfterSchedules;
    } catch (error) {
      if (error instanceof InvalidInputError) throw new UsageError(`--silent-after-schedules: ${error.problem}`);
      throw error;
    }
  }

  const workspace = await openStoreFromFlags(values, 'write');
  // The normalize handler reads the store and its settings from the environment, as in Lambda.
  const restore = overlayEnvironment({
    ...workspace.handlerEnvironment,
    CLOUDTAP_SCHEDULE_EXPRESSION: expression,
    CLOUDTAP_SCHEDULE_PERIOD_SECONDS: String(period.seconds),
    CLOUDTAP_HEARTBEAT: JSON.stringify(knobs),
  });
  try {
    const result = await normalize({ mode: 'heartbeat' }) as HeartbeatResult;
    if (values.json) console.log(JSON.stringify(result, null, 2));
    else console.log(formatHeartbeat(result, expression, knobs));
    return result.silent ? 3 : 0;
  } finally {
    restore();
    await workspace.close();
  }
}

function formatHeartbeat(result: HeartbeatResult, expression: string, knobs: HeartbeatKnobs): string {
  const window = `${knobs.silentAfterSchedules} × ${expression}`;
  const last = result.lastSuccess
    ? `last successful run ${result.lastSuccess.runId}, finished ${result.lastSuccess.finishedAt}`
    : `no successful run yet; measured from the first heartbeat, ${result.since}`;
  const lines = [`${result.silent ? 'SILENT' : 'ok'}  ${last} (silent after ${window})`];
  if (result.transition) lines.push(`  CollectorSilent ${result.transition} (event ${result.eventId})`);
  for (const alarm of result.alarms) lines.push(`  ${alarm.detailType}: ${alarm.text}`);
  return lines.join('\n');
}

/** Reads and validates a heartbeat settings file; errors name the file and the field. */
async function readHeartbeatFile(path: string): Promise<HeartbeatKnobs> {
  return readJsonFlagFile('--settings', path, (json) => parseHeartbeat(json, path));
}
