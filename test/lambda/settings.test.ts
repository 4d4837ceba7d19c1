import { describe, it, expect } from '@jest/globals';
import { memberAccessFromEnv, planSettingsFromEnv } from '../../src/lambda/settings';

describe('the member accounts normalize describes in', () => {
  it('are the listed roles\' accounts, and no other, without an organization', () => {
    const access = memberAccessFromEnv({ CLOUDTAP_MEMBER_ROLE_ARNS: 'arn:aws:iam::222222222222:role/reader', CLOUDTAP_MEMBER_EXTERNAL_ID: 'x-1' });
    expect(access('222222222222')).toEqual({ roleArn: 'arn:aws:iam::222222222222:role/reader', externalId: 'x-1' });
    expect(access('333333333333')).toBeUndefined();
  });

  it('across an organization: any account, through the member role of its name, in the region\'s partition', () => {
    const access = memberAccessFromEnv({ CLOUDTAP_MEMBER_ROLE_NAME: 'cloudtap-member', AWS_REGION: 'us-gov-west-1' });
    expect(access('444444444444')).toEqual({ roleArn: 'arn:aws-us-gov:iam::444444444444:role/cloudtap-member' });
    // A role listed by ARN still wins for its account.
    const both = memberAccessFromEnv({ CLOUDTAP_MEMBER_ROLE_NAME: 'cloudtap-member', CLOUDTAP_MEMBER_ROLE_ARNS: 'arn:aws:iam::222222222222:role/reader' });
    expect(both('222222222222')?.roleArn).toBe('arn:aws:iam::222222222222:role/reader');
    expect(both('555555555555')?.roleArn).toBe('arn:aws:iam::555555555555:role/cloudtap-member');
  });
});

describe('the plan\'s settings', () => {
  it('take smaller pages of accounts, never larger than a state holds with room', () => {
    expect(planSettingsFromEnv({ CLOUDTAP_ACCOUNTS_PER_PAGE: '25' }).accountsPerPage).toBe(25);
    expect(planSettingsFromEnv({}).accountsPerPage).toBeUndefined();
    expect(() => planSettingsFromEnv({ CLOUDTAP_ACCOUNTS_PER_PAGE: '5000' })).toThrow('CLOUDTAP_ACCOUNTS_PER_PAGE is "5000": give a whole number from 1 to 500');
    expect(planSettingsFromEnv({ CLOUDTAP_DEFAULT_ACCOUNT_CONCURRENCY: '40' }).defaultAccountConcurrency).toBe(40);
  });
});
