import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { traced } from '../aws/clients';
import type { Alert } from './alerts';
import type { RouteTarget } from './routes';

export const NOTIFICATION = 'cloudtap.Notification';

/**
 * One grouped notification: a route's group (its `groupBy` labels) and the alerts of this run for it. `part` numbers the
 * messages a group was split into to fit a message (SNS and EventBridge: 256 KB).
 */
export interface Notification {
  version: 1;
  route: string;
  groupKey: string;
  labels: Record<string, string>;
  /** `firing` while any alert of the group triggers; `resolved` when all resolve. */
  status: 'firing' | 'resolved';
  /** A reminder of alerts still firing (the route's repeat interval), nothing new. */
  reminder: boolean;
  runId: string;
  time: string;
  part: { index: number; of: number };
  alerts: Alert[];
}

/** SNS messages and EventBridge entries are at most 256 KB; room is left for the envelope. */
export const MESSAGE_LIMIT_BYTES = 250_000;

/** A group's alerts in as few notifications as fit MESSAGE_LIMIT_BYTES each. */
export function splitNotification(base: Omit<Notification, 'part' | 'alerts'>, alerts: readonly Alert[], limit = MESSAGE_LIMIT_BYTES): Notification[] {
  const envelope = Buffer.byteLength(JSON.stringify({ ...base, part: { index: 99999, of: 99999 }, alerts: [] }));
  const chunks: Alert[][] = [];
  let chunk: Alert[] = [];
  let size = envelope;
  for (const alert of alerts) {
    const bytes = Buffer.byteLength(JSON.stringify(alert)) + 1;
    if (chunk.length > 0 && size + bytes > limit) {
      chunks.push(chunk);
      chunk = [];
      size = envelope;
    }
    chunk.push(alert);
    size += bytes;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks.map((part, index) => ({ ...base, part: { index: index + 1, of: chunks.length }, alerts: part }));
}

/** Sends notifications to a route's target. */
export interface NotificationSender {
  send(target: RouteTarget, notifications: readonly Notification[]): Promise<void>;
}

function regionOfArn(arn: string): string | undefined {
  return arn.startsWith('arn:') ? arn.split(':')[3] || undefined : undefined;
}

const PUT_EVENTS_LIMIT = 10;

/**
 * SNS `Publish` (one message per notification, the subject a one-line summary) and EventBridge `PutEvents` (ten entries
 * a call, detail type `cloudtap.Notification`), through the SDK's clients for the target's region.
 */
export function awsSender(homeRegion: string): NotificationSender {
  const sns = new Map<string, SNSClient>();
  const events = new Map<string, EventBridgeClient>();
  const snsClient = (region: string) => {
    let client = sns.get(region);
    if (!client) sns.set(region, (client = traced(new SNSClient({ region, maxAttempts: 8 }), 'SNS', { region })));
    return client;
  };
  const eventsClient = (region: string) => {
    let client = events.get(region);
    if (!client) events.set(region, (client = traced(new EventBridgeClient({ region, maxAttempts: 8 }), 'EventBridge', { region })));
    return client;
  };
  return {
    async send(target, notifications) {
      if ('snsTopicArn' in target) {
        const client = snsClient(regionOfArn(target.snsTopicArn) ?? homeRegion);
        for (const n of notifications) {
          await client.send(new PublishCommand({ TopicArn: target.snsTopicArn, Subject: subjectOf(n), Message: JSON.stringify(n) }));
        }
        return;
      }
      const client = eventsClient(regionOfArn(target.eventBus) ?? homeRegion);
      for (let i = 0; i < notifications.length; i += PUT_EVENTS_LIMIT) {
        let entries: PutEventsRequestEntry[] = notifications.slice(i, i + PUT_EVENTS_LIMIT).map((n) => ({
          EventBusName: target.eventBus, Source: 'cloudtap', DetailType: NOTIFICATION, Time: new Date(n.time), Detail: JSON.stringify(n),
        }));
        for (let attempt = 1; entries.length > 0; attempt++) {
          const output = await client.send(new PutEventsCommand({ Entries: entries }));
          const failed = entries.filter((_, k) => output.Entries?.[k]?.ErrorCode);
          if (failed.length === 0) break;
          if (attempt >= 3) {
            const codes = [...new Set((output.Entries ?? []).map((e) => e.ErrorCode).filter(Boolean))].join(', ');
            throw new Error(`EventBridge refused ${failed.length} notification(s) on bus ${target.eventBus} (${codes}) after ${attempt} attempts`);
          }
          entries = failed;
        }
      }
    },
  };
}

/** SNS subjects: ASCII, at most 100 characters. */
export function subjectOf(n: Notification): string {
  const triggers = n.alerts.filter((a) => a.event_action === 'trigger').length;
  const resolves = n.alerts.length - triggers;
  const labels = Object.values(n.labels).filter(Boolean).join(' ');
  const what = [triggers ? `${triggers} firing` : '', resolves ? `${resolves} resolved` : ''].filter(Boolean).join(', ');
  const subject = `[cloudtap${n.reminder ? ' reminder' : ''}] ${n.route}${labels ? ` ${labels}` : ''}: ${what}${n.part.of > 1 ? ` (${n.part.index}/${n.part.of})` : ''}`;
  return subject.replace(/[^\x20-\x7e]/g, '?').slice(0, 100);
}
