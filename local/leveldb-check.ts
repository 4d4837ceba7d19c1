/**
 * Looks at an on-disk LevelDB store (the embedded DynamoDB's) without opening it. Opening is not harmless:
 * with create-if-missing LevelDB replaces a store that lost its CURRENT file by an empty one and deletes the
 * table files; without paranoid checks (which classic-level does not expose) it drops a log record cut short or
 * failing its checksum without a word, and the first open after that makes the loss permanent. So the
 * files are read first, and only a store that passes is handed to LevelDB.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

export type LevelDbState =
  | { state: 'missing' }
  /** A directory without any of LevelDB's data files (at most LOCK and LOG left by an open that never wrote). */
  | { state: 'empty' }
  | { state: 'ok'; unfinishedWrite?: LevelDbProblem }
  | { state: 'damaged'; problem: LevelDbProblem };

export interface LevelDbProblem {
  /** The file at fault, a path inside the directory. */
  file: string;
  /** What is wrong, for a person. */
  detail: string;
}

/** LevelDB's log and MANIFEST format (doc/log_format.md): 32 KiB blocks of records with a 7-byte header. */
const BLOCK_SIZE = 32768;
const HEADER_SIZE = 7;
const RECORD = { zero: 0, full: 1, first: 2, middle: 3, last: 4 } as const;
const DATA_FILE = /^(\d+\.(log|ldb|sst)|MANIFEST-\d+)$/;

/** What a read of a log-format file found: fine, a last record cut short (the end of the file inside it), or damage. */
type LogVerdict = { ok: true } | { ok: false; cutShort: boolean; detail: string };

export async function inspectLevelDb(directory: string): Promise<LevelDbState> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
    throw error;
  }
  if (!names.includes('CURRENT')) {
    const data = names.filter((name) => DATA_FILE.test(name));
    if (data.length === 0) return { state: 'empty' };
    return { state: 'damaged', problem: { file: join(directory, 'CURRENT'), detail: `the CURRENT file is missing (the directory still holds ${data.length} data file${data.length === 1 ? '' : 's'}: ${data.slice(0, 4).join(', ')}${data.length > 4 ? ', …' : ''})` } };
  }
  const current = (await readFile(join(directory, 'CURRENT'), 'utf8'));
  const manifest = /^(MANIFEST-\d+)\n$/.exec(current)?.[1];
  if (!manifest) return { state: 'damaged', problem: { file: join(directory, 'CURRENT'), detail: `CURRENT should name the MANIFEST file, but holds ${JSON.stringify(current.slice(0, 40))}` } };
  if (!names.includes(manifest)) return { state: 'damaged', problem: { file: join(directory, manifest), detail: `CURRENT names ${manifest}, which does not exist` } };

  // A MANIFEST cut short loses the last change to the set of table files: LevelDB would then delete files that
  // still hold data as obsolete. Whatever the cause, it is damage.
  const manifestVerdict = checkLogFormat(await readFile(join(directory, manifest)));
  if (!manifestVerdict.ok) return { state: 'damaged', problem: { file: join(directory, manifest), detail: manifestVerdict.detail } };

  let unfinishedWrite: LevelDbProblem | undefined;
  for (const name of names.filter((n) => n.endsWith('.log')).sort()) {
    const file = join(directory, name);
    if ((await stat(file)).size === 0) continue;
    const verdict = checkLogFormat(await readFile(file));
    if (verdict.ok) continue;
    if (!verdict.cutShort) return { state: 'damaged', problem: { file, detail: verdict.detail } };
    unfinishedWrite = { file, detail: verdict.detail };
  }
  return unfinishedWrite ? { state: 'ok', unfinishedWrite } : { state: 'ok' };
}

/** Checks every record's framing and checksum, as LevelDB's log reader would with paranoid checks on. */
export function checkLogFormat(bytes: Buffer): LogVerdict {
  let position = 0;
  let inFragmentedRecord = false;
  const at = (offset: number) => `at byte ${offset} of ${bytes.length}`;
  while (position < bytes.length) {
    const leftInBlock = BLOCK_SIZE - (position % BLOCK_SIZE);
    if (leftInBlock < HEADER_SIZE) {
      position += leftInBlock; // the block's zero trailer
      continue;
    }
    if (bytes.length - position < HEADER_SIZE) return { ok: false, cutShort: true, detail: `the last record is cut short ${at(position)} (only part of its header is there)` };
    const length = bytes.readUInt16LE(position + 4);
    const type = bytes[position + 6] as number;
    if (type === RECORD.zero && length === 0) {
      position += HEADER_SIZE; // preallocated space
      continue;
    }
    if (HEADER_SIZE + length > leftInBlock) {
      if (position + HEADER_SIZE + length > bytes.length) return { ok: false, cutShort: true, detail: `the last record is cut short ${at(position)}` };
      return { ok: false, cutShort: false, detail: `a record ${at(position)} claims ${length} bytes, more than its block holds` };
    }
    if (position + HEADER_SIZE + length > bytes.length) return { ok: false, cutShort: true, detail: `the last record is cut short ${at(position)} (${length} bytes announced, ${bytes.length - position - HEADER_SIZE} there)` };
    const stored = bytes.readUInt32LE(position);
    const actual = maskedCrc32c(bytes.subarray(position + 6, position + HEADER_SIZE + length));
    if (stored !== actual) return { ok: false, cutShort: false, detail: `the record ${at(position)} fails its checksum` };
    switch (type) {
      case RECORD.full:
      case RECORD.first:
        if (inFragmentedRecord) return { ok: false, cutShort: false, detail: `a record that began before byte ${position} has no end` };
        inFragmentedRecord = type === RECORD.first;
        break;
      case RECORD.middle:
      case RECORD.last:
        if (!inFragmentedRecord) return { ok: false, cutShort: false, detail: `a record ${at(position)} continues one that never began` };
        inFragmentedRecord = type === RECORD.middle;
        break;
      default:
        return { ok: false, cutShort: false, detail: `a record ${at(position)} has the unknown type ${type}` };
    }
    position += HEADER_SIZE + length;
  }
  if (inFragmentedRecord) return { ok: false, cutShort: true, detail: 'the last record is cut short (its first fragments are there, its end is not)' };
  return { ok: true };
}

/** CRC-32C (Castagnoli), the checksum LevelDB's records carry; Node's zlib only has the other CRC-32. */
const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (CRC32C_TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** LevelDB stores a rotated CRC (crc32c.h `Mask`), so that a CRC of data containing CRCs stays useful. */
function maskedCrc32c(bytes: Uint8Array): number {
  const crc = crc32c(bytes);
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}
