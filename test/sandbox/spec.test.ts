import { describe, it, expect } from '@jest/globals';
import {
  DEFAULT_SANDBOX_SPEC, OPT_IN_REGION_NAMES, SANDBOX_REGION_NAMES, enabledRegions, formatSandboxSpec, parseSandboxSpec,
} from '../../local/sandbox/spec';

describe('the sandbox spec', () => {
  it('gives every key its default when the spec is empty', () => {
    expect(parseSandboxSpec('')).toEqual(DEFAULT_SANDBOX_SPEC);
    expect(parseSandboxSpec('?')).toEqual(DEFAULT_SANDBOX_SPEC);
    expect(DEFAULT_SANDBOX_SPEC).toMatchObject({ seed: 1, regions: 4, instances: 25, epoch: 0, latencyMs: 0, throttle: 0, fail: [], optIn: [], accounts: 1 });
  });

  it('reads every key', () => {
    const spec = parseSandboxSpec(
      'seed=2&regions=3&instances=10&epoch=5&latencyMs=20&throttle=0.25&fail=eu-west-1:EC2:UnauthorizedOperation,*:EC2.DescribeVolumes:InternalError' +
      '&optIn=af-south-1,me-south-1&accounts=3&externalId=tap-1234');
    expect(spec).toEqual({
      seed: 2, regions: 3, instances: 10, epoch: 5, latencyMs: 20, throttle: 0.25,
      fail: [
        { region: 'eu-west-1', service: 'EC2', code: 'UnauthorizedOperation' },
        { region: '*', service: 'EC2', operation: 'DescribeVolumes', code: 'InternalError' },
      ],
      optIn: ['af-south-1', 'me-south-1'], accounts: 3, externalId: 'tap-1234',
    });
    expect(enabledRegions(spec)).toEqual(SANDBOX_REGION_NAMES.slice(0, 3));
  });

  it('formats a spec back to a query string that parses to the same spec, defaults left out', () => {
    const text = 'seed=2&regions=3&fail=*:CloudTrail:AccessDeniedException&optIn=af-south-1&accounts=2&externalId=x-1';
    const spec = parseSandboxSpec(text);
    expect(parseSandboxSpec(formatSandboxSpec(spec))).toEqual(spec);
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
    ['accounts=10', '"accounts" must be a whole number from 1 to 9, got "10"'],
    ['colour=blue', 'sandbox spec: unknown key "colour"; valid keys are seed, regions, instances, epoch, latencyMs, throttle, fail, optIn, accounts, externalId'],
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
