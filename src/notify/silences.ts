import { createHash } from 'node:crypto';
import type { TypeName } from '../dto/tap-event';
import { InvalidInputError, expectArray, expectIsoTime, expectRecord, expectString, rejectUnknownKeys } from '../dto/validation';

/**
 * A silence (maintenance window): events it matches are still recorded and counted, but raise no notification and no
 * threshold alarm while `from <= now < until`. An expired silence stops matching by itself; nothing deletes it.
 */
export interface Silence {
  id: string;
  /** Every matcher must hold: `rule`, `group`, and type-name pairs the event carries (`Port=22`, `ID=web_server:i-1`). */
  match: SilenceMatch;
  from: string;
  until: string;
  reason: string;
  createdBy?: string;
  createdAt?: string;
  /** Where it was declared: `store` (cloudtap silence add) or `context` (cdk.json / CLOUDTAP_SILENCES). */
  source?: 'store' | 'context';
}

export interface SilenceMatch {
  rule?: string;
  group?: string;
  typeNames: TypeName[];
}

/** Silences last at most this long: a longer one is a route change, not a maintenance window. */
export const MAX_SILENCE_DAYS = 90;

/**
 * `rule=InstanceState,group=web_server,Port=22`: `rule` and `group` match those fields, any other key is a type-name
 * pair the event must carry. Keys and values may not contain `,` or `=`.
 */
export function parseSilenceMatchers(text: string, field = '--match'): SilenceMatch {
  const match: SilenceMatch = { typeNames: [] };
  const parts = text.split(',').map((p) => p.trim()).filter(Boolean);
  if (parts.length === 0) throw new InvalidInputError(field, 'give at least one matcher, such as group=web_server or rule=InstanceState,ID=web_server:i-0abc');
  for (const part of parts) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (eq <= 0 || !value || value.includes('=')) throw new InvalidInputError(field, `"${part}" is not key=value; use rule=R, group=G or <Type>=<Name>`);
    if (key === 'rule' || key === 'group') {
      if (match[key] !== undefined) throw new InvalidInputError(field, `${key} is given twice`);
      match[key] = value;
    } else {
      match.typeNames.push({ type: key, name: value });
    }
  }
  return match;
}

export function formatSilenceMatch(match: SilenceMatch): string {
  return [
    ...(match.rule !== undefined ? [`rule=${match.rule}`] : []),
    ...(match.group !== undefined ? [`group=${match.group}`] : []),
    ...match.typeNames.map((p) => `${p.type}=${p.name}`),
  ].join(',');
}

/**
 * A new silence, validated: `until` after `from` and not in the past, at most MAX_SILENCE_DAYS long, a reason given.
 * The id is a hash of what it silences and when, so adding the same silence twice keeps one.
 */
export function newSilence(input: { match: SilenceMatch; from?: string; until: string; reason: string; createdBy?: string }, now: Date, fields = FLAG_FIELDS): Silence {
  const from = input.from !== undefined ? expectIsoTime(input.from, fields.from) : now.toISOString();
  const until = expectIsoTime(input.until, fields.until);
  if (Date.parse(until) <= now.getTime()) throw new InvalidInputError(fields.until, `${until} is in the past; a silence must end in the future`);
  if (Date.parse(until) <= Date.parse(from)) throw new InvalidInputError(fields.until, `${until} is not after ${fields.from} ${from}; a silence ends after it starts`);
  if (Date.parse(until) - Date.parse(from) > MAX_SILENCE_DAYS * 86_400_000) {
    throw new InvalidInputError(fields.until, `the silence would last more than ${MAX_SILENCE_DAYS} days; route such events elsewhere instead (routes)`);
  }
  const reason = typeof input.reason === 'string' ? input.reason.trim() : '';
  if (!reason) throw new InvalidInputError(fields.reason, 'say why (e.g. "patching web servers, CHG-1234"); it is shown on every silenced event');
  if (input.match.rule === undefined && input.match.group === undefined && input.match.typeNames.length === 0) {
    throw new InvalidInputError(fields.match, 'a silence must match something: rule=…, group=… or <Type>=<Name>');
  }
  const id = `sil-${createHash('sha256').update(JSON.stringify([formatSilenceMatch(input.match), from, until])).digest('hex').slice(0, 12)}`;
  return { id, match: input.match, from, until, reason, createdAt: now.toISOString(), ...(input.createdBy ? { createdBy: input.createdBy } : {}) };
}

const FLAG_FIELDS = { match: '--match', from: '--from', until: '--until', reason: '--reason' };

/**
 * Silences declared in cdk.json context (`silences`) or CLOUDTAP_SILENCES: `[{match: "group=web_server", from, until,
 * reason}]`. An expired one is valid here (it simply matches nothing), so a deployment never fails because time passed.
 */
export function parseSilences(input: unknown, source: string): Silence[] {
  return expectArray(input, source).map((value, i) => {
    const field = `${source}[${i}]`;
    const record = expectRecord(value, field);
    rejectUnknownKeys(record, field, ['match', 'from', 'until', 'reason']);
    const match = parseSilenceMatchers(expectString(record.match, `${field}.match`), `${field}.match`);
    const from = expectIsoTime(record.from, `${field}.from`);
    const until = expectIsoTime(record.until, `${field}.until`);
    if (Date.parse(until) <= Date.parse(from)) throw new InvalidInputError(`${field}.until`, `${until} is not after from ${from}`);
    const reason = expectString(record.reason, `${field}.reason`);
    const id = `ctx-${createHash('sha256').update(JSON.stringify([formatSilenceMatch(match), from, until])).digest('hex').slice(0, 12)}`;
    return { id, match, from, until, reason, source: 'context' as const };
  });
}

export function isActive(silence: Silence, now: Date): boolean {
  const t = now.getTime();
  return Date.parse(silence.from) <= t && t < Date.parse(silence.until);
}

export function silenceMatches(silence: Silence, event: { rule: string; group: string | null; typeNames: TypeName[] }): boolean {
  const { rule, group, typeNames } = silence.match;
  return (rule === undefined || event.rule === rule)
    && (group === undefined || event.group === group)
    && typeNames.every((pair) => event.typeNames.some((p) => p.type === pair.type && p.name === pair.name));
}

/** The active silence that covers an event (the one lasting longest, when several do). */
export function activeSilenceFor(silences: readonly Silence[], event: { rule: string; group: string | null; typeNames: TypeName[] }, now: Date): Silence | undefined {
  return silences.filter((s) => isActive(s, now) && silenceMatches(s, event)).sort((a, b) => b.until.localeCompare(a.until))[0];
}
