import { userInfo } from 'node:os';
import { parseCommandArgs } from '../args';
import { openStoreFromFlags, storeHelp, STORE_FLAGS } from '../store-flags';
import { UsageError } from '../errors';
import { table } from '../format';
import { STACK_VARIABLE } from '../workspace';
import { InvalidInputError } from '../../src/dto/validation';
import { NotifyStore } from '../../src/notify/notify-store';
import { formatSilenceMatch, isActive, newSilence, parseSilenceMatchers, type Silence } from '../../src/notify/silences';

export const SILENCE_HELP = `Usage: cloudtap silence add --match rule=R,group=G,<Type>=<Name> --until TIME [--from TIME] --reason "…" [--json] [STORE]
       cloudtap silence list [--json] [STORE]
       cloudtap silence remove <silence-id> [STORE]

STORE: --stack NAME [--region R] [--profile P], or --data-dir DIR

A silence (maintenance window) withholds notifications and threshold alarms for the events it matches, from --from
(default now) until --until. Silenced events are still recorded and counted, and show as silenced (with the silence's
id, end and reason); an event still open when the silence ends is notified once, at the next run. Expired silences
stop matching by themselves and stay listed as expired. Silences may also be declared in cdk.json (context
"silences"); list shows those of the store.

  --match M        every matcher must hold: rule=R, group=G, and type-name pairs the event carries (ID=web_server:i-0abc,
                   Port=22, Threshold=web-fleet), comma-separated
  --from TIME      ISO 8601 with a zone, e.g. 2026-12-02T22:00:00Z (default: now)
  --until TIME     ISO 8601 with a zone; after --from, in the future, at most 90 days after --from
  --reason TEXT    why (shown on every silenced event)
  --json           print JSON
${storeHelp()}`;

const ADD_OPTIONS = { match: { type: 'string' }, from: { type: 'string' }, until: { type: 'string' }, reason: { type: 'string' }, json: { type: 'boolean' }, ...STORE_FLAGS } as const;
const LIST_OPTIONS = { json: { type: 'boolean' }, ...STORE_FLAGS } as const;

export async function silenceCommand(argv: string[], now = new Date()): Promise<number> {
  const [action, ...rest] = argv;
  if (action === 'add') return addSilence(rest, now);
  if (action === 'list') return listSilences(rest, now);
  if (action === 'remove') return removeSilence(rest);
  if (action === undefined || action === '--help' || action === '-h') {
    console.log(SILENCE_HELP);
    return action === undefined ? 1 : 0;
  }
  throw new UsageError(`silence: unknown action "${action}"; use silence add, silence list or silence remove`);
}

async function addSilence(argv: string[], now: Date): Promise<number> {
  const { values } = parseCommandArgs('silence add', argv, ADD_OPTIONS);
  if (values.help) {
    console.log(SILENCE_HELP);
    return 0;
  }
  if (values.match === undefined) throw new UsageError('silence add needs --match, e.g. --match group=web_server or --match rule=InstanceState,ID=web_server:i-0abc');
  if (values.until === undefined) throw new UsageError('silence add needs --until TIME (ISO 8601 with a zone, e.g. 2026-12-02T23:00:00Z)');
  let silence: Silence;
  try {
    // Everything is validated before the store is opened: bad input writes nothing.
    silence = newSilence({
      match: parseSilenceMatchers(values.match), until: values.until, reason: values.reason ?? '', createdBy: userInfo().username,
      ...(values.from !== undefined ? { from: values.from } : {}),
    }, now);
  } catch (error) {
    if (error instanceof InvalidInputError) throw new UsageError(error.message);
    throw error;
  }
  // A maintenance window may be planned before the first run: the local store is created when missing (a deployed
  // stack's tables exist already).
  const remote = values.stack !== undefined || (values['data-dir'] === undefined && process.env[STACK_VARIABLE]);
  const workspace = await openStoreFromFlags(values, remote ? 'write' : 'create');
  try {
    await new NotifyStore(workspace.db).putSilence(silence);
  } finally {
    await workspace.close();
  }
  console.log(values.json ? JSON.stringify(silence, null, 2) : `added ${silence.id}: ${formatSilenceMatch(silence.match)} from ${silence.from} until ${silence.until} (${silence.reason})`);
  return 0;
}

async function listSilences(argv: string[], now: Date): Promise<number> {
  const { values } = parseCommandArgs('silence list', argv, LIST_OPTIONS);
  if (values.help) {
    console.log(SILENCE_HELP);
    return 0;
  }
  const workspace = await openStoreFromFlags(values, 'read');
  let silences: Silence[];
  try {
    silences = await new NotifyStore(workspace.db).listSilences();
  } finally {
    await workspace.close();
  }
  const status = (s: Silence) => (isActive(s, now) ? 'active' : Date.parse(s.until) <= now.getTime() ? 'expired' : 'pending');
  silences.sort((a, b) => b.until.localeCompare(a.until));
  if (values.json) {
    console.log(JSON.stringify(silences.map((s) => ({ ...s, status: status(s) })), null, 2));
    return 0;
  }
  console.log(table(['Id', 'Status', 'Match', 'From', 'Until', 'Reason', 'By'], silences.map((s) => [
    s.id, status(s), formatSilenceMatch(s.match), s.from, s.until, s.reason, s.createdBy ?? '',
  ])));
  console.log(`\n${silences.length} silence${silences.length === 1 ? '' : 's'}`);
  return 0;
}

async function removeSilence(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('silence remove', argv, STORE_FLAGS, true);
  if (values.help) {
    console.log(SILENCE_HELP);
    return 0;
  }
  const [id] = positionals;
  if (!id || positionals.length > 1) throw new UsageError('silence remove takes one silence id; list them with: cloudtap silence list');
  const workspace = await openStoreFromFlags(values, 'write');
  try {
    if (!await new NotifyStore(workspace.db).removeSilence(id)) throw new UsageError(`no silence with id ${id}; list them with: cloudtap silence list`);
  } finally {
    await workspace.close();
  }
  console.log(`removed ${id}`);
  return 0;
}
