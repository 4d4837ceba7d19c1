import { beforeAll, describe, expect, it } from '@jest/globals';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Level } from 'level';
import { checkLogFormat, inspectLevelDb } from '../../local/leveldb-check';
import { tempDir } from '../support/cli';

/** A log LevelDB itself wrote: records of every size, so some span two or three 32 KiB blocks. */
let log: Buffer;
let directory: string;

beforeAll(async () => {
  directory = join(await tempDir(), 'db');
  const db = new Level<string, string>(directory);
  await db.open();
  for (let n = 0; n < 60; n++) await db.put(`key-${n}`, 'v'.repeat((n * 7919) % 70_000));
  await db.close();
  const name = (await readdir(directory)).filter((file) => file.endsWith('.log')).sort().at(-1) ?? '';
  log = await readFile(join(directory, name));
  expect(log.length).toBeGreaterThan(3 * 32768);
});

describe("LevelDB's files, checked without opening them", () => {
  it('a log as LevelDB wrote it passes, records spanning blocks included; so does the whole store', async () => {
    expect(checkLogFormat(log)).toEqual({ ok: true });
    expect(await inspectLevelDb(directory)).toEqual({ state: 'ok' });
  });

  it('a log cut anywhere is either cut inside a record (reported as cut short, never as damage) or at a record boundary (undetectable)', () => {
    let cutShort = 0;
    for (let end = 1; end < log.length; end += 1499) {
      const verdict = checkLogFormat(log.subarray(0, end));
      if (!verdict.ok) {
        expect(verdict.cutShort).toBe(true);
        cutShort++;
      }
    }
    // Records are most of the file: nearly every cut lands inside one.
    expect(cutShort).toBeGreaterThan(log.length / 1499 - 5);
  });

  it('a changed byte inside a record fails its checksum, and is damage', () => {
    for (const offset of [20, 5000, 40000]) {
      const copy = Buffer.from(log);
      copy.writeUInt8(copy.readUInt8(offset) ^ 0x01, offset);
      expect(checkLogFormat(copy)).toMatchObject({ ok: false, cutShort: false, detail: expect.stringContaining('fails its checksum') });
    }
  });

  it('a directory that is not there, or holds no data files, is no store (not damage)', async () => {
    expect(await inspectLevelDb(join(directory, 'nope'))).toEqual({ state: 'missing' });
    expect(await inspectLevelDb(await tempDir())).toEqual({ state: 'empty' });
  });
});
