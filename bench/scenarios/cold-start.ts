/**
 * Cold start: each Lambda bundle's size, and the time a fresh Node process takes to import it (module
 * initialisation: parse, compile, run the top level), started as the stack deploys it (IMPORT_ENV).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { SourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { LAMBDA_NODE_OPTIONS } from '../../lib/stacks/bundling';
import { bundleFunction, FUNCTION_DIRS, packageOf, type Bundle } from '../bundles';
import { QUIET_ENV } from '../processes';
import { stackFrames, type CpuProfile } from '../profile';

const run = promisify(execFile);

/**
 * A fresh process started as Lambda starts a deployed function: the NODE_OPTIONS the stack sets, and the
 * variables by which the handler knows it runs in Lambda with X-Ray active (the stack deploys Tracing.ACTIVE),
 * so the import loads and starts the tracer as it does in AWS. Nothing is sent: the X-Ray SDK emits on the first
 * traced invocation, and the import invokes nothing.
 */
const IMPORT_ENV = {
  PATH: process.env.PATH, ...QUIET_ENV, NODE_ENV: 'production', NODE_OPTIONS: LAMBDA_NODE_OPTIONS.join(' '),
  AWS_REGION: 'us-east-1', AWS_LAMBDA_FUNCTION_NAME: 'cloudtap-cold-start', AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
  AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:2000', AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
  POWERTOOLS_SERVICE_NAME: 'cloudtap', POWERTOOLS_METRICS_NAMESPACE: 'cloudtap',
};

export interface ColdStartParams {
  outDir: string;
  /** Fresh processes per bundle; the median is reported. */
  repeats: number;
}

export interface ColdStartResult {
  bundles: (Bundle & {
    initMs: number;
    initSamplesMs: number[];
    /** Where an import's CPU went (profiled in one more fresh process). */
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

/**
 * The handler's initialisation: the import and the work it starts (the tracer loads in promise callbacks queued
 * by the import; Lambda lets them run before the first invocation), which one turn of the event loop completes.
 */
const IMPORT_AND_INIT = (file: string) => `await import(${JSON.stringify(pathToFileURL(file).href)}); await new Promise((resolve) => setImmediate(resolve));`;

/** Time to initialise the handler in a fresh process (Node's own start-up is not part of it). */
async function importTime(file: string): Promise<number> {
  const script = `const t = performance.now(); ${IMPORT_AND_INIT(file)} console.log(performance.now() - t);`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { env: IMPORT_ENV });
  return Math.round(Number(stdout.trim().split('\n').pop()));
}

/**
 * One more initialisation in a fresh process, with V8's CPU profiler on for exactly IMPORT_AND_INIT: each sample
 * goes to the first of these found on its stack — Node's source-map support (the stack deploys
 * --enable-source-maps), V8 compiling the module, Node loading its built-in modules (`node:https`, … which the
 * bundle imports), the bundle's own code (by package, through the source map), reading the file — else to Node's
 * module loader.
 */
async function initProfile(file: string): Promise<ColdStartResult['bundles'][number]['initProfile']> {
  const dir = await mkdtemp(join(tmpdir(), 'cloudtap-bench-init-'));
  try {
    const out = join(dir, 'import.cpuprofile');
    const script = [
      "import { Session } from 'node:inspector/promises';",
      "import { writeFileSync } from 'node:fs';",
      'const session = new Session(); session.connect();',
      "await session.post('Profiler.enable'); await session.post('Profiler.setSamplingInterval', { interval: 100 }); await session.post('Profiler.start');",
      IMPORT_AND_INIT(file),
      "const { profile } = await session.post('Profiler.stop');",
      `writeFileSync(${JSON.stringify(out)}, JSON.stringify(profile));`,
    ].join('\n');
    await run(process.execPath, ['--input-type=module', '-e', script], { env: IMPORT_ENV });
    const profile = JSON.parse(await readFile(out, 'utf8')) as CpuProfile;
    const map = new SourceMap(JSON.parse(await readFile(`${file}.map`, 'utf8')));
    const bundleUrl = pathToFileURL(file).href;
    const stackOf = stackFrames(profile);
    const where = (id: number): string => {
      const frames = stackOf(id);
      const leaf = frames[0];
      if (leaf && ['(garbage collector)', '(program)', '(idle)'].includes(leaf.functionName)) return leaf.functionName;
      if (frames.some((f) => f.url.startsWith('node:internal/source_map') || f.functionName === 'maybeCacheSourceMap')) return 'source maps (--enable-source-maps)';
      if (frames.some((f) => f.functionName === 'compileSourceTextModule')) return 'V8 compiling the bundle';
      if (frames.some((f) => f.functionName === 'loadBuiltinModule' || f.functionName === 'compileForPublicLoader')) return 'loading Node built-ins';
      const own = frames.find((f) => f.url === bundleUrl);
      if (own) {
        const entry = map.findEntry(own.lineNumber, own.columnNumber) as { originalSource?: string };
        return entry.originalSource ? `running ${packageOf(entry.originalSource)}` : 'running the bundle\'s top level';
      }
      if (frames.some((f) => f.functionName === 'readFile' || f.functionName === 'decode' || f.functionName === 'read')) return 'reading the file';
      return 'Node\'s module loader';
    };
    const byPlace = new Map<string, number>();
    let total = 0;
    profile.samples.forEach((id, i) => {
      const place = where(id);
      if (place === '(idle)') return;
      const dt = profile.timeDeltas[i] ?? 0;
      byPlace.set(place, (byPlace.get(place) ?? 0) + dt);
      total += dt;
    });
    return [...byPlace].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([name, us]) => ({ name, ms: Math.round(us / 1000), share: total ? us / total : 0 }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
