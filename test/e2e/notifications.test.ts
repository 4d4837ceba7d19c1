import { describe, it, expect, beforeAll } from '@jest/globals';
import { collectLocally } from '../../cli/commands/run';
import { overlayEnvironment } from '../../cli/environment';
import { PRIMARY_ACCOUNT_ID } from '../../local/sandbox/accounts';
import { publishedMessages } from '../../local/sandbox/services/sns';
import { putEvents } from '../../local/sandbox/services/eventbridge';
import { enabledRegions, parseSandboxSpec } from '../../local/sandbox/spec';
import { sandboxTruth } from '../../local/sandbox/truth';
import { parseCollectionRequest } from '../../src/dto/collection-request';
import type { RunSummary } from '../../src/dto/run-summary';
import type { Notification } from '../../src/notify/delivery';
import { parseRoutes } from '../../src/notify/routes';
import { serviceNames } from '../../src/services/registry';
import { SNAPSHOT_ENV } from '../../src/sql/schema';
import { tempDir } from '../support/cli';

/**
 * The sandbox's `stopAt=1`: at epoch 1 every instance of the region (~200) is stopped at once; at epoch 2 they run again
 * (but those the timeline itself stopped). Two runs through the whole workflow; SNS and EventBridge are the sandbox's,
 * reached over HTTP through the SDK.
 */
const SPEC = 'seed=7&regions=1&instances=200&stopAt=1';
const region = enabledRegions(parseSandboxSpec(SPEC))[0];
const topic = `arn:aws:sns:${region}:${PRIMARY_ACCOUNT_ID}:fleet-ops`;
const bus = 'fleet-bus';
const stoppedIds = (epoch: number): Set<string> => new Set(sandboxTruth(parseSandboxSpec(`${SPEC}&epoch=${epoch}`)).conditions.filter((c) => c.rule === 'InstanceState').map((c) => c.id));
const stoppedAt = (epoch: number): number => stoppedIds(epoch).size;
const instanceOf = (alert: { payload: { custom_details: { typeNames: { name: string }[] } } }): string => alert.payload.custom_details.typeNames[0]?.name.split(':').pop() ?? '';

describe('grouped notifications', () => {
  const summaries: RunSummary[] = [];
  const messages: Notification[][] = [];
  let busNotifications: Notification[] = [];

  beforeAll(async () => {
    const routes = parseRoutes([
      { name: 'pager', match: { rule: 'InstanceState', severity: [1, 2] }, target: { snsTopicArn: topic }, groupBy: ['rule'], continue: true },
      { name: 'bus', match: { rule: 'InstanceState' }, target: { eventBus: bus }, groupBy: ['rule'] },
    ], 'routes');
    const dataDir = await tempDir();
    const restore = overlayEnvironment({ [SNAPSHOT_ENV.directory]: '' });
    try {
      for (const epoch of [1, 2]) {
        const before = publishedMessages(topic).length;
        summaries.push(await collectLocally(parseCollectionRequest({ services: ['EC2'] }, serviceNames()), {
          spec: parseSandboxSpec(`${SPEC}&epoch=${epoch}`), dataDir, routes, flapping: { keepFiringRuns: 0 },
        }));
        messages.push(publishedMessages(topic).slice(before).map((m) => JSON.parse(m.message) as Notification));
      }
    } finally {
      restore();
    }
    busNotifications = putEvents(bus).map((e) => JSON.parse(e.detail) as Notification);
  }, 120_000);

  it('stopping 200 instances at once yields one grouped notification', () => {
    const stopped = stoppedAt(1);
    expect(stopped).toBeGreaterThanOrEqual(200);
    expect(messages[0]).toHaveLength(1);
    const [notification] = messages[0] ?? [];
    expect(notification).toEqual(expect.objectContaining({ route: 'pager', labels: { rule: 'InstanceState' }, status: 'firing', part: { index: 1, of: 1 } }));
    expect(notification?.alerts).toHaveLength(stopped);
    expect(new Set(notification?.alerts.map((a) => a.dedup_key)).size).toBe(stopped);
    expect(notification?.alerts[0]).toEqual(expect.objectContaining({
      event_action: 'trigger', dedup_key: expect.stringMatching(/^cloudtap-[0-9a-f]{32}$/),
      payload: expect.objectContaining({ severity: 'error', class: 'AWS_EC2', summary: expect.stringMatching(/is stopped$/) }),
    }));
    expect(summaries[0]?.notifications).toEqual(expect.objectContaining({ sent: 2, alerts: 2 * stopped }));
  });

  it('their recovery: one resolve per dedup key, in one notification', () => {
    const triggers = new Set(messages[0]?.[0]?.alerts.map((a) => a.dedup_key));
    expect(messages[1]).toHaveLength(1);
    const resolves = messages[1]?.[0]?.alerts ?? [];
    expect(resolves.every((a) => a.event_action === 'resolve' && triggers.has(a.dedup_key))).toBe(true);
    expect(new Set(resolves.map((a) => a.dedup_key)).size).toBe(resolves.length);
    // Those the timeline itself keeps stopped at epoch 2 stay firing; every other one resolves.
    const stillStopped = stoppedIds(2);
    expect(resolves.map(instanceOf).sort()).toEqual([...stoppedIds(1)].filter((id) => !stillStopped.has(id)).sort());
  });

  it('a route with continue also sends the group to the next matching route (EventBridge)', () => {
    expect(busNotifications.map((n) => [n.route, n.alerts[0]?.event_action])).toEqual([['bus', 'trigger'], ['bus', 'resolve']]);
    expect(busNotifications[0]?.alerts).toHaveLength(stoppedAt(1));
  });
});
