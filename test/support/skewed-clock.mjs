// Test-only preload (`node --import ./test/support/skewed-clock.mjs …`): the process's wall clock runs
// CLOUDTAP_TEST_CLOCK_SKEW_MS milliseconds ahead (negative: behind), as a machine whose clock is off would. Date.now()
// and `new Date()` are shifted; dates built from a given time, and performance.now(), are not.
const skew = Number(process.env.CLOUDTAP_TEST_CLOCK_SKEW_MS ?? 0);
if (!Number.isFinite(skew)) throw new Error(`CLOUDTAP_TEST_CLOCK_SKEW_MS must be a number of milliseconds, got "${process.env.CLOUDTAP_TEST_CLOCK_SKEW_MS}"`);

if (skew !== 0) {
  const RealDate = globalThis.Date;
  const now = () => RealDate.now() + skew;
  class SkewedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(now());
      else super(...args);
    }

    static now() {
      return now();
    }
  }
  // `Date()` called without `new` returns the current time as a string.
  globalThis.Date = new Proxy(SkewedDate, {
    apply: () => new RealDate(now()).toString(),
  });
}
