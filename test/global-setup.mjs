/**
 * Builds the CLI once per jest run, with the project's own build (scripts/build-cli.mjs: what `npm ci` leaves in
 * dist/), into a folder of this run's own. The tests that start `cloudtap` as a child process (test/support/cli.ts,
 * test/crash/harness.ts) run it from there: the real entry, bundled fresh from the sources (never a stale dist/),
 * without compiling the TypeScript again at every start as tsx does. If the build fails, the tests fall back to
 * tsx; test/packaging/dist.test.ts and `npm ci` report the build's error.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { buildCli, ENTRY_FILE, ROOT } from '../scripts/build-cli.mjs';

/** The variable the CLI tests read the built entry's path from; jest's workers inherit it. */
export const TEST_CLI_ENV = 'CLOUDTAP_TEST_CLI';
/** Under node_modules: the bundle resolves its packages from there, and git, tsc and eslint ignore it. */
const OUTDIR = join(ROOT, 'node_modules', '.cache', `cloudtap-test-cli-${process.pid}`);

export default async function buildTestCli() {
  try {
    await buildCli({ outdir: OUTDIR });
    process.env[TEST_CLI_ENV] = join(OUTDIR, ENTRY_FILE);
  } catch (error) {
    delete process.env[TEST_CLI_ENV];
    process.stderr.write(`\ntest/global-setup.mjs: the CLI could not be built (${error.message}); the CLI tests run it through tsx\n`);
  }
}

export async function removeTestCli() {
  await rm(OUTDIR, { recursive: true, force: true });
}
