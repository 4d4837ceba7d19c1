/**
 * Throughput and steady state: a whole `cloudtap run` (workflow, collect, preprocess, change detection,
 * store) into the embedded DynamoDB, in one process as the CLI runs it; the sandbox, which stands in for AWS,
 * answers from a process of its own. Then the same, unchanged account again.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measuredRun, type MeasuredRun } from '../local-run';
import { applyEnvironment, startServices } from '../services-client';

export interface ThroughputParams {
  spec: string;
  profile: boolean;
}

export interface ThroughputResult {
  spec: string;
  first: MeasuredRun;
  second: MeasuredRun;
}

export async function throughput(params: ThroughputParams): Promise<ThroughputResult> {
  const services = await startServices({ spec: params.spec });
  const dataDir = await mkdtemp(join(tmpdir(), 'cloudtap-bench-throughput-'));
  try {
    applyEnvironment(services.sdkEnvironment);
    const first = (await measuredRun(dataDir, { profile: params.profile })).run;
    const second = (await measuredRun(dataDir, { profile: params.profile })).run;
    return { spec: params.spec, first, second };
  } finally {
    await services.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
