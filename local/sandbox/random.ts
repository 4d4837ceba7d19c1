/**
 * Deterministic hashing and pseudo-random numbers for the synthetic account. Everything the
 * account contains is a function of these, never of Math.random, so the same spec always
 * yields the same account, and one resource can be computed without computing the others.
 */

/*
 * Hashes are signed 32-bit integers throughout: V8 keeps those unboxed, while unsigned values
 * above 2^31 become heap numbers, which made hashing allocate on every call. Convert with
 * `>>> 0` only where a non-negative value is needed (fractions, hex text).
 */

/** Final avalanche of MurmurHash3: spreads every input bit over the 32-bit result. */
function finalMix(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/** FNV-1a over the UTF-16 code units, then mixed. */
export function hashText(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return finalMix(h);
}

function mixStep(h: number, value: number): number {
  h = Math.imul(h ^ value, 0x5bd1e995);
  return ((h ^ (h >>> 15)) + 0x9e3779b9) | 0;
}

/**
 * Combines a key with up to four integers (indices, epochs, salts) into a new 32-bit hash.
 * Fixed arity, no rest arrays: this runs a few times for every resource of every page.
 */
export function hashOf(key: number, a = 0, b = 0, c = 0, d = 0): number {
  return finalMix(mixStep(mixStep(mixStep(mixStep(key | 0, a), b), c), d));
}

/** A hash as a fraction in [0, 1). */
export function unitOf(hash: number): number {
  return (hash >>> 0) / 4294967296;
}

const HEX_BYTES = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** Eight lower-case hex digits of a 32-bit value (a table, because Number#toString(16) is slow). */
export function hexOf(value: number): string {
  return (HEX_BYTES[(value >>> 24) & 255] as string) + HEX_BYTES[(value >>> 16) & 255] + HEX_BYTES[(value >>> 8) & 255] + HEX_BYTES[value & 255];
}

/** mulberry32: a small, fast, seedable PRNG returning fractions in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Deterministic draws tied to one key: the same (key, a, b, c) always gives the same draw.
 * `a`, `b`, `c` say which draw it is (an index, an epoch, a salt naming the property).
 */
export class Dice {
  constructor(readonly key: number) {}

  unit(a = 0, b = 0, c = 0): number {
    return unitOf(hashOf(this.key, a, b, c));
  }

  /** True with the given probability. */
  chance(probability: number, a = 0, b = 0, c = 0): boolean {
    return this.unit(a, b, c) < probability;
  }

  /** A whole number in [min, max]. */
  between(min: number, max: number, a = 0, b = 0, c = 0): number {
    return min + Math.floor(this.unit(a, b, c) * (max - min + 1));
  }

  pick<T>(items: readonly T[], a = 0, b = 0, c = 0): T {
    return items[Math.floor(this.unit(a, b, c) * items.length)] as T;
  }

  /** Picks by weight: weights[i] is the relative chance of items[i]. */
  pickWeighted<T>(items: readonly T[], weights: readonly number[], a = 0, b = 0, c = 0): T {
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    let point = this.unit(a, b, c) * total;
    for (let i = 0; i < items.length; i++) {
      point -= weights[i] ?? 0;
      if (point < 0) return items[i] as T;
    }
    return items[items.length - 1] as T;
  }

  hex(length: number, a = 0, b = 0, c = 0): string {
    let text = '';
    for (let part = 0; text.length < length; part++) text += hexOf(hashOf(this.key, a, b, c, part + 1));
    return text.slice(0, length);
  }

  /** A UUID-shaped id (version 4 layout), like AWS request and event ids. */
  uuid(a = 0, b = 0, c = 0): string {
    const hex = this.hex(32, a, b, c);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }

  /** Upper-case letters and digits, like AWS access key ids and product codes. */
  alphanumeric(length: number, a = 0, b = 0): string {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
    let text = '';
    for (let i = 0; i < length; i++) text += alphabet[(hashOf(this.key, a, b, 0x616c, i + 1) >>> 0) % alphabet.length];
    return text;
  }

  /** A child with its own key, for one concern (e.g. `dice.child('volumes')`). */
  child(name: string): Dice {
    return new Dice(hashOf(this.key, hashText(name)));
  }
}
