/** The sandbox's calendar: epoch e is 2026-01-01T00:00:00Z plus e hours. */
export const SANDBOX_CLOCK_START_MS = Date.UTC(2026, 0, 1);
export const EPOCH_LENGTH_MS = 3_600_000;

export function epochTime(epoch: number): Date {
  return new Date(SANDBOX_CLOCK_START_MS + epoch * EPOCH_LENGTH_MS);
}

/**
 * A moment inside the hour that leads up to epoch `epoch` (after epoch-1, at or before epoch):
 * when the changes of that epoch step happened. `fraction` in [0, 1) places it.
 */
export function timeWithinStep(epoch: number, fraction: number): Date {
  const start = SANDBOX_CLOCK_START_MS + (epoch - 1) * EPOCH_LENGTH_MS;
  const seconds = 1 + Math.floor(fraction * (EPOCH_LENGTH_MS / 1000 - 1));
  return new Date(start + seconds * 1000);
}

/** AWS's format in state transition reasons: `2026-01-01 00:12:34 GMT`. */
export function gmtText(time: Date): string {
  return `${time.toISOString().slice(0, 19).replace('T', ' ')} GMT`;
}

/** A moment before epoch 0 (the base account's history): up to `maxDays` days earlier. */
export function timeBeforeStart(fraction: number, maxDays: number): Date {
  const seconds = 60 + Math.floor(fraction * maxDays * 86_400);
  return new Date(SANDBOX_CLOCK_START_MS - seconds * 1000);
}
