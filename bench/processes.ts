import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The bench's own folder, to fork its entry points. */
export const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Quiet SDK defaults every bench process shares: no Node-20 warning, no instance-metadata probing. */
export const QUIET_ENV = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', AWS_EC2_METADATA_DISABLED: 'true' };

export interface ForkOptions {
  /** Load tsx (TypeScript sources); off for plain JavaScript such as a Lambda bundle's runner. */
  typescript?: boolean;
  env?: Record<string, string | undefined>;
  execArgv?: string[];
}

/** A bench process of its own (fresh heap, its own peak RSS), talking over IPC. */
export function forkProcess(entry: string, args: string[], options: ForkOptions = {}): ChildProcess {
  return fork(entry, args, {
    cwd: REPO_ROOT,
    execArgv: [...(options.typescript === false ? [] : ['--import', 'tsx']), ...(options.execArgv ?? [])],
    env: { ...process.env, ...QUIET_ENV, ...options.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** The next IPC message of `type` from a child; rejects if the child exits first. */
export function nextMessage<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type?: string; error?: string } & T) => {
      if (message.type === 'error') finish(() => reject(new Error(message.error)));
      else if (message.type === type) finish(() => resolve(message));
    };
    const onExit = (code: number | null, signal: string | null) =>
      finish(() => reject(new Error(`bench process ${child.pid} exited (${signal ?? code}) before sending "${type}"`)));
    const finish = (settle: () => void) => {
      child.off('message', onMessage);
      child.off('exit', onExit);
      settle();
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/** Waits for a child to exit (after asking it to, by closing its IPC channel). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Ends a child this bench started: its IPC channel closes, it shuts its servers down and exits. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.connected) child.disconnect();
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited(child);
  clearTimeout(timer);
}

/** The process's peak resident set (VmHWM), in bytes: the kernel's own high-water mark. */
export function peakRss(): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) * 1024 : process.memoryUsage().rss;
}

/** CPU time this process used since `since` (all of its threads: LevelDB's and libuv's too), in ms. */
export function cpuMsSince(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}
