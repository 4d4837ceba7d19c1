import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { traced } from '../aws/clients';

import type { Alarm } from '../dto/alarm';

export { ALARM, ALARM_CLEARED, type Alarm } from '../dto/alarm';

export interface AlarmPublisher {
  publish(alarms: Alarm[]): Promise<void>;
}

/** Locally alarms are recorded in the run summary (and printed); nothing else to do. */
export const recordOnly: AlarmPublisher = { publish: async () => {} };

const PUT_EVENTS_LIMIT = 10;

/** Publishes alarms to an EventBridge bus; entries EventBridge reports as failed are retried, then reported. */
export function eventBridgePublisher(eventBusName: string, region: string): AlarmPublisher {
  const client = traced(new EventBridgeClient({ region, maxAttempts: 8 }), 'EventBridge', { region });
  return {
    async publish(alarms) {
      for (let i = 0; i < alarms.length; i += PUT_EVENTS_LIMIT) {
        let entries: PutEventsRequestEntry[] = alarms.slice(i, i + PUT_EVENTS_LIMIT).map((alarm) => ({
          EventBusName: eventBusName, Source: 'cloudtap', DetailType: alarm.detailType, Time: new Date(alarm.time), Detail: JSON.stringify(alarm),
        }));
        for (let attempt = 1; entries.length > 0; attempt++) {
          const output = await client.send(new PutEventsCommand({ Entries: entries }));
          const failed = entries.filter((_, n) => output.Entries?.[n]?.ErrorCode);
          if (failed.length === 0) break;
          if (attempt >= 3) {
            const codes = [...new Set((output.Entries ?? []).map((e) => e.ErrorCode).filter(Boolean))].join(', ');
            throw new Error(`EventBridge refused ${failed.length} alarm(s) on bus ${eventBusName} (${codes}) after ${attempt} attempts`);
          }
          entries = failed;
        }
      }
    },
  };
}
