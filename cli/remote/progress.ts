import type { RemoteProgress } from './history';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const BAR_WIDTH = 24;

function elapsed(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
}

/** One line: the accounts bar once a Map Run has started, else a spinner; the elapsed time ticks between polls. */
export function renderProgress(progress: RemoteProgress | undefined, elapsedMs: number, frame: number): string {
  const time = elapsed(elapsedMs);
  const spinner = SPINNER[frame % SPINNER.length];
  if (!progress) return `${spinner} running  ${time}`;
  if (progress.phase === 'planning' || progress.total === undefined) return `${spinner} planning the run  ${time}`;
  const filled = progress.total ? Math.round((Math.min(progress.done, progress.total) / progress.total) * BAR_WIDTH) : BAR_WIDTH;
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
  const finalizing = progress.phase === 'finalizing' ? '  finalizing' : '';
  const pages = progress.mapRuns.length > 1 ? `  page ${progress.mapRuns.length}` : '';
  return `${bar} ${progress.done}/${progress.total} accounts  ${progress.failed} failed${pages}${finalizing}  ${time}`;
}

export interface RemoteProgressLine {
  /** `undefined`: the history cannot be read (no states:GetExecutionHistory), so only time passes. */
  update(progress: RemoteProgress | undefined): void;
  done(): void;
}

/** Progress of a remote run on a terminal; nothing at all when stderr is not a TTY (piped, CI). */
export function remoteProgressLine(stream: NodeJS.WriteStream = process.stderr, now: () => number = Date.now): RemoteProgressLine {
  if (!stream.isTTY) return { update: () => {}, done: () => {} };
  const started = now();
  let frame = 0;
  let current: RemoteProgress | undefined;
  const draw = (): void => {
    stream.write(`\r${renderProgress(current, now() - started, frame++)}\x1b[K`);
  };
  const ticker = setInterval(draw, 1000);
  ticker.unref();
  draw();
  return {
    update(progress) {
      current = progress;
      draw();
    },
    done() {
      clearInterval(ticker);
      stream.write('\r\x1b[K');
    },
  };
}
