import { describe, expect, it } from '@jest/globals';
import { forEachWithConcurrency, chunked } from '../../src/util/concurrency';

describe('forEachWithConcurrency', () => {
  it('works on every item a generator yields once, never more than the limit at a time, taking items as it goes', async () => {
    let taken = 0;
    function* items(): Generator<number> {
      for (let i = 0; i < 50; i++) {
        taken++;
        yield i;
      }
    }
    const done: number[] = [];
    let inFlight = 0;
    let most = 0;
    let mostTakenAhead = 0;
    await forEachWithConcurrency(items(), 4, async (item) => {
      inFlight++;
      most = Math.max(most, inFlight);
      mostTakenAhead = Math.max(mostTakenAhead, taken - done.length);
      await new Promise((resolve) => setTimeout(resolve, item % 3));
      done.push(item);
      inFlight--;
    });
    expect([...done].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(most).toBe(4);
    expect(mostTakenAhead).toBeLessThanOrEqual(4);
  });

  it('rejects with the first failure', async () => {
    await expect(forEachWithConcurrency([1, 2, 3], 2, async (item) => {
      if (item === 2) throw new Error('item 2 failed');
    })).rejects.toThrow('item 2 failed');
  });
});

describe('chunked', () => {
  it('takes any iterable a chunk at a time, the last one shorter, and yields nothing for nothing', () => {
    function* ids(n: number): Generator<string> {
      for (let i = 0; i < n; i++) yield `id-${i}`;
    }
    expect([...chunked(ids(5), 2)]).toEqual([['id-0', 'id-1'], ['id-2', 'id-3'], ['id-4']]);
    expect([...chunked([1, 2, 3, 4], 2)]).toEqual([[1, 2], [3, 4]]);
    expect([...chunked([], 25)]).toEqual([]);
  });
});
