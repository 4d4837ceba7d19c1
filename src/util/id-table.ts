/**
 * A set of string ids, each numbered (its slot: 0, 1, 2 … in the order added), held as their UTF-8 bytes in
 * a few typed arrays instead of one JS string and one hash-table entry per id. An AWS id such as
 * `vol-0123456789abcdef0` costs ~35 bytes here, against 65–90 as a string in a Set or Map, and nothing the
 * garbage collector has to trace; the slot lets a caller keep what it knows of each id in typed arrays of its
 * own. Ids are never removed (a region's listing only adds).
 */
export class IdTable {
  /** The ids' bytes, one after the other. */
  private bytes: Uint8Array;
  private bytesUsed = 0;
  /** `ends[slot]`: where the slot's bytes end; they start where the previous slot's end. */
  private ends: Uint32Array;
  /** Open addressing, linear probing: slot + 1 (0 = empty). */
  private buckets: Int32Array;
  private count = 0;
  /** The id being looked up, encoded. */
  private key = new Uint8Array(64);
  private keyLength = 0;

  constructor(expectedIds = 16) {
    const ids = Math.max(16, expectedIds);
    this.ends = new Uint32Array(ids);
    this.bytes = new Uint8Array(ids * 24);
    this.buckets = new Int32Array(bucketsFor(ids));
  }

  get size(): number {
    return this.count;
  }

  /** The id's slot, or -1 if it was never added. */
  slotOf(id: string): number {
    return (this.buckets[this.probe(this.encode(id))] as number) - 1;
  }

  has(id: string): boolean {
    return this.slotOf(id) >= 0;
  }

  /** The id's slot, adding the id if it is new (its slot is then `size - 1`). */
  add(id: string): number {
    const bucket = this.probe(this.encode(id));
    const entry = this.buckets[bucket] as number;
    if (entry !== 0) return entry - 1;
    const slot = this.count;
    if (slot === this.ends.length) this.ends = grown(this.ends, slot + 1);
    if (this.bytesUsed + this.keyLength > this.bytes.length) this.bytes = grown(this.bytes, this.bytesUsed + this.keyLength);
    this.bytes.set(this.key.subarray(0, this.keyLength), this.bytesUsed);
    this.bytesUsed += this.keyLength;
    this.ends[slot] = this.bytesUsed;
    this.count++;
    // At most 3/4 full, so that probes stay short.
    if (this.count * 4 > this.buckets.length * 3) this.rehash(this.buckets.length * 2);
    else this.buckets[bucket] = slot + 1;
    return slot;
  }

  /** The id in a slot. */
  idAt(slot: number): string {
    if (slot < 0 || slot >= this.count) throw new RangeError(`no id in slot ${slot} of ${this.count}`);
    return DECODER.decode(this.bytes.subarray(this.start(slot), this.ends[slot]));
  }

  private start(slot: number): number {
    return slot === 0 ? 0 : (this.ends[slot - 1] as number);
  }

  /** Puts the id's UTF-8 bytes in `key`; returns their hash (FNV-1a). */
  private encode(id: string): number {
    if (id.length * 3 > this.key.length) this.key = new Uint8Array(id.length * 3);
    let length = 0;
    let ascii = true;
    for (let i = 0; i < id.length; i++) {
      const code = id.charCodeAt(i);
      if (code > 0x7f) {
        ascii = false;
        break;
      }
      this.key[length++] = code;
    }
    if (!ascii) length = ENCODER.encodeInto(id, this.key).written;
    this.keyLength = length;
    return hashBytes(this.key, 0, length);
  }

  /** The bucket holding the encoded id (`key`), or the empty one where it would go. */
  private probe(hash: number): number {
    const mask = this.buckets.length - 1;
    for (let bucket = hash & mask; ; bucket = (bucket + 1) & mask) {
      const entry = this.buckets[bucket] as number;
      if (entry === 0 || this.keyEquals(entry - 1)) return bucket;
    }
  }

  private keyEquals(slot: number): boolean {
    const start = this.start(slot);
    if ((this.ends[slot] as number) - start !== this.keyLength) return false;
    for (let i = 0; i < this.keyLength; i++) if (this.bytes[start + i] !== this.key[i]) return false;
    return true;
  }

  private rehash(size: number): void {
    const buckets = new Int32Array(size);
    const mask = size - 1;
    for (let slot = 0; slot < this.count; slot++) {
      let bucket = hashBytes(this.bytes, this.start(slot), this.ends[slot] as number) & mask;
      while (buckets[bucket] !== 0) bucket = (bucket + 1) & mask;
      buckets[bucket] = slot + 1;
    }
    this.buckets = buckets;
  }
}

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();

function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ (bytes[i] as number), 0x01000193);
  return hash >>> 0;
}

function bucketsFor(ids: number): number {
  let size = 16;
  while (size * 3 < ids * 4) size *= 2;
  return size;
}

/** A copy of `array` with room for at least `needed` elements (half as many again: fewer copies, little slack). */
export function grown<T extends Uint8Array | Uint32Array>(array: T, needed: number): T {
  const copy = new (array.constructor as new (length: number) => T)(Math.max(needed, Math.ceil(array.length * 1.5)));
  copy.set(array);
  return copy;
}
