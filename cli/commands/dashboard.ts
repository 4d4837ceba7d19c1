import { userInfo } from 'node:os';
import { integerFlag, parseCommandArgs } from '../args';
import { openStoreFromFlags, storeHelp, STORE_FLAGS, type StoreFlagValues } from '../store-flags';
import { UsageError } from '../errors';
import { startDashboard, LOOPBACK, type Dashboard } from '../dashboard/server';
import { storeAccess, type StoreAccess } from '../dashboard/store-access';

export const DEFAULT_DASHBOARD_PORT = 8787;
/** The embedded store is released this long after the last request, so a `cloudtap run` can take it between refreshes. */
const EMBEDDED_IDLE_MS = 2_000;

export const DASHBOARD_HELP = `Usage: cloudtap dashboard [--port P] [--refresh S] [--stack NAME [--region R] [--profile P] | --data-dir DIR]

Serves a live operator page on http://${LOOPBACK}:P/ (loopback only): the last run's summary as the HTML report
shows it, the events with filters (account, region, group, rule, severity, state) kept in the URL, open events
by severity over time, the last run's failures by service and account, a drill-down to one event (its fields and
history: opened, acknowledged with notes, silenced, flapping, cleared) and to one resource (its configuration
timeline and its events), and acknowledging an event from the page. The page refreshes its data every S seconds.

  --port P          the port on ${LOOPBACK} (default ${DEFAULT_DASHBOARD_PORT}; 0 picks a free one)
  --refresh S       seconds between the page's refreshes (default 15)
${storeHelp()}

The local store is opened for each refresh and released after ${EMBEDDED_IDLE_MS / 1000} s without requests, so
'cloudtap run' can collect into it while the dashboard is open. Ctrl-C stops the dashboard.`;

const OPTIONS = { port: { type: 'string' }, refresh: { type: 'string' }, ...STORE_FLAGS } as const;

export async function dashboardCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('dashboard', argv, OPTIONS, true);
  if (values.help) {
    console.log(DASHBOARD_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`dashboard takes no arguments, got "${positionals[0]}"; see 'cloudtap dashboard --help'`);
  const dashboard = await serveDashboard(values, {
    port: integerFlag('port', values.port) ?? DEFAULT_DASHBOARD_PORT,
    refreshSeconds: integerFlag('refresh', values.refresh) ?? 15,
  });
  console.log(`cloudtap dashboard on ${dashboard.url} (${dashboard.source}); Ctrl-C stops it`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await dashboard.close();
  return 0;
}

/**
 * Opens the store the flags name once (a missing store, stack or table is a UsageError before anything is served),
 * then serves the dashboard on it.
 */
export async function serveDashboard(values: StoreFlagValues, options: { port: number; refreshSeconds?: number; user?: string }): Promise<Dashboard & { source: string; store: StoreAccess }> {
  if (options.port > 65535) throw new UsageError(`--port: ${options.port} is not a port; use 1–65535, or 0 for a free one`);
  const refreshSeconds = options.refreshSeconds ?? 15;
  if (refreshSeconds < 1) throw new UsageError('--refresh: at least 1 second');
  // Acknowledging writes; everything else only reads.
  const open = () => openStoreFromFlags(values, 'write');
  const first = await open();
  const source = first.location;
  const embedded = first.embedded !== undefined;
  // The embedded store is released at once (and opened per refresh); a stack's client is kept.
  let reuse: typeof first | undefined = embedded ? undefined : first;
  if (embedded) await first.close();
  const store = storeAccess(async () => {
    const workspace = reuse ?? await open();
    reuse = undefined;
    return workspace;
  }, embedded ? EMBEDDED_IDLE_MS : Infinity);
  try {
    const dashboard = await startDashboard({ store, source, port: options.port, user: options.user ?? userInfo().username, refreshSeconds });
    return { ...dashboard, source, store };
  } catch (error) {
    await store.close();
    if (reuse) await reuse.close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new UsageError(`--port ${options.port}: ${LOOPBACK}:${options.port} is in use; give another --port, or --port 0 for a free one`);
    throw error;
  }
}
