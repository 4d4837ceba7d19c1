import {
  GetAccountAuthorizationDetailsCommand, type EntityType, type GetAccountAuthorizationDetailsCommandOutput,
} from '@aws-sdk/client-iam';
import type { ListCall } from '../resource-type';
import { isThrottling } from '../call-failures';

/** The IAM client, by the name the service declares it under. */
export const IAM_CLIENT = 'iam';

/** Per-resource IAM calls (real-time refreshes) in flight at once. */
export const IAM_CALLS_IN_FLIGHT = 8;

/** GetAccountAuthorizationDetails allows MaxItems up to 1000. */
const AUTHORIZATION_DETAILS_MAX_ITEMS = 1000;

/**
 * One paginated batch call lists users, roles and customer managed policies with their attachments, inline policy
 * names and trust policies; each type pages it with its own filter, so no type makes a call per resource.
 */
export function authorizationDetails<Raw>(
  filter: EntityType, items: (output: GetAccountAuthorizationDetailsCommandOutput) => Raw[] | undefined,
): ListCall<Raw, GetAccountAuthorizationDetailsCommandOutput> {
  return {
    client: IAM_CLIENT,
    action: 'iam:GetAccountAuthorizationDetails',
    maxResults: AUTHORIZATION_DETAILS_MAX_ITEMS,
    command: (page) => new GetAccountAuthorizationDetailsCommand({ Filter: [filter], MaxItems: page.maxResults, Marker: page.token }),
    items: (output) => items(output) ?? [],
    nextToken: (output) => (output.IsTruncated ? output.Marker : undefined),
  };
}

/** Throttling is retried by the SDK and, when it persists, fails the listing; any other error only the records it concerns. */
export { isThrottling };

export function errorCode(error: unknown): string {
  return (error as { name?: string } | null)?.name ?? 'Error';
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Whether an error says the entity does not exist (a real-time refresh of a deleted user, role or policy). */
export function isNoSuchEntity(error: unknown): boolean {
  return errorCode(error) === 'NoSuchEntity' || errorCode(error) === 'NoSuchEntityException';
}

/** Managed policies AWS owns (`arn:aws:iam::aws:policy/…`) are not collected: only the account's own. */
export function isCustomerManagedPolicy(arn: string): boolean {
  return /^arn:[^:]+:iam::\d{12}:policy\//.test(arn);
}

/** The account an IAM ARN belongs to, or null. */
export function accountOfArn(arn: string): string | null {
  return /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(arn)?.[1] ?? null;
}
