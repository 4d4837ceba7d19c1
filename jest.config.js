/** Jest runs the TypeScript sources as ESM through SWC; `tsc --noEmit` does the type checks. */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } }],
  },
  setupFiles: ['<rootDir>/test/setup.ts'],
  // The CLI the tests start as a child process, bundled once per run (test/support/cli.ts).
  globalSetup: '<rootDir>/test/global-setup.mjs',
  globalTeardown: '<rootDir>/test/global-teardown.mjs',
  // On a clean clone (no timing data) the heaviest suites start first, not last (test/sequencer.mjs).
  testSequencer: '<rootDir>/test/sequencer.mjs',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // The end-to-end tests are CPU-bound child processes and embedded servers: use both cores (jest's default is
  // cores − 1, a single worker on CI's 2-core machines).
  maxWorkers: 2,
  testTimeout: 120000,
};
