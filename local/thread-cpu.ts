import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times: 100 on every Linux Node supports (USER_HZ). */
const TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system) one thread of this process has used, ms, from /proc (Linux); NaN where there is no
 * /proc or the thread has ended. The thread id is the kernel's (`/proc/thread-self`), not Node's worker id.
 */
export function threadCpuMs(threadId: number): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/self/task/${threadId}/stat`, 'utf8');
  } catch {
    return Number.NaN;
  }
  // Fields after the command name (which may hold spaces), from the state: utime is the 12th, stime the 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/** CPU time this process's main thread has used, ms (its thread id is the process id); NaN without /proc. */
export function mainThreadCpuMs(): number {
  return threadCpuMs(process.pid);
}
