import { describe, it, expect, beforeAll } from '@jest/globals';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cloudtap, tempDir } from '../support/cli';
import { openWorkspace } from '../../cli/workspace';
import type { RunSummary } from '../../src/dto/run-summary';
import { allServices } from '../../src/services/registry';

/** The whole program, as an operator runs it: child processes, the embedded store on disk, the sandbox over HTTP. */
describe('cloudtap run --sandbox', () => {
  let dataDir: string;
  let first: RunSummary;

  beforeAll(async () => {
    dataDir = await tempDir();
    const result = await cloudtap(['run', '--sandbox=seed=3&regions=2&instances=12', '--json', '--data-dir', dataDir]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    first = JSON.parse(result.stdout) as RunSummary;
  });

  it('prints the run summary of shared/DESIGN.md', () => {
    expect(Object.keys(first)).toEqual(expect.arrayContaining(['runId', 'status', 'startedAt', 'durationMs', 'tasks', 'resources', 'events', 'writes', 'failures']));
    expect(first.status).toBe('succeeded');
    expect(first.tasks).toMatchObject({ failed: 0 });
    // One CloudServiceType task, one Region task, each regional service in each of the 2 enabled regions, and each global one once.
    const regional = allServices().filter((s) => s.scope.kind === 'regional').length;
    expect(first.tasks.total).toBe(2 + regional * 2 + (allServices().length - regional));
    expect(first.resources.seen).toBeGreaterThan(0);
    expect(first.resources.created).toBe(first.resources.seen);
    expect(first.writes).toBeGreaterThanOrEqual(first.resources.created);
    expect(first.failures).toEqual([]);
  });

  it('a second run finds the first run\'s data: every resource unchanged, nothing rewritten', async () => {
    const result = await cloudtap(['run', '--sandbox=seed=3&regions=2&instances=12', '--json', '--data-dir', dataDir]);
    expect(result.code).toBe(0);
    const second = JSON.parse(result.stdout) as RunSummary;
    expect(second.resources).toEqual({ seen: first.resources.seen, created: 0, updated: 0, unchanged: first.resources.seen, deleted: 0 });
    expect(second.events.opened).toBe(0);
    expect(second.events.recurred).toBe(first.events.opened);
  });

  it('prints a human summary without --json, and no progress line when piped', async () => {
    const result = await cloudtap(['run', '--sandbox=seed=3&regions=2&instances=12', '--data-dir', dataDir]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Run \S+ succeeded in /);
    expect(result.stdout).toMatch(/resources +\d+ seen, 0 created/);
    expect(result.stderr).toBe('');
  });
});

describe('the embedded store', () => {
  it('is one process\'s at a time: another process is told so and what to do, and the first keeps working', async () => {
    const dataDir = await tempDir();
    const first = await openWorkspace({ dataDir });
    try {
      const refused = await cloudtap(['resources', '--data-dir', dataDir]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`the store in ${join(dataDir, 'dynamodb')} is in use by another cloudtap process; wait for it to finish or use --data-dir`);
      const output = await first.db.client.scan({ TableName: first.tables.resources });
      expect(output.Items).toEqual([]);
    } finally {
      await first.close();
    }
    const after = await cloudtap(['resources', '--data-dir', dataDir]);
    expect(after).toMatchObject({ code: 0, stderr: '' });
  });
});

describe('bad input is refused before anything is written', () => {
  it.each([
    [['--sandbox', '--services', 'nosuch'], /--services: unknown service "nosuch"; valid services are: EC2/],
    [['--sandbox', '--regions', 'Europe'], /--regions: "Europe" is not a region name/],
    [['--sandbox=regions=abc'], /--sandbox: .*regions/],
    [['--sandbox=colour=blue'], /--sandbox: .*colour.*valid/],
    [['--sandbox', '--concurrency', 'many'], /--concurrency: must be a whole number/],
    [['--sandbox', '--bogus'], /Unknown option '--bogus'/],
  ])('cloudtap run %j exits 1 and names what is wrong', async (args, message) => {
    const dataDir = join(await tempDir(), 'store');
    const result = await cloudtap(['run', ...args, '--data-dir', dataDir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
    expect(existsSync(dataDir)).toBe(false);
  });
});
