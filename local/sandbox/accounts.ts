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

/** Accounts 1–9 repeat their digit (111111111111 … 999999999999); these keep the ids tests were written with. */
const REPEATED_DIGIT_ACCOUNTS = 9;
const REPEATED_DIGIT = /^([1-9])\1{11}$/;
/** From the 10th account on: `10` + the account's number in 10 digits (100000000010 …); no repeated-digit id starts `10`. */
const NUMBERED = /^10(\d{10})$/;

/** The id of the account at 0-based `index`: 111111111111 … 999999999999, then 100000000010, 100000000011, … */
export function sandboxAccountId(index: number): string {
  if (!Number.isSafeInteger(index) || index < 0) throw new Error(`sandbox: an account index is a whole number from 0, got ${index}`);
  return index < REPEATED_DIGIT_ACCOUNTS ? String(index + 1).repeat(12) : `10${String(index + 1).padStart(10, '0')}`;
}

/** Account ids in order (see sandboxAccountId). */
export function sandboxAccountIds(spec: Pick<SandboxSpec, 'accounts'>): string[] {
  return Array.from({ length: spec.accounts }, (_, i) => sandboxAccountId(i));
}

/** The 0-based index of a sandbox account id (whatever the spec), or -1 for an id no sandbox account has. */
export function accountIndex(accountId: string): number {
  const digit = REPEATED_DIGIT.exec(accountId)?.[1];
  if (digit) return Number(digit) - 1;
  const number = NUMBERED.exec(accountId)?.[1];
  const index = number === undefined ? -1 : Number(number) - 1;
  return index >= REPEATED_DIGIT_ACCOUNTS ? index : -1;
}

/** Whether the id is one of the spec's accounts: O(1), however many accounts the spec has. */
export function isSandboxAccount(spec: Pick<SandboxSpec, 'accounts'>, accountId: string): boolean {
  const index = accountIndex(accountId);
  return index >= 0 && index < spec.accounts;
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
  return encoded && isSandboxAccount(spec, encoded) ? encoded : PRIMARY_ACCOUNT_ID;
}

/** A temporary access key id for the account; `suffix` is 4 upper-case letters or digits. */
export function assumedAccessKeyId(accountId: string, suffix: string): string {
  return `ASIA${accountId}${suffix}`;
}
