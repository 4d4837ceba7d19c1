/** Runs `work` over `items` with at most `limit` in flight; rejects with the first failure. */
export async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  await forEachWithConcurrency(items.entries(), limit, async ([index, item]) => {
    results[index] = await work(item, index);
  });
  return results;
}

/**
 * Runs `work` on every item `items` yields, with at most `limit` in flight, taking the items one at a time
 * (a generator's are never listed all at once); rejects with the first failure.
 */
export async function forEachWithConcurrency<T>(items: Iterable<T>, limit: number, work: (item: T) => Promise<void>): Promise<void> {
  const iterator = items[Symbol.iterator]();
  async function worker(): Promise<void> {
    for (let step = iterator.next(); !step.done; step = iterator.next()) await work(step.value);
  }
  await Promise.all(Array.from({ length: limit }, worker));
}

/** The items in arrays of `size` (the last may be shorter), taken one at a time from any iterable. */
export function* chunked<T>(items: Iterable<T>, size: number): Generator<T[]> {
  let chunk: T[] = [];
  for (const item of items) {
    chunk.push(item);
    if (chunk.length === size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

/** A runner of queued writes (or any work), at most `limit` at a time: what `EventSync.reconcile` and its callers take. */
export function writesInFlight(limit: number): (writes: (() => Promise<void>)[]) => Promise<void> {
  return async (writes) => {
    await mapWithConcurrency(writes, limit, (write) => write());
  };
}
