import type { ResourceRecord } from '../services/resource-type';
import type { Severity, TypeName } from './tap-event';

/** A condition a rule found on one resource. */
export interface Finding {
  severity: Exclude<Severity, 5>;
  typeNames: TypeName[];
  group: string | null;
  /** Tap-style text, e.g. `WARNING – instance i-1 (web_server) is stopped`. */
  text: string;
}

/**
 * What one task learned about its region that rules of other types need: the server role of each instance
 * (a security group's or a volume's events are grouped by the instances that use them).
 */
export interface RegionFacts {
  roleOfInstance(instanceId: string): string | null;
  /** The most common role of the (not terminated) instances in a security group (ties: alphabetical); null if none. */
  dominantRoleOfSecurityGroup(groupId: string): string | null;
}

export const NO_FACTS: RegionFacts = { roleOfInstance: () => null, dominantRoleOfSecurityGroup: () => null };

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
