/**
 * The IAM entities of one synthetic account (IAM is global: the same in every region): users (≈ instances/5, at least
 * 4), roles (≈ instances/5, at least 4) and customer managed policies (≈ instances/10, at least 3), and the credential
 * report's facts of every user. Every account plants each condition cloudtap's IAM rules find: user 0 signs in to the
 * console without MFA, user 1 has an active access key older than 90 days, role 0 trusts `*`, role 1 trusts an account
 * outside the organization; later entities draw them by chance. A pure function of (seed, account, instances, epoch):
 * entities are fixed, keys age with the epoch (their rotation times are before the sandbox's clock starts).
 */
import type { AttachedPolicy, ManagedPolicyDetail, RoleDetail, Tag, UserDetail } from '@aws-sdk/client-iam';
import { epochTime, timeBeforeStart } from '../clock';
import { Dice, hashText } from '../random';
import type { SandboxSpec } from '../spec';

export type IamModelSpec = Pick<SandboxSpec, 'seed' | 'instances'>;

/** An account outside the sandbox's organization that a planted role trusts. */
export const FOREIGN_ACCOUNT_ID = '999988887777';
export const ACCESS_KEY_MAX_AGE_DAYS = 90;
const DAY_MS = 86_400_000;

export interface AccessKeyPlan {
  active: boolean;
  lastRotated: Date;
  lastUsed: Date | null;
  lastUsedRegion: string | null;
  lastUsedService: string | null;
}

export interface IamUserPlan {
  detail: UserDetail;
  passwordEnabled: boolean;
  passwordLastUsed: Date | null;
  passwordLastChanged: Date | null;
  mfaActive: boolean;
  keys: [AccessKeyPlan | null, AccessKeyPlan | null];
}

export type TrustKind = 'anyone' | 'foreign' | 'lambda' | 'ec2' | 'ecs-tasks' | 'own-account' | 'federated';

export interface IamRolePlan {
  detail: RoleDetail;
  trust: TrustKind;
  /** The trust policy, as JSON (the API answers it URL-encoded). */
  trustPolicy: string;
}

export interface IamAccount {
  accountId: string;
  /** Sorted by name, as IAM lists them. */
  users: IamUserPlan[];
  roles: IamRolePlan[];
  policies: ManagedPolicyDetail[];
}

const USER_NAMES = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ci-deploy', 'terraform', 'backup', 'monitoring'] as const;
const ROLE_NAMES: Record<TrustKind, readonly string[]> = {
  anyone: ['public-reader'],
  foreign: ['partner-audit', 'vendor-support'],
  lambda: ['lambda-exec', 'api-lambda', 'worker-lambda'],
  ec2: ['web-server', 'app-server', 'batch-worker'],
  'ecs-tasks': ['ecs-task'],
  'own-account': ['admin', 'read-only', 'break-glass'],
  federated: ['sso-developer', 'sso-admin'],
};
const POLICY_NAMES = ['s3-read-logs', 'dynamodb-orders', 'sqs-workers', 'kms-decrypt', 'ssm-parameters', 'cloudwatch-write', 'deploy'] as const;
const SERVER_ROLES = ['web_server', 'app_server', 'db_server', 'batch_worker'] as const;
const SERVICES_USED = ['s3', 'ec2', 'sts', 'dynamodb', 'lambda'] as const;
const AWS_MANAGED = [
  { PolicyName: 'ReadOnlyAccess', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' },
  { PolicyName: 'AWSLambdaBasicExecutionRole', PolicyArn: 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole' },
] as const;

export function userCount(spec: IamModelSpec): number {
  return Math.max(4, Math.floor(spec.instances / 5));
}

export function roleCount(spec: IamModelSpec): number {
  return Math.max(4, Math.floor(spec.instances / 5));
}

export function policyCount(spec: IamModelSpec): number {
  return Math.max(3, Math.floor(spec.instances / 10));
}

/** `AIDA` + 17 characters, like IAM's unique ids. */
function uniqueId(dice: Dice, prefix: string, index: number): string {
  return `${prefix}${dice.alphanumeric(17, index)}`;
}

function policyArn(accountId: string, index: number): string {
  return `arn:aws:iam::${accountId}:policy/${POLICY_NAMES[index % POLICY_NAMES.length]}-${index}`;
}

function keyPlan(dice: Dice, index: number, slot: number, old: boolean, active: boolean): AccessKeyPlan {
  // Rotated before the clock starts: young keys 1–30 days before, old ones 120–400 days before.
  const lastRotated = old ? timeBeforeStart(120 / 400 + dice.unit(index, slot, 1) * (280 / 400), 400) : timeBeforeStart(dice.unit(index, slot, 1), 30);
  const used = active && dice.chance(0.8, index, slot, 2);
  return {
    active,
    lastRotated,
    lastUsed: used ? new Date(lastRotated.getTime() + Math.floor(dice.unit(index, slot, 3) * (epochTime(0).getTime() - lastRotated.getTime()))) : null,
    lastUsedRegion: used ? 'us-east-1' : null,
    lastUsedService: used ? dice.pick(SERVICES_USED, index, slot, 4) : null,
  };
}

function planUser(dice: Dice, accountId: string, index: number, policies: number): IamUserPlan {
  const name = `${dice.pick(USER_NAMES, index)}-${index}`;
  // 0: console without MFA; 1: an old active key; 2: console with MFA; 3: API only, an old key that is inactive.
  const passwordEnabled = index === 0 || index === 2 || (index > 3 && dice.chance(0.5, index, 1));
  const mfaActive = passwordEnabled && (index === 2 || (index > 3 && dice.chance(0.6, index, 2)));
  const hasKey1 = index === 1 || index === 3 || (index > 3 && dice.chance(0.6, index, 3));
  const key1Old = index === 1 || index === 3 || (index > 3 && dice.chance(0.3, index, 4));
  const key1Active = index !== 3 && (index === 1 || dice.chance(0.85, index, 5));
  const hasKey2 = index > 3 && dice.chance(0.15, index, 6);
  const created = timeBeforeStart(0.5 + dice.unit(index, 7) / 2, 900);
  const attached: AttachedPolicy[] = [];
  if (dice.chance(0.7, index, 8)) {
    const policy = index % policies;
    attached.push({ PolicyName: `${POLICY_NAMES[policy % POLICY_NAMES.length]}-${policy}`, PolicyArn: policyArn(accountId, policy) });
  }
  if (dice.chance(0.3, index, 9)) attached.push({ ...AWS_MANAGED[0] });
  const tags: Tag[] = dice.chance(0.4, index, 10) ? [{ Key: 'Role', Value: dice.pick(SERVER_ROLES, index, 11) }] : [];
  return {
    detail: {
      Path: '/',
      UserName: name,
      UserId: uniqueId(dice, 'AIDA', index),
      Arn: `arn:aws:iam::${accountId}:user/${name}`,
      CreateDate: created,
      UserPolicyList: dice.chance(0.2, index, 12) ? [{ PolicyName: 'inline-extra', PolicyDocument: encodeURIComponent('{"Version":"2012-10-17","Statement":[]}') }] : [],
      GroupList: dice.chance(0.3, index, 13) ? ['developers'] : [],
      AttachedManagedPolicies: attached,
      Tags: tags,
    },
    passwordEnabled,
    passwordLastUsed: passwordEnabled && dice.chance(0.8, index, 14) ? timeBeforeStart(dice.unit(index, 15), 20) : null,
    passwordLastChanged: passwordEnabled ? timeBeforeStart(0.1 + dice.unit(index, 16) * 0.4, 900) : null,
    mfaActive,
    keys: [hasKey1 ? keyPlan(dice, index, 1, key1Old, key1Active) : null, hasKey2 ? keyPlan(dice, index, 2, dice.chance(0.5, index, 17), true) : null],
  };
}

function trustPolicyOf(kind: TrustKind, accountId: string): string {
  const principal: Record<TrustKind, unknown> = {
    anyone: { AWS: '*' },
    foreign: { AWS: `arn:aws:iam::${FOREIGN_ACCOUNT_ID}:root` },
    lambda: { Service: 'lambda.amazonaws.com' },
    ec2: { Service: 'ec2.amazonaws.com' },
    'ecs-tasks': { Service: 'ecs-tasks.amazonaws.com' },
    'own-account': { AWS: `arn:aws:iam::${accountId}:root` },
    federated: { Federated: `arn:aws:iam::${accountId}:saml-provider/corp-idp` },
  };
  const action = kind === 'federated' ? 'sts:AssumeRoleWithSAML' : 'sts:AssumeRole';
  const condition = kind === 'foreign' ? { Condition: { StringEquals: { 'sts:ExternalId': 'partner-7731' } } } : {};
  return JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: principal[kind], Action: action, ...condition }] });
}

const LATER_TRUSTS: readonly TrustKind[] = ['lambda', 'ec2', 'ecs-tasks', 'own-account', 'federated', 'foreign', 'anyone'];
const LATER_WEIGHTS: readonly number[] = [30, 25, 10, 15, 12, 5, 3];

function planRole(dice: Dice, accountId: string, index: number, policies: number): IamRolePlan {
  // 0 trusts anyone, 1 another organization's account, 2 Lambda, 3 EC2; the rest by weight.
  const fixed: TrustKind[] = ['anyone', 'foreign', 'lambda', 'ec2'];
  const trust = fixed[index] ?? dice.pickWeighted(LATER_TRUSTS, LATER_WEIGHTS, index, 1);
  const name = `${dice.pick(ROLE_NAMES[trust], index, 2)}-${index}`;
  const trustPolicy = trustPolicyOf(trust, accountId);
  const attached: AttachedPolicy[] = [];
  if (dice.chance(0.6, index, 3)) {
    const policy = (index * 3 + 1) % policies;
    attached.push({ PolicyName: `${POLICY_NAMES[policy % POLICY_NAMES.length]}-${policy}`, PolicyArn: policyArn(accountId, policy) });
  }
  if (trust === 'lambda') attached.push({ ...AWS_MANAGED[1] });
  const created = timeBeforeStart(0.3 + dice.unit(index, 4) * 0.7, 900);
  const lastUsed = dice.chance(0.7, index, 5) ? timeBeforeStart(dice.unit(index, 6), 10) : undefined;
  return {
    trust,
    trustPolicy,
    detail: {
      Path: trust === 'lambda' ? '/service-role/' : '/',
      RoleName: name,
      RoleId: uniqueId(dice, 'AROA', index),
      Arn: `arn:aws:iam::${accountId}:role/${trust === 'lambda' ? 'service-role/' : ''}${name}`,
      CreateDate: created,
      AssumeRolePolicyDocument: encodeURIComponent(trustPolicy),
      InstanceProfileList: trust === 'ec2' ? [{
        Path: '/', InstanceProfileName: name, InstanceProfileId: uniqueId(dice, 'AIPA', index),
        Arn: `arn:aws:iam::${accountId}:instance-profile/${name}`, CreateDate: created, Roles: [],
      }] : [],
      RolePolicyList: [],
      AttachedManagedPolicies: attached,
      Tags: trust === 'ec2' ? [{ Key: 'Role', Value: dice.pick(SERVER_ROLES, index, 7) }] : [],
      RoleLastUsed: lastUsed ? { LastUsedDate: lastUsed, Region: 'us-east-1' } : {},
    },
  };
}

function planPolicies(dice: Dice, accountId: string, count: number, users: IamUserPlan[], roles: IamRolePlan[]): ManagedPolicyDetail[] {
  const attachments = new Map<string, number>();
  for (const entity of [...users.map((u) => u.detail), ...roles.map((r) => r.detail)]) {
    for (const policy of entity.AttachedManagedPolicies ?? []) attachments.set(policy.PolicyArn ?? '', (attachments.get(policy.PolicyArn ?? '') ?? 0) + 1);
  }
  return Array.from({ length: count }, (_, index) => {
    const arn = policyArn(accountId, index);
    const created = timeBeforeStart(0.4 + dice.unit(index, 1) * 0.6, 900);
    const versions = dice.between(1, 4, index, 2);
    return {
      PolicyName: arn.slice(arn.lastIndexOf('/') + 1),
      PolicyId: uniqueId(dice, 'ANPA', index),
      Arn: arn,
      Path: '/',
      DefaultVersionId: `v${versions}`,
      AttachmentCount: attachments.get(arn) ?? 0,
      PermissionsBoundaryUsageCount: 0,
      IsAttachable: true,
      Description: dice.chance(0.5, index, 3) ? 'Managed by terraform' : undefined,
      CreateDate: created,
      UpdateDate: new Date(created.getTime() + Math.floor(dice.unit(index, 4) * (epochTime(0).getTime() - created.getTime()))),
      PolicyVersionList: [{
        Document: encodeURIComponent('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}'),
        VersionId: `v${versions}`, IsDefaultVersion: true, CreateDate: created,
      }],
    };
  });
}

const MAX_CACHED = 64;
const accounts = new Map<string, IamAccount>();

/** The IAM entities of an account (cached: they do not change with the epoch). */
export function iamAccount(spec: IamModelSpec, accountId: string): IamAccount {
  const key = `${spec.seed}|${spec.instances}|${accountId}`;
  let account = accounts.get(key);
  if (!account) {
    const dice = new Dice(hashText(`${spec.seed}|${accountId}|iam`));
    const policies = policyCount(spec);
    const users = Array.from({ length: userCount(spec) }, (_, i) => planUser(dice.child('users'), accountId, i, policies));
    const roles = Array.from({ length: roleCount(spec) }, (_, i) => planRole(dice.child('roles'), accountId, i, policies));
    const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    account = {
      accountId,
      users: users.sort((a, b) => byName(a.detail.UserName ?? '', b.detail.UserName ?? '')),
      roles: roles.sort((a, b) => byName(a.detail.RoleName ?? '', b.detail.RoleName ?? '')),
      policies: planPolicies(dice.child('policies'), accountId, policies, users, roles).sort((a, b) => byName(a.PolicyName ?? '', b.PolicyName ?? '')),
    };
    if (accounts.size >= MAX_CACHED) accounts.delete(accounts.keys().next().value as string);
    accounts.set(key, account);
  }
  return account;
}

/** Days between a key's rotation and the epoch's time, as the credential report generated then measures it. */
export function keyAgeDays(key: AccessKeyPlan, epoch: number): number {
  return Math.floor((epochTime(epoch).getTime() - key.lastRotated.getTime()) / DAY_MS);
}

/** The planted conditions of a user at an epoch. */
export function userConditions(user: IamUserPlan, epoch: number): { accessKeyOld: number[]; consoleWithoutMfa: boolean } {
  return {
    accessKeyOld: user.keys.flatMap((key, slot) => (key && key.active && keyAgeDays(key, epoch) > ACCESS_KEY_MAX_AGE_DAYS ? [slot + 1] : [])),
    consoleWithoutMfa: user.passwordEnabled && !user.mfaActive,
  };
}

/** Whether a role trusts `*` or an account other than its own. */
export function roleTrustsOutsiders(role: IamRolePlan): boolean {
  return role.trust === 'anyone' || role.trust === 'foreign';
}

function reportTime(date: Date | null): string {
  return date ? date.toISOString().replace(/\.\d{3}Z$/, '+00:00') : 'N/A';
}

/** The credential report as IAM writes it (CSV), generated at the epoch's time. */
export function credentialReportCsv(account: IamAccount): string {
  const columns = [
    'user', 'arn', 'user_creation_time', 'password_enabled', 'password_last_used', 'password_last_changed', 'password_next_rotation', 'mfa_active',
    'access_key_1_active', 'access_key_1_last_rotated', 'access_key_1_last_used_date', 'access_key_1_last_used_region', 'access_key_1_last_used_service',
    'access_key_2_active', 'access_key_2_last_rotated', 'access_key_2_last_used_date', 'access_key_2_last_used_region', 'access_key_2_last_used_service',
    'cert_1_active', 'cert_1_last_rotated', 'cert_2_active', 'cert_2_last_rotated',
  ];
  const keyCells = (key: AccessKeyPlan | null) => (key
    ? [String(key.active), reportTime(key.lastRotated), reportTime(key.lastUsed), key.lastUsedRegion ?? 'N/A', key.lastUsedService ?? 'N/A']
    : ['false', 'N/A', 'N/A', 'N/A', 'N/A']);
  const root = ['<root_account>', `arn:aws:iam::${account.accountId}:root`, reportTime(epochTime(-24 * 900)), 'not_supported', 'no_information', 'not_supported', 'not_supported', 'true',
    'false', 'N/A', 'N/A', 'N/A', 'N/A', 'false', 'N/A', 'N/A', 'N/A', 'N/A', 'false', 'N/A', 'false', 'N/A'];
  const rows = account.users.map((user) => [
    user.detail.UserName ?? '', user.detail.Arn ?? '', reportTime(user.detail.CreateDate ?? null), String(user.passwordEnabled),
    user.passwordEnabled ? (user.passwordLastUsed ? reportTime(user.passwordLastUsed) : 'no_information') : 'N/A',
    reportTime(user.passwordLastChanged), 'N/A', String(user.mfaActive), ...keyCells(user.keys[0]), ...keyCells(user.keys[1]), 'false', 'N/A', 'false', 'N/A',
  ]);
  return `${[columns, root, ...rows].map((row) => row.join(',')).join('\n')}\n`;
}

/** The epoch's time: when the sandbox's credential report was generated. */
export function reportGeneratedTime(epoch: number): Date {
  return epochTime(epoch);
}
