/**
 * Accounts per page of a run's account list. A page is the Distributed Map's input (NextAccounts' result): 500
 * account references, ~110 bytes each with a role ARN, keep it near 55 KB, well inside a state's 256 KB
 * (test/workflow/limits.test.ts computes it), and 10,000 accounts are 20 Map Runs.
 */
export const ACCOUNTS_PER_PAGE = 500;
