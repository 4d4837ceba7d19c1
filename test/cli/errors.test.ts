import { describe, it, expect } from '@jest/globals';
import { UsageError, errorReport, isExpectedError } from '../../cli/errors';
import { InvalidInputError } from '../../src/dto/validation';

const STACK_LINE = /^ {4}at /m;

describe('what the top level prints for an error', () => {
  it('prints our own errors as their message alone', () => {
    expect(errorReport(new UsageError('--regions: bad'))).toBe('cloudtap: --regions: bad');
    expect(errorReport(new InvalidInputError('event.time', 'is not a time'))).toBe('cloudtap: event.time: is not a time');
  });

  it('prints an AWS answer or a refused connection with its code and no stack', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED', syscall: 'connect' });
    expect(isExpectedError(refused)).toBe(true);
    expect(errorReport(refused)).toBe('cloudtap: connect ECONNREFUSED 127.0.0.1:9');
    const denied = Object.assign(new Error('not authorized'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
    expect(errorReport(denied)).toBe('cloudtap: AccessDeniedException: not authorized');
    expect(errorReport(denied, { CLOUDTAP_DEBUG: '1' })).not.toMatch(STACK_LINE);
  });

  it('asks for a report of an unexpected error, and shows its stack only with CLOUDTAP_DEBUG=1', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'x')");
    const plain = errorReport(bug, {});
    expect(plain).toMatch(/^cloudtap: TypeError: Cannot read properties/);
    expect(plain).toMatch(/please report it.*CLOUDTAP_DEBUG=1/);
    expect(plain).not.toMatch(STACK_LINE);
    expect(errorReport(bug, { CLOUDTAP_DEBUG: '1' })).toMatch(STACK_LINE);
  });
});
