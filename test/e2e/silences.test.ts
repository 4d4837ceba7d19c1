import { describe, it, expect, beforeAll } from '@jest/globals';
import { collectLocally } from '../../cli/commands/run';
import { openWorkspace } from '../../cli/workspace';
import { silenceCommand } from '../../cli/commands/silence';
import { PRIMARY_ACCOUNT_ID } from '../../local/sandbox/accounts';
import { publishedMessages } from '../../local/sandbox/services/sns';
import { enabledRegions, parseSandboxSpec } from '../../local/sandbox/spec';
import { sandboxTruth } from '../../local/sandbox/truth';
import { parseCollectionRequest } from '../../src/dto/collection-request';
import type { RunSummary } from '../../src/dto/run-summary';
import { listEvents } from '../../src/events/event-queries';
import type { Threshold } from '../../src/events/threshold';
import type { Notification } from '../../src/notify/delivery';
import { NotifyStore } from '../../src/notify/notify-store';
import { parseRoutes } from '../../src/notify/routes';
import { serviceNames } from '../../src/services/registry';
import { EventStore, type StoredEvent } from '../../src/store/event-store';
import { overlayEnvironment } from '../../cli/environment';
import { SNAPSHOT_ENV } from '../../src/sql/schema';
import { captured } from './notify-support';
import { tempDir } from '../support/cli';

const SPEC = 'seed=41&regions=1&instances=12';
const region = enabledRegions(parseSandboxSpec(SPEC))[0];
const topic = `arn:aws:sns:${region}:${PRIMARY_ACCOUNT_ID}:silences-ops`;
const fleet: number = sandboxTruth(parseSandboxSpec(SPEC)).resources
  .filter((r) => r.type === 'EC2.Instance' && r.attributes.state === 'running' && r.attributes.role === 'web_server').length;
const thresholds: Threshold[] = [{ name: 'web-fleet', rule: 'RunningInstances', group: 'web_server', above: fleet - 1, severity: 2 }];
const routes = parseRoutes([{ name: 'ops', match: { rule: 'Threshold' }, target: { snsTopicArn: topic }, groupBy: ['rule'] }], 'routes');

describe('silences', () => {
  let dataDir: string;
  const summaries: RunSummary[] = [];
  const thresholdEvents: StoredEvent[] = [];
  const counts: number[] = [];
  let listed: { status: string }[] = [];

  async function run(): Promise<void> {
    const restore = overlayEnvironment({ [SNAPSHOT_ENV.directory]: '' });
    try {
      summaries.push(await collectLocally(parseCollectionRequest({ services: ['EC2'] }, serviceNames()), { spec: parseSandboxSpec(SPEC), dataDir, thresholds, routes }));
    } finally {
      restore();
    }
    const workspace = await openWorkspace({ dataDir });
    try {
      const [event] = (await new EventStore(workspace.db).listOpen()).filter((e) => e.rule === 'Threshold');
      if (event) thresholdEvents.push(event);
      counts.push((await listEvents(workspace.db, { state: 'open', rule: 'Threshold' }))[0]?.count ?? 0);
    } finally {
      await workspace.close();
    }
  }

  beforeAll(async () => {
    dataDir = await tempDir();
    const until = new Date(Date.now() + 3_600_000).toISOString();
    await captured(() => silenceCommand(['add', '--match', 'group=web_server', '--until', until, '--reason', 'scaling test, CHG-1', '--data-dir', dataDir]));
    await run();
    await run();
    // The silence expires: its end moved to the past, as time would move it (no job removes or changes anything).
    const workspace = await openWorkspace({ dataDir });
    try {
      const store = new NotifyStore(workspace.db);
      const [silence] = await store.listSilences();
      if (!silence) throw new Error('silence add stored nothing');
      await store.putSilence({ ...silence, until: new Date(Date.now() - 1000).toISOString() });
    } finally {
      await workspace.close();
    }
    listed = JSON.parse((await captured(() => silenceCommand(['list', '--json', '--data-dir', dataDir]))).stdout) as { status: string }[];
    await run();
    await run();
  }, 120_000);

  it('a silence covering a group: its events keep counting, no alarm is published', () => {
    expect(summaries[0]?.alarms).toEqual([]);
    expect(summaries[1]?.alarms).toEqual([]);
    // group=web_server covers the threshold's event and the InstanceState events of stopped web servers alike.
    expect(summaries[0]?.notifications).toEqual(expect.objectContaining({ sent: 0, silenced: expect.any(Number) }));
    expect(summaries[0]?.notifications?.silenced).toBeGreaterThan(0);
    expect(counts.slice(0, 2)).toEqual([1, 2]);
    const silenced = thresholdEvents[0];
    expect(silenced?.silenced).toEqual(expect.objectContaining({ reason: 'scaling test, CHG-1' }));
    expect(silenced?.transitions.filter((t) => t.transition === 'silenced')).toHaveLength(1);
  });

  it('after expiry the next breach alarms once, and is notified once', () => {
    expect(listed.map((s) => s.status)).toEqual(['expired']);
    expect(summaries[2]?.alarms).toEqual([expect.objectContaining({ detailType: 'cloudtap.Alarm', threshold: 'web-fleet', severity: 2 })]);
    expect(summaries[3]?.alarms).toEqual([]);
    expect(counts).toEqual([1, 2, 3, 4]);
    const messages = publishedMessages(topic).map((m) => JSON.parse(m.message) as Notification);
    expect(messages).toHaveLength(1);
    expect(messages[0]?.alerts).toEqual([expect.objectContaining({ event_action: 'trigger', dedup_key: expect.stringMatching(/^cloudtap-[0-9a-f]{32}$/) })]);
    expect(thresholdEvents[2]?.silenced).toBeUndefined();
    expect(thresholdEvents[2]?.transitions.map((t) => t.transition)).toEqual(['opened', 'silenced', 'notified']);
  });

  it('refuses a silence that ends in the past or has no reason, writing nothing', async () => {
    const dir = await tempDir();
    await expect(silenceCommand(['add', '--match', 'group=x', '--until', '2020-01-01T00:00:00Z', '--reason', 'r', '--data-dir', dir])).rejects.toThrow(/--until: .* is in the past/);
    await expect(silenceCommand(['add', '--match', 'group=x', '--until', new Date(Date.now() + 86_400_000).toISOString(), '--data-dir', dir])).rejects.toThrow(/--reason: say why/);
    await expect(silenceCommand(['list', '--json', '--data-dir', dir])).rejects.toThrow(/no cloudtap store/);
  });
});
