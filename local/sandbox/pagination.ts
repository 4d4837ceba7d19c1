/**
 * Paging through a collection the way EC2 does: MaxResults within the operation's real range,
 * an opaque NextToken bound to the operation, account, region and epoch, InvalidNextToken for
 * anything else. A page costs the resources on it, not the whole collection.
 */
import { SandboxApiError } from './api-errors';
import type { Collection } from './collection';

export interface PageLimits {
  min: number;
  max: number;
  /** AWS documents that values above max return max items (instead of failing). */
  clampAbove?: boolean;
}

/** Which positions of the collection to walk: all of them, or a known list (ids asked for). */
export interface PositionSource {
  length: number;
  position(index: number): number;
}

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

/** How far past a full page to look for one more match before just handing out a token. */
const LOOKAHEAD = 2000;

export function allPositions(size: number): PositionSource {
  return { length: size, position: (index) => index };
}

export function listedPositions(positions: readonly number[]): PositionSource {
  return { length: positions.length, position: (index) => positions[index] ?? -1 };
}

export function pageSize(maxResults: number | undefined, limits: PageLimits, parameter = 'maxResults'): number {
  if (maxResults === undefined) return limits.max;
  if (maxResults < limits.min || (maxResults > limits.max && !limits.clampAbove)) {
    throw new SandboxApiError('InvalidParameterValue', `Value ( ${maxResults} ) for parameter ${parameter} is invalid. Expecting a value between ${limits.min} and ${limits.max}.`);
  }
  return Math.min(maxResults, limits.max);
}

/** The scope a token is valid in: operation, account, region, epoch. */
export type TokenScope = string;

export function encodeToken(scope: TokenScope, index: number): string {
  return Buffer.from(`${scope}|${index}`).toString('base64url');
}

export function decodeToken(scope: TokenScope, token: string, length: number, errorCode = 'InvalidNextToken'): number {
  const text = Buffer.from(token, 'base64url').toString();
  const separator = text.lastIndexOf('|');
  const index = Number(text.slice(separator + 1));
  if (separator < 0 || text.slice(0, separator) !== scope || !Number.isSafeInteger(index) || index < 0 || index > length) {
    throw new SandboxApiError(errorCode, `The token '${token}' is invalid or has expired.`);
  }
  return index;
}

export function pageThrough<T>(
  collection: Collection<T>, source: PositionSource, matches: (item: T) => boolean, size: number, scope: TokenScope, nextToken: string | undefined,
): Page<T> {
  let index = nextToken === undefined ? 0 : decodeToken(scope, nextToken, source.length);
  const items: T[] = [];
  const itemAt = (i: number) => {
    const position = source.position(i);
    return position >= 0 && position < collection.size ? collection.at(position) : undefined;
  };
  for (; index < source.length && items.length < size; index++) {
    const item = itemAt(index);
    if (item !== undefined && matches(item)) items.push(item);
  }
  // Look a little further, so the last page does not hand out a token to an empty page.
  for (let budget = LOOKAHEAD; index < source.length && budget > 0; budget--, index++) {
    const item = itemAt(index);
    if (item !== undefined && matches(item)) break;
  }
  return index < source.length ? { items, nextToken: encodeToken(scope, index) } : { items };
}
