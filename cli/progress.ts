import type { RunProgress } from '../local/runner';

/** A one-line progress display on a terminal; nothing at all when stderr is not a TTY (piped, CI). */
export function progressLine(stream: NodeJS.WriteStream = process.stderr): { update(p: RunProgress): void; done(): void } {
  if (!stream.isTTY) return { update: () => {}, done: () => {} };
  const started = Date.now();
  let last = 0;
  let shown = false;
  return {
    update(p) {
      const now = Date.now();
      if (now - last < 100 && p.done < p.total) return;
      last = now;
      shown = true;
      const seconds = Math.max(0.001, (now - started) / 1000);
      const width = 24;
      const filled = p.total ? Math.round((p.done / p.total) * width) : 0;
      const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
      const rate = Math.round(p.resourcesSeen / seconds);
      stream.write(`\r${bar} ${p.done}/${p.total || '?'} tasks  ${p.resourcesSeen} resources  ${rate}/s  ${p.failed} failed\x1b[K`);
    },
    done() {
      if (shown) stream.write('\r\x1b[K');
    },
  };
}
