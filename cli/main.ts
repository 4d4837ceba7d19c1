import '../src/polyfills';
import { UsageError, errorReport } from './errors';
import { packageVersion } from './version';

interface Command {
  summary: string;
  /** Loaded only when the command runs: a command pays only for its own dependencies (the SDK, the store …). */
  load(): Promise<{ help: string; run(argv: string[]): Promise<number> }>;
}

const COMMANDS: Record<string, Command> = {
  run: {
    summary: 'one collection run, locally or against the deployed state machine',
    load: async () => { const m = await import('./commands/run'); return { help: m.RUN_HELP, run: m.runCommand }; },
  },
  resources: {
    summary: 'the inventory',
    load: async () => { const m = await import('./commands/resources'); return { help: m.RESOURCES_HELP, run: m.resourcesCommand }; },
  },
  history: {
    summary: "a resource's configuration timeline",
    load: async () => { const m = await import('./commands/history'); return { help: m.HISTORY_HELP, run: m.historyCommand }; },
  },
  events: {
    summary: 'Tap events (open, cleared), acknowledgements, event history',
    load: async () => { const m = await import('./commands/events'); return { help: m.EVENTS_HELP, run: m.eventsCommand }; },
  },
  silence: {
    summary: 'silences (maintenance windows): add, list, remove',
    load: async () => { const m = await import('./commands/silence'); return { help: m.SILENCE_HELP, run: (argv) => m.silenceCommand(argv) }; },
  },
  report: {
    summary: 'a self-contained HTML report (--html FILE), or the configuration at a moment (report config)',
    load: async () => { const m = await import('./commands/report'); return { help: m.REPORT_HELP, run: m.reportCommand }; },
  },
  dashboard: {
    summary: 'a live operator page on loopback: events with filters, drill-downs, acknowledging, trends, failures',
    load: async () => { const m = await import('./commands/dashboard'); return { help: m.DASHBOARD_HELP, run: m.dashboardCommand }; },
  },
  trace: {
    summary: "a run's timeline: tasks, their AWS calls, durations, retries, throttles, errors",
    load: async () => { const m = await import('./commands/trace'); return { help: m.TRACE_HELP, run: m.traceCommand }; },
  },
  sandbox: {
    summary: 'serve the sandbox account on loopback, or print its truth',
    load: async () => { const m = await import('./commands/sandbox'); return { help: m.SANDBOX_HELP, run: m.sandboxCommand }; },
  },
  ingest: {
    summary: 'feed an EventBridge AWS event through the real-time path',
    load: async () => { const m = await import('./commands/ingest'); return { help: m.INGEST_HELP, run: m.ingestCommand }; },
  },
  heartbeat: {
    summary: 'look for silence: opens CollectorSilent when no run succeeded within N schedule periods (as the deployed heartbeat does)',
    load: async () => { const m = await import('./commands/heartbeat'); return { help: m.HEARTBEAT_HELP, run: m.heartbeatCommand }; },
  },
  query: {
    summary: 'SQL over the runs\' snapshots: DuckDB locally, Athena with --stack; named queries (--list)',
    load: async () => { const m = await import('./commands/query'); return { help: m.QUERY_HELP, run: (argv) => m.queryCommand(argv) }; },
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    'Usage: cloudtap <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'cloudtap <command> --help' for a command's options; 'cloudtap --version' prints the version.",
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V' || name === 'version') {
    console.log(await packageVersion());
    return 0;
  }
  if (!name || name === '--help' || name === '-h') {
    console.log(usage());
    return name ? 0 : 1;
  }
  if (name === 'help') {
    const topic = rest[0] ? COMMANDS[rest[0]] : undefined;
    console.log(topic ? (await topic.load()).help : usage());
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command "${name}"; valid commands are: ${Object.keys(COMMANDS).join(', ')}`);
  return (await command.load()).run(rest);
}

// `cloudtap events | head`: the reader went away; that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error: unknown) => {
    console.error(errorReport(error));
    process.exitCode = 1;
  },
);
