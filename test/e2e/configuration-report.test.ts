import { describe, it, expect } from '@jest/globals';
import { parseSandboxSpec } from '../../local/sandbox/spec';
import { sandboxTruth } from '../../local/sandbox/truth';
import { epochTime } from '../../local/sandbox/clock';
import { configurationAt, instanceLifetime, type InstanceLifetime } from '../../src/report/configuration';
import { transitionTime } from '../../src/services/ec2/instance';
import { localStore } from '../support/local-run';
import { cloudtap } from '../support/cli';

describe('the configuration report', () => {
  it('at several moments equals the truth: active instances per group, and when each started and ended', async () => {
    const store = await localStore();
    const base = 'seed=31&regions=2&instances=30';
    // The report reads EC2 instances only: the other services are not collected.
    for (let epoch = 0; epoch <= 3; epoch++) await store.run(`${base}&epoch=${epoch}`, { services: ['EC2'] });
    const lifetimes = (await store.resources()).filter((r) => r.type === 'EC2.Instance').map(instanceLifetime).filter((l): l is InstanceLifetime => !!l);
    const truth = sandboxTruth(parseSandboxSpec(`${base}&epoch=3`)).instanceLifecycles;

    const moments = [0.25, 1.5, 2.5, 3.1].map((h) => new Date(epochTime(0).getTime() + h * 3_600_000).toISOString());
    for (const at of moments) {
      const moment = Date.parse(at);
      const expected = truth.filter((l) => Date.parse(l.launchedAt) <= moment && (l.terminatedAt === null || moment < Date.parse(l.terminatedAt)));
      const groups: Record<string, number> = {};
      for (const l of expected) groups[l.role ?? 'unknown'] = (groups[l.role ?? 'unknown'] ?? 0) + 1;
      const report = configurationAt(lifetimes, at);
      expect(report.groups).toEqual(groups);
      expect(report.active.map((l) => [l.instanceId, l.startedAt, l.endedAt]).sort())
        .toEqual(expected.map((l) => [l.instanceId, l.launchedAt, l.terminatedAt]).sort());
    }
    expect(truth.some((l) => l.terminatedAt !== null)).toBe(true);

    const cli = await cloudtap(['report', 'config', '--at', moments[1] as string, '--json', '--data-dir', store.dataDir]);
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({ at: moments[1], groups: configurationAt(lifetimes, moments[1] as string).groups });
  });

  it('reads the transition time from EC2\'s reason text', () => {
    expect(transitionTime('User initiated (2026-01-01 03:17:09 GMT)')).toBe('2026-01-01T03:17:09.000Z');
    expect(transitionTime('')).toBeNull();
    expect(transitionTime(undefined)).toBeNull();
  });
});
