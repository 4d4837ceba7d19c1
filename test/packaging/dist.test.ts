import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { copyFile, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runEntry, runNode, tempDir, type CliResult } from '../support/cli';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIST = join(ROOT, 'dist');
const BIN = join(ROOT, 'bin', 'cloudtap.js');

/** What `npm ci` runs in `prepare`: the real build, into the checkout's dist/. */
function build(): Promise<CliResult> {
  return runEntry(join(ROOT, 'scripts', 'build-cli.mjs'), []);
}

/** The specifiers a built module imports statically (what Node loads before the module runs), not its `import()`s. */
function staticImports(code: string): string[] {
  return [...code.matchAll(/^(?:import|export)\s[^;]*?\bfrom\s*["']([^"']+)["'];|^import\s*["']([^"']+)["'];/gms)].map((m) => (m[1] ?? m[2]) as string);
}

describe('the built CLI (dist/, as npm ci leaves it)', () => {
  let work: string;

  beforeAll(async () => {
    work = await tempDir('cloudtap-dist-');
    const built = await build();
    expect(built.stderr).toBe('');
    expect(built.code).toBe(0);
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  it('bin/cloudtap.js starts it: --help lists the commands and --version prints the package\'s, with no TypeScript loader in the process', async () => {
    const help = await runEntry(BIN, ['--help']);
    expect(help.stderr).toBe('');
    expect(help.code).toBe(0);
    for (const name of ['run', 'resources', 'history', 'events', 'report', 'trace', 'sandbox', 'ingest']) expect(help.stdout).toContain(`  ${name}`);
    const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const printed = await runEntry(BIN, ['--version']);
    expect(printed).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    // The launcher imports nothing but dist/: a loader reached from it would show up as a package import here.
    expect(staticImports(await readFile(BIN, 'utf8'))).toEqual(['node:fs']);
  });

  it('start-up loads no package: the entry reaches runtime dependencies only through the commands\' lazy imports', async () => {
    const seen = new Set<string>();
    const packages: string[] = [];
    const visit = async (file: string): Promise<void> => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const specifier of staticImports(await readFile(join(DIST, file), 'utf8'))) {
        if (specifier.startsWith('./')) await visit(specifier.slice(2));
        else if (!specifier.startsWith('node:')) packages.push(`${specifier} (from ${file})`);
      }
    };
    await visit('cloudtap.mjs');
    expect(packages).toEqual([]);
    // The same walk does find the packages a command loads, so an empty list above is not a blind walk.
    const run = (await readdir(DIST)).find((f) => /^run-[A-Z0-9]+\.mjs$/.test(f));
    expect(run).toBeDefined();
    seen.clear();
    await visit(run as string);
    expect(packages.some((p) => p.startsWith('@aws-sdk/'))).toBe(true);
  });

  it('every module of dist/ links against the runtime dependencies (each command, and run --remote\'s, imported)', async () => {
    // The entry runs the CLI and the worker expects its parent thread: the tests around this one start those.
    const modules = (await readdir(DIST)).filter((f) => f.endsWith('.mjs') && f !== 'cloudtap.mjs' && f !== 'dynalite-worker.mjs');
    expect(modules.length).toBeGreaterThan(8);
    const script = `for (const file of ${JSON.stringify(modules)}) await import(new URL(file, ${JSON.stringify(pathToFileURL(`${DIST}/`).href)}).href); console.log('imported');`;
    const result = await runNode(['--input-type=module', '-e', script]);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('imported');
    expect(result.code).toBe(0);
  });

  it('a sandbox run from dist/ starts the embedded store\'s worker, which lies beside the bundle', async () => {
    const result = await runEntry(BIN, ['run', "--sandbox=regions=1&instances=3", '--data-dir', join(work, 'data'), '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as { status: string; resources: { created: number } };
    expect(summary.status).toBe('succeeded');
    expect(summary.resources.created).toBeGreaterThan(0);
  });

  it('without dist/, bin/cloudtap.js says to run npm run build', async () => {
    const bare = join(work, 'bare');
    await mkdir(join(bare, 'bin'), { recursive: true });
    await copyFile(BIN, join(bare, 'bin', 'cloudtap.js'));
    await writeFile(join(bare, 'package.json'), JSON.stringify({ type: 'module' }));
    const result = await runEntry(join(bare, 'bin', 'cloudtap.js'), ['--help']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/dist\/cloudtap\.mjs is missing\): run `npm run build`/);
  });
});
