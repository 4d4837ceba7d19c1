import { describe, it, expect } from '@jest/globals';
import { explainProbeError } from '../../src/plan/probe-errors';

const awsError = (name: string, message: string, httpStatusCode = 400) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode } });

describe('why the collector\'s own account could not be probed, and what to do', () => {
  it.each([
    [Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }), /no AWS credentials: set AWS_PROFILE/],
    [awsError('ExpiredToken', 'The security token included in the request is expired'), /have expired: refresh them/],
    [awsError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403), /AWS refused the credentials/],
    [awsError('AccessDenied', 'User: arn:aws:iam::1:user/x is not authorized to perform: sts:GetCallerIdentity', 403), /may not call sts:GetCallerIdentity: allow it/],
    [awsError('RequestLimitExceeded', 'Request limit exceeded.', 503), /throttled sts:GetCallerIdentity through all of the SDK's retries/],
    [awsError('InternalError', 'An internal error has occurred', 500), /server error: run again later/],
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }), /endpoint could not be reached/],
  ])('%s', (error, advice) => {
    const text = explainProbeError(error, 'sts:GetCallerIdentity', 'eu-west-1');
    expect(text).toMatch(/^sts:GetCallerIdentity in eu-west-1 failed: \w+ – /);
    expect(text).toContain(error.message.replace(/\.$/, ''));
    expect(text).toMatch(advice);
  });
});
