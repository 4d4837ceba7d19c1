import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { REPO_ROOT } from './processes';

export const FUNCTION_DIRS = ['get-tasks', 'collect', 'normalize'] as const;
export type FunctionDir = (typeof FUNCTION_DIRS)[number];

/**
 * The `require` shim the stack's bundles start with (lib/stacks/collector-stack.ts, ESM_REQUIRE_BANNER, which is
 * not exported): bundled CommonJS dependencies call require() for Node built-ins.
 */
const ESM_REQUIRE_BANNER = "import { createRequire as cloudtapCreateRequire } from 'node:module'; const require = cloudtapCreateRequire(import.meta.url);";

export interface Bundle {
  fn: FunctionDir;
  file: string;
  bytes: number;
}

/** Bundles a Lambda as the stack's NodejsFunction does: ESM, minified, node22, the SDK included, a source map beside it. */
export async function bundleFunction(fn: FunctionDir, outDir: string): Promise<Bundle> {
  const file = join(outDir, fn, 'index.mjs');
  await build({
    entryPoints: [join(REPO_ROOT, 'lambdas', fn, 'index.ts')],
    outfile: file,
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    mainFields: ['module', 'main'],
    sourcemap: true,
    sourcesContent: false,
    banner: { js: ESM_REQUIRE_BANNER },
    logLevel: 'error',
  });
  return { fn, file, bytes: (await stat(file)).size };
}
