import { join } from 'node:path';
import type { ScenarioName } from './child';
import { BENCH_DIR, forkProcess, nextMessage, exited } from './processes';

/** Runs a scenario in a fresh process and returns its result. */
export async function runScenario<R>(name: ScenarioName, params: object): Promise<R> {
  const child = forkProcess(join(BENCH_DIR, 'child.ts'), [name, JSON.stringify(params)]);
  try {
    return (await nextMessage<{ result: R }>(child, 'result')).result;
  } finally {
    await exited(child);
  }
}
