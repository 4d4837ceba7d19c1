import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { rm } from 'node:fs/promises';
import { InvalidInputError } from '../../src/dto/validation';
import { configurationAt } from '../../src/report/configuration';
import { SnapshotDatabase } from '../../src/sql/duckdb';
import { NAMED_QUERIES, SECURITY_GROUP_TYPE, deployableNamedQueries, namedQuery, parseIsoTime, renderNamedQuery, renderParam, type NamedQuery } from '../../src/sql/named-queries';
import { rowObjects } from '../../src/sql/query-result';
import { typeKey } from '../../src/services/resource-type';
import { securityGroupType } from '../../src/services/ec2/security-group';
import { tempDir } from '../support/cli';
import { FIXTURE, LIFETIMES, writeLatest } from './query-fixture';

let root: string;
let database: SnapshotDatabase;

beforeAll(async () => {
  root = await tempDir('cloudtap-named-');
  await writeLatest(root, FIXTURE);
  database = await SnapshotDatabase.open(root);
});

afterAll(async () => {
  database?.close();
  await rm(root, { recursive: true, force: true });
});

const query = (name: string): NamedQuery => {
  const found = namedQuery(name);
  if (!found) throw new Error(`no named query ${name}`);
  return found;
};

async function run(name: string, params: Record<string, string> = {}) {
  const { result } = await database.query(renderNamedQuery(query(name), params));
  return result;
}

const A = '111111111111';
const B = '222222222222';

describe('the named queries answer over a snapshot', () => {
  it('the list: six queries, each with a description and the tables it reads', () => {
    expect(NAMED_QUERIES.map((q) => q.name)).toEqual(['open-ports', 'untagged', 'instances-per-role', 'changes-last-run', 'used-by', 'events-over-time']);
    for (const q of NAMED_QUERIES) {
      expect(q.description.length).toBeGreaterThan(20);
      for (const table of q.tables) expect(q.sql).toMatch(new RegExp(`\\b${table}\\b`));
      // Every parameter the SQL names is declared, and every declared one is used.
      expect([...new Set([...q.sql.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]))].sort()).toEqual(q.params.map((p) => p.name).sort());
    }
  });

  it('open-ports: ingress rules open to 0.0.0.0/0 or ::/0 with their own port range; deleted groups, egress and private sources left out', async () => {
    const result = await run('open-ports');
    expect(result.columns.map((c) => c.name)).toEqual(['account_id', 'region', 'security_group', 'name', 'protocol', 'from_port', 'to_port', 'source']);
    expect(result.rows).toEqual([
      [A, 'us-east-1', 'sg-any', 'any', 'all', null, null, '::/0'],
      [A, 'us-east-1', 'sg-web', 'web', 'tcp', 22, 22, '0.0.0.0/0'],
      [A, 'us-east-1', 'sg-web', 'web', 'tcp', 443, 443, '::/0'],
      [B, 'eu-west-1', 'sg-http', "it's http", 'tcp', 80, 8080, '0.0.0.0/0'],
    ]);
    expect(SECURITY_GROUP_TYPE).toBe(typeKey(securityGroupType));
  });

  it('untagged: resources of tagged types without the key (case-sensitive); deleted ones and types that carry no tags left out', async () => {
    expect((await run('untagged', { key: 'CostCenter' })).rows).toEqual([
      [A, 'us-east-1', 'EC2.Instance', 'i-web2', 'web2'],
      [A, 'us-east-1', 'EC2.SecurityGroup', 'sg-any', 'any'],
      [B, 'eu-west-1', 'EC2.SecurityGroup', 'sg-http', "it's http"],
    ]);
    expect((await run('untagged', { key: 'CostCenter', type: 'EC2.Instance' })).rows).toEqual([[A, 'us-east-1', 'EC2.Instance', 'i-web2', 'web2']]);
    // A key with a quote in it is a literal, not SQL.
    expect((await run('untagged', { key: "x' OR '1'='1", type: 'EC2.Instance' })).rows.map((r) => r[3])).toEqual(['i-web1', 'i-web2']);
  });

  it('instances-per-role: the same answer as configurationAt (cloudtap report config) at every moment, boundaries included', async () => {
    const moments = [
      '2025-12-31T23:59:59.999Z', '2026-01-01T00:00:00.000Z', '2026-02-20T08:00:00.000Z', '2026-03-01T09:00:00.000Z',
      '2026-03-01T10:00:00.000Z', '2026-03-01T11:59:59.999Z', '2026-03-01T12:00:00.000Z', '2026-03-02T00:00:00.000Z', '2027-01-01T00:00:00.000Z',
    ];
    for (const at of moments) {
      const result = await run('instances-per-role', { at });
      const sql = Object.fromEntries(result.rows.map(([group, count]) => [group, count]));
      expect([at, sql]).toEqual([at, configurationAt(LIFETIMES, at).groups]);
    }
    expect((await run('instances-per-role', { at: '2026-03-01T09:00:00Z' })).rows).toEqual([['db_server', 1], ['unknown', 1], ['web_server', 2]]);
    // A zone is honoured: 11:00+02:00 is 09:00Z.
    expect((await run('instances-per-role', { at: '2026-03-01T11:00:00+02:00' })).rows).toEqual([['db_server', 1], ['unknown', 1], ['web_server', 2]]);
    // now (the default): every lifetime of the fixture that has not ended.
    expect((await run('instances-per-role')).rows).toEqual(Object.entries(configurationAt(LIFETIMES, new Date().toISOString()).groups).sort());
  });

  it('changes-last-run: each change with its diff and the resource name, deletions with no field first', async () => {
    const result = await run('changes-last-run');
    expect(rowObjects(result).map((r) => [r.resource_id, r.name, r.change, r.changed_at, r.field, r.from_value, r.to_value])).toEqual([
      ['i-old', 'old', 'deleted', '2026-03-01T12:00:40.000Z', null, null, null],
      ['sg-gone', 'gone', 'deleted', '2026-03-01T12:00:20.000Z', null, null, null],
      ['sg-web', 'web', 'updated', '2026-03-01T12:00:30.000Z', 'description', '"a"', '"b"'],
      ['sg-web', 'web', 'updated', '2026-03-01T12:00:30.000Z', 'ingress', '[]', '[{"protocol":"tcp","fromPort":22}]'],
    ]);
    expect(result.rows.every((r) => r[0] === 'run-2')).toBe(true);
  });

  it('used-by: what points to an id, deleted resources left out', async () => {
    expect((await run('used-by', { id: 'sg-web' })).rows).toEqual([
      [A, 'us-east-1', 'EC2.Instance', 'i-web1', 'web1', 'security_group', 'EC2.SecurityGroup', 'sg-web'],
      [A, 'us-east-1', 'EC2.NetworkInterface', 'eni-1', null, 'security_group', 'EC2.SecurityGroup', 'sg-web'],
    ]);
    expect((await run('used-by', { id: 'i-web1' })).rows.map((r) => r[3])).toEqual(['eni-1']);
    expect((await run('used-by', { id: 'sg-nothing' })).rows).toEqual([]);
  });

  it('events-over-time: by day of the last time, severity and group, with open events and occurrences summed', async () => {
    const result = await run('events-over-time');
    expect(result.columns.map((c) => c.name)).toEqual(['day', 'severity', 'event_group', 'events', 'open_events', 'occurrences']);
    expect(result.rows).toEqual([
      ['2026-02-28', 1, null, 1, 1, 1],
      ['2026-03-01', 2, 'web_server', 2, 2, 996],
      ['2026-03-01', 5, 'web_server', 1, 0, 2],
    ]);
  });
});

describe('parameters are typed literals', () => {
  it('strings are quoted with their quotes doubled', () => {
    expect(renderParam({ name: 'key', type: 'string' }, "O'Brien")).toBe("'O''Brien'");
    expect(renderParam({ name: 'key', type: 'string' }, '')).toBe("''");
    expect(() => renderParam({ name: 'key', type: 'string' }, 'a\nb')).toThrow('--param key: expected text without control characters, got "a\nb"');
  });

  it('timestamps from ISO 8601 (UTC when no zone) as TIMESTAMP literals in UTC with milliseconds', () => {
    const at = { name: 'at', type: 'timestamp' } as const;
    expect(renderParam(at, '2026-03-01T12:00:00Z')).toBe("TIMESTAMP '2026-03-01 12:00:00.000'");
    expect(renderParam(at, '2026-03-01T12:00')).toBe("TIMESTAMP '2026-03-01 12:00:00.000'");
    expect(renderParam(at, '2026-03-01 12:00:00.5')).toBe("TIMESTAMP '2026-03-01 12:00:00.500'");
    expect(renderParam(at, '2026-03-01')).toBe("TIMESTAMP '2026-03-01 00:00:00.000'");
    expect(renderParam(at, '2026-03-01T01:00:00-02:30')).toBe("TIMESTAMP '2026-03-01 03:30:00.000'");
    expect(renderParam(at, 'now', new Date('2026-05-05T05:05:05.005Z'))).toBe("TIMESTAMP '2026-05-05 05:05:05.005'");
    for (const bad of ['yesterday', '2026-02-30', '2026-03-01T25:00', '1 March 2026', "2026-03-01' OR 1=1 --", '2026-03-01Z']) {
      expect(() => renderParam(at, bad)).toThrow(`--param at: expected an ISO 8601 time such as 2026-03-01T12:00:00Z, 2026-03-01T12:00 (UTC) or 2026-03-01, or now, got "${bad}"`);
    }
    expect(parseIsoTime('2026-02-28T23:59:59.999Z')?.toISOString()).toBe('2026-02-28T23:59:59.999Z');
  });

  it('ints are whole numbers', () => {
    expect(renderParam({ name: 'port', type: 'int' }, '22')).toBe('22');
    expect(renderParam({ name: 'port', type: 'int' }, '-1')).toBe('-1');
    for (const bad of ['22.5', '0x16', '22; DROP', '', '99999999999999999']) expect(() => renderParam({ name: 'port', type: 'int' }, bad)).toThrow(/^--param port: expected a whole number, e.g. 22/);
  });

  it('an unknown parameter, or a missing required one, names the parameter and what the query takes', () => {
    expect(() => renderNamedQuery(query('untagged'), {})).toThrow(new InvalidInputError('--param key', 'untagged needs key (the tag key, e.g. CostCenter (case-sensitive, as AWS compares tag keys)): --param key=CostCenter'));
    expect(() => renderNamedQuery(query('untagged'), { key: 'a', colour: 'b' })).toThrow('--param colour: untagged has no parameter "colour"; its parameters are: key, type');
    expect(() => renderNamedQuery(query('open-ports'), { key: 'a' })).toThrow('--param key: open-ports has no parameter "key"; it takes no parameters');
  });
});

describe('as the stack deploys them', () => {
  it('concrete SQL: defaults, examples (said in the description), now as the engine\'s current time', async () => {
    const deployed = deployableNamedQueries();
    expect(deployed.map((q) => q.name)).toEqual(NAMED_QUERIES.map((q) => `cloudtap-${q.name}`));
    for (const q of deployed) {
      expect(q.sql).not.toContain('{{');
      expect(q.description.length).toBeLessThanOrEqual(1024);
      await expect(database.query(q.sql)).resolves.toBeDefined();
    }
    const byName = Object.fromEntries(deployed.map((q) => [q.name, q]));
    expect(byName['cloudtap-instances-per-role']?.sql).toContain('started_at <= CAST(current_timestamp AS TIMESTAMP)');
    expect(byName['cloudtap-untagged']?.sql).toContain("t.tag_key = 'CostCenter'");
    expect(byName['cloudtap-untagged']?.description).toMatch(/Saved with key = CostCenter: edit before running\.$/);
    expect(byName['cloudtap-used-by']?.description).toMatch(/Saved with id = sg-0123456789abcdef0: edit before running\.$/);
  });
});
