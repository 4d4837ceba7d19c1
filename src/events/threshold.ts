import { allCounters, allServices } from '../services/registry';
import { InvalidInputError, expectArray, expectInteger, expectRecord, expectString, rejectUnknownKeys } from '../dto/validation';
import type { Finding } from '../services/rule';
import type { Severity, TapEvent, TypeName } from './tap-event';

/**
 * An operator's threshold: breached when the count of open events of `rule` (or, for a counter a service declares —
 * `RunningInstances` —, of the resources it counts) — of `group` and carrying the `match` pair, when given — is above
 * `above`.
 */
export interface Threshold {
  name: string;
  rule: string;
  group?: string;
  match?: TypeName;
  above: number;
  severity: Exclude<Severity, 5>;
}

const FIELDS = ['name', 'rule', 'group', 'match', 'above', 'severity'] as const;

export function thresholdRuleNames(): string[] {
  const names = allServices().flatMap((s) => [...s.rules.map((r) => r.name), ...(s.accountRules ?? []).map((r) => r.name)]);
  return [...allCounters().map((c) => c.name), ...new Set(names)];
}

/** Validates a thresholds list (from cdk.json context or a local thresholds file); errors name the entry and field. */
export function parseThresholds(input: unknown, source: string): Threshold[] {
  const names = new Set<string>();
  const rules = thresholdRuleNames();
  return expectArray(input, source).map((value, i) => {
    const field = `${source}[${i}]`;
    const record = expectRecord(value, field);
    rejectUnknownKeys(record, field, FIELDS);
    const name = expectString(record.name, `${field}.name`, /^[\w.-]{1,64}$/, 'use letters, digits, ".", "_" or "-"');
    if (names.has(name)) throw new InvalidInputError(`${field}.name`, `"${name}" is used twice; threshold names must be unique`);
    names.add(name);
    const rule = expectString(record.rule, `${field}.rule`);
    if (!rules.includes(rule)) throw new InvalidInputError(`${field}.rule`, `"${rule}" is not a rule; valid rules are: ${rules.join(', ')}`);
    const threshold: Threshold = {
      name, rule,
      above: expectInteger(record.above ?? 0, `${field}.above`, 0, 1_000_000),
      severity: expectInteger(record.severity, `${field}.severity`, 1, 4) as Threshold['severity'],
    };
    if (record.group !== undefined) threshold.group = expectString(record.group, `${field}.group`);
    if (record.match !== undefined) {
      const match = expectRecord(record.match, `${field}.match`);
      threshold.match = { type: expectString(match.type, `${field}.match.type`), name: String(expectString(match.name, `${field}.match.name`)) };
    }
    return threshold;
  });
}

export function matchesThreshold(threshold: Threshold, event: Pick<TapEvent, 'rule' | 'group' | 'typeNames' | 'state'>): boolean {
  return event.state === 'open'
    && event.rule === threshold.rule
    && (threshold.group === undefined || event.group === threshold.group)
    && (threshold.match === undefined || event.typeNames.some((p) => p.type === threshold.match?.type && p.name === threshold.match.name));
}

/** The condition of a breached threshold, as a finding of the `Threshold` rule. */
export function thresholdFinding(threshold: Threshold, count: number): Finding | undefined {
  if (count <= threshold.above) return undefined;
  const counter = allCounters().find((c) => c.name === threshold.rule);
  const what = counter
    ? counter.describe(count, threshold.group)
    : `${count} open ${threshold.rule} events${threshold.group ? ` of ${threshold.group}` : ''}${threshold.match ? ` on ${threshold.match.type} ${threshold.match.name}` : ''}`;
  const label = threshold.severity === 1 ? 'CRITICAL' : threshold.severity === 2 ? 'WARNING' : threshold.severity === 3 ? 'MINOR' : 'INFO';
  return {
    severity: threshold.severity,
    typeNames: [{ type: 'Threshold', name: threshold.name }],
    group: threshold.group ?? null,
    text: `${label} – ${what}, more than ${threshold.above} (threshold ${threshold.name})`,
  };
}

export const thresholdRule = {
  name: 'Threshold',
  eventClass: 'cloudtap',
  clearText: (typeNames: TypeName[]): string => `OK – threshold ${typeNames[0]?.name ?? ''} is no longer breached`,
};
