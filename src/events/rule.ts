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

/** A Tap rule: a declaration beside the resource type it reads. */
export interface TapRule {
  name: string;
  /** The resource type it evaluates, e.g. `EC2.Instance`. */
  resourceType: string;
  eventClass: string;
  evaluate(record: ResourceRecord): Finding[];
  /** The OK text when a finding's condition stops holding. */
  clearText(typeNames: TypeName[]): string;
}

/** The Tap ID of a server element: `<role>:<id>`, as the Tap EC2 agent names instances. */
export function serverId(role: unknown, id: string): string {
  return `${typeof role === 'string' && role ? role : 'unknown'}:${id}`;
}
