/**
 * The sandbox's accounts and credentials. The primary account answers any access key; other
 * accounts are reached with STS AssumeRole, whose temporary access key ids carry the account id
 * (`ASIA` + 12 digits + 4 characters) so the server can tell which account a call is for.
 */
import type { SandboxSpec } from './spec';

export const PRIMARY_ACCOUNT_ID = '111111111111';
/** The role name the truth lists for the non-primary accounts; AssumeRole accepts any role name. */
export const SANDBOX_ROLE_NAME = 'cloudtap-collector';
/** Who the primary account's callers are, as GetCallerIdentity reports it. */
export const PRIMARY_USER_NAME = 'sandbox-admin';

/** Account ids in order: 111111111111, 222222222222, … (one digit repeated, up to 9 accounts). */
export function sandboxAccountIds(spec: Pick<SandboxSpec, 'accounts'>): string[] {
  return Array.from({ length: spec.accounts }, (_, i) => String(i + 1).repeat(12));
}

export function accountIndex(accountId: string): number {
  return Number(accountId[0]) - 1;
}

export function sandboxRoleArn(accountId: string, roleName = SANDBOX_ROLE_NAME): string {
  return `arn:aws:iam::${accountId}:role/${roleName}`;
}

export function primaryUserArn(): string {
  return `arn:aws:iam::${PRIMARY_ACCOUNT_ID}:user/${PRIMARY_USER_NAME}`;
}

const ASSUMED_KEY = /^ASIA(\d{12})[A-Z0-9]{4}$/;

/** The account a call is for: the one an AssumeRole key encodes, else the primary account. */
export function accountOfAccessKey(spec: Pick<SandboxSpec, 'accounts'>, accessKeyId: string | undefined): string {
  const encoded = accessKeyId ? ASSUMED_KEY.exec(accessKeyId)?.[1] : undefined;
  return encoded && sandboxAccountIds(spec).includes(encoded) ? encoded : PRIMARY_ACCOUNT_ID;
}

/** A temporary access key id for the account; `suffix` is 4 upper-case letters or digits. */
export function assumedAccessKeyId(accountId: string, suffix: string): string {
  return `ASIA${accountId}${suffix}`;
}
