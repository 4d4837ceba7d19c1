/**
 * Cold start: each Lambda bundle's size, and the time a fresh Node process takes to import it (module
 * initialisation: parse, compile, run the top level), with the source maps enabled as the stack deploys them.
 */
import { execFile } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { bundleFunction, FUNCTION_DIRS, type FunctionDir } from '../bundles';
import { QUIET_ENV } from '../processes';

const run = promisify(execFile);

export interface ColdStartParams {
  outDir: string;
  /** Fresh processes per bundle; the median is reported. */
  repeats: number;
}

export interface ColdStartResult {
  bundles: { fn: FunctionDir; file: string; bytes: number; initMs: number; initSamplesMs: number[] }[];
}

export async function coldStart(params: ColdStartParams): Promise<ColdStartResult> {
  const bundles: ColdStartResult['bundles'] = [];
  for (const fn of FUNCTION_DIRS) {
    const bundle = await bundleFunction(fn, params.outDir);
    const samples: number[] = [];
    for (let i = 0; i < params.repeats; i++) samples.push(await importTime(bundle.file));
    bundles.push({ ...bundle, initMs: median(samples), initSamplesMs: samples });
  }
  return { bundles };
}

/** Time to import the bundle in a fresh process (Node's own start-up is not part of it). */
async function importTime(file: string): Promise<number> {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); console.log(performance.now() - t);`;
  const { stdout } = await run(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH, ...QUIET_ENV, AWS_REGION: 'us-east-1', NODE_ENV: 'production' },
  });
  return Math.round(Number(stdout.trim().split('\n').pop()));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
