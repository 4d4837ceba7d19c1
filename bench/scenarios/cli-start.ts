/**
 * CLI start-up: the wall time of whole `cloudtap` processes as an operator starts them (bin/cloudtap.js, which
 * runs the dist/ that `npm run build` makes from the current sources), against `node -e 0` — Node's own start,
 * which no program can beat — measured in the same rounds, so the ratio holds on a loaded machine. Each round
 * starts every command once, interleaved, and a command's ratio is the median over the rounds of its time ÷
 * that round's `node -e 0`, so a burst of load weighs on both sides of a ratio alike. Each process also
 * reports the CPU it used (every thread's, the embedded store's included): on a shared machine the wall time
 * swings with the load, the CPU much less. Starting the same CLI from its TypeScript sources through tsx
 * (`npm run dev`) is measured alongside, to show what the build saves.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { QUIET_ENV, REPO_ROOT } from '../processes';

const run = promisify(execFile);

export interface CliStartParams {
  /** Rounds; the median of each command's samples is reported. */
  repeats: number;
  /** The sandbox account collected into the small store `resources` lists. */
  spec: string;
}

export interface CliStartSample {
  label: string;
  argv: string[];
  /** Median wall time from spawn to exit, ms. */
  ms: number;
  samplesMs: number[];
  /** The median over the rounds of this command's time ÷ the same round's `node -e 0`. */
  ratio: number;
  /** Median CPU time of the process (user + system, all its threads), ms. */
  cpuMs: number;
  /** The median over the rounds of this command's CPU ÷ the same round's `node -e 0`'s. */
  cpuRatio: number;
}

export interface CliStartResult {
  spec: string;
  /** Resources in the small store (what `resources` lists). */
  resources: number;
  /** How long `npm run build` took, ms. */
  buildMs: number;
  node: CliStartSample;
  version: CliStartSample;
  resourcesCommand: CliStartSample;
  /** `--version` from the TypeScript sources through tsx, as bin/cloudtap.js started before the build. */
  versionFromSources: CliStartSample;
}

const BIN = join(REPO_ROOT, 'bin', 'cloudtap.js');
const DEV = join(REPO_ROOT, 'scripts', 'cloudtap-dev.mjs');
/** No inherited NODE_OPTIONS (the bench itself runs under tsx): each process starts as an operator's would. */
const ENV = { PATH: process.env.PATH, HOME: process.env.HOME, ...QUIET_ENV, NODE_OPTIONS: '' };

/** Loaded before the program: prints the process's CPU as it exits (a few lines, nothing else loaded). */
const REPORT_CPU = 'data:text/javascript,process.on("exit",()=>{const u=process.cpuUsage();process.stderr.write(`\\ncloudtap-bench-cpu-us:${u.user+u.system}\\n`)})';

async function measure(argv: string[]): Promise<{ wallMs: number; cpuMs: number }> {
  const started = performance.now();
  const { stderr } = await run(process.execPath, ['--import', REPORT_CPU, ...argv], { cwd: REPO_ROOT, env: ENV, maxBuffer: 64 * 1024 * 1024 });
  const wallMs = performance.now() - started;
  const cpu = /cloudtap-bench-cpu-us:(\d+)/.exec(stderr);
  if (!cpu) throw new Error(`node ${argv.join(' ')} did not report its CPU: ${stderr}`);
  return { wallMs, cpuMs: Number(cpu[1]) / 1000 };
}

export async function cliStart(params: CliStartParams): Promise<CliStartResult> {
  const buildStarted = performance.now();
  await run(process.execPath, [join(REPO_ROOT, 'scripts', 'build-cli.mjs')], { cwd: REPO_ROOT, env: ENV });
  const buildMs = performance.now() - buildStarted;
  const dataDir = await mkdtemp(join(tmpdir(), 'cloudtap-bench-cli-'));
  try {
    await run(process.execPath, [BIN, 'run', `--sandbox=${params.spec}`, '--data-dir', dataDir, '--json'], { cwd: REPO_ROOT, env: ENV });
    const { stdout } = await run(process.execPath, [BIN, 'resources', '--data-dir', dataDir, '--json'], { cwd: REPO_ROOT, env: ENV, maxBuffer: 64 * 1024 * 1024 });
    const resources = (JSON.parse(stdout) as unknown[]).length;
    if (resources === 0) throw new Error(`the small store (${params.spec}) lists no resources: the resources figure would measure nothing`);

    const commands = {
      node: ['-e', '0'],
      version: [BIN, '--version'],
      resourcesCommand: [BIN, 'resources', '--data-dir', dataDir],
      versionFromSources: [DEV, '--version'],
    } as const;
    type Key = keyof typeof commands;
    const samples = Object.fromEntries(Object.keys(commands).map((k) => [k, [] as { wallMs: number; cpuMs: number }[]])) as Record<Key, { wallMs: number; cpuMs: number }[]>;
    // One warm-up round: the first start reads every file from disk, later ones from the page cache, as an operator's would.
    for (const argv of Object.values(commands)) await measure([...argv]);
    for (let i = 0; i < params.repeats; i++) {
      for (const [key, argv] of Object.entries(commands) as [Key, readonly string[]][]) samples[key].push(await measure([...argv]));
    }
    const pairedRatio = (key: Key, of: 'wallMs' | 'cpuMs') => median(samples[key].map((s, round) => s[of] / (samples.node[round]?.[of] ?? Number.NaN)));
    const sample = (key: Key, label: string): CliStartSample => ({
      label, argv: [...commands[key]].map((a) => a.replace(REPO_ROOT, '').replace(dataDir, '<small store>')),
      ms: median(samples[key].map((s) => s.wallMs)), samplesMs: samples[key].map((s) => Math.round(s.wallMs)), ratio: pairedRatio(key, 'wallMs'),
      cpuMs: median(samples[key].map((s) => s.cpuMs)), cpuRatio: pairedRatio(key, 'cpuMs'),
    });
    return {
      spec: params.spec, resources, buildMs,
      node: sample('node', 'node -e 0'),
      version: sample('version', 'cloudtap --version'),
      resourcesCommand: sample('resourcesCommand', 'cloudtap resources (small store)'),
      versionFromSources: sample('versionFromSources', 'cloudtap --version from the sources (tsx)'),
    };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
