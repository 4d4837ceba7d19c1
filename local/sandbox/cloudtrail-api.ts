/**
 * The CloudTrail operations the sandbox answers (JSON 1.1 protocol): trails as the account has
 * them in the called region (multi-region trails appear everywhere as shadow trails), their
 * status and selectors, and the event history LookupEvents pages through, newest first.
 */
import type { AccountModel } from './account';
import { SandboxApiError } from './api-errors';
import { epochTime } from './clock';
import { EVENT_HISTORY_EPOCHS, cloudTrailEventJson, stepEvents, type SandboxEvent } from './events';
import type { RegionModel } from './region-model';
import type { CloudTrailOperation, SandboxSpec } from './spec';
import { eventSelectors, trailShape, trailStateAt, trailStatus, type TrailPlan } from './trails';

export interface CloudTrailCall {
  action: CloudTrailOperation;
  input: Record<string, unknown>;
  spec: SandboxSpec;
  account: AccountModel;
  model: RegionModel;
}

type CloudTrailHandler = (call: CloudTrailCall) => Record<string, unknown>;

/** Trails visible from the called region: those homed there, plus multi-region ones (as shadow trails). */
function visibleTrails(call: CloudTrailCall, includeShadowTrails = true): TrailPlan[] {
  return call.account.trails.filter((trail) => trail.homeRegion === call.model.regionName || (includeShadowTrails && trail.multiRegion));
}

/** A trail by name (visible from this region) or by ARN (any region of the account). */
function findTrail(call: CloudTrailCall, parameter: string): TrailPlan {
  const nameOrArn = call.input[parameter];
  if (typeof nameOrArn !== 'string' || nameOrArn === '') {
    throw new SandboxApiError('InvalidTrailNameException', `${parameter} is required: a trail name or trail ARN.`);
  }
  const trail = nameOrArn.startsWith('arn:')
    ? call.account.trails.find((candidate) => candidate.arn === nameOrArn)
    : visibleTrails(call).find((candidate) => candidate.name === nameOrArn);
  if (!trail) throw new SandboxApiError('TrailNotFoundException', `Unknown trail: ${nameOrArn} for the user: ${call.account.accountId}`);
  return trail;
}

function describeTrails(call: CloudTrailCall): Record<string, unknown> {
  const names = Array.isArray(call.input.trailNameList) ? (call.input.trailNameList as string[]) : [];
  const trails = visibleTrails(call, call.input.includeShadowTrails !== false)
    .filter((trail) => names.length === 0 || names.includes(trail.name) || names.includes(trail.arn));
  return { trailList: trails.map(trailShape) };
}

function getTrailStatus(call: CloudTrailCall): Record<string, unknown> {
  const trail = findTrail(call, 'Name');
  const state = trailStateAt(trail, call.account.trailTimeline, call.spec.epoch);
  return { ...trailStatus(trail, state, call.spec.epoch, call.account.dice) };
}

const LOOKUP_KEYS = ['EventId', 'EventName', 'ReadOnly', 'Username', 'ResourceType', 'ResourceName', 'EventSource', 'AccessKeyId'] as const;
type LookupKey = (typeof LOOKUP_KEYS)[number];

function attributeValues(event: SandboxEvent, key: LookupKey): string[] {
  switch (key) {
    case 'EventId': return [event.eventId];
    case 'EventName': return [event.eventName];
    case 'ReadOnly': return ['false'];
    case 'Username': return [event.username];
    case 'ResourceType': return event.resources.map((resource) => resource.ResourceType);
    case 'ResourceName': return event.resources.map((resource) => resource.ResourceName);
    case 'EventSource': return [event.eventSource];
    case 'AccessKeyId': return [event.accessKeyId];
  }
}

/** Timestamps arrive as epoch seconds (what the SDK sends) or as ISO text. */
function timeInput(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const millis = typeof value === 'number' ? value * 1000 : Date.parse(String(value));
  if (!Number.isFinite(millis)) throw new SandboxApiError('InvalidTimeRangeException', `${name} is not a valid time: ${String(value)}`);
  return millis;
}

function lookupEvents(call: CloudTrailCall): Record<string, unknown> {
  const { input, spec, account, model } = call;
  const attributes = Array.isArray(input.LookupAttributes) ? (input.LookupAttributes as { AttributeKey?: string; AttributeValue?: string }[]) : [];
  if (attributes.length > 1) throw new SandboxApiError('InvalidLookupAttributesException', 'You cannot specify more than one lookup attribute.');
  const attribute = attributes[0];
  const key = attribute ? LOOKUP_KEYS.find((candidate) => candidate === attribute.AttributeKey) : undefined;
  if (attribute && (!key || attribute.AttributeValue === undefined)) {
    throw new SandboxApiError('InvalidLookupAttributesException', `Invalid lookup attribute ${attribute.AttributeKey}; use one of ${LOOKUP_KEYS.join(', ')}.`);
  }
  const maxResults = input.MaxResults ?? 50;
  if (typeof maxResults !== 'number' || !Number.isInteger(maxResults) || maxResults < 1 || maxResults > 50) {
    throw new SandboxApiError('InvalidMaxResultsException', `MaxResults must be a whole number from 1 to 50, got ${String(maxResults)}.`);
  }
  const epoch = spec.epoch;
  const now = epochTime(epoch).getTime();
  const start = timeInput(input.StartTime, 'StartTime') ?? now - EVENT_HISTORY_EPOCHS * 3_600_000;
  // The sandbox's clock is its epoch's time (2026-01-01 + epoch hours), usually behind the caller's wall clock:
  // a window that starts after the sandbox's present is empty rather than an error, so collectors that look
  // back from the real now still work (AWS itself never sees a StartTime after its own now from them).
  const end = timeInput(input.EndTime, 'EndTime') ?? Math.max(now, start);
  if (start > end) throw new SandboxApiError('InvalidTimeRangeException', 'StartTime must be before EndTime.');
  if (input.EventCategory === 'insight') return { Events: [] };

  const scope = `LookupEvents|${model.accountId}|${model.regionName}|${epoch}|${key}=${attribute?.AttributeValue}|${start}|${end}`;
  let [step, offset] = [epoch, 0];
  if (typeof input.NextToken === 'string') [step, offset] = decodeEventToken(scope, input.NextToken);
  const oldest = Math.max(1, epoch - EVENT_HISTORY_EPOCHS + 1);
  const matches = (event: SandboxEvent) => {
    const time = event.eventTime.getTime();
    return time >= start && time <= end && (!key || attributeValues(event, key).includes(attribute?.AttributeValue ?? ''));
  };
  const found: SandboxEvent[] = [];
  // Steps newest first; a step's events all happened in the hour before its epoch time.
  pages: for (; step >= oldest && epochTime(step).getTime() >= start; step--, offset = 0) {
    if (epochTime(step - 1).getTime() > end) continue;
    const events = stepEvents(account, model, step);
    for (; offset < events.length; offset++) {
      if (found.length === maxResults) break pages;
      const event = events[offset] as SandboxEvent;
      if (matches(event)) found.push(event);
    }
  }
  const output: Record<string, unknown> = {
    Events: found.map((event) => ({
      EventId: event.eventId, EventName: event.eventName, ReadOnly: 'false', AccessKeyId: event.accessKeyId, EventTime: event.eventTime,
      EventSource: event.eventSource, Username: event.username, Resources: event.resources,
      CloudTrailEvent: cloudTrailEventJson(event, model.accountId, model.regionName),
    })),
  };
  const more = step >= oldest && epochTime(step).getTime() >= start;
  if (more) output.NextToken = Buffer.from(`${scope}|${step}|${offset}`).toString('base64url');
  return output;
}

function decodeEventToken(scope: string, token: string): [number, number] {
  const parts = Buffer.from(token, 'base64url').toString().split('|');
  const [step, offset] = parts.slice(-2).map(Number);
  if (parts.slice(0, -2).join('|') !== scope || !Number.isSafeInteger(step) || !Number.isSafeInteger(offset)) {
    throw new SandboxApiError('InvalidNextTokenException', 'The NextToken is invalid or does not belong to this request.');
  }
  return [step as number, offset as number];
}

export const CLOUDTRAIL_HANDLERS: Record<CloudTrailOperation, CloudTrailHandler> = {
  DescribeTrails: describeTrails,
  ListTrails: (call) => ({ Trails: call.account.trails.map((trail) => ({ TrailARN: trail.arn, Name: trail.name, HomeRegion: trail.homeRegion })) }),
  GetTrailStatus: getTrailStatus,
  GetEventSelectors: (call) => {
    const trail = findTrail(call, 'TrailName');
    return { TrailARN: trail.arn, EventSelectors: eventSelectors(trail) };
  },
  LookupEvents: lookupEvents,
};

/** JSON with timestamps as epoch seconds, as the JSON protocols send them. */
export function cloudTrailJson(output: Record<string, unknown>): string {
  return JSON.stringify(output, function (this: Record<string, unknown>, key, value) {
    const raw = this[key];
    return raw instanceof Date ? raw.getTime() / 1000 : value;
  });
}
