import '../src/polyfills';
import { runCommand, RUN_HELP } from './commands/run';
import { resourcesCommand, RESOURCES_HELP } from './commands/resources';
import { historyCommand, HISTORY_HELP } from './commands/history';
import { eventsCommand, EVENTS_HELP } from './commands/events';
import { sandboxCommand, SANDBOX_HELP } from './commands/sandbox';
import { ingestCommand, INGEST_HELP } from './commands/ingest';
import { traceCommand, TRACE_HELP } from './commands/trace';
import { reportCommand, REPORT_HELP } from './commands/report';
import { UsageError } from './errors';

interface Command {
  summary: string;
  help: string;
  run(argv: string[]): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  run: { summary: 'one collection run, locally or against the deployed state machine', help: RUN_HELP, run: runCommand },
  resources: { summary: 'the inventory', help: RESOURCES_HELP, run: resourcesCommand },
  history: { summary: "a resource's configuration timeline", help: HISTORY_HELP, run: historyCommand },
  events: { summary: 'Tap events (open, cleared), acknowledgements, event history', help: EVENTS_HELP, run: eventsCommand },
  report: { summary: 'a self-contained HTML report (--html FILE), or the configuration at a moment (report config)', help: REPORT_HELP, run: reportCommand },
  trace: { summary: "a run's timeline: tasks, their AWS calls, durations, retries, throttles, errors", help: TRACE_HELP, run: traceCommand },
  sandbox: { summary: 'serve the sandbox account on loopback, or print its truth', help: SANDBOX_HELP, run: sandboxCommand },
  ingest: { summary: 'feed an EventBridge AWS event through the real-time path', help: INGEST_HELP, run: ingestCommand },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    'Usage: cloudtap <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'cloudtap <command> --help' for a command's options.",
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    console.log(usage());
    return name ? 0 : 1;
  }
  if (name === 'help') {
    const topic = rest[0] ? COMMANDS[rest[0]] : undefined;
    console.log(topic ? topic.help : usage());
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command "${name}"; valid commands are: ${Object.keys(COMMANDS).join(', ')}`);
  return command.run(rest);
}

// `cloudtap events | head`: the reader went away; that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error: unknown) => {
    if (error instanceof UsageError) console.error(`cloudtap: ${error.message}`);
    else console.error(`cloudtap: ${(error as Error).stack ?? String(error)}`);
    process.exitCode = 1;
  },
);
