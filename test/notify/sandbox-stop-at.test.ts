import { describe, it, expect } from '@jest/globals';
import { formatSandboxSpec, parseSandboxSpec } from '../../local/sandbox/spec';
import { sandboxTruth } from '../../local/sandbox/truth';

describe('the sandbox\'s stopAt (a fleet-wide outage, for grouped notifications)', () => {
  it('stops every existing instance at the listed epochs only, and round-trips through the spec text', () => {
    const spec = parseSandboxSpec('seed=3&regions=1&instances=20&stopAt=2,1');
    expect(spec.stopAt).toEqual([1, 2]);
    expect(formatSandboxSpec(spec)).toContain('stopAt=1,2');
    const states = (epoch: number) => sandboxTruth({ ...spec, epoch }).resources
      .filter((r) => r.type === 'EC2.Instance' && r.attributes.state !== 'terminated').map((r) => r.attributes.state);
    expect(states(1).length).toBeGreaterThan(0);
    expect(new Set(states(1))).toEqual(new Set(['stopped']));
    expect(states(3)).toContain('running');
    expect(() => parseSandboxSpec('stopAt=x')).toThrow(/stopAt/);
  });
});
