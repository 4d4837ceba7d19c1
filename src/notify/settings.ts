import { InvalidInputError, expectInteger, expectRecord, rejectUnknownKeys } from '../dto/validation';
import { awsSender, type NotificationSender } from './delivery';
import { DEFAULT_FLAPPING, DEFAULT_KEEP_FIRING_RUNS, type FlappingSettings, type NotifySettings } from './notifier';
import { parseRoutes } from './routes';
import { parseSilences } from './silences';

/** The environment variables that carry the notification knobs (from cdk.json context, or `cloudtap run`'s flags). */
export const NOTIFY_ENV = { routes: 'CLOUDTAP_ROUTES', silences: 'CLOUDTAP_SILENCES', flapping: 'CLOUDTAP_FLAPPING' } as const;

/** `flapping`: `{changes, windowRuns, keepFiringRuns}`, each optional. */
export function parseFlapping(input: unknown, source: string): FlappingSettings & { keepFiringRuns: number } {
  const record = expectRecord(input, source);
  rejectUnknownKeys(record, source, ['changes', 'windowRuns', 'keepFiringRuns']);
  const changes = record.changes === undefined ? DEFAULT_FLAPPING.changes : expectInteger(record.changes, `${source}.changes`, 1, 100);
  const windowRuns = record.windowRuns === undefined ? DEFAULT_FLAPPING.windowRuns : expectInteger(record.windowRuns, `${source}.windowRuns`, 2, 1000);
  if (changes >= windowRuns) throw new InvalidInputError(`${source}.changes`, `${changes} changes cannot happen within ${windowRuns} runs more than once a run; give fewer changes than windowRuns`);
  const keepFiringRuns = record.keepFiringRuns === undefined ? DEFAULT_KEEP_FIRING_RUNS : expectInteger(record.keepFiringRuns, `${source}.keepFiringRuns`, 0, 100);
  return { changes, windowRuns, keepFiringRuns };
}

function json(env: NodeJS.ProcessEnv, name: string): unknown {
  const text = env[name];
  if (text === undefined || text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(name, `is not JSON (${(error as Error).message})`);
  }
}

/** Routes, context silences and flapping limits from the environment (validated; errors name the variable and field). */
export function notifySettingsFromEnv(env: NodeJS.ProcessEnv = process.env, sender?: NotificationSender): NotifySettings {
  const routes = json(env, NOTIFY_ENV.routes);
  const silences = json(env, NOTIFY_ENV.silences);
  const flapping = json(env, NOTIFY_ENV.flapping);
  const limits = flapping === undefined ? { ...DEFAULT_FLAPPING, keepFiringRuns: DEFAULT_KEEP_FIRING_RUNS } : parseFlapping(flapping, 'flapping');
  return {
    routes: routes === undefined ? [] : parseRoutes(routes, 'routes'),
    silences: silences === undefined ? [] : parseSilences(silences, 'silences'),
    flapping: { changes: limits.changes, windowRuns: limits.windowRuns },
    keepFiringRuns: limits.keepFiringRuns,
    sender: sender ?? awsSender(env.CLOUDTAP_HOME_REGION ?? env.AWS_REGION ?? 'us-east-1'),
  };
}
