import { parseSandboxSpec, enabledRegions, type SandboxSpec } from '../local/sandbox/spec';
import { startSandbox, type RunningSandbox } from '../local/sandbox/server';
import type { MaxInFlight } from '../local/sandbox/in-flight';
import { sandboxAccountIds, sandboxRoleArn, PRIMARY_ACCOUNT_ID } from '../local/sandbox/accounts';
import { sandboxEndpointVariables } from '../local/sandbox/endpoints';
import { accountStatus } from '../local/sandbox/organization';
import type { AccountTarget } from '../src/dto/collection-request';
import { overlayEnvironment } from './environment';
import { UsageError } from './errors';

export interface SandboxTarget {
  spec: SandboxSpec;
  url: string;
  /** The sandbox's active accounts: the primary one with the caller's credentials, the others through AssumeRole. */
  accounts: AccountTarget[];
  requestsServed(): number;
  /** The most calls the sandbox has had in flight at once, overall and per account, region, service and action. */
  maxInFlight(top?: number): MaxInFlight;
  /** The server itself (its counters, stats). */
  sandbox: RunningSandbox;
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
 * The SDK environment that points every sandbox service at `url`, with the sandbox's credentials. DynamoDB's
 * variable included: cloudtap's own store is reached by an explicit endpoint (`CLOUDTAP_STORE_ENDPOINT`), so
 * `AWS_ENDPOINT_URL_DYNAMODB` is the collected account's DynamoDB, as for every other service.
 */
export function sandboxSdkEnvironment(url: string, homeRegion: string | undefined): Record<string, string | undefined> {
  return {
    ...sandboxEndpointVariables(url),
    AWS_ACCESS_KEY_ID: 'AKIDCLOUDTAPSANDBOX',
    AWS_SECRET_ACCESS_KEY: 'sandbox-secret',
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    CLOUDTAP_HOME_REGION: homeRegion,
  };
}

/**
 * Serves the sandbox account on loopback and points the SDK at it through its standard endpoint variables,
 * exactly as a user would point it at LocalStack: nothing in the collector knows it is a sandbox.
 */
export async function startSandboxTarget(spec: SandboxSpec): Promise<SandboxTarget> {
  const sandbox = await startSandbox(spec, { port: 0 });
  const restore = overlayEnvironment(sandboxSdkEnvironment(sandbox.url, enabledRegions(spec)[0]));
  // The accounts an operator would list: the organization's active ones (a suspended account has no role to assume).
  const accounts: AccountTarget[] = sandboxAccountIds(spec).filter((accountId) => accountStatus(spec, accountId) === 'ACTIVE').map((accountId) =>
    accountId === PRIMARY_ACCOUNT_ID
      ? { accountId }
      : { accountId, roleArn: sandboxRoleArn(accountId), ...(spec.externalId ? { externalId: spec.externalId } : {}) });
  return {
    spec,
    url: sandbox.url,
    accounts,
    requestsServed: () => sandbox.stats().requests,
    maxInFlight: (top) => sandbox.maxInFlight(top),
    sandbox,
    close: async () => {
      restore();
      await sandbox.close();
    },
  };
}
