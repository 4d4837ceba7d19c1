#!/usr/bin/env node
/**
 * `npm run build` (also the `prepare` script, so `npm ci` runs it): bundles the `cloudtap` CLI into dist/, which
 * bin/cloudtap.js runs. ESM for Node 20; packages stay external (resolved from node_modules at run time);
 * code-splitting keeps each command's `import()` in cli/main.ts lazy, so a command loads only its own code.
 * Plain JavaScript: it runs before anything could compile TypeScript.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIST = join(ROOT, 'dist');
/** The file bin/cloudtap.js imports. */
export const ENTRY_FILE = 'cloudtap.mjs';

/**
 * What is bundled. The dynalite worker is an entry of its own: local/embedded-dynamodb.ts starts it by
 * `new URL('./dynalite-worker.mjs', import.meta.url)`, and every output lands flat in dist/, so that URL finds it
 * beside whichever chunk the code ends up in.
 */
const ENTRY_POINTS = { cloudtap: 'cli/main.ts', 'dynalite-worker': 'local/dynalite-worker.mjs' };

/** The bundler is a devDependency: `npm ci --omit=dev` runs `prepare` without it. */
export class EsbuildMissing extends Error {
  constructor() {
    super('esbuild is not installed (devDependencies omitted): build with them (npm ci), then `npm prune --omit=dev` if you want them gone');
  }
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
export function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const isBuiltin = (specifier) => specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0]);

/**
 * Builds into `outdir` (default dist/) and returns esbuild's metafile. The new build is written beside the old
 * one and swapped in, so a `cloudtap` started meanwhile finds a whole dist/ (the old or the new).
 */
export async function buildCli({ outdir = DIST } = {}) {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new EsbuildMissing();
  }
  const staging = `${outdir}.building-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    const { metafile } = await esbuild.build({
      absWorkingDir: ROOT,
      entryPoints: ENTRY_POINTS,
      outdir: staging,
      outExtension: { '.js': '.mjs' },
      chunkNames: '[name]-[hash]',
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      // Maps for debugging (`NODE_OPTIONS=--enable-source-maps`); Node does not read them otherwise, so start-up pays nothing.
      sourcemap: true,
      metafile: true,
      logLevel: 'warning',
    });
    checkExternals(metafile);
    await checkRelativeUrls(staging);
    const old = `${outdir}.old-${process.pid}`;
    await rename(outdir, old).catch((error) => { if (error.code !== 'ENOENT') throw error; });
    await rename(staging, outdir);
    await rm(old, { recursive: true, force: true });
    return metafile;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * Every package the bundle imports must be a runtime dependency: after `npm prune --omit=dev` only those are
 * left, and a dev-only package (aws-cdk-lib, esbuild, tsx …) reached from the CLI would fail there, not here.
 */
function checkExternals(metafile) {
  const { dependencies = {} } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const missing = new Map();
  for (const [file, output] of Object.entries(metafile.outputs)) {
    for (const { path, external } of output.imports) {
      if (!external || isBuiltin(path)) continue;
      const name = packageName(path);
      if (!(name in dependencies)) missing.set(name, file);
    }
  }
  if (missing.size > 0) {
    throw new Error(`the CLI imports packages that are not in package.json "dependencies": ${[...missing].map(([name, file]) => `${name} (from ${file})`).join(', ')}; ` +
      'move them there (npm install <package>), or stop importing them from the CLI');
  }
}

/** Files the bundle opens by `new URL('./…', import.meta.url)` must be in the output folder beside it. */
async function checkRelativeUrls(dir) {
  const files = new Set(await readdir(dir));
  const pattern = /new URL\(\s*["'`](\.\/[^"'`]+)["'`]\s*,\s*import\.meta\.url\s*\)/g;
  for (const file of files) {
    if (!file.endsWith('.mjs')) continue;
    for (const [, relative] of (await readFile(join(dir, file), 'utf8')).matchAll(pattern)) {
      if (!files.has(relative.slice(2))) throw new Error(`${file} opens ${relative} relative to itself, and the build has no such file: make it an entry point in scripts/build-cli.mjs`);
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  try {
    const metafile = await buildCli();
    const code = Object.entries(metafile.outputs).filter(([file]) => file.endsWith('.mjs'));
    const kb = code.reduce((sum, [, output]) => sum + output.bytes, 0) / 1024;
    console.log(`cloudtap: built dist/ (${code.length} files, ${kb.toFixed(0)} KB) in ${Math.round(performance.now() - started)} ms`);
  } catch (error) {
    // A dist/ built earlier (e.g. copied in beside a production install) is kept rather than failing the install.
    if (error instanceof EsbuildMissing && existsSync(join(DIST, ENTRY_FILE))) {
      console.log(`cloudtap: ${error.message}; keeping the dist/ already built`);
    } else {
      console.error(`cloudtap build: ${error.message}`);
      process.exitCode = 1;
    }
  }
}
