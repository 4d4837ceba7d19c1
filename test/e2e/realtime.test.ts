import { describe, it, expect } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseSandboxSpec } from '../../local/sandbox/spec';
import { sandboxTruth } from '../../local/sandbox/truth';
import { epochTime } from '../../local/sandbox/clock';
import { currentEvents } from '../../cli/commands/events';
import { RunStore } from '../../src/store/run-store';
import { ResourceStore, partitionKey } from '../../src/store/resource-store';
import { parseChangeNotification } from '../../src/realtime/ingest';
import { localStore } from '../support/local-run';
import { cloudtap } from '../support/cli';

describe('the real-time path', () => {
  it('an ingested state-change event updates the instance and its event without a run', async () => {
    const base = 'seed=51&regions=1&instances=40';
    const running = new Set(sandboxTruth(parseSandboxSpec(`${base}&epoch=0`)).resources
      .filter((r) => r.type === 'EC2.Instance' && r.attributes.state === 'running').map((r) => r.id));
    const later = sandboxTruth(parseSandboxSpec(`${base}&epoch=2`));
    const stopped = later.resources.find((r) => r.type === 'EC2.Instance' && r.attributes.state === 'stopped' && running.has(r.id));
    expect(stopped).toBeDefined();
    const instanceId = stopped?.id as string;

    const store = await localStore();
    await store.run(`${base}&epoch=0`);
    const file = join(store.dataDir, 'event.json');
    await writeFile(file, JSON.stringify({
      version: '0', id: 'e-1', 'detail-type': 'EC2 Instance State-change Notification', source: 'aws.ec2', account: '111111111111',
      time: epochTime(2).toISOString(), region: 'us-east-1', resources: [`arn:aws:ec2:us-east-1:111111111111:instance/${instanceId}`],
      detail: { 'instance-id': instanceId, state: 'stopped' },
    }));
    const result = await cloudtap(['ingest', file, `--sandbox=${base}&epoch=2`, '--json', '--data-dir', store.dataDir]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ resources: { updated: 1 }, events: { opened: 1 } });

    const workspace = await store.open();
    try {
      const record = await new ResourceStore(workspace.db).get(partitionKey('111111111111', 'us-east-1', 'EC2.Instance'), instanceId);
      expect(record?.data.state).toBe('stopped');
      const event = (await currentEvents(workspace.db)).find((e) => e.rule === 'InstanceState' && e.resourceId === instanceId);
      expect(event).toMatchObject({ state: 'open', severity: 2, count: 1, group: stopped?.attributes.role ?? null });
      expect((await new RunStore(workspace.db).runsAfter()).length).toBe(1);
    } finally {
      await workspace.close();
    }
  });

  it('finds the resources a CloudTrail API call names, by the id prefixes the types declare', () => {
    const notification = parseChangeNotification({
      id: 'e-2', source: 'aws.ec2', 'detail-type': 'AWS API Call via CloudTrail', account: '111111111111', region: 'eu-west-1', time: '2026-01-01T00:00:00Z',
      detail: {
        eventName: 'AuthorizeSecurityGroupIngress',
        requestParameters: { groupId: 'sg-0123456789abcdef0', ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: 22 }] } },
        responseElements: { _return: true },
      },
    });
    expect(notification).toMatchObject({ eventName: 'AuthorizeSecurityGroupIngress', resources: [{ type: 'EC2.SecurityGroup', ids: ['sg-0123456789abcdef0'] }] });
  });

  it('refuses an event it does not handle, naming the field', async () => {
    expect(() => parseChangeNotification({ id: 'e-3', source: 'aws.ec2', 'detail-type': 'Scheduled Event', account: '111111111111', region: 'eu-west-1', time: 'x', detail: {} }))
      .toThrow(/event.detail-type: "Scheduled Event" is not handled for aws.ec2; expected one of: "AWS API Call via CloudTrail", "EC2 Instance State-change Notification"/);
    expect(() => parseChangeNotification({ id: 'e-4', source: 'aws.events', 'detail-type': 'Scheduled Event', account: '111111111111', region: 'eu-west-1', time: 'x', detail: {} }))
      .toThrow(/event.source: "aws.events" is not a source cloudtap follows; expected one of: aws.ec2/);
  });
});
