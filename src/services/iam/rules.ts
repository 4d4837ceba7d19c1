import type { TapRule } from '../rule';
import type { ResourceRecord } from '../resource-type';
import type { TrustPrincipal } from './trust-policy';

/** Tag that names the server role (Tap group) an IAM entity serves, as on instances. */
export const ROLE_TAG = 'Role';
/** Access keys are to be rotated within this many days (CIS AWS Foundations 1.14). */
export const ACCESS_KEY_MAX_AGE_DAYS = 90;
const DAY_MS = 86_400_000;

function group(record: ResourceRecord): string | null {
  return record.tags[ROLE_TAG] ?? null;
}

/** An active access key older than 90 days, its age measured when the credential report was generated. */
export function oldAccessKeys(record: ResourceRecord): { slot: 1 | 2; lastRotated: string; ageDays: number }[] {
  const at = Date.parse(String(record.data.credential_report_time ?? ''));
  if (Number.isNaN(at)) return [];
  return ([1, 2] as const).flatMap((slot) => {
    const rotated = record.data[`access_key_${slot}_last_rotated`];
    if (record.data[`access_key_${slot}_active`] !== true || typeof rotated !== 'string') return [];
    const ageDays = Math.floor((at - Date.parse(rotated)) / DAY_MS);
    return ageDays > ACCESS_KEY_MAX_AGE_DAYS ? [{ slot, lastRotated: rotated.slice(0, 10), ageDays }] : [];
  });
}

export const accessKeyOldRule: TapRule = {
  name: 'AccessKeyOld',
  resourceType: 'IAM.User',
  eventClass: 'AWS_IAM',
  evaluate(record) {
    const old = oldAccessKeys(record);
    if (old.length === 0) return [];
    const keys = old.map((key) => `access key ${key.slot} (last rotated ${key.lastRotated}, ${key.ageDays} days ago)`).join(' and ');
    return [{
      severity: 3, typeNames: [{ type: 'ID', name: record.id }], group: group(record),
      text: `MINOR – user ${record.id} has an active ${keys}, older than ${ACCESS_KEY_MAX_AGE_DAYS} days`,
    }];
  },
  clearText: (typeNames) => `OK – user ${typeNames[0]?.name ?? ''} has no active access key older than ${ACCESS_KEY_MAX_AGE_DAYS} days`,
};

export const consoleUserWithoutMfaRule: TapRule = {
  name: 'ConsoleUserWithoutMfa',
  resourceType: 'IAM.User',
  eventClass: 'AWS_IAM',
  evaluate(record) {
    // Unknown (null) facts hold no condition: the credential report was not read.
    if (record.data.password_enabled !== true || record.data.mfa_active !== false) return [];
    return [{
      severity: 2, typeNames: [{ type: 'ID', name: record.id }], group: group(record),
      text: `WARNING – user ${record.id} has console access without MFA`,
    }];
  },
  clearText: (typeNames) => `OK – user ${typeNames[0]?.name ?? ''} has MFA or no console access`,
};

/** Principals that let someone outside the role's own account assume it: `*`, or another account. */
export function untrustedPrincipals(record: ResourceRecord): TrustPrincipal[] {
  const principals = Array.isArray(record.data.trust_principals) ? (record.data.trust_principals as TrustPrincipal[]) : [];
  const own = typeof record.data.account_id === 'string' ? record.data.account_id : null;
  return principals.filter((p) => p.type === '*' || (p.type === 'AWS' && p.account_id !== null && p.account_id !== own));
}

function principalText(principal: TrustPrincipal): string {
  const what = principal.type === '*' ? 'anyone (*)' : `account ${principal.account_id ?? '?'}${principal.value !== principal.account_id ? ` (${principal.value})` : ''}`;
  return principal.conditional ? `${what} under a condition` : what;
}

export const roleTrustsAnyoneRule: TapRule = {
  name: 'RoleTrustsAnyone',
  resourceType: 'IAM.Role',
  eventClass: 'AWS_IAM',
  evaluate(record) {
    const untrusted = untrustedPrincipals(record);
    if (untrusted.length === 0) return [];
    return [{
      severity: 1, typeNames: [{ type: 'ID', name: record.id }], group: group(record),
      text: `CRITICAL – role ${record.id} can be assumed by ${untrusted.map(principalText).join(', ')}`,
    }];
  },
  clearText: (typeNames) => `OK – role ${typeNames[0]?.name ?? ''} trusts only its own account and AWS services`,
};
