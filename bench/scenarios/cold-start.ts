/**
 * Cold start: each Lambda bundle's size, and the time a fresh Node process takes to import it (module
 * initialisation: parse, compile, run the top level), with the source maps enabled as the stack deploys them.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { SourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { bundleFunction, FUNCTION_DIRS, packageOf, type Bundle } from '../bundles';
import { QUIET_ENV } from '../processes';

const run = promisify(execFile);

export interface ColdStartParams {
  outDir: string;
  /** Fresh processes per bundle; the median is reported. */
  repeats: number;
}

export interface ColdStartResult {
  bundles: (Bundle & {
    initMs: number;
    initSamplesMs: number[];
    /** Where an import's CPU went, by the package each sampled frame comes from (through the source map). */
    initProfile: { name: string; ms: number; share: number }[];
  })[];
}

export async function coldStart(params: ColdStartParams): Promise<ColdStartResult> {
  const bundles: ColdStartResult['bundles'] = [];
  for (const fn of FUNCTION_DIRS) {
    const bundle = await bundleFunction(fn, params.outDir);
    const samples: number[] = [];
    for (let i = 0; i < params.repeats; i++) samples.push(await importTime(bundle.file));
    bundles.push({ ...bundle, initMs: median(samples), initSamplesMs: samples, initProfile: await initProfile(bundle.file) });
  }
  return { bundles };
}

/** Time to import the bundle in a fresh process (Node's own start-up is not part of it). */
async function importTime(file: string, flags: string[] = []): Promise<number> {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); console.log(performance.now() - t);`;
  const { stdout } = await run(process.execPath, ['--enable-source-maps', ...flags, '--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH, ...QUIET_ENV, AWS_REGION: 'us-east-1', NODE_ENV: 'production' },
  });
  return Math.round(Number(stdout.trim().split('\n').pop()));
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}

/** One more import, under the CPU profiler: its samples by the package of the source they map back to. */
async function initProfile(file: string): Promise<ColdStartResult['bundles'][number]['initProfile']> {
  const dir = await mkdtemp(join(tmpdir(), 'cloudtap-bench-init-'));
  try {
    await importTime(file, ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=100']);
    const name = (await readdir(dir)).find((f) => f.endsWith('.cpuprofile'));
    if (!name) return [];
    const profile = JSON.parse(await readFile(join(dir, name), 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
    const map = new SourceMap(JSON.parse(await readFile(`${file}.map`, 'utf8')));
    const bundleUrl = pathToFileURL(file).href;
    const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
    const byPackage = new Map<string, number>();
    let total = 0;
    profile.samples.forEach((id, i) => {
      const frame = byNode.get(id)?.callFrame;
      const dt = profile.timeDeltas[i] ?? 0;
      if (!frame || frame.functionName === '(idle)') return;
      let where: string;
      if (frame.url === bundleUrl) {
        const entry = map.findEntry(frame.lineNumber, frame.columnNumber) as { originalSource?: string };
        where = entry.originalSource ? packageOf(entry.originalSource) : 'bundle (unmapped)';
      } else {
        where = frame.url ? 'Node (loading, compiling)' : frame.functionName;
      }
      byPackage.set(where, (byPackage.get(where) ?? 0) + dt);
      total += dt;
    });
    // The profile also covers Node's own start-up and exit; shares are of all of its samples.
    return [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([pkg, us]) => ({ name: pkg, ms: Math.round(us / 1000), share: total ? us / total : 0 }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
