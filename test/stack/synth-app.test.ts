import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CDK_JSON_CONTEXT } from './collector-fixture';

const REPO_ROOT = new URL('../../', import.meta.url).pathname;

/** Runs bin/app.ts the way `cdk synth` does: cdk.json's context in CDK_CONTEXT_JSON, the assembly into CDK_OUTDIR. */
function runApp(context: Record<string, unknown>, outdir: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '', CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: outdir, AWS_EC2_METADATA_DISABLED: 'true' },
  });
}

type Template = { Resources: Record<string, { Type: string; Metadata?: Record<string, string> }> };

describe('bin/app.ts, run as `cdk synth` runs it (real bundling and validation)', () => {
  let outdir: string;
  let template: Template;
  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'cloudtap-synth-'));
    // The CLI adds these to the context it passes; asset metadata tells where each function's bundle is.
    const result = runApp({ ...CDK_JSON_CONTEXT, 'aws:cdk:enable-path-metadata': true, 'aws:cdk:enable-asset-metadata': true }, outdir);
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.status).toBe(0);
    template = JSON.parse(readFileSync(join(outdir, 'Cloudtap.template.json'), 'utf8')) as Template;
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('passes CDK\'s CloudFormation validation, whose findings cdk.json makes errors', () => {
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as { pluginReports: { violations?: unknown[] }[] };
    expect(report.pluginReports.flatMap((plugin) => plugin.violations ?? [])).toEqual([]);
    expect(CDK_JSON_CONTEXT['@aws-cdk/core:validateAgainstDefaultRules']).toBe(true);
  });

  it('bundles each handler into an ESM file that Node loads and that exports handler', () => {
    const functions = Object.entries(template.Resources).filter(([, resource]) => resource.Type === 'AWS::Lambda::Function');
    expect(functions).toHaveLength(3);
    for (const [id, resource] of functions) {
      const asset = join(outdir, resource.Metadata?.['aws:asset:path'] ?? `missing asset of ${id}`);
      expect(existsSync(join(asset, 'index.mjs.map'))).toBe(true);
      expect(readFileSync(join(asset, 'index.mjs'), 'utf8')).toMatch(/^import \{ createRequire as \w+ \} from 'node:module'; const require = /);
      // Without the createRequire banner the bundled SDK fails at import ("Dynamic require of node:https").
      const load = spawnSync(process.execPath, ['--input-type=module', '-e',
        `const m = await import(${JSON.stringify(pathToFileURL(join(asset, 'index.mjs')).href)}); console.log(typeof m.handler);`], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
      expect({ id, stderr: load.stderr, stdout: load.stdout.trim() }).toEqual({ id, stderr: '', stdout: 'function' });
    }
  });

  it('refuses a bad knob with a message that names it and says what is valid, and writes nothing', () => {
    const badOutdir = mkdtempSync(join(tmpdir(), 'cloudtap-synth-bad-'));
    try {
      const result = runApp({ ...CDK_JSON_CONTEXT, maxConcurrency: 0 }, badOutdir);
      expect(result.status).toBe(1);
      expect(result.stderr.trim()).toBe('cloudtap: context knob "maxConcurrency": 0 is not a whole number from 1 to 1000; use e.g. 20 (set it in cdk.json "context" or with -c maxConcurrency=…)');
      expect(existsSync(join(badOutdir, 'manifest.json'))).toBe(false);
    } finally {
      rmSync(badOutdir, { recursive: true, force: true });
    }
  });
});
