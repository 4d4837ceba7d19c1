/** Runs `work` over `items` with at most `limit` in flight; rejects with the first failure. */
export async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T, index);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
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
