/**
 * Resource ids that look like AWS's (`i-0` + 16 hex digits) and decode back to the index that
 * produced them. A 4-round Feistel network over (check, index) keyed per account, region and
 * kind makes them look random; decoding an id of another kind or region fails the check, so a
 * single resource can be found by id without materialising the others.
 */
import { hashOf, hexOf } from './random';

const ROUNDS = 4;
const ROUND_SALTS = [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344];

/** Round function of the Feistel network; signed 32-bit in and out, so nothing is boxed. */
function roundFunction(half: number, key: number, round: number): number {
  return hashOf(key ^ (ROUND_SALTS[round] ?? 0), half);
}

export class IdCodec {
  private readonly check: number;
  private readonly pattern: RegExp;

  constructor(readonly prefix: string, private readonly key: number) {
    this.check = hashOf(key, 0x5eed);
    this.pattern = new RegExp(`^${prefix}-0([0-9a-f]{16})$`);
  }

  encode(index: number): string {
    let left = this.check;
    let right = index | 0;
    for (let round = 0; round < ROUNDS; round++) {
      const next = left ^ roundFunction(right, this.key, round);
      left = right;
      right = next;
    }
    return `${this.prefix}-0${hexOf(left)}${hexOf(right)}`;
  }

  /** The index an id was made from, or undefined if this codec did not make it. */
  decode(id: string): number | undefined {
    const match = this.pattern.exec(id);
    if (!match?.[1]) return undefined;
    let left = parseInt(match[1].slice(0, 8), 16) | 0;
    let right = parseInt(match[1].slice(8), 16) | 0;
    for (let round = ROUNDS - 1; round >= 0; round--) {
      const previous = right ^ roundFunction(left, this.key, round);
      right = left;
      left = previous;
    }
    return left === this.check && right >= 0 ? right : undefined;
  }
}

/** True when the text has the shape of an id with this prefix (AWS's Malformed vs NotFound). */
export function looksLikeId(prefix: string, id: string): boolean {
  return new RegExp(`^${prefix}-([0-9a-f]{8}|[0-9a-f]{17})$`).test(id);
}
