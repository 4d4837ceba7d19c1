import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { startEmbeddedDynamoDb, createTableInput, type EmbeddedDynamoDb } from '../../local/embedded-dynamodb';
import { Database, batchWrite, storeClient, type WriteRequests } from '../../src/store/dynamo';
import { TABLES, eventIndexAttributes, localTableNames, tagIndexAttributes } from '../../src/store/tables';
import { accountsWithRegion, listResources, resourcesById, UnindexedQueryError, type ResourceQuery } from '../../src/store/inventory-queries';
import { listEvents, type EventQuery } from '../../src/events/event-queries';
import { emptyReadStats, type ReadStats } from '../../src/store/read-pages';
import { recentRuns } from '../../src/store/run-queries';
import { forEachWithConcurrency } from '../../src/util/concurrency';

/**
 * Each access pattern is answered by reading only the items it selects, proven by the items DynamoDB reports
 * it examined (`ScannedCount`, summed over pages) on a store where those are a few hundred among > 50,000.
 */

const ACCOUNTS = ['111111111111', '222222222222', '333333333333'];
const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
/** Regions every account has a Region record for; the last holds no resources. */
const ACCOUNT_REGIONS = [...REGIONS, 'sa-east-1'];
const LISTED_TYPE = 'EC2.Instance';
const OTHER_TYPES = ['EC2.Volume', 'EC2.SecurityGroup', 'EC2.Subnet', 'EC2.NetworkInterface', 'EC2.Snapshot'];
const OTHER_RECORDS = 50_000;
const INSTANCES = 360;
const T0 = '2026-11-01T00:00:00.000Z';

type Item = Record<string, unknown> & { pk: string; sk: string };

/** A current record as the write path stores it, index attributes included. */
function record(accountId: string, region: string, type: string, id: string, tags: Record<string, string>, deleted = false): Item {
  return {
    pk: `${accountId}#${region}#${type}`, sk: id, id, resourceId: id, accountId, region, type, name: id,
    arn: `arn:aws:ec2:${region}:${accountId}:${id}`, tags, ...tagIndexAttributes(tags), data: { id },
    hash: `h-${id}`, firstSeen: T0, lastChanged: T0, observedAt: T0, runId: 'run-0', ...(deleted ? { deletedAt: T0 } : {}),
  };
}

function pick<T>(list: readonly T[], n: number): T {
  return list[n % list.length] as T;
}

interface Fixture {
  resources: Item[];
  events: Item[];
}

function fixture(): Fixture {
  const resources: Item[] = [];
  for (const accountId of ACCOUNTS) {
    for (const region of ACCOUNT_REGIONS) resources.push(record(accountId, 'aws-global', 'Region', region, {}));
  }
  for (let n = 0; n < INSTANCES; n++) {
    const tags: Record<string, string> = { Name: `web-${n}`, Environment: pick(['prod', 'staging'], n), ...(n % 3 === 0 ? { Team: 'payments' } : {}), Owner: pick(['ana', 'bo'], n) };
    resources.push(record(pick(ACCOUNTS, n), pick(REGIONS, Math.floor(n / 3)), LISTED_TYPE, `i-${n.toString(16).padStart(17, '0')}`, tags, n % 18 === 5));
  }
  for (let n = 0; n < OTHER_RECORDS; n++) {
    // Other types share the tag values, so a tag's index holds more than instances.
    const tags: Record<string, string> = { Environment: pick(['prod', 'staging', 'dev'], n), ...(n % 250 === 0 ? { Team: 'payments' } : {}) };
    resources.push(record(pick(ACCOUNTS, n), pick(REGIONS, Math.floor(n / 3)), pick(OTHER_TYPES, Math.floor(n / 9)), `r-${n}`, tags));
  }
  const events: Item[] = [];
  for (let n = 0; n < 4_000; n++) {
    const accountId = pick(ACCOUNTS, n);
    const partition = `${accountId}#${pick(REGIONS, n >> 2)}#${pick([LISTED_TYPE, 'EC2.Volume'], n >> 4)}`;
    const group = n % 7 === 0 ? null : pick(['web_server', 'db_server', 'batch'], n >> 3);
    const state = n % 5 === 0 ? 'open' : 'cleared';
    const id = `e-${n}`;
    events.push({
      pk: id, sk: 'EVENT', id, class: 'AWS_EC2', ems: 'ems-1', rule: pick(['InstanceState', 'OpenIngress', 'UnattachedVolume'], n), group,
      typeNames: [{ type: 'ID', name: id }], severity: state === 'open' ? 1 + (n % 4) : 5, state, count: 1, firstTime: T0, lastTime: T0,
      countedThroughSeq: 1, transitions: [{ time: T0, transition: 'opened', severity: 1, text: `event ${n}`, seq: 1, runId: 'run-0' }], text: `event ${n}`, partition, resourceId: `r-${n}`, ...eventIndexAttributes({ partition, group }),
    });
  }
  return { resources, events };
}

async function writeAll(db: Database, table: string, items: Item[]): Promise<void> {
  const chunks: WriteRequests[string][] = [];
  for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })));
  await forEachWithConcurrency(chunks, 8, (chunk) => batchWrite(db, table, chunk));
}

describe('access patterns: reads examine only the items they select', () => {
  let store: EmbeddedDynamoDb;
  let db: Database;
  let data: Fixture;
  const figures: string[] = [];

  beforeAll(async () => {
    store = await startEmbeddedDynamoDb();
    const tables = localTableNames('ap');
    db = new Database(storeClient('us-east-1', store.endpoint), tables);
    // The tables these patterns read, from the definitions the stack deploys.
    for (const id of ['resources', 'events', 'runs'] as const) await db.client.dynamodb.send(new CreateTableCommand(createTableInput(TABLES[id], tables[id])));
    data = fixture();
    const started = Date.now();
    await writeAll(db, tables.resources, data.resources);
    await writeAll(db, tables.events, data.events);
    figures.push(`wrote ${data.resources.length} records and ${data.events.length} events in ${Date.now() - started} ms`);
  }, 600_000);

  afterAll(async () => {
    db?.client.destroy();
    await store?.close();
    process.stdout.write(`${figures.join('\n')}\n`);
  });

  const instances = (): Item[] => data.resources.filter((r) => r.type === LISTED_TYPE);
  const live = (items: Item[]): Item[] => items.filter((r) => r.deletedAt === undefined);
  const ids = (items: readonly object[]): string[] => items.map((r) => String((r as { resourceId: unknown }).resourceId)).sort();
  const eventIds = (items: readonly object[]): string[] => items.map((e) => String((e as { id: unknown }).id)).sort();

  async function measured(name: string, query: ResourceQuery): Promise<{ found: Awaited<ReturnType<typeof listResources>>; stats: ReadStats }> {
    const stats = emptyReadStats();
    const started = Date.now();
    const found = await listResources(db, query, stats);
    figures.push(`${name}: ${found.length} returned, ${stats.examined} examined, ${stats.requests} requests, ${stats.scans} scans, ${Date.now() - started} ms`);
    return { found, stats };
  }

  // Resource history has a table of its own (TABLES.history): no inventory read can touch it.
  it('holds more than 50,000 items of other types beside the listed type', () => {
    const others = data.resources.length - instances().length;
    expect(others).toBeGreaterThan(50_000);
    expect(instances().length).toBe(INSTANCES);
  });

  it('lists one type across every account and region by examining that type\'s items only', async () => {
    const { found, stats } = await measured('type', { type: LISTED_TYPE });
    expect(ids(found)).toEqual(ids(live(instances())));
    expect(stats.examined).toBe(INSTANCES); // the deleted ones are read, then filtered: the same type's items
    expect(stats.scans).toBe(0);
  });

  it('lists one type in one account by the type index narrowed to the account', async () => {
    const account = ACCOUNTS[1] as string;
    const { found, stats } = await measured('type+account', { type: LISTED_TYPE, accountId: account, includeDeleted: true });
    const expected = instances().filter((r) => r.accountId === account);
    expect(ids(found)).toEqual(ids(expected));
    expect(stats.examined).toBe(expected.length);
  });

  it('lists a partition (account, region and type) by the table\'s own key', async () => {
    const [account, region] = [ACCOUNTS[0] as string, REGIONS[2] as string];
    const { found, stats } = await measured('type+account+region', { type: LISTED_TYPE, accountId: account, region, includeDeleted: true });
    const expected = instances().filter((r) => r.accountId === account && r.region === region);
    expect(expected.length).toBeGreaterThan(0);
    expect(ids(found)).toEqual(ids(expected));
    expect(stats.examined).toBe(expected.length);
  });

  it('lists every type of an account and region by the account index narrowed to the region', async () => {
    const [account, region] = [ACCOUNTS[2] as string, REGIONS[0] as string];
    const { found, stats } = await measured('account+region', { accountId: account, region, includeDeleted: true });
    const expected = data.resources.filter((r) => r.accountId === account && r.region === region);
    expect(ids(found)).toEqual(ids(expected));
    expect(stats.examined).toBe(expected.length);
    expect(stats.examined).toBeLessThan(data.resources.length / 8);
  });

  it('lists a region (and a type in it) across accounts: one Region record per account, then only that region\'s items', async () => {
    const region = REGIONS[1] as string;
    expect(await accountsWithRegion(db, region)).toEqual([...ACCOUNTS].sort());
    const all = await measured('region', { region, includeDeleted: true });
    const inRegion = data.resources.filter((r) => r.region === region);
    expect(ids(all.found)).toEqual(ids(inRegion));
    expect(all.stats.examined).toBe(ACCOUNTS.length + inRegion.length);
    const typed = await measured('type+region', { region, type: LISTED_TYPE, includeDeleted: true });
    const expected = inRegion.filter((r) => r.type === LISTED_TYPE);
    expect(ids(typed.found)).toEqual(ids(expected));
    expect(typed.stats.examined).toBe(ACCOUNTS.length + expected.length);
  });

  it('lists by a designated tag key and value by its index: only the items carrying that value are examined', async () => {
    const tagged = data.resources.filter((r) => (r.tags as Record<string, string>).Team === 'payments');
    const all = await measured('tag Team=payments', { tags: [['Team', 'payments']], includeDeleted: true });
    expect(ids(all.found)).toEqual(ids(tagged));
    expect(all.stats.examined).toBe(tagged.length);
    const typed = await measured('tag Team=payments + type + owner filter', { tags: [['Team', 'payments'], ['Owner', 'ana']], type: LISTED_TYPE });
    expect(ids(typed.found)).toEqual(ids(live(tagged).filter((r) => r.type === LISTED_TYPE && (r.tags as Record<string, string>).Owner === 'ana')));
    expect(typed.stats.examined).toBe(tagged.length);
    const inAccount = await measured('tag Team=payments + account', { tags: [['Team', 'payments']], accountId: ACCOUNTS[0] as string, includeDeleted: true });
    const expectedInAccount = tagged.filter((r) => r.accountId === ACCOUNTS[0]);
    expect(ids(inAccount.found)).toEqual(ids(expectedInAccount));
    expect(inAccount.stats.examined).toBe(expectedInAccount.length);
  });

  it('refuses an undesignated tag with nothing to narrow it, and filters it within a type', async () => {
    await expect(listResources(db, { tags: [['Owner', 'ana']] })).rejects.toBeInstanceOf(UnindexedQueryError);
    const { found, stats } = await measured('tag Owner=ana + type', { tags: [['Owner', 'ana']], type: LISTED_TYPE });
    expect(ids(found)).toEqual(ids(live(instances()).filter((r) => (r.tags as Record<string, string>).Owner === 'ana')));
    expect(stats.examined).toBe(INSTANCES);
  });

  it('finds a resource by id, and scans only when nothing narrows the listing', async () => {
    const target = instances()[7] as Item;
    const byId = emptyReadStats();
    expect((await resourcesById(db, target.sk, byId)).map((r) => r.pk)).toEqual([target.pk]);
    expect(byId.examined).toBe(1);
    const { found, stats } = await measured('everything (scan)', { includeDeleted: true });
    expect(found).toHaveLength(data.resources.length);
    expect(stats.scans).toBeGreaterThan(0);
  });

  async function measuredEvents(name: string, query: EventQuery) {
    const stats = emptyReadStats();
    const started = Date.now();
    const found = await listEvents(db, query, stats);
    figures.push(`events ${name}: ${found.length} returned, ${stats.examined} examined, ${stats.requests} requests, ${Date.now() - started} ms`);
    return { found, stats };
  }

  it('lists open events by severity, group and account, examining only the open events each selects', async () => {
    const open = data.events.filter((e) => e.state === 'open');
    const severe = await measuredEvents('open, severity <= 2', { state: 'open', maxSeverity: 2 });
    const expectedSevere = open.filter((e) => (e.severity as number) <= 2);
    expect(eventIds(severe.found)).toEqual(eventIds(expectedSevere));
    expect(severe.stats.examined).toBe(expectedSevere.length);

    const web = await measuredEvents('open, group web_server', { state: 'open', group: 'web_server' });
    const expectedWeb = open.filter((e) => e.group === 'web_server');
    expect(eventIds(web.found)).toEqual(eventIds(expectedWeb));
    expect(web.stats.examined).toBe(expectedWeb.length);

    const account = ACCOUNTS[2] as string;
    const ofAccount = await measuredEvents('open, account, severity <= 3, rule', { state: 'open', accountId: account, maxSeverity: 3, rule: 'UnattachedVolume' });
    const openOfAccount = open.filter((e) => (e.partition as string).startsWith(`${account}#`));
    const expectedOfAccount = openOfAccount.filter((e) => (e.severity as number) <= 3 && e.rule === 'UnattachedVolume');
    expect(expectedOfAccount.length).toBeGreaterThan(0);
    expect(eventIds(ofAccount.found)).toEqual(eventIds(expectedOfAccount));
    expect(ofAccount.stats.examined).toBe(openOfAccount.length);

    const everything = await measuredEvents('all states', { state: 'all' });
    expect(everything.found).toHaveLength(data.events.length);
    expect(everything.stats.examined).toBe(data.events.length);
    expect(everything.stats.scans).toBe(0);
  });

  it('returns open events through the run ledger: a later run that collected the partition counts once more', async () => {
    const event = data.events.find((e) => e.state === 'open' && e.group === 'batch') as Item;
    const later = '2026-11-02T00:00:00.000Z';
    await db.client.put({ TableName: db.tables.runs, Item: { pk: 'run-2', sk: 'RUN', kind: 'run', runId: 'run-2', seq: 2, startedAt: later, completePartitions: [event.partition] } });
    const found = (await listEvents(db, { state: 'open', group: 'batch' })).find((e) => e.id === event.id);
    expect(found).toMatchObject({ count: 2, lastTime: later, firstTime: T0 });
    expect(found).not.toHaveProperty('countedThroughSeq');
    expect((await recentRuns(db, 5)).map((r) => r.runId)).toEqual(['run-2']);
  });
});
