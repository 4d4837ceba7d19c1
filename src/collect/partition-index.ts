import { IdTable, grown } from '../util/id-table';

/** What a listed record needs, judged against what the store holds of its partition. */
export type Observation =
  /** Not stored: create it. */
  | 'new'
  /** Stored with another hash: update it (with history). */
  | 'changed'
  /** Stored, marked deleted: update it (restored). */
  | 'restored'
  /** Stored with the same hash: nothing to write. */
  | 'unchanged'
  /** Already returned earlier in this listing: skip it. */
  | 'repeat';

const STORED = 1;
const DELETED = 2;
const LISTED = 4;
/** The stored hash is in `hashes` (a hash of another format can never equal a fresh one: it is always a change). */
const HASHED = 8;
/** Record hashes are 32 hex digits (`contentHash`): 16 bytes. */
const HASH_BYTES = 16;
const HEX_HASH = /^[0-9a-f]{32}$/;

/**
 * What the store holds of one partition (id, hash, deleted) and what the listing has returned so far, for the
 * whole partition while it is collected: one id table, a state byte per id and 16 bytes of hash per stored
 * record, ~55 bytes a stored record and ~40 a new one (a Map of objects and hex strings took ~160, a Set of
 * the new ids ~70), so a region of 100,000 instances (~345,000 records) fits in ~20 MB.
 */
export class PartitionIndex {
  private readonly ids = new IdTable();
  private states = new Uint8Array(64);
  private hashes = new Uint8Array(64 * HASH_BYTES);

  get size(): number {
    return this.ids.size;
  }

  /** A record the store holds (added while the index is loaded, before the listing starts). */
  addStored(id: string, hash: string, deleted: boolean): void {
    const slot = this.slotFor(id);
    let state = STORED | (deleted ? DELETED : 0);
    if (HEX_HASH.test(hash)) {
      if ((slot + 1) * HASH_BYTES > this.hashes.length) this.hashes = grown(this.hashes, (slot + 1) * HASH_BYTES);
      for (let i = 0; i < HASH_BYTES; i++) this.hashes[slot * HASH_BYTES + i] = hexByte(hash, i);
      state |= HASHED;
    }
    this.states[slot] = state;
  }

  /** A record the listing returned, with its hash: what it needs. The first time marks it listed. */
  observe(id: string, hash: string): Observation {
    const known = this.ids.size;
    const slot = this.slotFor(id);
    if (slot === known) {
      this.states[slot] = LISTED;
      return 'new';
    }
    // Every id already in the table is stored or was listed.
    const state = this.states[slot] as number;
    if (state & LISTED) return 'repeat';
    this.states[slot] = state | LISTED;
    if (state & DELETED) return 'restored';
    return state & HASHED && this.hashEquals(slot, hash) ? 'unchanged' : 'changed';
  }

  /** Stored records, not marked deleted, that the listing did not return (one at a time: a mass deletion holds no list). */
  *unlisted(): Generator<string> {
    for (let slot = 0; slot < this.ids.size; slot++) {
      if (((this.states[slot] as number) & (STORED | DELETED | LISTED)) === STORED) yield this.ids.idAt(slot);
    }
  }

  private slotFor(id: string): number {
    const slot = this.ids.add(id);
    if (slot >= this.states.length) this.states = grown(this.states, slot + 1);
    return slot;
  }

  private hashEquals(slot: number, hash: string): boolean {
    if (hash.length !== HASH_BYTES * 2) return false;
    for (let i = 0; i < HASH_BYTES; i++) if (hexByte(hash, i) !== this.hashes[slot * HASH_BYTES + i]) return false;
    return true;
  }
}

/** The `i`th byte of a hex string; not a byte (≥ 256) where a digit is not lowercase hex. */
function hexByte(hex: string, i: number): number {
  return (hexDigit(hex.charCodeAt(i * 2)) << 4) | hexDigit(hex.charCodeAt(i * 2 + 1));
}

function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  return 256;
}
