import { describe, it, expect } from '@jest/globals';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { cloudtap, tempDir, type CliResult } from '../support/cli';

/** A stack trace's frames, as Node prints them. */
const STACK_LINE = /^ {4}at /m;

function expectRefused(result: CliResult, field: RegExp): void {
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(field);
  expect(result.stderr).not.toMatch(STACK_LINE);
  expect(result.stderr).not.toMatch(/Maximum call stack|Invalid time value|URI malformed/);
}

async function file(name: string, text: string): Promise<string> {
  const path = join(await tempDir(), name);
  await writeFile(path, text);
  return path;
}

/** A port nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const STATE_CHANGE = {
  version: '0', id: 'e-1', 'detail-type': 'EC2 Instance State-change Notification', source: 'aws.ec2', account: '111111111111',
  time: '2026-12-01T10:00:00Z', region: 'us-east-1', resources: [], detail: { 'instance-id': 'i-0123456789abcdef0', state: 'stopped' },
};

describe('bad input: exit 1, the field or path named, no stack trace', () => {
  it('a --thresholds file nested 100,000 levels deep', async () => {
    const path = await file('thresholds.json', `${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    const result = await cloudtap(['run', '--sandbox', '--thresholds', path, '--data-dir', await tempDir()]);
    expectRefused(result, /^cloudtap: --thresholds: .*thresholds\.json\[0\]\[0\].*nests objects and arrays more than 64 levels deep/);
  });

  it('an ingest file nested 100,000 levels deep', async () => {
    const path = await file('event.json', JSON.stringify({ ...STATE_CHANGE, detail: 'DEEP' }).replace('"DEEP"', `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`));
    const dataDir = await tempDir();
    const result = await cloudtap(['ingest', path, '--data-dir', dataDir]);
    expectRefused(result, /event\.json: event\.detail\.a\.a.*nests objects and arrays more than 64 levels deep/);
  });

  it('an ingest file whose time is "yesterday"', async () => {
    const path = await file('event.json', JSON.stringify({ ...STATE_CHANGE, time: 'yesterday' }));
    const result = await cloudtap(['ingest', path, '--data-dir', await tempDir()]);
    expectRefused(result, /event\.json: event\.time: "yesterday" is not a time; use ISO 8601 with a zone, such as 2026-12-01T10:00:00Z/);
  });

  it('a sandbox spec with a malformed %-escape', async () => {
    const result = await cloudtap(['run', '--sandbox=seed=%ZZ', '--data-dir', await tempDir()]);
    expectRefused(result, /^cloudtap: --sandbox: sandbox spec: "seed" has a "%" that is not followed by two hex digits, got "%ZZ"; write a literal % as %25$/m);
  });

  it('a store that does not answer (AWS_ENDPOINT_URL_DYNAMODB at a closed port)', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const result = await cloudtap(['resources'], { AWS_ENDPOINT_URL_DYNAMODB: endpoint, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: 'us-east-1' });
    expectRefused(result, /ECONNREFUSED/);
  });

  it('a damaged embedded store (CURRENT names a manifest that is not there)', async () => {
    const dataDir = await tempDir();
    await mkdir(join(dataDir, 'dynamodb'), { recursive: true });
    await writeFile(join(dataDir, 'dynamodb', 'CURRENT'), 'MANIFEST-000099\n');
    const result = await cloudtap(['resources', '--data-dir', dataDir]);
    expectRefused(result, /dynamodb/);
  });
});

describe('the small ones', () => {
  it('cloudtap --version prints the version in package.json', async () => {
    const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const result = await cloudtap(['--version']);
    expect(result).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('cloudtap events history --help prints the help and exits 0', async () => {
    const result = await cloudtap(['events', 'history', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/cloudtap events history <event-id>/);
    expect(result.stderr).toBe('');
  });
});
