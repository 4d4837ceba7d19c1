/**
 * `node --import tsx lib/stacks/bundle-lambda.ts <entry> <outDir>`: bundles one function as the stack deploys
 * it. The stack's asset bundling runs this in a child process because it must be synchronous, and esbuild takes
 * plugins only in its asynchronous API.
 */
import { bundleLambda } from './bundling';

const [entry, outDir] = process.argv.slice(2);
if (!entry || !outDir) {
  console.error('usage: node --import tsx lib/stacks/bundle-lambda.ts <entry.ts> <outDir>');
  process.exit(2);
}
await bundleLambda(entry, outDir);
