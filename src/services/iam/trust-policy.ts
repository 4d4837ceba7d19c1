import { accountOfArn } from './calls';

/** Who a role's trust policy lets assume it, one entry per principal of an `Allow` statement. */
export interface TrustPrincipal {
  /** `AWS` (accounts, users, roles), `Service`, `Federated`, `CanonicalUser`, or `*` for `"Principal": "*"`. */
  type: string;
  value: string;
  /** The AWS account of an `AWS` principal (account id, `arn:…:root`, user or role ARN); null otherwise. */
  account_id: string | null;
  /** The statement has a Condition (e.g. an external id or `aws:PrincipalOrgID`) that narrows who may assume it. */
  conditional: boolean;
}

interface Statement {
  Effect?: unknown;
  Principal?: unknown;
  Condition?: unknown;
}

/**
 * The principals of a trust policy. IAM returns policy documents URL-encoded (RFC 3986) in GetAccountAuthorizationDetails
 * and GetRole; a document that is already JSON is read as is. An unreadable document yields null (unknown, not "none").
 */
export function trustPrincipals(document: string | undefined): TrustPrincipal[] | null {
  if (!document) return null;
  let policy: { Statement?: unknown };
  try {
    policy = JSON.parse(document.trimStart().startsWith('{') ? document : decodeURIComponent(document)) as { Statement?: unknown };
  } catch {
    return null;
  }
  const statements = (Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement]) as (Statement | undefined)[];
  const principals: TrustPrincipal[] = [];
  for (const statement of statements) {
    if (!statement || statement.Effect !== 'Allow' || statement.Principal === undefined) continue;
    const conditional = typeof statement.Condition === 'object' && statement.Condition !== null && Object.keys(statement.Condition).length > 0;
    if (statement.Principal === '*') {
      principals.push({ type: '*', value: '*', account_id: null, conditional });
      continue;
    }
    if (typeof statement.Principal !== 'object' || statement.Principal === null) continue;
    for (const [type, values] of Object.entries(statement.Principal as Record<string, unknown>)) {
      for (const value of Array.isArray(values) ? values : [values]) {
        if (typeof value !== 'string') continue;
        const accountId = type === 'AWS' ? (/^\d{12}$/.test(value) ? value : accountOfArn(value)) : null;
        principals.push({ type: type === 'AWS' && value === '*' ? '*' : type, value, account_id: accountId, conditional });
      }
    }
  }
  return principals;
}
