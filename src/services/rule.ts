import type { ResourceRecord } from './resource-type';
import type { Severity, TypeName } from '../dto/tap-event';

/** A condition a rule found on one resource. */
export interface Finding {
  severity: Exclude<Severity, 5>;
  typeNames: TypeName[];
  group: string | null;
  /** Tap-style text, e.g. `WARNING – instance i-1 (web_server) is stopped`. */
  text: string;
}

/**
 * What one task learned about its region that rules of other types need, by fact name and element id: e.g.
 * EC2's `instanceRole` of an instance, or `securityGroupRole` (the dominant role of the instances in a group),
 * so that a security group's or a volume's events are grouped by the servers that use them. A service names
 * the facts it offers (`ServiceDefinition.facts`); the engine only passes them along.
 */
export interface RegionFacts {
  get(fact: string, id: string): string | null;
}

export const NO_FACTS: RegionFacts = { get: () => null };

/** A Tap rule: a declaration beside the resource type it reads. */
export interface TapRule {
  name: string;
  /** The resource type it evaluates, e.g. `EC2.Instance`. */
  resourceType: string;
  eventClass: string;
  /** The rule reads RegionFacts: its partition is evaluated once the facts' source type is listed. */
  needsFacts?: boolean;
  evaluate(record: ResourceRecord, facts: RegionFacts): Finding[];
  /** The OK text when a finding's condition stops holding. */
  clearText(typeNames: TypeName[]): string;
}

/** The Tap ID of a server element: `<role>:<id>`, as the Tap EC2 agent names instances. */
export function serverId(role: unknown, id: string): string {
  return `${typeof role === 'string' && role ? role : 'unknown'}:${id}`;
}
