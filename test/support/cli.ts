import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The CLI a test starts: the bundle test/global-setup.mjs built from the sources for this jest run (so a test
 * never runs a stale dist/, and no start pays for compiling TypeScript); without it (the build failed, or no jest),
 * the sources through tsx, as `npm run dev` runs them. test/packaging/dist.test.ts builds dist/ and runs it through
 * bin/cloudtap.js.
 */
export const TEST_CLI = process.env.CLOUDTAP_TEST_CLI || fileURLToPath(new URL('../../scripts/cloudtap-dev.mjs', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the `cloudtap` program in a child process, stdout and stderr piped (no TTY). */
export function cloudtap(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runEntry(TEST_CLI, args, env);
}

/** Runs a Node entry point (a `cloudtap` launcher) in a child process with no inherited NODE_OPTIONS (jest's). */
export function runEntry(entry: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runNode([entry, ...args], env);
}

/** Runs `node <argv>` in a child process, as runEntry does (in `cwd` when given). */
export function runNode(argv: string[], env: NodeJS.ProcessEnv = {}, cwd?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, {
      ...(cwd ? { cwd } : {}),
      env: { ...process.env, NODE_OPTIONS: '', AWS_ENDPOINT_URL_DYNAMODB: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export function tempDir(prefix = 'cloudtap-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}
