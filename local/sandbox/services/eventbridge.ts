/**
 * EventBridge (awsJson1_1, `AWSEvents.<Op>`): PutEvents, as the notifier and the threshold alarms send them. Every bus
 * of the calling account exists. What is put is kept, in this process, for tests to read (`putEvents()`).
 */
import { randomUUID } from 'node:crypto';
import * as EventBridge from '@aws-sdk/client-eventbridge';
import { SandboxApiError } from '../api-errors';
import { awsJsonProtocol } from '../protocols/json';
import type { SandboxCall, SandboxServiceModule } from '../service-module';

export interface PutEvent {
  eventId: string;
  eventBusName: string;
  source: string;
  detailType: string;
  detail: string;
  accountId: string;
  region: string;
}

const received: PutEvent[] = [];
const KEPT = 10_000;
/** EventBridge: at most 10 entries a call, 256 KB a call. */
const MAX_ENTRIES = 10;
const MAX_REQUEST_BYTES = 262_144;

/** What EventBridge received, oldest first (optionally one bus's only: its name or ARN, as the caller gave it). */
export function putEvents(eventBusName?: string): PutEvent[] {
  return received.filter((e) => eventBusName === undefined || e.eventBusName === eventBusName);
}

function handle(call: SandboxCall): unknown {
  if (call.operation !== 'PutEvents') throw new SandboxApiError('UnknownOperationException', `Unknown operation ${call.operation}`);
  const entries = (call.input.Entries ?? []) as Record<string, unknown>[];
  if (entries.length < 1 || entries.length > MAX_ENTRIES) {
    throw new SandboxApiError('ValidationException', `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${MAX_ENTRIES}`);
  }
  const size = entries.reduce((sum, e) => sum + Buffer.byteLength(String(e.Detail ?? '')) + Buffer.byteLength(String(e.DetailType ?? '')) + Buffer.byteLength(String(e.Source ?? '')), 0);
  if (size > MAX_REQUEST_BYTES) throw new SandboxApiError('ValidationException', 'Total size of the entries in the request is over the limit.');
  const results = entries.map((entry) => {
    const detail = String(entry.Detail ?? '');
    try {
      JSON.parse(detail);
    } catch {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    if (!entry.Source || !entry.DetailType) return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter(s) Source and DetailType must be specified.' };
    const eventId = randomUUID();
    received.push({
      eventId, eventBusName: String(entry.EventBusName ?? 'default'), source: String(entry.Source), detailType: String(entry.DetailType), detail,
      accountId: call.accountId, region: call.region,
    });
    return { EventId: eventId };
  });
  if (received.length > KEPT) received.splice(0, received.length - KEPT);
  return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
}

export const eventBridgeModule: SandboxServiceModule = {
  name: 'EventBridge',
  signingName: 'events',
  endpointVariable: 'AWS_ENDPOINT_URL_EVENTBRIDGE',
  protocol: awsJsonProtocol({ schemas: EventBridge, version: '1.1', target: 'AWSEvents' }),
  operations: ['PutEvents'],
  throttling: { code: 'ThrottlingException', status: 400, message: 'Rate exceeded' },
  handle,
};
