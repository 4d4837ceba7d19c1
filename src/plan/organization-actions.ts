/** The Organizations calls account discovery makes (src/plan/organization.ts): get-tasks' policy is derived from them. */
export const ORGANIZATION_IAM_ACTIONS = [
  'organizations:DescribeOrganization',
  'organizations:ListRoots',
  'organizations:ListAccounts',
  'organizations:ListAccountsForParent',
  'organizations:ListOrganizationalUnitsForParent',
] as const;
