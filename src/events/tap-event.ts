import { contentHash } from '../store/canonical';
import type { TypeName } from '../dto/tap-event';

export * from '../dto/tap-event';

/**
 * The identity of an event: class + ems + where it is (account and region) + rule + type-name pairs. The same
 * condition is always the same event; the same condition in two accounts (no trail in us-east-1) or on two resources
 * that share a name in two regions (a Lambda function, a DynamoDB table) is two events.
 */
export function eventIdentity(eventClass: string, ems: string, where: { accountId: string; region: string }, rule: string, typeNames: readonly TypeName[]): string {
  return contentHash([eventClass, ems, where.accountId, where.region, rule, typeNames.map((p) => [p.type, p.name])]);
}
