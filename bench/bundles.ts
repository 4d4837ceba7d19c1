import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BUNDLE_FILE, bundleLambda } from '../lib/stacks/bundling';
import { REPO_ROOT } from './processes';

export const FUNCTION_DIRS = ['get-tasks', 'collect', 'normalize'] as const;
export type FunctionDir = (typeof FUNCTION_DIRS)[number];

export interface Bundle {
  fn: FunctionDir;
  file: string;
  bytes: number;
  /** Bytes of the bundle by package (or by folder of this repository), largest first. */
  composition: { name: string; bytes: number }[];
}

/** `node_modules/@scope/name/…` → `@scope/name`; this repository's files → their top folders (`src/services`). */
export function packageOf(path: string): string {
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (inModules) return inModules[1] ?? path;
  // Source-map paths climb to the root from the bundle's folder (`../../work/main/src/…`); metafile paths are relative to it.
  const absolute = path.replace(/^(\.\.\/)+/, '/');
  const own = (absolute.startsWith(REPO_ROOT) ? absolute.slice(REPO_ROOT.length) : path).split('/');
  return own.slice(0, Math.min(2, own.length - 1)).join('/') || path;
}

/** Bundles a Lambda as the stack does (lib/stacks/bundling.ts): its bundle, and the bundle's bytes by package. */
export async function bundleFunction(fn: FunctionDir, outDir: string): Promise<Bundle> {
  const file = join(outDir, fn, BUNDLE_FILE);
  const metafile = await bundleLambda(join(REPO_ROOT, 'lambdas', fn, 'index.ts'), join(outDir, fn));
  const byPackage = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) byPackage.set(packageOf(input), (byPackage.get(packageOf(input)) ?? 0) + bytesInOutput);
  }
  const composition = [...byPackage].sort((a, b) => b[1] - a[1]).map(([name, bytes]) => ({ name, bytes }));
  return { fn, file, bytes: (await stat(file)).size, composition };
}
