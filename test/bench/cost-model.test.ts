import { describe, expect, it } from '@jest/globals';
import { costModel, publishedMetrics } from '../../bench/cost-model';
import type { CollectAloneResult, HandlerRun } from '../../bench/scenarios/collect-alone';
import type { CriticalPathResult } from '../../bench/scenarios/critical-path';

/** A measured run with only what the model reads. */
function run(seen: number, changes: { created?: number; updated?: number; deleted?: number }, meter: { requests: number; writeUnits: number; readUnits: number; storageBytes: number; runsBytes?: number }, cpuMs: number, outputBytes?: number): HandlerRun {
  return {
    resources: { seen, created: changes.created ?? 0, updated: changes.updated ?? 0, deleted: changes.deleted ?? 0, unchanged: seen - (changes.created ?? 0) - (changes.updated ?? 0) },
    cpuMs, durationMs: cpuMs * 2,
    store: {
      requests: { Query: meter.requests }, items: 0, storageBytes: meter.storageBytes + (meter.runsBytes ?? 0),
      tables: {
        'cloudtap-resources': { writeUnits: meter.writeUnits, indexWriteUnits: 0, readUnits: meter.readUnits, itemsWritten: 0, conditionalFailures: 0, storageBytes: meter.storageBytes },
        'cloudtap-runs': { writeUnits: 0, indexWriteUnits: 0, readUnits: 0, itemsWritten: 0, conditionalFailures: 0, storageBytes: meter.runsBytes ?? 0 },
      },
    },
    ...(outputBytes !== undefined ? { outputBytes } : {}),
  } as unknown as HandlerRun;
}

const criticalPath = { first: { tasks: { total: 34, succeeded: 34, failed: 0, skipped: 0 } } } as unknown as CriticalPathResult;

describe('the cost model', () => {
  // 10,000 resources measured; 100,000 modelled: every per-resource count times 10.
  const memory = {
    instances: 3000,
    first: run(10_000, { created: 10_000 }, { requests: 12_000, writeUnits: 40_000, readUnits: 100, storageBytes: 50_000_000 }, 20_000),
    second: run(10_000, {}, { requests: 100, writeUnits: 10, readUnits: 2_000, storageBytes: 50_000_000, runsBytes: 1_000_000 }, 4_000),
    // 200 changes cost 2 requests, 5 write units and 1 ms of CPU each beyond the unchanged run.
    // Its history grew 1,000 bytes a change, and the run's records 5 bytes a resource listed.
    churn: run(10_000, { updated: 150, created: 30, deleted: 20 }, { requests: 500, writeUnits: 1_010, readUnits: 2_000, storageBytes: 50_200_000, runsBytes: 1_050_000 }, 4_200, 1_000_000),
  } as unknown as CollectAloneResult;

  it('scales what a resource cost, and adds 1 % churn at what a change cost beyond an unchanged run', () => {
    const model = costModel(memory, criticalPath)!;
    expect(model.perRun.first).toMatchObject({ resources: 100_000, requests: 120_000, writeUnits: 400_000 });
    // Unchanged: 1,000 requests and 100 units at 100,000; plus 1,000 changes × 2 requests, 5 units, 1 ms.
    expect(model.perRun.hourly.requests).toBeCloseTo(1_000 + 2_000);
    expect(model.perRun.hourly.writeUnits).toBeCloseTo(100 + 5_000);
    expect(model.perRun.hourly.cpuMs).toBeCloseTo(40_000 + 1_000);
    expect(model.cpuMsPerThousand).toEqual({ first: 2_000, unchanged: 400 });
    // 1,000 bytes of history per change, 1,000 changes an hour, and 5 bytes of run records per resource, 730 hours.
    expect(model.storageGb.growthPerMonth * 1024 ** 3).toBeCloseTo((1_000 * 1_000 + 5 * 100_000) * 730);
    expect(model.storageGb.afterFirstRun * 1024 ** 3).toBeCloseTo(500_000_000);
    expect(model.transitionsPerRun).toBe(37);
  });

  it('prices the month from the list prices, beside AWS Config recording the same churn', () => {
    const model = costModel(memory, criticalPath)!;
    const line = (item: string) => model.monthly.find((l) => l.item.startsWith(item))!.dollars;
    expect(line('DynamoDB write request units')).toBeCloseTo(5_100 * 730 * 0.625e-6);
    expect(line('Step Functions')).toBeCloseTo(37 * 730 * 0.025e-3);
    expect(line('Lambda requests')).toBeCloseTo(36 * 730 * 0.2e-6);
    // 41 s of duration × 2 an hour at 1 GB.
    expect(line('Lambda duration')).toBeCloseTo(82 * 730 * 0.0000133334);
    expect(line('CloudWatch custom metrics')).toBeCloseTo(publishedMetrics() * 0.3);
    expect(model.config).toEqual({ itemsPerMonth: 730_000, dollars: 2_190, firstRecording: 300 });
    expect(model.monthlyTotal).toBeCloseTo(model.monthly.reduce((sum, l) => sum + l.dollars, 0));
  });

  it('has nothing to say without the run an hour later', () => {
    const { churn: _churn, ...withoutChurn } = memory;
    expect(costModel(withoutChurn as CollectAloneResult, criticalPath)).toBeUndefined();
  });
});
