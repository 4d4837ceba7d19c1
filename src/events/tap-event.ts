import { contentHash } from '../store/canonical';
import type { TypeName } from '../dto/tap-event';

export * from '../dto/tap-event';

/**
 * The identity of an event: class + ems + the account it is about + rule + type-name pairs. The same condition is
 * always the same event, and the same condition in two accounts (no trail in us-east-1) is two events.
 */
export function eventIdentity(eventClass: string, ems: string, accountId: string, rule: string, typeNames: readonly TypeName[]): string {
  return contentHash([eventClass, ems, accountId, rule, typeNames.map((p) => [p.type, p.name])]);
}
