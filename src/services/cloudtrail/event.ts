import { LookupEventsCommand, type Event, type LookupEventsCommandOutput } from '@aws-sdk/client-cloudtrail';
import { defineResourceType, type CollectContext, type ResourceRecord } from '../resource-type';
import { regionalArn } from '../arn';
import { isoTime } from '../record-values';

const HOUR_MS = 3_600_000;
/** Without a previous complete collection, look back this far (see lookupStartTime). */
export const FIRST_LOOKBACK_MS = 24 * HOUR_MS;
/** Events reach LookupEvents minutes after the call they record: each listing overlaps the previous one by this much. */
export const DELIVERY_DELAY_MS = 15 * 60_000;

/**
 * Recent write management events (ReadOnly=false) that touch a collected resource: observations, never deleted.
 * LookupEvents returns at most 50 events a call, newest first.
 */
export const eventType = defineResourceType<Event, LookupEventsCommandOutput>({
  service: 'CloudTrail',
  name: 'Event',
  info: {
    group: 'CloudTrail',
    displayName: 'CloudTrail Event',
    labels: ['Management', 'Audit'],
    primaryFields: ['event_name', 'event_time', 'username'],
    displayFields: ['event_time', 'event_name', 'username', 'event_source', 'resources', 'source_ip', 'error_code'],
  },
  list: {
    client: 'cloudtrail',
    action: 'cloudtrail:LookupEvents',
    maxResults: 50,
    command: (page, context) => new LookupEventsCommand({
      LookupAttributes: [{ AttributeKey: 'ReadOnly', AttributeValue: 'false' }],
      StartTime: lookupStartTime(context),
      MaxResults: page.maxResults,
      NextToken: page.token,
    }),
    items: (output, context) => (output.Events ?? []).filter((event) => touchesCollectedResource(event, context?.collectedAwsTypes)),
    nextToken: (output) => output.NextToken,
  },
  preprocess: (raw, context) => preprocessEvent(raw, context),
  volatileFields: [],
  appendOnly: true,
});

/**
 * Whether an event touches a type cloudtap collects (AWS's names, e.g. `AWS::EC2::Instance`, which the engine
 * learns from every registered type's declaration). Without the set, every event is kept.
 */
export function touchesCollectedResource(event: Event, collected: ReadonlySet<string> | undefined): boolean {
  if (!collected) return true;
  return (event.Resources ?? []).some((r) => r.ResourceType !== undefined && collected.has(r.ResourceType));
}

/** Fixed once per listing: CloudTrail accepts a NextToken only with the parameters of the call that returned it. */
const startByListing = new WeakMap<CollectContext, Date>();

/**
 * Where a listing starts: shortly before the last complete collection (events arrive late), or — never collected
 * completely — a bounded 24 hours back, not CloudTrail's whole 90 days: at 50 events a call and 2 calls a second per
 * region, 90 days of a busy account would take hours. That first bound is aligned to the hour, so that the pages of
 * one listing agree on it even when the pager does not pass the listing's context.
 */
export function lookupStartTime(context?: CollectContext, now = Date.now()): Date {
  const cached = context && startByListing.get(context);
  if (cached) return cached;
  const since = context?.since ? Date.parse(context.since) : Number.NaN;
  const start = Number.isNaN(since)
    ? new Date(Math.floor(now / HOUR_MS) * HOUR_MS - FIRST_LOOKBACK_MS)
    : new Date(since - DELIVERY_DELAY_MS);
  if (context) startByListing.set(context, start);
  return start;
}

export function preprocessEvent(raw: Event, context: Pick<CollectContext, 'accountId' | 'region'>): ResourceRecord {
  const id = raw.EventId ?? '';
  const detail = eventDetail(raw.CloudTrailEvent);
  return {
    id,
    name: raw.EventName,
    // Events have no ARN of their own; this one names the event in the same form.
    arn: regionalArn(context, 'cloudtrail', `event/${id}`),
    tags: {},
    data: {
      event_id: id,
      event_name: raw.EventName ?? null,
      event_time: isoTime(raw.EventTime),
      username: raw.Username ?? null,
      event_source: raw.EventSource ?? null,
      resources: (raw.Resources ?? []).map((r) => ({ type: r.ResourceType ?? null, name: r.ResourceName ?? null })),
      source_ip: detail.sourceIp,
      error_code: detail.errorCode,
    },
  };
}

/**
 * The two fields read from the full event JSON. The JSON itself is never kept: its request parameters can hold
 * secrets (an instance's user data, a database password).
 */
function eventDetail(json: string | undefined): { sourceIp: string | null; errorCode: string | null } {
  let parsed: { sourceIPAddress?: unknown; errorCode?: unknown } = {};
  try {
    if (json) parsed = JSON.parse(json) as typeof parsed;
  } catch {
    // A truncated or malformed event still yields its summary fields.
  }
  return {
    sourceIp: typeof parsed.sourceIPAddress === 'string' ? parsed.sourceIPAddress : null,
    errorCode: typeof parsed.errorCode === 'string' ? parsed.errorCode : null,
  };
}
