import { describe, it, expect } from '@jest/globals';
import {
  DEFAULT_SANDBOX_SPEC, OPT_IN_REGION_NAMES, SANDBOX_REGION_NAMES, enabledRegions, formatSandboxSpec, parseSandboxSpec,
} from '../../local/sandbox/spec';

describe('the sandbox spec', () => {
  it('gives every key its default when the spec is empty', () => {
    expect(parseSandboxSpec('')).toEqual(DEFAULT_SANDBOX_SPEC);
    expect(parseSandboxSpec('?')).toEqual(DEFAULT_SANDBOX_SPEC);
    expect(DEFAULT_SANDBOX_SPEC).toMatchObject({
      seed: 1, regions: 4, instances: 25, epoch: 0, latencyMs: 0, throttle: 0, fail: [], optIn: [], accounts: 1, organization: true, deny: [], readDenied: [],
    });
  });

  it('reads every key', () => {
    const spec = parseSandboxSpec(
      'seed=2&regions=3&instances=10&epoch=5&latencyMs=20&throttle=0.25&fail=eu-west-1:EC2:UnauthorizedOperation,*:EC2.DescribeVolumes:InternalError' +
      '&optIn=af-south-1,me-south-1&accounts=30&externalId=tap-1234&suspended=333333333333&pendingClosure=none&deny=444444444444,100000000012' +
      '&readDenied=555555555555&delegatedAdmin=100000000030');
    expect(spec).toEqual({
      seed: 2, regions: 3, instances: 10, epoch: 5, latencyMs: 20, throttle: 0.25,
      fail: [
        { region: 'eu-west-1', service: 'EC2', code: 'UnauthorizedOperation' },
        { region: '*', service: 'EC2', operation: 'DescribeVolumes', code: 'InternalError' },
      ],
      optIn: ['af-south-1', 'me-south-1'], accounts: 30, externalId: 'tap-1234',
      organization: true, suspended: ['333333333333'], pendingClosure: [], deny: ['444444444444', '100000000012'], readDenied: ['555555555555'],
      delegatedAdmin: '100000000030',
    });
    expect(parseSandboxSpec('accounts=2&organization=none')).toMatchObject({ accounts: 2, organization: false });
    expect(enabledRegions(spec)).toEqual(SANDBOX_REGION_NAMES.slice(0, 3));
  });

  it('formats a spec back to a query string that parses to the same spec, defaults left out', () => {
    const text = 'seed=2&regions=3&fail=*:CloudTrail:AccessDeniedException&optIn=af-south-1&accounts=2&externalId=x-1';
    const spec = parseSandboxSpec(text);
    expect(parseSandboxSpec(formatSandboxSpec(spec))).toEqual(spec);
    for (const organization of [
      'accounts=40&suspended=none&pendingClosure=100000000040&deny=222222222222,333333333333&readDenied=100000000011&delegatedAdmin=444444444444',
      'accounts=3&organization=none&deny=333333333333',
    ]) {
      const parsed = parseSandboxSpec(organization);
      expect(formatSandboxSpec(parsed)).toBe(organization);
      expect(parseSandboxSpec(formatSandboxSpec(parsed))).toEqual(parsed);
    }
    expect(formatSandboxSpec(DEFAULT_SANDBOX_SPEC)).toBe('');
    expect(formatSandboxSpec(parseSandboxSpec('instances=25&seed=9'))).toBe('seed=9');
  });

  it('offers real region names, enabled ones first in a fixed order', () => {
    expect(SANDBOX_REGION_NAMES).toHaveLength(17);
    expect(SANDBOX_REGION_NAMES[0]).toBe('us-east-1');
    expect(new Set(SANDBOX_REGION_NAMES).size).toBe(17);
    expect(OPT_IN_REGION_NAMES).toContain('af-south-1');
    expect(OPT_IN_REGION_NAMES.filter((name) => SANDBOX_REGION_NAMES.includes(name))).toEqual([]);
  });

  it.each([
    ['regions=abc', 'sandbox spec: "regions" must be a whole number from 1 to 17, got "abc"'],
    ['regions=0', '"regions" must be a whole number from 1 to 17, got "0"'],
    ['instances=200001', '"instances" must be a whole number from 0 to 200000, got "200001"'],
    ['seed=-1', '"seed" must be a whole number from 0 to 4294967295, got "-1"'],
    ['epoch=1.5', '"epoch" must be a whole number'],
    ['throttle=1.5', '"throttle" must be a fraction from 0 to 1'],
    ['latencyMs=fast', '"latencyMs" must be a number of milliseconds'],
    ['accounts=10001', '"accounts" must be a whole number from 1 to 10000, got "10001"'],
    ['colour=blue', 'sandbox spec: unknown key "colour"; valid keys are seed, regions, instances, epoch, latencyMs, throttle, fail, optIn, accounts, externalId, '
      + 'organization, suspended, pendingClosure, deny, readDenied, delegatedAdmin'],
    ['accounts=3&deny=111111111111', '"deny" must name member accounts, not the management account 111111111111'],
    ['accounts=3&deny=444444444444', '"deny" must name member accounts of this sandbox by their 12-digit id (accounts=3: 222222222222 … 333333333333), got "444444444444"'],
    ['accounts=12&readDenied=100000000013', '"readDenied" must name member accounts of this sandbox by their 12-digit id (accounts=12: 222222222222 … 100000000012)'],
    ['accounts=1&deny=222222222222', '(accounts=1: none: accounts=1 has only the management account)'],
    ['accounts=3&deny=2', '"deny" must name member accounts of this sandbox by their 12-digit id'],
    ['accounts=3&deny=', '"deny" must list member account ids, e.g. 222222222222'],
    ['accounts=3&deny=222222222222&readDenied=222222222222', '"readDenied" must not name an account deny= already refuses AssumeRole into (222222222222)'],
    ['accounts=3&suspended=222222222222&pendingClosure=222222222222', '"pendingClosure" must not name a SUSPENDED account (222222222222'],
    ['accounts=3&suspended=222222222222&delegatedAdmin=222222222222', '"delegatedAdmin" must name an ACTIVE member account, and 222222222222 is SUSPENDED'],
    ['accounts=3&delegatedAdmin=222222222222,333333333333', '"delegatedAdmin" must name one member account'],
    ['accounts=3&organization=none&delegatedAdmin=222222222222', '"delegatedAdmin" needs an organization (leave out organization=none)'],
    ['accounts=3&organization=some', '"organization" must be all (an organization, the default) or none'],
    ['seed=1&seed=2', '"seed" is given twice'],
    ['fail=eu-west-1:EC2', '"fail" entries must look like region:Service:ErrorCode'],
    ['fail=eu-west-1:Glacier:Boom', '"fail" entries must look like region:Service:ErrorCode'],
    ['fail=mars-1:EC2:Boom', '"fail" region must be * or a real region name'],
    ['fail=*:EC2.DescribeVolume:Boom', '"fail" operation must be one of EC2.DescribeRegions'],
    ['optIn=us-east-1', '"optIn" must not name an enabled region (regions=4 enables us-east-1'],
    ['optIn=moon-1', '"optIn" must list real region names'],
    ['externalId=', '"externalId" must be 2 to 1224 characters'],
  ])('refuses %s and says which key is wrong and what is valid', (text, message) => {
    expect(() => parseSandboxSpec(text)).toThrow(message);
  });

  it('accepts an opt-in region that is one of the default regions left disabled', () => {
    expect(parseSandboxSpec('regions=2&optIn=eu-west-1').optIn).toEqual(['eu-west-1']);
  });
});
