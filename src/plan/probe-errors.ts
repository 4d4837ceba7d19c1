import { taskError } from '../dto/task';

/**
 * The collector's own credentials or its own account's probe failed: nothing can be collected, so the run fails —
 * GetTasks throws this and the workflow does not catch it (a failed execution in AWS, exit 1 locally).
 */
export class CollectorAccountUnreachableError extends Error {
  override readonly name = 'CollectorAccountUnreachable';
}

const NO_CREDENTIALS = /CredentialsProviderError|Could not load credentials|Unable to locate credentials/i;
const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired', 'TokenRefreshRequired']);
const REFUSED = new Set(['InvalidClientTokenId', 'UnrecognizedClientException', 'SignatureDoesNotMatch', 'AuthFailure', 'IncompleteSignature', 'InvalidAccessKeyId']);
const DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'UnauthorizedAccess']);
const THROTTLED = new Set(['Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException']);
const SERVER = new Set(['InternalError', 'InternalFailure', 'InternalServerError', 'ServiceUnavailable', 'Unavailable']);
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'TimeoutError']);

/** What failed, in the SDK's words, and what to do about it: `<call> in <region> failed: <code> – <message>; <what to do>`. */
export function explainProbeError(error: unknown, action: string, region: string): string {
  const { code, message } = taskError(error);
  const systemCode = (error as { code?: unknown }).code;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  let advice: string;
  if (NO_CREDENTIALS.test(`${code} ${message}`)) {
    advice = 'no AWS credentials: set AWS_PROFILE (a profile in ~/.aws/config), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY '
      + '(in AWS, the function\'s role provides them); to try cloudtap without AWS, run it with --sandbox';
  } else if (EXPIRED.has(code)) {
    advice = 'the credentials have expired: refresh them (e.g. aws sso login, or new session credentials) and run again';
  } else if (REFUSED.has(code)) {
    advice = 'AWS refused the credentials: check the access key and secret (AWS_PROFILE, AWS_ACCESS_KEY_ID) and that the account is active';
  } else if (DENIED.has(code)) {
    advice = `the credentials may not call ${action}: allow it to the role or user cloudtap runs as (the stack's GetTasks role has it)`;
  } else if (THROTTLED.has(code)) {
    advice = `AWS throttled ${action} through all of the SDK's retries: run again later, when fewer tools call this account`;
  } else if (SERVER.has(code) || (status !== undefined && status >= 500)) {
    advice = `AWS answered ${action} with a server error: run again later (and see https://health.aws.amazon.com)`;
  } else if (NETWORK.has(code) || (typeof systemCode === 'string' && NETWORK.has(systemCode))) {
    advice = 'the endpoint could not be reached: check the network, AWS_REGION and any AWS_ENDPOINT_URL_* variables';
  } else {
    advice = 'check the credentials, the region and the account\'s status';
  }
  return `${action} in ${region} failed: ${code} – ${message.replace(/\.$/, '')}; ${advice}`;
}
