/**
 * Critical path: every region and every type with AWS latency, as `cloudtap run` runs it. The first run writes
 * the whole account (the store's ceiling bounds it); the second finds it unchanged, so what is left is waiting
 * on AWS and the collector's own work. Each is compared with the ideal the plan's calls allow.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSandboxSpec } from '../../local/sandbox/spec';
import { DEFAULT_CONCURRENCY } from '../../src/lambda/settings';
import { measuredRun, type MeasuredRun } from '../local-run';
import { planIdeal, type PlanIdeal } from '../plan-ideal';
import { applyEnvironment, startServices } from '../services-client';

export interface CriticalPathParams {
  spec: string;
  profile: boolean;
}

export interface CriticalPathRun extends MeasuredRun {
  ideal: PlanIdeal;
}

export interface CriticalPathResult {
  spec: string;
  first: CriticalPathRun;
  second: CriticalPathRun;
}

export async function criticalPath(params: CriticalPathParams): Promise<CriticalPathResult> {
  const { latencyMs } = parseSandboxSpec(params.spec);
  const services = await startServices({ spec: params.spec });
  const dataDir = await mkdtemp(join(tmpdir(), 'cloudtap-bench-critical-'));
  try {
    applyEnvironment(services.sdkEnvironment);
    const runs: CriticalPathRun[] = [];
    for (let n = 0; n < 2; n++) {
      const { run, traces } = await measuredRun(dataDir, { profile: params.profile });
      runs.push({ ...run, ideal: planIdeal(traces, latencyMs, DEFAULT_CONCURRENCY) });
    }
    const [first, second] = runs as [CriticalPathRun, CriticalPathRun];
    return { spec: params.spec, first, second };
  } finally {
    await services.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
