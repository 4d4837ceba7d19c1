import { parseSandboxSpec, enabledRegions, type SandboxSpec } from '../local/sandbox/spec';
import { startSandbox } from '../local/sandbox/server';
import { sandboxAccountIds, sandboxRoleArn, PRIMARY_ACCOUNT_ID } from '../local/sandbox/accounts';
import type { AccountTarget } from '../src/dto/collection-request';
import { overlayEnvironment } from './environment';
import { UsageError } from './errors';

export interface SandboxTarget {
  spec: SandboxSpec;
  url: string;
  /** Every account of the sandbox: the primary one with the caller's credentials, the others through AssumeRole. */
  accounts: AccountTarget[];
  requestsServed(): number;
  close(): Promise<void>;
}

/** Parses a sandbox spec given on the command line; errors name where it was given (`--sandbox`, `SPEC`). */
export function parseSpecFlag(text: string, given = '--sandbox'): SandboxSpec {
  try {
    return parseSandboxSpec(text);
  } catch (error) {
    throw new UsageError(`${given}: ${(error as Error).message}`);
  }
}

/**
 * Serves the sandbox account on loopback and points the SDK at it through its standard endpoint variables,
 * exactly as a user would point it at LocalStack: nothing in the collector knows it is a sandbox.
 */
export async function startSandboxTarget(spec: SandboxSpec): Promise<SandboxTarget> {
  const sandbox = await startSandbox(spec, { port: 0 });
  const restore = overlayEnvironment({
    AWS_ENDPOINT_URL_EC2: sandbox.url,
    AWS_ENDPOINT_URL_STS: sandbox.url,
    AWS_ENDPOINT_URL_CLOUDTRAIL: sandbox.url,
    AWS_ACCESS_KEY_ID: 'AKIDCLOUDTAPSANDBOX',
    AWS_SECRET_ACCESS_KEY: 'sandbox-secret',
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    CLOUDTAP_HOME_REGION: enabledRegions(spec)[0],
  });
  const accounts: AccountTarget[] = sandboxAccountIds(spec).map((accountId) =>
    accountId === PRIMARY_ACCOUNT_ID
      ? { accountId }
      : { accountId, roleArn: sandboxRoleArn(accountId), ...(spec.externalId ? { externalId: spec.externalId } : {}) });
  return {
    spec,
    url: sandbox.url,
    accounts,
    requestsServed: () => sandbox.stats().requests,
    close: async () => {
      restore();
      await sandbox.close();
    },
  };
}
