import { describe, it, expect } from '@jest/globals';
import { InstanceFacts } from '../../src/services/ec2/region-facts';
import type { ResourceRecord } from '../../src/services/resource-type';

const instance = (id: string, role: string | null, state: string, groups: string[]): ResourceRecord => ({
  id, arn: `arn:${id}`, tags: {}, data: { role, state, security_groups: groups.map((g) => ({ id: g, name: g })) },
});

describe('region facts learned from the instance listing', () => {
  it('a security group takes the most common role of its instances; ties go alphabetically; terminated ones do not count', () => {
    const facts = new InstanceFacts();
    facts.observe(instance('i-1', 'web_server', 'running', ['sg-a', 'sg-b']));
    facts.observe(instance('i-2', 'web_server', 'stopped', ['sg-a']));
    facts.observe(instance('i-3', 'db_server', 'running', ['sg-a', 'sg-b']));
    facts.observe(instance('i-4', 'db_server', 'terminated', ['sg-a', 'sg-c']));
    facts.observe(instance('i-5', null, 'running', ['sg-d']));
    expect(facts.dominantRoleOfSecurityGroup('sg-a')).toBe('web_server');
    expect(facts.dominantRoleOfSecurityGroup('sg-b')).toBe('db_server');
    expect(facts.dominantRoleOfSecurityGroup('sg-c')).toBeNull();
    expect(facts.dominantRoleOfSecurityGroup('sg-d')).toBeNull();
    expect(facts.roleOfInstance('i-4')).toBe('db_server');
    expect(facts.roleOfInstance('i-9')).toBeNull();
  });
});
