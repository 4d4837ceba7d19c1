/**
 * SNS (awsQuery): Publish, as the notifier sends it. The sandbox has no topics of its own: any topic ARN of the calling
 * account and region exists. What is published is kept, in this process, for tests and `cloudtap sandbox` users to read
 * (`publishedMessages()`); the synthetic account itself is unchanged (it is still a function of the spec).
 */
import { randomUUID } from 'node:crypto';
import * as SNS from '@aws-sdk/client-sns';
import { SandboxApiError } from '../api-errors';
import { awsQueryProtocol } from '../protocols/query-xml';
import type { SandboxCall, SandboxServiceModule } from '../service-module';

export interface PublishedMessage {
  messageId: string;
  topicArn: string;
  subject?: string;
  message: string;
  accountId: string;
  region: string;
}

const published: PublishedMessage[] = [];
/** Messages kept; the oldest go first (a long-running `cloudtap sandbox` must not grow without bound). */
const KEPT = 10_000;
/** SNS: a message is at most 256 KB. */
const MAX_MESSAGE_BYTES = 262_144;

/** What SNS received, oldest first (optionally one topic's only). */
export function publishedMessages(topicArn?: string): PublishedMessage[] {
  return published.filter((m) => topicArn === undefined || m.topicArn === topicArn);
}

function handle(call: SandboxCall): unknown {
  if (call.operation !== 'Publish') throw new SandboxApiError('InvalidAction', `The action ${call.operation} is not valid for this web service.`);
  const topicArn = String(call.input.TopicArn ?? call.input.TargetArn ?? '');
  const parts = topicArn.split(':');
  if (parts.length !== 6 || parts[2] !== 'sns' || !parts[5]) throw new SandboxApiError('InvalidParameter', `Invalid parameter: TopicArn Reason: ${topicArn || '(none)'} is not a topic ARN`);
  if (parts[3] !== call.region || parts[4] !== call.accountId) {
    throw new SandboxApiError('NotFound', `Topic does not exist (${topicArn} is not a topic of account ${call.accountId} in ${call.region})`, 404);
  }
  const message = String(call.input.Message ?? '');
  if (!message) throw new SandboxApiError('InvalidParameter', 'Invalid parameter: Empty message');
  if (Buffer.byteLength(message) > MAX_MESSAGE_BYTES) throw new SandboxApiError('InvalidParameter', 'Invalid parameter: Message too long');
  const subject = call.input.Subject === undefined ? undefined : String(call.input.Subject);
  if (subject !== undefined && (subject.length > 100 || /[^\x20-\x7e]/.test(subject))) {
    throw new SandboxApiError('InvalidParameter', 'Invalid parameter: Subject (must be ASCII text that begins with a letter, number, or punctuation mark; less than 100 characters)');
  }
  const messageId = randomUUID();
  published.push({ messageId, topicArn, message, accountId: call.accountId, region: call.region, ...(subject !== undefined ? { subject } : {}) });
  if (published.length > KEPT) published.splice(0, published.length - KEPT);
  return { MessageId: messageId };
}

export const snsModule: SandboxServiceModule = {
  name: 'SNS',
  signingName: 'sns',
  endpointVariable: 'AWS_ENDPOINT_URL_SNS',
  protocol: awsQueryProtocol({ schemas: SNS, version: '2010-03-31', xmlNamespace: 'http://sns.amazonaws.com/doc/2010-03-31/' }),
  operations: ['Publish'],
  throttling: { code: 'Throttling', status: 400, message: 'Rate exceeded' },
  handle,
};
