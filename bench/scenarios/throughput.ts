/**
 * Throughput and steady state: a whole `cloudtap run` (workflow, collect, preprocess, change detection,
 * store) into the embedded DynamoDB, in one process as the CLI runs it; the sandbox, which stands in for AWS,
 * answers from a process of its own. The first run is made `repeats` times, each into a fresh store, and the
 * fastest is the figure, as the store's ceiling is the best of its measurements (a shared machine's noise only
 * lowers a rate); only the last is profiled (the profiler's cost would lower the rate it measures). Then the
 * same, unchanged account again, into the last store.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measuredRun, type MeasuredRun } from '../local-run';
import { applyEnvironment, startServices } from '../services-client';

export interface ThroughputParams {
  spec: string;
  profile: boolean;
  /** First runs into fresh stores; the fastest is the figure. */
  repeats?: number;
}

export interface ThroughputResult {
  spec: string;
  /** The fastest first run. */
  first: MeasuredRun;
  /** Every first run's rate, resources per second, in the order run. */
  firstRates: number[];
  /** The first run the unchanged run followed (the last one, profiled), when it is not the fastest. */
  firstBeforeSecond?: MeasuredRun;
  second: MeasuredRun;
}

export async function throughput(params: ThroughputParams): Promise<ThroughputResult> {
  const services = await startServices({ spec: params.spec });
  const dirs: string[] = [];
  try {
    applyEnvironment(services.sdkEnvironment);
    const firstRuns: MeasuredRun[] = [];
    const repeats = Math.max(1, params.repeats ?? 1);
    for (let i = 0; i < repeats; i++) {
      dirs.push(await mkdtemp(join(tmpdir(), 'cloudtap-bench-throughput-')));
      firstRuns.push((await measuredRun(dirs[i] as string, { profile: params.profile && i === repeats - 1 })).run);
    }
    const second = (await measuredRun(dirs[repeats - 1] as string, { profile: params.profile })).run;
    const rate = (run: MeasuredRun) => (run.resources.seen / run.wallMs) * 1000;
    const fastest = firstRuns.reduce((a, b) => (rate(b) > rate(a) ? b : a));
    const last = firstRuns[repeats - 1] as MeasuredRun;
    return {
      spec: params.spec, first: fastest, firstRates: firstRuns.map((run) => Math.round(rate(run))),
      ...(last === fastest ? {} : { firstBeforeSecond: last }), second,
    };
  } finally {
    await services.close();
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  }
}
