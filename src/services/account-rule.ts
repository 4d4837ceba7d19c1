import type { ResourceRecord } from './resource-type';
import type { Finding } from './rule';
import type { TypeName } from '../dto/tap-event';

/** A finding of an account-level rule, with the element it is about. */
export interface AccountFinding extends Finding {
  resourceId: string;
}

/**
 * A rule over a whole account rather than one resource (e.g. NoTrail: which regions no trail covers).
 * Finalize evaluates it only when every partition of the types it reads was collected completely in the run.
 */
export interface AccountRule {
  name: string;
  eventClass: string;
  /** Resource types whose records the rule reads, e.g. `CloudTrail.Trail`. */
  reads: string[];
  evaluate(records: Map<string, ResourceRecord[]>, regions: string[]): AccountFinding[];
  clearText(typeNames: TypeName[]): string;
}
