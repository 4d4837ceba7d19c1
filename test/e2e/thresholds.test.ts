import { describe, it, expect } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseSandboxSpec } from '../../local/sandbox/spec';
import { sandboxTruth } from '../../local/sandbox/truth';
import type { Threshold } from '../../src/events/threshold';
import { localStore } from '../support/local-run';
import { cloudtap, tempDir } from '../support/cli';

function runningWebServers(spec: string): number {
  return sandboxTruth(parseSandboxSpec(spec)).resources
    .filter((r) => r.type === 'EC2.Instance' && r.attributes.state === 'running' && r.attributes.role === 'web_server').length;
}

describe('thresholds → alarms', () => {
  it('a breach held over two runs publishes exactly one alarm, and its recovery one clear', async () => {
    const large = 'seed=41&regions=1&instances=40';
    const small = 'seed=41&regions=1&instances=4';
    const fleet = runningWebServers(large);
    expect(fleet).toBeGreaterThan(runningWebServers(small));
    const thresholds: Threshold[] = [{ name: 'web-fleet', rule: 'RunningInstances', group: 'web_server', above: fleet - 1, severity: 2 }];
    const store = await localStore();
    // Instances are EC2's: the other services are not collected.
    const ec2 = { services: ['EC2'] };

    const first = await store.run(large, ec2, { thresholds });
    expect(first.alarms).toEqual([expect.objectContaining({
      detailType: 'cloudtap.Alarm', threshold: 'web-fleet', severity: 2, group: 'web_server',
      text: `WARNING – ${fleet} running web_server instances, more than ${fleet - 1} (threshold web-fleet)`,
    })]);
    const second = await store.run(large, ec2, { thresholds });
    expect(second.alarms).toEqual([]);
    const recovered = await store.run(small, ec2, { thresholds });
    expect(recovered.alarms).toEqual([expect.objectContaining({ detailType: 'cloudtap.AlarmCleared', threshold: 'web-fleet', severity: 5 })]);
    expect((await store.run(small, ec2, { thresholds })).alarms).toEqual([]);
  });

  it('an open-port threshold counts open OpenIngress events on that port', async () => {
    const spec = 'seed=42&regions=2&instances=30';
    const ssh = sandboxTruth(parseSandboxSpec(spec)).conditions.filter((c) => c.rule === 'OpenIngress'
      && Number(c.detail.fromPort ?? 0) <= 22 && 22 <= Number(c.detail.toPort ?? 65535));
    const store = await localStore();
    // Security groups are EC2's: the other services are not collected.
    const summary = await store.run(spec, { services: ['EC2'] }, { thresholds: [{ name: 'ssh-open', rule: 'OpenIngress', match: { type: 'Port', name: '22' }, above: 0, severity: 1 }] });
    expect(ssh.length).toBeGreaterThan(0);
    expect(summary.alarms).toEqual([expect.objectContaining({ detailType: 'cloudtap.Alarm', threshold: 'ssh-open', severity: 1 })]);
  });

  it('a bad thresholds file is refused before anything runs, naming the entry and field', async () => {
    const dir = await tempDir();
    const file = join(dir, 'thresholds.json');
    await writeFile(file, JSON.stringify([{ name: 'x', rule: 'NoSuchRule', above: 1, severity: 2 }]));
    const result = await cloudtap(['run', '--sandbox', '--thresholds', file, '--data-dir', join(dir, 'store')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/--thresholds: .*thresholds\.json\[0\]\.rule: "NoSuchRule" is not a rule; valid rules are: RunningInstances, InstanceState/);
  });
});
