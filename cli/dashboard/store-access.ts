import type { Workspace } from '../workspace';

/**
 * The store as the dashboard uses it: opened when a request needs it and, for the embedded store, closed again
 * once no request has used it for `idleMs`. The embedded store is one process's at a time (LevelDB's lock), so a
 * dashboard left open does not keep `cloudtap run` from collecting into the same data directory between refreshes.
 */
export interface StoreAccess {
  use<T>(work: (workspace: Workspace) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function storeAccess(open: () => Promise<Workspace>, idleMs = Infinity): StoreAccess {
  let current: Promise<Workspace> | undefined;
  let closing: Promise<void> = Promise.resolve();
  let users = 0;
  let idleTimer: NodeJS.Timeout | undefined;

  const closeNow = (): Promise<void> => {
    const opened = current;
    current = undefined;
    if (!opened) return closing;
    closing = closing.then(() => opened.then((w) => w.close(), () => {}));
    return closing;
  };

  return {
    async use(work) {
      if (idleTimer) clearTimeout(idleTimer);
      idleTimer = undefined;
      users++;
      try {
        if (!current) {
          await closing;
          if (!current) {
            const opening = open();
            current = opening;
            opening.catch(() => { if (current === opening) current = undefined; });
          }
        }
        return await work(await current);
      } finally {
        users--;
        if (users === 0 && Number.isFinite(idleMs)) {
          idleTimer = setTimeout(() => { if (users === 0) void closeNow(); }, idleMs);
          idleTimer.unref();
        }
      }
    },
    async close() {
      if (idleTimer) clearTimeout(idleTimer);
      await closeNow();
    },
  };
}
