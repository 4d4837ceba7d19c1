/**
 * CloudFormation's DescribeStacks as the sandbox answers it (query protocol, XML, as the real API): the stacks
 * a test or a local deployment registers, with their outputs. Enough for `cloudtap … --stack NAME` to find a
 * deployed stack's tables without an AWS account.
 */
import { randomUUID } from 'node:crypto';
import { PRIMARY_ACCOUNT_ID } from './accounts';
import { SandboxApiError } from './api-errors';
import type { QueryParams } from './query';
import { escapeXml } from './xml';

const CLOUDFORMATION_XMLNS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';
/** The API version the SDK sends; unsigned requests (curl) are told apart by it. */
export const CLOUDFORMATION_VERSION = '2010-05-15';

export interface SandboxStackInput {
  name: string;
  /** The region the stack lives in: DescribeStacks in any other region does not find it, as in AWS. */
  region: string;
  accountId?: string;
  /** OutputKey → OutputValue. */
  outputs: Record<string, string>;
  /** @default CREATE_COMPLETE */
  status?: string;
}

export interface SandboxStack extends Required<SandboxStackInput> {
  stackId: string;
  creationTime: string;
}

/** The stacks the sandbox knows, per region. */
export class SandboxStacks {
  private readonly stacks: SandboxStack[] = [];

  /** Registers a stack (replacing one of the same name in the same region) and returns it with its id. */
  add(input: SandboxStackInput): SandboxStack {
    const accountId = input.accountId ?? PRIMARY_ACCOUNT_ID;
    const stack: SandboxStack = {
      name: input.name, region: input.region, accountId, outputs: { ...input.outputs }, status: input.status ?? 'CREATE_COMPLETE',
      stackId: `arn:aws:cloudformation:${input.region}:${accountId}:stack/${input.name}/${randomUUID()}`,
      creationTime: new Date().toISOString().replace(/\.\d{3}Z$/, '.000Z'),
    };
    const index = this.stacks.findIndex((s) => s.name === stack.name && s.region === stack.region);
    if (index >= 0) this.stacks.splice(index, 1, stack);
    else this.stacks.push(stack);
    return stack;
  }

  /** A stack by name or stack id, in one region. */
  find(region: string, nameOrId: string): SandboxStack | undefined {
    return this.stacks.find((s) => s.region === region && (s.name === nameOrId || s.stackId === nameOrId));
  }

  inRegion(region: string): SandboxStack[] {
    return this.stacks.filter((s) => s.region === region);
  }
}

function element(name: string, value: string): string {
  return `<${name}>${escapeXml(value)}</${name}>`;
}

function stackXml(stack: SandboxStack): string {
  const outputs = Object.entries(stack.outputs).map(([key, value]) => `<member>${element('OutputKey', key)}${element('OutputValue', value)}</member>`).join('');
  return `<member>${element('StackName', stack.name)}${element('StackId', stack.stackId)}${element('CreationTime', stack.creationTime)}`
    + `${element('StackStatus', stack.status)}<Outputs>${outputs}</Outputs></member>`;
}

/**
 * DescribeStacks: one stack by `StackName` (name or id), or every stack of the region without it. An unknown
 * stack is AWS's own answer: `ValidationError`, "Stack with id NAME does not exist", HTTP 400.
 */
export function describeStacks(stacks: SandboxStacks, params: QueryParams, region: string, requestId: string): string {
  const name = params.get('StackName');
  let found: SandboxStack[];
  if (name === undefined || name === '') found = stacks.inRegion(region);
  else {
    const stack = stacks.find(region, name);
    if (!stack) throw new SandboxApiError('ValidationError', `Stack with id ${name} does not exist`, 400);
    found = [stack];
  }
  return `<DescribeStacksResponse xmlns="${CLOUDFORMATION_XMLNS}"><DescribeStacksResult><Stacks>${found.map(stackXml).join('')}</Stacks></DescribeStacksResult>`
    + `<ResponseMetadata>${element('RequestId', requestId)}</ResponseMetadata></DescribeStacksResponse>`;
}

export function cloudFormationErrorResponse(code: string, message: string, requestId: string, status: number): string {
  return `<ErrorResponse xmlns="${CLOUDFORMATION_XMLNS}"><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type>${element('Code', code)}`
    + `${element('Message', message)}</Error>${element('RequestId', requestId)}</ErrorResponse>`;
}

/** Answers one CloudFormation request: the status and XML body. Only DescribeStacks is served; no stacks given, none exists. */
export function answerCloudFormation(stacks: SandboxStacks = new SandboxStacks(), params: QueryParams, region: string): { status: number; body: string; requestId: string } {
  const requestId = randomUUID();
  const action = params.get('Action') ?? '';
  try {
    if (action !== 'DescribeStacks') throw new SandboxApiError('InvalidAction', `The action ${action || '(none)'} is not valid for this web service (the sandbox serves CloudFormation DescribeStacks only).`, 400);
    return { status: 200, body: describeStacks(stacks, params, region, requestId), requestId };
  } catch (error) {
    const apiError = error instanceof SandboxApiError ? error : new SandboxApiError('InternalFailure', `The sandbox failed: ${(error as Error).message}`, 500);
    return { status: apiError.status, body: cloudFormationErrorResponse(apiError.code, apiError.message, requestId, apiError.status), requestId };
  }
}
