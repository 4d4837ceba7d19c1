import { UsageError } from '../errors';

/** The calls `cloudtap run --remote` makes, for an AccessDenied message that says what to grant. */
export const REMOTE_RUN_ACTIONS = ['cloudformation:DescribeStacks', 'states:StartExecution', 'states:DescribeExecution', 'states:GetExecutionHistory', 'states:DescribeMapRun'];

/**
 * An SDK error from reaching the deployed stack, as something the user can act on: no credentials, no region,
 * not allowed. Anything else is returned unchanged.
 */
export function explainAwsError(error: unknown, doing: string): unknown {
  const e = error as { name?: string; message?: string };
  const message = e.message ?? String(error);
  if (e.name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return new UsageError(`${doing}: no AWS credentials found (${message}); set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`);
  }
  if (/Region is missing/i.test(message)) {
    return new UsageError(`${doing}: no AWS region; set AWS_REGION (or a profile with a region), or pass --state-machine-arn, whose region is used`);
  }
  if (e.name === 'AccessDeniedException' || e.name === 'AccessDenied' || /not authorized to perform/i.test(message)) {
    return new UsageError(`${doing}: ${message}\nthe caller needs ${REMOTE_RUN_ACTIONS.join(', ')}`);
  }
  if (e.name === 'ExpiredTokenException' || e.name === 'ExpiredToken' || e.name === 'UnrecognizedClientException' || e.name === 'InvalidClientTokenId') {
    return new UsageError(`${doing}: the AWS credentials were refused (${e.name}: ${message}); refresh them (e.g. aws sso login) and run again`);
  }
  return error;
}
