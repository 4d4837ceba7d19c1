import { describe, it, expect } from '@jest/globals';
import { InvalidInputError, MAX_INPUT_DEPTH, describe as describeValue, expectArray, expectDepthWithin, expectIsoTime, expectRecord } from '../../src/dto/validation';
import { parseThresholds } from '../../src/events/threshold';

/** `[[[…1…]]]` nested `depth` arrays deep, built from text as a hostile file would be. */
function nestedArrays(depth: number): unknown {
  return JSON.parse(`${'['.repeat(depth)}1${']'.repeat(depth)}`);
}

function thrown(fn: () => unknown): InvalidInputError {
  try {
    fn();
  } catch (error) {
    if (error instanceof InvalidInputError) return error;
    throw error;
  }
  throw new Error('nothing was thrown');
}

describe('the depth limit', () => {
  it('accepts an input exactly MAX_INPUT_DEPTH levels deep and refuses one level more, naming the path', () => {
    expect(() => expectArray(nestedArrays(MAX_INPUT_DEPTH), 'thresholds')).not.toThrow();
    const error = thrown(() => expectArray(nestedArrays(MAX_INPUT_DEPTH + 1), 'thresholds'));
    expect(error.field).toMatch(/^thresholds\[0\]\[0\]/);
    expect(error.message).toMatch(/more than 64 levels deep/);
  });

  it('refuses a 200,000-level input without exhausting the stack, and names where inside an object it went too deep', () => {
    const deep = JSON.parse(`{"detail":{"requestParameters":${'{"a":'.repeat(200_000)}1${'}'.repeat(200_000)}}}`) as unknown;
    const error = thrown(() => expectRecord(deep, 'event'));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.field).toMatch(/^event\.detail\.requestParameters\.a\.a.*…\(\d+ levels\)…(\.a)+$/);
  });

  it('keys that are not identifiers are quoted in the path', () => {
    const error = thrown(() => expectDepthWithin({ 'a b': [[[1]]] }, 'input', 3));
    expect(error.field).toBe('input["a b"][0][0]');
  });

  it('guards the validators that recurse: a deeply nested thresholds file is refused with the entry named', () => {
    const error = thrown(() => parseThresholds(nestedArrays(10_000), 'thresholds.json'));
    expect(error.message).toMatch(/^thresholds\.json\[0\]\[0\].*nests objects and arrays more than 64 levels deep/);
  });
});

describe('describe (a bad value in a message)', () => {
  it('cuts a long value short', () => {
    expect(describeValue('x'.repeat(1000)).length).toBeLessThanOrEqual(121);
  });

  it('does not overflow on a value too deep to render', () => {
    expect(describeValue(nestedArrays(100_000))).toBe('an array');
  });
});

describe('expectIsoTime', () => {
  it('returns the canonical form of an ISO time with a zone', () => {
    expect(expectIsoTime('2026-12-01T10:00:00+01:00', 'event.time')).toBe('2026-12-01T09:00:00.000Z');
  });

  it.each(['yesterday', '2026-12-01', '2026-13-01T00:00:00Z', '1733000000'])('refuses %s, naming the field and an example', (value) => {
    expect(() => expectIsoTime(value, 'event.time')).toThrow(/^event\.time: ".*" is not a time; use ISO 8601 with a zone, such as 2026-12-01T10:00:00Z$/);
  });
});
