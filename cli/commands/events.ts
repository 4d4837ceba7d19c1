import { userInfo } from 'node:os';
import { parseCommandArgs, integerFlag } from '../args';
import { openStoreFromFlags, storeHelp, STORE_FLAGS } from '../store-flags';
import { EventStore } from '../../src/store/event-store';
import { listEvents, type EventStateFilter } from '../../src/events/event-queries';
import type { TapEvent } from '../../src/events/tap-event';
import type { Database } from '../../src/store/dynamo';
import { table } from '../format';
import { UsageError } from '../errors';

export const EVENTS_HELP = `Usage: cloudtap events [--state open|cleared|all] [--max-severity N] [--rule R] [--group G] [--account A] [--json] [STORE]
       cloudtap events ack <event-id> --note "…" [STORE]
       cloudtap events history <event-id> [--json] [STORE]

STORE: --stack NAME [--region R] [--profile P], or --data-dir DIR

Tap events, as the Tap table: Class, First, Last, Count, Sev, Group, Rule, Type/Name pairs, Text.
Severity 1 is the most severe, 5 is OK.

  --state S          open (default), cleared or all
  --max-severity N   only events of severity N or more severe (1–5)
  --rule R           only this rule (e.g. InstanceState, OpenIngress)
  --group G          only this group (e.g. web_server)
  --account A        only events of this account
  --json             one JSON array of events (with their id, for ack)
${storeHelp()}`;

const LIST_OPTIONS = {
  state: { type: 'string' },
  'max-severity': { type: 'string' },
  rule: { type: 'string' },
  group: { type: 'string' },
  account: { type: 'string' },
  json: { type: 'boolean' },
  ...STORE_FLAGS,
} as const;

const ACK_OPTIONS = { note: { type: 'string' }, json: { type: 'boolean' }, ...STORE_FLAGS } as const;
const STATES = ['open', 'cleared', 'all'];

export async function eventsCommand(argv: string[]): Promise<number> {
  if (argv[0] === 'ack') return ackCommand(argv.slice(1));
  if (argv[0] === 'history') return eventHistoryCommand(argv.slice(1));
  const { values } = parseCommandArgs('events', argv, LIST_OPTIONS);
  if (values.help) {
    console.log(EVENTS_HELP);
    return 0;
  }
  const state = values.state ?? 'open';
  if (!STATES.includes(state)) throw new UsageError(`--state: "${state}" is not one of: ${STATES.join(', ')}`);
  const maxSeverity = integerFlag('max-severity', values['max-severity']);
  if (maxSeverity !== undefined && (maxSeverity < 1 || maxSeverity > 5)) throw new UsageError('--max-severity: must be 1 (most severe) to 5 (OK)');
  const workspace = await openStoreFromFlags(values, 'read');
  try {
    const events = await listEvents(workspace.db, {
      state: state as EventStateFilter,
      ...(maxSeverity !== undefined ? { maxSeverity } : {}),
      ...(values.group ? { group: values.group } : {}),
      ...(values.account ? { accountId: values.account } : {}),
      ...(values.rule ? { rule: values.rule } : {}),
    });
    events.sort((a, b) => a.severity - b.severity || b.lastTime.localeCompare(a.lastTime) || a.id.localeCompare(b.id));
    if (values.json) {
      console.log(JSON.stringify(events, null, 2));
      return 0;
    }
    console.log(tapTable(events));
    console.log(`\n${events.length} event${events.length === 1 ? '' : 's'}`);
    return 0;
  } finally {
    await workspace.close();
  }
}

/** Every event (both states, by the state index), with its count and times brought up to date from the run ledger. */
export function currentEvents(db: Database): Promise<TapEvent[]> {
  return listEvents(db, { state: 'all' });
}

/** The Tap table: as many Type/Name column pairs as the deepest event has. */
export function tapTable(events: TapEvent[]): string {
  const depth = Math.max(1, ...events.map((e) => e.typeNames.length));
  const pairHeaders = Array.from({ length: depth }, (_, i) => [`Type ${i + 1}`, `Name ${i + 1}`]).flat();
  return table(
    ['Class', 'First', 'Last', 'Count', 'Sev', 'Group', 'Rule', ...pairHeaders, 'Text', 'Id'],
    events.map((e) => [
      e.class, shortTime(e.firstTime), shortTime(e.lastTime), e.count, e.severity, e.group ?? '', e.rule,
      ...Array.from({ length: depth }, (_, i) => [e.typeNames[i]?.type ?? '', e.typeNames[i]?.name ?? '']).flat(),
      `${e.text}${e.acknowledged ? ` [ack: ${e.acknowledged.note}]` : ''}${e.silenced ? ` [silenced until ${e.silenced.until}: ${e.silenced.reason}]` : ''}${e.flapping ? ' [flapping]' : ''}`, e.id,
    ]),
  );
}

function shortTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

async function ackCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('events ack', argv, ACK_OPTIONS, true);
  if (values.help) {
    console.log(EVENTS_HELP);
    return 0;
  }
  const [eventId] = positionals;
  if (!eventId || positionals.length > 1) throw new UsageError('events ack takes one event id; find ids with: cloudtap events --json');
  if (!values.note?.trim()) throw new UsageError('events ack needs --note "what you did or why"; the note is kept in the event\'s history');
  const workspace = await openStoreFromFlags(values, 'write');
  try {
    const event = await new EventStore(workspace.db).acknowledge(eventId, { note: values.note.trim(), at: new Date().toISOString(), by: userInfo().username });
    console.log(values.json ? JSON.stringify(event, null, 2) : `acknowledged ${eventId}: ${event.text}`);
    return 0;
  } catch (error) {
    if (/^no event with id/.test((error as Error).message)) throw new UsageError((error as Error).message);
    throw error;
  } finally {
    await workspace.close();
  }
}

async function eventHistoryCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('events history', argv, { json: { type: 'boolean' }, ...STORE_FLAGS }, true);
  if (values.help) {
    console.log(EVENTS_HELP);
    return 0;
  }
  const [eventId] = positionals;
  if (!eventId) throw new UsageError('events history takes one event id; find ids with: cloudtap events --json');
  const workspace = await openStoreFromFlags(values, 'read');
  try {
    const entries = await new EventStore(workspace.db).history(eventId);
    if (entries.length === 0) throw new UsageError(`no event with id ${eventId}; list them with: cloudtap events --state all`);
    if (values.json) console.log(JSON.stringify(entries, null, 2));
    else console.log(table(['time', 'transition', 'sev', 'text', 'note'], entries.map((e) => [e.time, e.transition, e.severity ?? '', e.text, e.note ?? ''])));
    return 0;
  } finally {
    await workspace.close();
  }
}
