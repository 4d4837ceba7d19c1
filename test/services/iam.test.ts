import { describe, expect, it } from '@jest/globals';
import {
  GenerateCredentialReportCommand, GetAccountAuthorizationDetailsCommand, GetCredentialReportCommand, GetUserCommand, IAMClient,
  ListAttachedUserPoliciesCommand, ListGroupsForUserCommand, ListUserPoliciesCommand, type RoleDetail, type UserDetail,
} from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { listPages } from '../../src/services/pages';
import { enrichmentsOf, type CollectContext, type CollectWarning, type ResourceRecord, type ResourceType } from '../../src/services/resource-type';
import { NO_FACTS } from '../../src/services/rule';
import { iamResourcesInApiCall, iamService } from '../../src/services/iam';
import { readCredentialReport } from '../../src/services/iam/credential-report';
import { preprocessPolicy, policyType } from '../../src/services/iam/policy';
import { preprocessRole, roleType } from '../../src/services/iam/role';
import { accessKeyOldRule, consoleUserWithoutMfaRule, roleTrustsAnyoneRule } from '../../src/services/iam/rules';
import { trustPrincipals } from '../../src/services/iam/trust-policy';
import { preprocessUser, userType } from '../../src/services/iam/user';

const ACCOUNT = '111111111111';
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

function mockedIam() {
  const iam = new IAMClient({ region: 'us-east-1', credentials });
  const clients = { sts: new STSClient({ region: 'us-east-1', credentials }), get: <C>(name: string) => ({ iam } as Record<string, unknown>)[name] as C };
  const warnings: CollectWarning[] = [];
  const context: CollectContext = { accountId: ACCOUNT, region: 'us-east-1', clients, warn: (warning) => warnings.push(warning) };
  return { context, iam: mockClient(iam), client: iam, warnings };
}

/** What the framework does with a type in one listing: page the list call, preprocess, enrich each page. */
async function collect(type: ResourceType, context: CollectContext): Promise<ResourceRecord[][]> {
  const pages: ResourceRecord[][] = [];
  for await (const raws of listPages(type.list as NonNullable<ResourceType['list']>, context.clients)) {
    const records = raws.map((raw) => type.preprocess(raw, context));
    for (const enrichment of enrichmentsOf(type)) await enrichment.apply(records, context);
    pages.push(records);
  }
  return pages;
}

const trust = (statement: unknown) => encodeURIComponent(JSON.stringify({ Version: '2012-10-17', Statement: statement }));

const alice: UserDetail = {
  Path: '/', UserName: 'alice', UserId: 'AIDAEXAMPLEALICE0001', Arn: `arn:aws:iam::${ACCOUNT}:user/alice`,
  CreateDate: new Date('2024-03-01T10:00:00Z'), GroupList: ['developers'],
  AttachedManagedPolicies: [
    { PolicyName: 'deploy', PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/deploy` },
    { PolicyName: 'ReadOnlyAccess', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' },
  ],
  UserPolicyList: [{ PolicyName: 'extra', PolicyDocument: '%7B%7D' }],
  Tags: [{ Key: 'Role', Value: 'web_server' }],
};
const bob: UserDetail = { Path: '/', UserName: 'bob', UserId: 'AIDAEXAMPLEBOB000001', Arn: `arn:aws:iam::${ACCOUNT}:user/bob`, CreateDate: new Date('2024-03-01T10:00:00Z') };

const partnerRole: RoleDetail = {
  Path: '/', RoleName: 'partner', RoleId: 'AROAEXAMPLEPARTNER01', Arn: `arn:aws:iam::${ACCOUNT}:role/partner`, CreateDate: new Date('2024-01-01T00:00:00Z'),
  AssumeRolePolicyDocument: trust([
    { Effect: 'Allow', Principal: { AWS: ['arn:aws:iam::999988887777:root', `arn:aws:iam::${ACCOUNT}:role/admin`] }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': 'x' } } },
    { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com', Federated: `arn:aws:iam::${ACCOUNT}:saml-provider/corp` }, Action: 'sts:AssumeRole' },
    { Effect: 'Deny', Principal: '*', Action: 'sts:AssumeRole' },
  ]),
  AttachedManagedPolicies: [{ PolicyName: 'deploy', PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/deploy` }],
  RolePolicyList: [], InstanceProfileList: [{ InstanceProfileName: 'partner', Path: '/', InstanceProfileId: 'AIPA1', Arn: 'arn:x', CreateDate: new Date(0), Roles: [] }],
  RoleLastUsed: { LastUsedDate: new Date('2025-12-30T00:00:00Z'), Region: 'eu-west-1' },
  Tags: [],
};

const REPORT_HEADER = 'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,'
  + 'access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,'
  + 'access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,'
  + 'cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';
const REPORT = [
  REPORT_HEADER,
  `<root_account>,arn:aws:iam::${ACCOUNT}:root,2020-01-01T00:00:00+00:00,not_supported,no_information,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`,
  `alice,arn:aws:iam::${ACCOUNT}:user/alice,2024-03-01T10:00:00+00:00,true,2025-12-31T09:00:00+00:00,2024-03-01T10:05:00+00:00,N/A,false,`
    + 'true,2025-06-01T00:00:00+00:00,2025-12-31T08:00:00+00:00,us-east-1,s3,false,2024-01-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,false,N/A',
].join('\n');

function reportReady(iam: ReturnType<typeof mockedIam>['iam'], csv = REPORT) {
  iam.on(GenerateCredentialReportCommand).resolves({ State: 'COMPLETE' });
  iam.on(GetCredentialReportCommand).resolves({ Content: new TextEncoder().encode(csv), ReportFormat: 'text/csv', GeneratedTime: new Date('2026-01-01T00:00:00Z') });
}

describe('IAM.User', () => {
  it('flattens the listing; the credential facts are unknown until the report is read', () => {
    const record = preprocessUser(alice);
    expect(record).toMatchObject({ id: 'alice', name: 'alice', arn: `arn:aws:iam::${ACCOUNT}:user/alice`, tags: { Role: 'web_server' } });
    expect(record.data).toMatchObject({
      user_name: 'alice', user_id: 'AIDAEXAMPLEALICE0001', path: '/', create_date: '2024-03-01T10:00:00.000Z', group_names: ['developers'],
      attached_policy_arns: [`arn:aws:iam::${ACCOUNT}:policy/deploy`, 'arn:aws:iam::aws:policy/ReadOnlyAccess'], inline_policy_names: ['extra'],
      permissions_boundary_arn: null, password_enabled: null, mfa_active: null, access_key_1_active: null, credential_report_time: null,
    });
  });

  it('relates a user to its customer managed policies only (AWS managed ones are not collected)', () => {
    const [relation] = userType.relations ?? [];
    expect(relation).toMatchObject({ name: 'policy', type: 'IAM.Policy' });
    expect(relation?.ids(preprocessUser(alice))).toEqual([`arn:aws:iam::${ACCOUNT}:policy/deploy`]);
  });

  it('is listed by GetAccountAuthorizationDetails, users only, 1000 at a time, until IsTruncated is false', async () => {
    const { context, iam } = mockedIam();
    reportReady(iam);
    iam.on(GetAccountAuthorizationDetailsCommand)
      .resolvesOnce({ UserDetailList: [alice], IsTruncated: true, Marker: 'm2' })
      .resolvesOnce({ UserDetailList: [bob], IsTruncated: false, Marker: 'ignored' });
    const pages = await collect(userType, context);
    expect(pages.map((page) => page.map((r) => r.id))).toEqual([['alice'], ['bob']]);
    expect(iam.commandCalls(GetAccountAuthorizationDetailsCommand).map((c) => c.args[0].input)).toEqual([
      { Filter: ['User'], MaxItems: 1000, Marker: undefined }, { Filter: ['User'], MaxItems: 1000, Marker: 'm2' },
    ]);
  });

  it('reads passwords, MFA and access keys of every user from one credential report per listing', async () => {
    const { context, iam } = mockedIam();
    reportReady(iam);
    iam.on(GetAccountAuthorizationDetailsCommand)
      .resolvesOnce({ UserDetailList: [alice], IsTruncated: true, Marker: 'm2' })
      .resolvesOnce({ UserDetailList: [bob], IsTruncated: false });
    const [aliceRecord, bobRecord] = (await collect(userType, context)).flat();
    expect(aliceRecord?.data).toMatchObject({
      password_enabled: true, password_last_used: '2025-12-31T09:00:00.000Z', password_last_changed: '2024-03-01T10:05:00.000Z', mfa_active: false,
      access_key_1_active: true, access_key_1_last_rotated: '2025-06-01T00:00:00.000Z', access_key_1_last_used_date: '2025-12-31T08:00:00.000Z',
      access_key_1_last_used_region: 'us-east-1', access_key_1_last_used_service: 's3',
      access_key_2_active: false, access_key_2_last_rotated: '2024-01-01T00:00:00.000Z', access_key_2_last_used_date: null,
      credential_report_time: '2026-01-01T00:00:00.000Z',
    });
    // bob was created after the report: his facts are unknown, not "no password".
    expect(bobRecord?.data).toMatchObject({ password_enabled: null, mfa_active: null, unknown_fields: expect.arrayContaining(['password_enabled', 'mfa_active']) });
    expect(iam.commandCalls(GenerateCredentialReportCommand)).toHaveLength(1);
    expect(iam.commandCalls(GetCredentialReportCommand)).toHaveLength(1);
  });

  it('a denied credential report marks the fields unknown, warns, and keeps the records', async () => {
    const { context, iam, warnings } = mockedIam();
    iam.on(GenerateCredentialReportCommand).resolves({ State: 'COMPLETE' });
    iam.on(GetCredentialReportCommand).rejects(Object.assign(new Error('not authorized to perform iam:GetCredentialReport'), { name: 'AccessDenied' }));
    iam.on(GetAccountAuthorizationDetailsCommand).resolves({ UserDetailList: [alice, bob], IsTruncated: false });
    const records = (await collect(userType, context)).flat();
    expect(records.map((r) => r.id)).toEqual(['alice', 'bob']);
    expect(records[0]?.data).toMatchObject({ password_enabled: null, access_key_1_active: null, attached_policy_arns: expect.any(Array) });
    expect(records[0]?.data.unknown_fields).toEqual(expect.arrayContaining(['password_enabled', 'mfa_active', 'access_key_1_last_rotated']));
    expect(warnings).toEqual([{ call: 'iam:GetCredentialReport', code: 'AccessDenied', message: 'not authorized to perform iam:GetCredentialReport', records: 2 }]);
  });

  it('a throttled credential report fails the listing instead of marking the users unknown', async () => {
    const { context, iam, warnings } = mockedIam();
    iam.on(GenerateCredentialReportCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
    iam.on(GetAccountAuthorizationDetailsCommand).resolves({ UserDetailList: [alice], IsTruncated: false });
    await expect(collect(userType, context)).rejects.toThrow('Rate exceeded');
    expect(warnings).toEqual([]);
  });

  it('waits for a report IAM is still generating, and gives up after the polling budget', async () => {
    const { iam, client } = mockedIam();
    iam.on(GenerateCredentialReportCommand).resolvesOnce({ State: 'STARTED' }).resolvesOnce({ State: 'INPROGRESS' }).resolves({ State: 'COMPLETE' });
    iam.on(GetCredentialReportCommand).resolves({ Content: new TextEncoder().encode(REPORT), GeneratedTime: new Date('2026-01-01T00:00:00Z') });
    const report = await readCredentialReport(client, { attempts: 5, intervalMs: 1 });
    expect([...report.rows.keys()]).toEqual(['alice']);
    expect(iam.commandCalls(GenerateCredentialReportCommand)).toHaveLength(3);

    iam.reset();
    iam.on(GenerateCredentialReportCommand).resolves({ State: 'INPROGRESS' });
    await expect(readCredentialReport(client, { attempts: 2, intervalMs: 1 })).rejects.toThrow('still INPROGRESS after 2 requests');
  });

  it('a refresh reads the user and its attachments, and a user IAM no longer knows is not returned', async () => {
    const { context, iam } = mockedIam();
    iam.on(GetUserCommand, { UserName: 'alice' }).resolves({ User: { UserName: 'alice', UserId: 'AIDA1', Arn: `arn:aws:iam::${ACCOUNT}:user/alice`, Path: '/', CreateDate: new Date(0) } });
    iam.on(GetUserCommand, { UserName: 'gone' }).rejects(Object.assign(new Error('cannot be found'), { name: 'NoSuchEntityException' }));
    iam.on(ListAttachedUserPoliciesCommand).resolves({ AttachedPolicies: [{ PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/deploy`, PolicyName: 'deploy' }], IsTruncated: false });
    iam.on(ListUserPoliciesCommand).resolves({ PolicyNames: ['extra'], IsTruncated: false });
    iam.on(ListGroupsForUserCommand).resolves({ Groups: [], IsTruncated: false });
    const raws = await userType.describe?.fetch?.(['alice', 'gone'], context) as UserDetail[];
    expect(raws.map((raw) => preprocessUser(raw).data)).toEqual([expect.objectContaining({
      user_name: 'alice', attached_policy_arns: [`arn:aws:iam::${ACCOUNT}:policy/deploy`], inline_policy_names: ['extra'], group_names: [],
    })]);
  });
});

describe('IAM.Role trust policies', () => {
  it('reads the URL-encoded trust policy into principals: accounts, services, federated; Deny statements do not trust', () => {
    const record = preprocessRole(partnerRole);
    expect(record.data.trust_principals).toEqual([
      { type: 'AWS', value: 'arn:aws:iam::999988887777:root', account_id: '999988887777', conditional: true },
      { type: 'AWS', value: `arn:aws:iam::${ACCOUNT}:role/admin`, account_id: ACCOUNT, conditional: true },
      { type: 'Service', value: 'lambda.amazonaws.com', account_id: null, conditional: false },
      { type: 'Federated', value: `arn:aws:iam::${ACCOUNT}:saml-provider/corp`, account_id: null, conditional: false },
    ]);
    expect(record.data).toMatchObject({
      role_name: 'partner', account_id: ACCOUNT, trusted_accounts: [ACCOUNT, '999988887777'], trusted_services: ['lambda.amazonaws.com'],
      instance_profile_names: ['partner'], last_used_date: '2025-12-30T00:00:00.000Z', last_used_region: 'eu-west-1',
    });
    expect(roleType.volatileFields).toEqual(['last_used_date', 'last_used_region']);
  });

  it('reads `"Principal": "*"`, `{"AWS": "*"}`, a bare account id, a single statement object and plain JSON', () => {
    expect(trustPrincipals(trust({ Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole' }))?.map((p) => p.type)).toEqual(['*']);
    expect(trustPrincipals(JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: ['*', '222222222222'] } }] })))
      .toEqual([{ type: '*', value: '*', account_id: null, conditional: false }, { type: 'AWS', value: '222222222222', account_id: '222222222222', conditional: false }]);
  });

  it('an unreadable trust policy is unknown (null), not "trusts nobody"', () => {
    expect(trustPrincipals('%7Bnot json')).toBeNull();
    expect(preprocessRole({ ...partnerRole, AssumeRolePolicyDocument: undefined }).data).toMatchObject({ trust_principals: null, trusted_accounts: null });
  });
});

describe('IAM.Policy', () => {
  it('is listed as customer managed policies only, identified by ARN, with attachments and default version', async () => {
    const { context, iam } = mockedIam();
    iam.on(GetAccountAuthorizationDetailsCommand).resolves({
      Policies: [{
        PolicyName: 'deploy', PolicyId: 'ANPA1', Arn: `arn:aws:iam::${ACCOUNT}:policy/deploy`, Path: '/', DefaultVersionId: 'v3', AttachmentCount: 2,
        PermissionsBoundaryUsageCount: 0, IsAttachable: true, CreateDate: new Date('2024-01-01T00:00:00Z'), UpdateDate: new Date('2025-01-01T00:00:00Z'),
      }],
      IsTruncated: false,
    });
    const [record] = (await collect(policyType, context)).flat();
    expect(iam.commandCalls(GetAccountAuthorizationDetailsCommand)[0]?.args[0].input).toEqual({ Filter: ['LocalManagedPolicy'], MaxItems: 1000, Marker: undefined });
    expect(record).toEqual(preprocessPolicy({
      PolicyName: 'deploy', PolicyId: 'ANPA1', Arn: `arn:aws:iam::${ACCOUNT}:policy/deploy`, Path: '/', DefaultVersionId: 'v3', AttachmentCount: 2,
      PermissionsBoundaryUsageCount: 0, IsAttachable: true, CreateDate: new Date('2024-01-01T00:00:00Z'), UpdateDate: new Date('2025-01-01T00:00:00Z'),
    }));
    expect(record).toMatchObject({ id: `arn:aws:iam::${ACCOUNT}:policy/deploy`, name: 'deploy', data: { attachment_count: 2, default_version_id: 'v3', create_date: '2024-01-01T00:00:00.000Z' } });
  });
});

function userWith(data: Record<string, unknown>, tags: Record<string, string> = {}): ResourceRecord {
  const record = preprocessUser({ ...bob, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) });
  Object.assign(record.data, { credential_report_time: '2026-01-01T00:00:00.000Z' }, data);
  return record;
}

describe('AccessKeyOld rule', () => {
  it('an active key older than 90 days when the report was generated is a MINOR event on the user', () => {
    expect(accessKeyOldRule.evaluate(userWith({ access_key_1_active: true, access_key_1_last_rotated: '2025-06-01T00:00:00.000Z' }, { Role: 'ci' }), NO_FACTS)).toEqual([{
      severity: 3, typeNames: [{ type: 'ID', name: 'bob' }], group: 'ci',
      text: 'MINOR – user bob has an active access key 1 (last rotated 2025-06-01, 214 days ago), older than 90 days',
    }]);
  });

  it('names both keys when both are old', () => {
    const [finding] = accessKeyOldRule.evaluate(userWith({
      access_key_1_active: true, access_key_1_last_rotated: '2025-06-01T00:00:00.000Z', access_key_2_active: true, access_key_2_last_rotated: '2025-01-01T00:00:00.000Z',
    }), NO_FACTS);
    expect(finding?.text).toContain('access key 1 (last rotated 2025-06-01, 214 days ago) and access key 2 (last rotated 2025-01-01, 365 days ago)');
  });

  it('an inactive old key, a 90-day-old key or an unread report holds no condition', () => {
    expect(accessKeyOldRule.evaluate(userWith({ access_key_1_active: false, access_key_1_last_rotated: '2025-01-01T00:00:00.000Z' }), NO_FACTS)).toEqual([]);
    expect(accessKeyOldRule.evaluate(userWith({ access_key_1_active: true, access_key_1_last_rotated: '2025-10-03T00:00:00.000Z' }), NO_FACTS)).toEqual([]);
    expect(accessKeyOldRule.evaluate(userWith({ access_key_1_active: true, access_key_1_last_rotated: '2025-01-01T00:00:00.000Z', credential_report_time: null }), NO_FACTS)).toEqual([]);
  });

  it('clears with an OK text', () => {
    expect(accessKeyOldRule.clearText([{ type: 'ID', name: 'bob' }])).toBe('OK – user bob has no active access key older than 90 days');
  });
});

describe('ConsoleUserWithoutMfa rule', () => {
  it('a console password without MFA is a WARNING on the user', () => {
    expect(consoleUserWithoutMfaRule.evaluate(userWith({ password_enabled: true, mfa_active: false }), NO_FACTS)).toEqual([{
      severity: 2, typeNames: [{ type: 'ID', name: 'bob' }], group: null, text: 'WARNING – user bob has console access without MFA',
    }]);
  });

  it('MFA, no password, or unknown facts hold no condition', () => {
    expect(consoleUserWithoutMfaRule.evaluate(userWith({ password_enabled: true, mfa_active: true }), NO_FACTS)).toEqual([]);
    expect(consoleUserWithoutMfaRule.evaluate(userWith({ password_enabled: false, mfa_active: false }), NO_FACTS)).toEqual([]);
    expect(consoleUserWithoutMfaRule.evaluate(userWith({ password_enabled: null, mfa_active: null }), NO_FACTS)).toEqual([]);
    expect(consoleUserWithoutMfaRule.clearText([{ type: 'ID', name: 'bob' }])).toBe('OK – user bob has MFA or no console access');
  });
});

describe('RoleTrustsAnyone rule', () => {
  it('a role another account may assume is CRITICAL, and the text names the principal', () => {
    expect(roleTrustsAnyoneRule.evaluate(preprocessRole(partnerRole), NO_FACTS)).toEqual([{
      severity: 1, typeNames: [{ type: 'ID', name: 'partner' }], group: null,
      text: 'CRITICAL – role partner can be assumed by account 999988887777 (arn:aws:iam::999988887777:root) under a condition',
    }]);
  });

  it('a role anyone may assume is CRITICAL', () => {
    const open = preprocessRole({ ...partnerRole, RoleName: 'open', AssumeRolePolicyDocument: trust([{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }]) });
    expect(roleTrustsAnyoneRule.evaluate(open, NO_FACTS)[0]?.text).toBe('CRITICAL – role open can be assumed by anyone (*)');
  });

  it('services, federation and the role\'s own account hold no condition', () => {
    const own = preprocessRole({
      ...partnerRole,
      AssumeRolePolicyDocument: trust([{ Effect: 'Allow', Principal: { AWS: ACCOUNT, Service: 'ec2.amazonaws.com', Federated: 'cognito-identity.amazonaws.com' }, Action: 'sts:AssumeRole' }]),
    });
    expect(roleTrustsAnyoneRule.evaluate(own, NO_FACTS)).toEqual([]);
    expect(roleTrustsAnyoneRule.clearText([{ type: 'ID', name: 'partner' }])).toBe('OK – role partner trusts only its own account and AWS services');
  });
});

describe('the IAM service', () => {
  it('is global, with its types, rules and CloudTrail names', () => {
    expect(iamService.scope).toEqual({ kind: 'global' });
    expect(iamService.types.map((t) => [`${t.service}.${t.name}`, t.cloudTrailResourceType])).toEqual([
      ['IAM.User', 'AWS::IAM::User'], ['IAM.Role', 'AWS::IAM::Role'], ['IAM.Policy', 'AWS::IAM::Policy'],
    ]);
    expect(iamService.rules.map((r) => [r.name, r.resourceType, r.eventClass])).toEqual([
      ['AccessKeyOld', 'IAM.User', 'AWS_IAM'], ['ConsoleUserWithoutMfa', 'IAM.User', 'AWS_IAM'], ['RoleTrustsAnyone', 'IAM.Role', 'AWS_IAM'],
    ]);
  });

  it('an attachment refreshes both the user and the customer managed policy; AWS managed policies are not collected', () => {
    expect(iamResourcesInApiCall({ eventName: 'AttachUserPolicy', requestParameters: { userName: 'alice', policyArn: `arn:aws:iam::${ACCOUNT}:policy/deploy` } }))
      .toEqual([{ type: 'IAM.User', ids: ['alice'] }, { type: 'IAM.Policy', ids: [`arn:aws:iam::${ACCOUNT}:policy/deploy`] }]);
    expect(iamResourcesInApiCall({ requestParameters: { roleName: 'r', policyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' } })).toEqual([{ type: 'IAM.Role', ids: ['r'] }]);
  });

  it('CreatePolicy names the new policy only in its response', () => {
    expect(iamResourcesInApiCall({ requestParameters: { policyName: 'p' }, responseElements: { policy: { arn: `arn:aws:iam::${ACCOUNT}:policy/p` } } }))
      .toEqual([{ type: 'IAM.Policy', ids: [`arn:aws:iam::${ACCOUNT}:policy/p`] }]);
  });
});
