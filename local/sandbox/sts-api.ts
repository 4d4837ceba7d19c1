/**
 * The STS operations the sandbox answers (query protocol, XML): who the caller is, and AssumeRole
 * into the sandbox's other accounts. Temporary access key ids carry the target account id.
 */
import { PRIMARY_ACCOUNT_ID, assumedAccessKeyId, isSandboxAccount, primaryUserArn } from './accounts';
import { SandboxApiError } from './api-errors';
import type { QueryParams } from './query';
import { accountStatus } from './organization';
import { Dice, hashText } from './random';
import type { SandboxSpec, StsOperation } from './spec';
import { escapeXml } from './xml';

const STS_XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';

export interface AssumedSession {
  accountId: string;
  roleName: string;
  sessionName: string;
}

export interface StsCall {
  action: StsOperation;
  params: QueryParams;
  spec: SandboxSpec;
  /** The account the caller's access key belongs to. */
  accountId: string;
  accessKeyId: string | undefined;
  requestId: string;
  /** Sessions handed out by AssumeRole on this server, by access key id. */
  sessions: Map<string, AssumedSession>;
}

type StsHandler = (call: StsCall) => string;

function stsResponse(action: string, requestId: string, result: string): string {
  return `<${action}Response xmlns="${STS_XMLNS}"><${action}Result>${result}</${action}Result>` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
}

export function stsErrorResponse(code: string, message: string, requestId: string, status: number): string {
  return `<ErrorResponse xmlns="${STS_XMLNS}"><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${escapeXml(code)}</Code>` +
    `<Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}

const element = (name: string, value: string) => `<${name}>${escapeXml(value)}</${name}>`;

function getCallerIdentity(call: StsCall): string {
  const session = call.accessKeyId ? call.sessions.get(call.accessKeyId) : undefined;
  let arn = primaryUserArn();
  let userId = 'AIDASANDBOXADMIN0001';
  if (call.accountId !== PRIMARY_ACCOUNT_ID || session) {
    const roleName = session?.roleName ?? 'sandbox';
    const sessionName = session?.sessionName ?? 'session';
    arn = `arn:aws:sts::${call.accountId}:assumed-role/${roleName}/${sessionName}`;
    userId = `${roleIdOf(call.accountId, roleName)}:${sessionName}`;
  }
  return stsResponse('GetCallerIdentity', call.requestId, element('Arn', arn) + element('UserId', userId) + element('Account', call.accountId));
}

function roleIdOf(accountId: string, roleName: string): string {
  return `AROA${new Dice(hashText(`${accountId}|${roleName}`)).alphanumeric(17)}`;
}

function validationError(message: string): SandboxApiError {
  return new SandboxApiError('ValidationError', message);
}

function assumeRole(call: StsCall): string {
  const { params, spec } = call;
  const roleArn = params.get('RoleArn') ?? '';
  const sessionName = params.get('RoleSessionName') ?? '';
  const match = /^arn:aws:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/.exec(roleArn);
  if (!match) throw validationError(`1 validation error detected: Value '${roleArn}' at 'roleArn' failed to satisfy constraint: Member must be a role ARN such as arn:aws:iam::222222222222:role/${'cloudtap-collector'}`);
  if (!/^[\w+=,.@-]{2,64}$/.test(sessionName)) {
    throw validationError(`1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`);
  }
  const duration = params.integer('DurationSeconds') ?? 3600;
  if (duration < 900 || duration > 43200) throw validationError(`The requested DurationSeconds exceeds the allowed range 900 to 43200: ${duration}`);
  const [, accountId = '', roleName = ''] = match;
  const caller = call.accountId === PRIMARY_ACCOUNT_ID ? primaryUserArn() : `arn:aws:sts::${call.accountId}:assumed-role/${call.sessions.get(call.accessKeyId ?? '')?.roleName ?? 'sandbox'}`;
  const denied = () => new SandboxApiError('AccessDenied', `User: ${caller} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);
  if (!isSandboxAccount(spec, accountId)) throw denied();
  if (accountId !== PRIMARY_ACCOUNT_ID && spec.externalId !== undefined && params.get('ExternalId') !== spec.externalId) throw denied();
  // deny=: the role is missing or does not trust the caller, which AWS does not tell apart; a suspended or closing
  // account cannot be signed in to at all.
  if (spec.deny.includes(accountId) || accountStatus(spec, accountId) !== 'ACTIVE') throw denied();

  const dice = new Dice(hashText(`${call.requestId}|${roleArn}|${sessionName}`));
  const accessKeyId = assumedAccessKeyId(accountId, dice.alphanumeric(4));
  call.sessions.set(accessKeyId, { accountId, roleName, sessionName });
  // Expiration is real time: SDK credential providers compare it with the machine's clock.
  const expiration = new Date(Date.now() + duration * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const result =
    `<Credentials>${element('AccessKeyId', accessKeyId)}${element('SecretAccessKey', dice.alphanumeric(40, 1))}` +
    `${element('SessionToken', `IQoJb3JpZ2luX2VjE${dice.alphanumeric(120, 2)}`)}${element('Expiration', expiration)}</Credentials>` +
    `<AssumedRoleUser>${element('AssumedRoleId', `${roleIdOf(accountId, roleName)}:${sessionName}`)}` +
    `${element('Arn', `arn:aws:sts::${accountId}:assumed-role/${roleName}/${sessionName}`)}</AssumedRoleUser>`;
  return stsResponse('AssumeRole', call.requestId, result);
}

export const STS_HANDLERS: Record<StsOperation, StsHandler> = {
  GetCallerIdentity: getCallerIdentity,
  AssumeRole: assumeRole,
};
