import { describe, it, expect } from '@jest/globals';
import { activeInstancesOverTime, latestChange, peakOf } from '../../cli/report/instances-over-time';
import type { InstanceLifetime } from '../../src/report/configuration';

function lifetime(instanceId: string, group: string, startedAt: string, endedAt: string | null = null): InstanceLifetime {
  return { accountId: '111111111111', region: 'us-east-1', instanceId, group, startedAt, endedAt, endSource: endedAt ? 'aws' : null };
}

const UNTIL = '2026-01-02T00:00:00.000Z';

describe('active instances per group over time', () => {
  it('steps up at each launch and down at each termination, and holds the count until the end of the period', () => {
    const series = activeInstancesOverTime([
      lifetime('i-1', 'web_server', '2026-01-01T01:00:00.000Z'),
      lifetime('i-2', 'web_server', '2026-01-01T02:00:00.000Z', '2026-01-01T05:00:00.000Z'),
      lifetime('i-3', 'web_server', '2026-01-01T03:00:00.000Z'),
      lifetime('i-4', 'db_server', '2026-01-01T04:00:00.000Z'),
    ], UNTIL);
    expect(series).toEqual([
      { group: 'db_server', points: [{ time: '2026-01-01T04:00:00.000Z', active: 1 }, { time: UNTIL, active: 1 }] },
      {
        group: 'web_server',
        points: [
          { time: '2026-01-01T01:00:00.000Z', active: 1 },
          { time: '2026-01-01T02:00:00.000Z', active: 2 },
          { time: '2026-01-01T03:00:00.000Z', active: 3 },
          { time: '2026-01-01T05:00:00.000Z', active: 2 },
          { time: UNTIL, active: 2 },
        ],
      },
    ]);
  });

  it('merges launches at the same moment, and a replacement at the moment of a termination is no change at all', () => {
    const [web] = activeInstancesOverTime([
      lifetime('i-1', 'web_server', '2026-01-01T01:00:00.000Z', '2026-01-01T06:00:00.000Z'),
      lifetime('i-2', 'web_server', '2026-01-01T01:00:00.000Z'),
      lifetime('i-3', 'web_server', '2026-01-01T06:00:00.000Z'),
    ], UNTIL);
    expect(web?.points).toEqual([{ time: '2026-01-01T01:00:00.000Z', active: 2 }, { time: UNTIL, active: 2 }]);
  });

  it('leaves out what happens after the period and instances that never ran', () => {
    const series = activeInstancesOverTime([
      lifetime('i-1', 'web_server', '2026-01-01T01:00:00.000Z', '2026-01-03T00:00:00.000Z'),
      lifetime('i-2', 'batch_worker', '2026-01-05T00:00:00.000Z'),
      lifetime('i-3', 'cache_server', '2026-01-01T02:00:00.000Z', '2026-01-01T02:00:00.000Z'),
    ], UNTIL);
    expect(series).toEqual([{ group: 'web_server', points: [{ time: '2026-01-01T01:00:00.000Z', active: 1 }, { time: UNTIL, active: 1 }] }]);
  });

  it('a group whose instances all ended is at 0 from the last termination on', () => {
    const [batch] = activeInstancesOverTime([lifetime('i-1', 'batch_worker', '2026-01-01T01:00:00.000Z', '2026-01-01T02:00:00.000Z')], UNTIL);
    expect(batch?.points.map((p) => p.active)).toEqual([1, 0, 0]);
    expect(peakOf(batch!)).toEqual({ time: '2026-01-01T01:00:00.000Z', active: 1 });
  });

  it('knows the latest launch or termination of the period', () => {
    const lifetimes = [
      lifetime('i-1', 'web_server', '2026-01-01T01:00:00.000Z', '2026-01-01T07:00:00.000Z'),
      lifetime('i-2', 'web_server', '2026-01-01T03:00:00.000Z'),
      lifetime('i-3', 'web_server', '2026-02-01T00:00:00.000Z'),
    ];
    expect(latestChange(lifetimes, UNTIL)).toBe('2026-01-01T07:00:00.000Z');
    expect(latestChange([], UNTIL)).toBeUndefined();
  });
});
