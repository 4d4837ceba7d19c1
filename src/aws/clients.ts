import { EC2Client } from '@aws-sdk/client-ec2';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import { traced } from './traced-client';

export type ClientName = 'ec2' | 'cloudtrail' | 'sts';

export interface AwsClients {
  readonly ec2: EC2Client;
  readonly cloudtrail: CloudTrailClient;
  readonly sts: STSClient;
}

export interface ClientOptions {
  region: string;
  /** Account the calls go to, for the trace. */
  accountId?: string;
  credentials?: AwsCredentialIdentity;
  /** Appended to the SDK user agent so AWS-side logs show which run and task made a call. */
  userAgent?: string;
}

/** Standard retries with exponential backoff and jitter: throttling is retried, not turned into a failed task. */
const MAX_ATTEMPTS = Number(process.env.CLOUDTAP_SDK_MAX_ATTEMPTS ?? 8);

/**
 * Creates the SDK clients of one account and region. Endpoints come from the SDK's own configuration
 * (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_EC2`, …), so the same code reaches AWS, LocalStack or the sandbox.
 */
export function createAwsClients(options: ClientOptions): AwsClients {
  const config = {
    region: options.region,
    maxAttempts: MAX_ATTEMPTS,
    retryMode: 'standard',
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.userAgent ? { customUserAgent: options.userAgent } : {}),
  };
  let ec2: EC2Client | undefined;
  let cloudtrail: CloudTrailClient | undefined;
  let sts: STSClient | undefined;
  return {
    get ec2() { return (ec2 ??= traced(new EC2Client(config), 'EC2', options)); },
    get cloudtrail() { return (cloudtrail ??= traced(new CloudTrailClient(config), 'CloudTrail', options)); },
    get sts() { return (sts ??= traced(new STSClient(config), 'STS', options)); },
  };
}

export { instrumentAwsClients, traced, type ClientInstrumentation } from './traced-client';

const STS_SESSION_SECONDS = 3600;

/** Credentials for a role in another account, or undefined for the collector's own. */
export async function assumeRoleCredentials(
  region: string, roleArn: string | undefined, externalId: string | undefined, sessionName: string,
): Promise<AwsCredentialIdentity | undefined> {
  if (!roleArn) return undefined;
  const sts = createAwsClients({ region }).sts;
  const output = await sts.send(new AssumeRoleCommand({
    RoleArn: roleArn,
    RoleSessionName: sessionName.replace(/[^\w+=,.@-]/g, '-').slice(0, 64),
    DurationSeconds: STS_SESSION_SECONDS,
    ...(externalId ? { ExternalId: externalId } : {}),
  }));
  const c = output.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRole ${roleArn} returned no credentials`);
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
}
