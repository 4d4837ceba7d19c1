import { describe, it, expect } from '@jest/globals';
import { crashTest } from '../crash/harness';

/**
 * The short version of `npm run crash-test`: three SIGKILLs of the real CLI at seeded random moments of runs that
 * change the inventory, each followed by a rerun; the store must then read exactly as a store that ran the same
 * specs without kills. A failure names its seed: replay it with `npm run crash-test -- --seed N --kills 3
 * --spec 'instances=100&regions=1&metrics=none' --lease-seconds 5`, or here with CLOUDTAP_CRASH_SEED=N.
 */
describe('a run killed at any moment', () => {
  it('leaves, once rerun, the store a run that was never killed leaves: every record, history chain and event', async () => {
    const seed = process.env.CLOUDTAP_CRASH_SEED !== undefined ? Number(process.env.CLOUDTAP_CRASH_SEED) : Math.floor(Math.random() * 2 ** 31);
    // A short lease: a rerun takes over the partitions its killed predecessor held after 5 s of silence.
    // `metrics=none`: a metric event's text carries the value of the 10 minutes before it was written, which differs
    // between a run and its rerun minutes later; metric events are held to the truth in test/e2e/metric-events.test.ts.
    const report = await crashTest({ seed, kills: 3, spec: 'instances=100&regions=1&metrics=none', epochStep: 2, leaseSeconds: 5 });
    // The seed is part of what is compared, so that a failure prints it.
    expect({ seed, mismatches: report.mismatches.slice(0, 5) }).toEqual({ seed, mismatches: [] });
    expect(report.kills).toHaveLength(3);
    // The comparison covered what the runs changed: records, history chains and events, in both stores.
    expect(report.entities.resources).toBeGreaterThan(400);
    expect(report.entities.histories).toBeGreaterThan(10);
    expect(report.entities.events).toBeGreaterThan(20);
  }, 600_000);
});
