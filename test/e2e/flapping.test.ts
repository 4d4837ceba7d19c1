import { describe, it, expect, beforeAll } from '@jest/globals';
import { collectLocally } from '../../cli/commands/run';
import { openWorkspace } from '../../cli/workspace';
import { overlayEnvironment } from '../../cli/environment';
import { PRIMARY_ACCOUNT_ID } from '../../local/sandbox/accounts';
import { publishedMessages } from '../../local/sandbox/services/sns';
import { enabledRegions, parseSandboxSpec } from '../../local/sandbox/spec';
import { sandboxTruth } from '../../local/sandbox/truth';
import { parseCollectionRequest } from '../../src/dto/collection-request';
import type { RunSummary } from '../../src/dto/run-summary';
import type { Threshold } from '../../src/events/threshold';
import type { Notification } from '../../src/notify/delivery';
import { parseRoutes } from '../../src/notify/routes';
import { serviceNames } from '../../src/services/registry';
import { SNAPSHOT_ENV } from '../../src/sql/schema';
import { EventStore, type StoredEvent } from '../../src/store/event-store';
import { tempDir } from '../support/cli';

const LARGE = 'seed=41&regions=1&instances=12';
const SMALL = 'seed=41&regions=1&instances=2';
const webServers = (spec: string): number => sandboxTruth(parseSandboxSpec(spec)).resources
  .filter((r) => r.type === 'EC2.Instance' && r.attributes.state === 'running' && r.attributes.role === 'web_server').length;
const region = enabledRegions(parseSandboxSpec(LARGE))[0];
const topic = `arn:aws:sns:${region}:${PRIMARY_ACCOUNT_ID}:flapping-ops`;

describe('flapping', () => {
  const summaries: RunSummary[] = [];
  let event: StoredEvent | undefined;

  beforeAll(async () => {
    expect(webServers(LARGE)).toBeGreaterThan(webServers(SMALL));
    const thresholds: Threshold[] = [{ name: 'web-flap', rule: 'RunningInstances', group: 'web_server', above: webServers(SMALL), severity: 2 }];
    const routes = parseRoutes([{ name: 'flap', match: { rule: 'Threshold' }, target: { snsTopicArn: topic } }], 'routes');
    const dataDir = await tempDir();
    const restore = overlayEnvironment({ [SNAPSHOT_ENV.directory]: '' });
    try {
      // Breached, recovered, breached …: six runs, the threshold's event opening and clearing each time.
      for (const spec of [LARGE, SMALL, LARGE, SMALL, LARGE, SMALL]) {
        summaries.push(await collectLocally(parseCollectionRequest({ services: ['EC2'] }, serviceNames()), { spec: parseSandboxSpec(spec), dataDir, thresholds, routes }));
      }
    } finally {
      restore();
    }
    const workspace = await openWorkspace({ dataDir });
    try {
      for await (const e of new EventStore(workspace.db).scan()) if (e.rule === 'Threshold') event = e;
    } finally {
      await workspace.close();
    }
  }, 120_000);

  it('a flapping event (open/clear alternating over 6 runs) is marked and notifies once', () => {
    // The threshold's own alarms (one per transition) stop too once it is marked flapping (the 4th change).
    expect(summaries.map((s) => s.alarms?.[0]?.detailType)).toEqual(['cloudtap.Alarm', 'cloudtap.AlarmCleared', 'cloudtap.Alarm', undefined, undefined, undefined]);
    expect(event?.flapping).toBe(true);
    const lifecycle = event?.transitions.map((t) => t.transition);
    expect(lifecycle?.filter((t) => t === 'flapping')).toHaveLength(1);
    expect(lifecycle?.filter((t) => t === 'notified')).toHaveLength(1);
    const messages = publishedMessages(topic).map((m) => JSON.parse(m.message) as Notification);
    expect(messages.map((m) => m.alerts.map((a) => a.event_action))).toEqual([['trigger']]);
    // The instances that come and go with the fleet's size flap too: each is held, none notified.
    expect(summaries.at(-1)?.notifications).toEqual(expect.objectContaining({ sent: 0 }));
    expect(summaries.at(-1)?.notifications?.flapping).toBeGreaterThanOrEqual(1);
  });
});
