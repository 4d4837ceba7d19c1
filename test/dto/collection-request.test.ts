import { describe, it, expect } from '@jest/globals';
import { parseCollectionRequest } from '../../src/dto/collection-request';
import { parseTask } from '../../src/dto/task';
import { assertFitsPayload } from '../../src/plan/get-tasks';
import { serviceNames } from '../../src/services/registry';

describe('CollectionRequest', () => {
  it('accepts an empty input as "everything" at the current schema version', () => {
    expect(parseCollectionRequest({}, serviceNames())).toEqual({ schemaVersion: 1 });
    expect(parseCollectionRequest(undefined, serviceNames())).toEqual({ schemaVersion: 1 });
  });

  it('names an unknown service and lists the valid ones', () => {
    expect(() => parseCollectionRequest({ services: ['EC2', 'nosuch'] }, serviceNames())).toThrow('services[1]: unknown service "nosuch"; valid services are: EC2');
  });

  it('matches service names case-insensitively and returns the canonical name', () => {
    expect(parseCollectionRequest({ services: ['ec2'] }, serviceNames()).services).toEqual(['EC2']);
  });

  it('rejects a malformed region with an example of a valid one', () => {
    expect(() => parseCollectionRequest({ regions: ['eu-west-1', 'Europe'] }, serviceNames())).toThrow(/regions\[1\]: "Europe" is not a region name; use names such as us-east-1/);
  });

  it('rejects unknown fields, a wrong schema version and an out-of-range concurrency', () => {
    expect(() => parseCollectionRequest({ service: ['EC2'] }, serviceNames())).toThrow(/service: unknown field; valid fields are: schemaVersion, services/);
    expect(() => parseCollectionRequest({ schemaVersion: 2 }, serviceNames())).toThrow(/schemaVersion: must be 1/);
    expect(() => parseCollectionRequest({ concurrency: 0 }, serviceNames())).toThrow(/concurrency: must be a whole number from 1 to 1000, got 0/);
  });

  it('checks that a role belongs to the account it is meant for', () => {
    expect(() => parseCollectionRequest({ accounts: [{ accountId: '111111111111', roleArn: 'arn:aws:iam::222222222222:role/x' }] }, serviceNames()))
      .toThrow(/accounts\[0\].roleArn: role arn:aws:iam::222222222222:role\/x is not in account 111111111111/);
  });
});

describe('Task', () => {
  const valid = {
    schemaVersion: 1, runId: 'r', taskId: 't', taskType: 'inventory.CloudService', service: 'EC2', region: 'eu-west-1',
    account: { accountId: '111111111111' }, options: { runStartedAt: '2026-01-01T00:00:00.000Z', ems: 'e' },
  };

  it('round-trips a valid task', () => {
    expect(parseTask(valid, serviceNames())).toEqual(valid);
  });

  it('rejects a task without a schema version, naming the field', () => {
    const { schemaVersion: _omit, ...unversioned } = valid;
    expect(() => parseTask(unversioned, serviceNames())).toThrow(/Task.schemaVersion: must be 1/);
  });
});

describe('the plan get-tasks emits', () => {
  const task = (n: number) => ({
    schemaVersion: 1 as const, runId: '20261121T074015Z-7365086f-1ce', taskId: `CloudService:222222222222:region-${n}:CloudTrail`,
    taskType: 'inventory.CloudService' as const, service: 'CloudTrail', region: 'ap-southeast-2',
    account: { accountId: '222222222222', roleArn: 'arn:aws:iam::222222222222:role/cloudtap-collector' },
    options: { runStartedAt: '2026-11-21T07:40:15.123Z', ems: 'Cloudtap:123456789012:eu-west-1' },
  });
  const plan = (tasks: number) => ({
    runId: 'r', startedAt: 't', accountId: '222222222222', concurrency: 20, skipped: [],
    probe: { taskId: 'PlanAccount:222222222222', startedAt: 't', durationMs: 1, calls: [] }, tasks: Array.from({ length: tasks }, (_, n) => task(n)),
  });

  it("fits an account's plan of 17 regions × every service with room to spare", () => {
    expect(() => assertFitsPayload(plan(17 * 10 + 2))).not.toThrow();
  });

  it("fails at once, saying what to do, when an account's task list would not fit a Step Functions payload", () => {
    expect(() => assertFitsPayload(plan(700))).toThrow(/account 222222222222's 700 tasks take \d+ KB, more than the 200 KB .*collect fewer services or regions per run/);
  });
});
