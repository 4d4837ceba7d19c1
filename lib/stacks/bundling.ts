/**
 * How a Lambda is bundled and started: the one definition the stack deploys and the benchmark measures.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildOptions, Metafile, Plugin } from 'esbuild';

/**
 * esbuild's ESM output has no `require`; bundled CommonJS dependencies (the AWS SDK's) need one for Node
 * built-ins. Every Lambda bundle starts with this line.
 */
export const ESM_REQUIRE_BANNER = "import { createRequire as cloudtapCreateRequire } from 'node:module'; const require = cloudtapCreateRequire(import.meta.url);";

/** The bundle Lambda loads (`index.handler`), with its source map beside it (`index.mjs.map`). */
export const BUNDLE_FILE = 'index.mjs';

/**
 * NODE_OPTIONS of every function. Source maps stay on: an error's stack in CloudWatch then names our file and
 * line, not column 80,000 of a minified line, which is worth its cost at a cold start: Node reads the map and
 * indexes the bundle's lines when it loads the bundle, 10–20 ms of a 100–140 ms initialisation on the benchmark
 * machine (Node 20), the more the larger the bundle. The benchmark starts its processes with these same options.
 */
export const LAMBDA_NODE_OPTIONS = ['--enable-source-maps'] as const;

/**
 * The AWS SDK's generated schemas (`dist-es/schemas/schemas_0.js`, one file per client) key their trait objects
 * with constants: `{ [_xN]: _arc }` where `const _xN = "xmlName"`. esbuild treats any computed key as a possible
 * side effect (it could call `toString`), so it keeps every schema carrying a trait: all ~2,200 structures of
 * EC2 (550 KB minified) whichever commands are imported. This rewrites those keys to the literal strings they
 * stand for (`{ "xmlName": _arc }`) — the same object — so only the schemas the imported commands reach are
 * kept. Upstream: aws/aws-sdk-js-v3#7607, fixed in codegen by smithy-lang/smithy-typescript#1889.
 */
export const literalSchemaTraitKeys: Plugin = {
  name: 'cloudtap-literal-schema-trait-keys',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]@aws-sdk[\\/].+[\\/]dist-es[\\/](?:.+[\\/])?schemas[\\/]schemas_\d+\.js$/ }, async ({ path }) => (
      { contents: withLiteralTraitKeys(await readFile(path, 'utf8')), loader: 'js' }
    ));
  },
};

/** `{ [_k]: v }` → `{ "key": v }` wherever `_k` is a top-level string constant of the module. */
export function withLiteralTraitKeys(source: string): string {
  const strings = new Map<string, string>();
  for (const [, name, literal] of source.matchAll(/^const (_\w+) = ("(?:[^"\\\n]|\\.)*");$/gm)) {
    // A computed ["__proto__"] key sets an own property; a literal "__proto__" key would set the prototype.
    if (name && literal && JSON.parse(literal) !== '__proto__') strings.set(name, literal);
  }
  return source.replace(/([{,]\s*)\[(_\w+)\]\s*:/g, (key, before: string, name: string) => {
    const literal = strings.get(name);
    return literal ? `${before}${literal}:` : key;
  });
}

/** In the bundles, the SDK's default credential chain is Lambda's: the environment only (see that module). */
const LAMBDA_CREDENTIALS = fileURLToPath(new URL('../../src/lambda/credentials.ts', import.meta.url));

/** esbuild options of a function's bundle: ESM, minified, node22, the SDK included, a source map beside it. */
export function lambdaBuildOptions(entry: string, outDir: string): BuildOptions & { metafile: true } {
  return {
    entryPoints: [entry],
    outfile: join(outDir, BUNDLE_FILE),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    mainFields: ['module', 'main'],
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    banner: { js: ESM_REQUIRE_BANNER },
    // Bundle the SDK too: the functions run the SDK version they were tested with, not the runtime's.
    external: [],
    alias: { '@aws-sdk/credential-provider-node': LAMBDA_CREDENTIALS },
    plugins: [literalSchemaTraitKeys],
    metafile: true,
    logLevel: 'warning',
  };
}

/** Bundles one function's entry into `outDir` (index.mjs and index.mjs.map); returns esbuild's metafile. */
export async function bundleLambda(entry: string, outDir: string): Promise<Metafile> {
  const { build } = await import('esbuild');
  return (await build(lambdaBuildOptions(entry, outDir))).metafile;
}
