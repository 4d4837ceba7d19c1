/**
 * The named queries against what the sandbox planted: two local runs an epoch apart (the workflow in-process, the
 * export after each run into <data-dir>/snapshots), then each query's answer over the exported snapshot equals the
 * sandbox's truth, derived from how it generated the account — never from cloudtap's own rules.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { LOCAL_SNAPSHOT_DIR, queryCommand } from '../../cli/commands/query';
import { epochTime } from '../../local/sandbox/clock';
import { parseSandboxSpec } from '../../local/sandbox/spec';
import { allTruthResources, diffTruth, resourceKey, sandboxTruth, type SandboxTruth } from '../../local/sandbox/truth';
import { configurationAt, instanceLifetime, type InstanceLifetime } from '../../src/report/configuration';
import { SnapshotDatabase } from '../../src/sql/duckdb';
import { namedQuery, renderNamedQuery } from '../../src/sql/named-queries';
import { rowObjects, type SqlValue } from '../../src/sql/query-result';
import type { RunSummary } from '../../src/dto/run-summary';
import { cloudtap } from '../support/cli';
import { expectedEvent, unique } from '../support/tap-truth';
import { localStore } from '../support/local-run';

// `metrics=none`: no metric conditions planted but the impaired instances' failed status checks (metric events:
// test/e2e/metric-events.test.ts).
const BASE = 'seed=21&regions=2&instances=12&metrics=none';
const WORLD = new Set(['0.0.0.0/0', '::/0']);

let store: Awaited<ReturnType<typeof localStore>>;
let runs: RunSummary[];
let database: SnapshotDatabase;
let before: SandboxTruth;
let after: SandboxTruth;

beforeAll(async () => {
  store = await localStore({ snapshots: true });
  runs = [await store.run(`${BASE}&epoch=0`), await store.run(`${BASE}&epoch=1`)];
  before = sandboxTruth(parseSandboxSpec(`${BASE}&epoch=0`));
  after = sandboxTruth(parseSandboxSpec(`${BASE}&epoch=1`));
  database = await SnapshotDatabase.open(join(store.dataDir, LOCAL_SNAPSHOT_DIR));
}, 120_000);

afterAll(async () => {
  database?.close();
  if (store) await rm(store.dataDir, { recursive: true, force: true });
});

async function named(name: string, params: Record<string, string> = {}): Promise<Record<string, SqlValue>[]> {
  const query = namedQuery(name);
  if (!query) throw new Error(`no named query ${name}`);
  return rowObjects((await database.query(renderNamedQuery(query, params))).result);
}

/** A collected record's key in the truth's terms (the Region task's records are the truth's EC2.Region). */
function truthKey(row: Record<string, SqlValue>): string | undefined {
  const [account, region, type, id] = [row.account_id, row.region, row.type, row.resource_id].map(String);
  if (type === 'CloudServiceType' || type === 'CloudTrail.Event') return undefined;
  if (type === 'Region') return resourceKey({ accountId: account as string, region: id as string, type: 'EC2.Region', id: id as string });
  return resourceKey({ accountId: account as string, region: region as string, type: type as string, id: id as string });
}

describe('the named queries equal the sandbox truth, after two runs an epoch apart', () => {
  it('both runs succeeded and exported their snapshot', () => {
    for (const run of runs) {
      expect(run.failures).toEqual([]);
      expect((run as RunSummary & { snapshot?: { status: string } }).snapshot?.status).toBe('exported');
    }
  });

  it('open-ports: every ingress rule open to the world, rule by rule; every sensitive open port the truth plants among them', async () => {
    const rows = await named('open-ports');
    const collected = rows.map((r) => [r.account_id, r.region, r.security_group, r.protocol, r.from_port, r.to_port, r.source].join(' ')).sort();
    const expected = after.resources.filter((r) => r.type === 'EC2.SecurityGroup').flatMap((group) =>
      (group.attributes.ingress as { protocol: string; fromPort: number | null; toPort: number | null; cidr?: string }[])
        .filter((rule) => rule.cidr !== undefined && WORLD.has(rule.cidr))
        .map((rule) => {
          const all = rule.protocol === '-1';
          return [group.accountId, group.region, group.id, all ? 'all' : rule.protocol, all ? '' : rule.fromPort ?? '', all ? '' : rule.toPort ?? '', rule.cidr].join(' ');
        }));
    expect(collected).toEqual([...new Set(expected)].sort());
    const planted = after.conditions.filter((c) => c.rule === 'OpenIngress');
    expect(planted.length).toBeGreaterThan(0);
    for (const c of planted) expect(rows.some((r) => r.security_group === c.id && r.source === c.detail.cidr)).toBe(true);
  });

  it('untagged: the resources of the types that carry tags, without the key', async () => {
    const truthResources = allTruthResources(after);
    const tagged = new Set(truthResources.filter((r) => Object.keys(r.tags).length > 0).map((r) => r.type));
    for (const key of ['Name', 'Purpose']) {
      const expected = truthResources.filter((r) => tagged.has(r.type) && !(key in r.tags)).map(resourceKey).sort();
      const collected = (await named('untagged', { key })).map(truthKey).sort();
      expect([key, collected.length > 0, collected]).toEqual([key, true, expected]);
    }
  });

  it('changes-last-run: the resources created, updated and deleted are the sandbox\'s own diff between the epochs', async () => {
    const diff = diffTruth(before, after);
    expect(diff.created.length + diff.updated.length + diff.deleted.length).toBeGreaterThan(0);
    const rows = await named('changes-last-run');
    expect(new Set(rows.map((r) => r.run_id))).toEqual(new Set([runs[1]?.runId]));
    const byChange = (change: string) => [...new Set(rows.filter((r) => r.change === change).map(truthKey).filter((k): k is string => !!k))].sort();
    expect(byChange('created')).toEqual([...diff.created].sort());
    expect(byChange('updated')).toEqual([...diff.updated].sort());
    expect(byChange('deleted')).toEqual([...diff.deleted].sort());
    // An update says what changed: a field, from and to.
    for (const row of rows.filter((r) => r.change === 'updated')) expect(row.field).not.toBeNull();
  });

  const MOMENTS = [0.1, 0.5, 0.99, 1.0, 1.2].map((h) => new Date(epochTime(0).getTime() + h * 3_600_000).toISOString());

  /** Active instances per role at a moment, by the truth's lifecycles. */
  function truthGroups(at: string): Record<string, number> {
    const moment = Date.parse(at);
    const groups: Record<string, number> = {};
    for (const l of after.instanceLifecycles.filter((i) => Date.parse(i.launchedAt) <= moment && (i.terminatedAt === null || moment < Date.parse(i.terminatedAt)))) {
      groups[l.role ?? 'unknown'] = (groups[l.role ?? 'unknown'] ?? 0) + 1;
    }
    return groups;
  }

  async function sqlGroups(at: string): Promise<Record<string, SqlValue>> {
    return Object.fromEntries((await named('instances-per-role', { at })).map((r) => [r.instance_group, r.active_instances]));
  }

  it('instances-per-role: at several moments, the same answer as the configuration report (cloudtap report config --at)', async () => {
    const lifetimes = (await store.resources()).filter((r) => r.type === 'EC2.Instance').map(instanceLifetime).filter((l): l is InstanceLifetime => !!l);
    for (const at of MOMENTS) expect([at, await sqlGroups(at)]).toEqual([at, configurationAt(lifetimes, at).groups]);
    expect(after.instanceLifecycles.some((l) => l.terminatedAt !== null)).toBe(true);
  });

  // An instance whose role came from its user data (no Role tag) keeps that role once terminated (the enrichment's
  // `keeps`): here i-060b33aab00036c2a, a batch_worker terminated at 00:37, counted 'unknown' before.
  it('instances-per-role: at several moments, the truth\'s instance lifecycles counted exactly', async () => {
    for (const at of MOMENTS) expect([at, await sqlGroups(at)]).toEqual([at, truthGroups(at)]);
  });

  it('used-by: what points to a security group is every instance and interface that lists it', async () => {
    const group = after.resources.find((r) => r.type === 'EC2.SecurityGroup' && after.resources.some((i) => i.type === 'EC2.Instance'
      && (i.attributes.securityGroups as { groupId: string }[]).some((g) => g.groupId === r.id)));
    expect(group).toBeDefined();
    const users = (id: string) => after.resources.filter((r) => (r.type === 'EC2.Instance' && (r.attributes.securityGroups as { groupId: string }[]).some((g) => g.groupId === id)));
    const rows = await named('used-by', { id: group?.id ?? '' });
    expect(rows.filter((r) => r.type === 'EC2.Instance').map(truthKey).sort()).toEqual(users(group?.id ?? '').map(resourceKey).sort());
  });

  it('events-over-time: its open events, by severity, are the conditions the sandbox planted at the second epoch', async () => {
    const open = new Map<number, number>();
    for (const row of await named('events-over-time')) open.set(Number(row.severity), (open.get(Number(row.severity)) ?? 0) + Number(row.open_events));
    const expected = new Map<number, number>();
    const planted = [
      ...unique(after.conditions.map(expectedEvent)).map((e) => e.severity), ...after.services.conditions.map((c) => c.severity),
      ...after.metrics.conditions.map((c) => (c.level === 'critical' ? 1 : 2)),
    ];
    for (const severity of planted) expected.set(severity, (expected.get(severity) ?? 0) + 1);
    const nonZero = (m: Map<number, number>) => [...m].filter(([, n]) => n > 0).sort(([a], [b]) => a - b);
    expect(planted.length).toBeGreaterThan(0);
    expect(nonZero(open)).toEqual(nonZero(expected));
  });

  it('SELECT count(*) FROM resources equals cloudtap resources --json | length', async () => {
    let stdout = '';
    const log = jest.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => { stdout += `${parts.join(' ')}\n`; });
    try {
      expect(await queryCommand(['SELECT count(*) AS n FROM resources', '--json', '--data-dir', store.dataDir], {})).toBe(0);
    } finally {
      log.mockRestore();
    }
    const [counts] = JSON.parse(stdout) as { n: number }[];
    const listed = await cloudtap(['resources', '--json', '--data-dir', store.dataDir]);
    expect(listed.code).toBe(0);
    expect(counts?.n).toBe((JSON.parse(listed.stdout) as unknown[]).length);
    // The second epoch deleted resources: they are not in the table, as they are not in the listing.
    expect(runs[1]?.resources.deleted).toBeGreaterThan(0);
  });
});
