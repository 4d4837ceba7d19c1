/** Removes the CLI test/global-setup.mjs built for this jest run. */
export { removeTestCli as default } from './global-setup.mjs';
