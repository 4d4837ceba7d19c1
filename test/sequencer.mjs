/**
 * jest's order, except on a run without timing data (a clean clone, as CI runs): jest then starts the largest files
 * first, and the heaviest suites are small files (the crash test is 1.9 KB and was 104th of 115), so one of them
 * ran alone at the end while the other core had nothing left to do. These start first instead, heaviest first
 * (CPU seconds alone, measured 2026-12-02); with timing data, jest's own order (slowest first) stands.
 */
import Sequencer from '@jest/test-sequencer';

const HEAVIEST_FIRST = [
  'test/e2e/crash.test.ts',
  'test/e2e/deployed-stack.test.ts',
  'test/store/access-patterns.test.ts',
  'test/e2e/inventory-truth.test.ts',
  'test/e2e/store-trust.test.ts',
  'test/e2e/realtime-pipeline.test.ts',
  'test/e2e/organization.test.ts',
  'test/e2e/failure-storm.test.ts',
  'test/cli/store-damage.test.ts',
  'test/e2e/failures-are-failures.test.ts',
  'test/cli/help.test.ts',
];

export default class HeaviestFirst extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    const rank = (test) => {
      if (test.duration != null) return HEAVIEST_FIRST.length;
      const i = HEAVIEST_FIRST.findIndex((path) => test.path.endsWith(`/${path}`));
      return i < 0 ? HEAVIEST_FIRST.length : i;
    };
    // Array.prototype.sort is stable: the others keep jest's order.
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}
