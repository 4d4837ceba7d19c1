import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CDK_JSON_CONTEXT } from './collector-fixture';

const REPO_ROOT = new URL('../../', import.meta.url).pathname;

/** Runs bin/app.ts as `cdk synth` does (without bundling the functions: synth-app.test.ts covers that). */
function runApp(context: Record<string, unknown>, outdir: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: {
      ...process.env, NODE_OPTIONS: '', AWS_EC2_METADATA_DISABLED: 'true', CDK_OUTDIR: outdir,
      CDK_CONTEXT_JSON: JSON.stringify({ ...CDK_JSON_CONTEXT, 'aws:cdk:enable-path-metadata': true, 'aws:cdk:bundling-stacks': [], ...context }),
    },
  });
}

type Template = { Resources: Record<string, { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> }> };

function readTemplate(outdir: string, stackName: string): Template {
  return JSON.parse(readFileSync(join(outdir, `${stackName}.template.json`), 'utf8')) as Template;
}

describe('bin/app.ts with the organization knobs, run as `cdk synth` runs it', () => {
  let outdir: string;
  let result: ReturnType<typeof runApp>;
  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'cloudtap-synth-org-'));
    result = runApp({ organization: true, organizationId: 'o-a1b2c3d4e5', organizationUnits: 'ou-ab12-cdef3456', memberStack: true }, outdir);
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('synthesizes the collector, the member stack and the StackSet stack, with cdk-nag clean on all three', () => {
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.status).toBe(0);
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as { artifacts: Record<string, { type: string }> };
    expect(Object.entries(manifest.artifacts).filter(([, artifact]) => artifact.type === 'aws:cloudformation:stack').map(([id]) => id).sort())
      .toEqual(['Cloudtap', 'CloudtapMemberRole', 'CloudtapOrg']);
  });

  it('puts into the StackSet the very template it writes for the member stack (without the construct paths)', () => {
    const member = readTemplate(outdir, 'CloudtapMemberRole');
    const withoutPaths = {
      ...member,
      Resources: Object.fromEntries(Object.entries(member.Resources).map(([id, { Metadata, ...resource }]) => {
        expect(Object.keys(Metadata ?? {})).toEqual(['aws:cdk:path']);
        return [id, resource];
      })),
    };
    const stackSet = Object.values(readTemplate(outdir, 'CloudtapOrg').Resources).find((resource) => resource.Type === 'AWS::CloudFormation::StackSet');
    expect(JSON.parse(stackSet?.Properties.TemplateBody as string)).toEqual(withoutPaths);
  });

  it('leaves nothing of the member stack\'s own synthesis in the assembly', () => {
    expect(existsSync(join(outdir, 'MemberRole.template.json'))).toBe(false);
  });

  it('refuses a bad organization id with a message that names the knob and says what to do, and writes nothing', () => {
    const badOutdir = mkdtempSync(join(tmpdir(), 'cloudtap-synth-org-bad-'));
    try {
      const bad = runApp({ organization: true, organizationId: 'o-123' }, badOutdir);
      expect(bad.status).toBe(1);
      expect(bad.stderr.trim()).toBe('cloudtap: context knob "organizationId": "o-123" is not an organization id; use o- and 10 to 32 lowercase letters or digits, e.g. o-a1b2c3d4e5 (aws organizations describe-organization --query Organization.Id) (set it in cdk.json "context" or with -c organizationId=…)');
      expect(existsSync(join(badOutdir, 'manifest.json'))).toBe(false);
    } finally {
      rmSync(badOutdir, { recursive: true, force: true });
    }
  });
});
