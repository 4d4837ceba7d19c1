import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { assumeRoleCredentials, createAwsClients, type AwsClients } from '../aws/clients';
import { InvalidInputError, expectIsoTime, expectRecord, expectString, isRecord } from '../dto/validation';
import { ACCOUNT_ID_PATTERN, REGION_PATTERN } from '../dto/collection-request';
import { allResourceTypes, allServices, clientCatalog, rulesFor, serviceOfType } from '../services/registry';
import { typeActions, typeKey, type CollectContext, type ResourceRecord, type ResourceType } from '../services/resource-type';
import type { NamedResources, ServiceDefinition } from '../services/service';
import { NO_FACTS, type RegionFacts } from '../services/rule';
import type { Database } from '../store/dynamo';
import { conditionalWrite } from '../store/dynamo';
import { ResourceStore, partitionKey } from '../store/resource-store';
import { EventStore } from '../store/event-store';
import { DEFAULT_LEASE_SETTINGS, type LeaseSettings } from '../store/partition-lease';
import { RunStore } from '../store/run-store';
import { taskError } from '../dto/task';
import { syncPartition } from '../collect/sync-partition';
import { attachRelations, enrichPage } from '../collect/enrich';

/** What an AWS change notification says changed: resource ids of collected types, in one account and region. */
export interface ChangeNotification {
  /** EventBridge's event id: the same event delivered twice is ingested once. */
  id: string;
  kind: string;
  source: string;
  accountId: string;
  region: string;
  time: string;
  eventName?: string;
  resources: NamedResources[];
}

export const API_CALL = 'AWS API Call via CloudTrail';

/** Ingested event ids are remembered this long (EventBridge retries for up to 24 hours). */
const DEDUPLICATION_SECONDS = 2 * 24 * 3600;

/** The calls the real-time refresh makes: each describable type's own calls and enrichments. */
export function realtimeIamActions(): string[] {
  return [...new Set(describableTypes().flatMap((t) => [...typeActions(t), ...(t.describe?.actions ?? [])]))].sort();
}

/** The EventBridge patterns that route the services' change notifications to normalize, from their declarations. */
export function realtimeEventPatterns(): { source: string[]; detailType: string[]; detail?: { eventName: string[] } }[] {
  return allServices().flatMap((service) => {
    const hooks = service.realtime;
    if (!hooks) return [];
    return [
      ...(hooks.apiCalls.length ? [{ source: [hooks.source], detailType: [API_CALL], detail: { eventName: [...hooks.apiCalls] } }] : []),
      ...(hooks.notifications ?? []).map((n) => ({ source: [hooks.source], detailType: [n.detailType] })),
    ];
  });
}

/** Types that can be refreshed by id. */
function describableTypes(): ResourceType[] {
  return allResourceTypes().filter((t) => t.describe && (t.describe.command || t.describe.fetch));
}

/** Every id of the service's describable types mentioned anywhere in a value (CloudTrail's request and response elements). */
function idsByPrefix(service: ServiceDefinition, value: unknown, found = new Map<string, Set<string>>()): Map<string, Set<string>> {
  if (typeof value === 'string') {
    for (const type of service.types) {
      const prefix = type.describe?.idPrefix;
      if (prefix && value.startsWith(prefix) && /^[a-z]+-[0-9a-f]{8,17}$/.test(value)) {
        const ids = found.get(typeKey(type)) ?? new Set<string>();
        ids.add(value);
        found.set(typeKey(type), ids);
      }
    }
  } else if (Array.isArray(value)) value.forEach((v) => idsByPrefix(service, v, found));
  else if (isRecord(value)) Object.values(value).forEach((v) => idsByPrefix(service, v, found));
  return found;
}

/** Validates an EventBridge event of a source a service follows; errors name the field. */
export function parseChangeNotification(input: unknown): ChangeNotification {
  const event = expectRecord(input, 'event');
  const kind = expectString(event['detail-type'], 'event.detail-type');
  const followed = allServices().filter((s) => s.realtime);
  const sources = followed.map((s) => s.realtime?.source as string);
  const source = expectString(event.source, 'event.source');
  const service = followed.find((s) => s.realtime?.source === source);
  if (!service?.realtime) throw new InvalidInputError('event.source', `"${source}" is not a source cloudtap follows; expected one of: ${sources.join(', ')}`);
  const hooks = service.realtime;
  const detail = expectRecord(event.detail, 'event.detail');
  let eventName: string | undefined;
  let resources: NamedResources[];
  if (kind === API_CALL) {
    eventName = expectString(detail.eventName, 'event.detail.eventName');
    resources = hooks.resourcesInApiCall
      ? hooks.resourcesInApiCall(detail)
      : [...idsByPrefix(service, [detail.requestParameters, detail.responseElements])].map(([type, ids]) => ({ type, ids: [...ids] }));
  } else {
    const notification = hooks.notifications?.find((n) => n.detailType === kind);
    if (!notification) {
      const kinds = [API_CALL, ...(hooks.notifications ?? []).map((n) => n.detailType)];
      throw new InvalidInputError('event.detail-type', `"${kind}" is not handled for ${source}; expected one of: ${kinds.map((k) => `"${k}"`).join(', ')}`);
    }
    resources = notification.resources(detail);
  }
  return {
    id: expectString(event.id, 'event.id'),
    kind,
    source,
    accountId: expectString(event.account, 'event.account', ACCOUNT_ID_PATTERN, 'an account id is 12 digits'),
    region: expectString(event.region, 'event.region', REGION_PATTERN, 'use names such as us-east-1'),
    time: expectIsoTime(event.time, 'event.time'),
    ...(eventName ? { eventName } : {}),
    resources: mergeResources(resources.filter((r) => describableTypes().some((t) => typeKey(t) === r.type))),
  };
}

function mergeResources(resources: NamedResources[]): NamedResources[] {
  const byType = new Map<string, Set<string>>();
  for (const { type, ids } of resources) for (const id of ids) byType.set(type, (byType.get(type) ?? new Set()).add(id));
  return [...byType].sort((a, b) => a[0].localeCompare(b[0])).map(([type, ids]) => ({ type, ids: [...ids].sort() }));
}

export interface IngestResult {
  notification: ChangeNotification;
  /** The event was ingested before (EventBridge delivers at least once): nothing was done. */
  duplicate?: boolean;
  /** `posted`: updates handed to the run writing the partition at the time, which applies them. */
  resources: { created: number; updated: number; unchanged: number; deleted: number; posted: number };
  events: { opened: number; recurred: number; cleared: number };
  writes: number;
  errors: { type: string; code: string; message: string }[];
}

/** How an account other than the collector's own is reached: its member role (the same as the scheduled runs'). */
export interface MemberAccess {
  roleArn: string;
  externalId?: string;
}

export interface IngestDependencies {
  db: Database;
  lease?: LeaseSettings;
  ems: string;
  /** Where global services are collected (their partitions' region). */
  homeRegion: string;
  /** The member accounts cloudtap collects, by account id. */
  memberAccess?: (accountId: string) => MemberAccess | undefined;
  /** Overrides client creation (tests). */
  clientsFor?: (accountId: string, region: string) => Promise<(region: string) => AwsClients>;
}

/** The account that cannot be reached, or is not one cloudtap collects: nothing changes. */
export class AccountNotCollectedError extends Error {
  override readonly name = 'AccountNotCollected';
}

/**
 * A real-time update goes through the same pipeline as a run (`syncPartition`), over a targeted describe of the
 * resources the notification names, **in the notification's account** (its member role): records it returns are
 * upserted, ids it says no longer exist are marked deleted, and nothing else of the partition is touched. An
 * account that cannot be reached changes nothing and is reported.
 *
 * Each ingestion takes its own sequence number: it orders the ingestion's writes against every run's (a newer
 * observation is never overwritten by an older one, whatever the clocks say). EventBridge delivers at least once:
 * an event id already ingested is not ingested again.
 */
export async function ingestNotification(notification: ChangeNotification, deps: IngestDependencies): Promise<IngestResult> {
  const writesBefore = deps.db.writes;
  const result: IngestResult = {
    notification, resources: { created: 0, updated: 0, unchanged: 0, deleted: 0, posted: 0 }, events: { opened: 0, recurred: 0, cleared: 0 }, writes: 0, errors: [],
  };
  if (notification.resources.length === 0) return result;
  const claim = await claimEvent(deps.db, notification);
  if (!claim) return { ...result, duplicate: true };
  try {
    await ingestClaimed(notification, deps, result);
  } catch (error) {
    result.errors.push({ type: notification.resources.map((r) => r.type).join(', '), ...taskError(error) });
  }
  // A failed ingestion may be retried (the rule's retry, a redelivery): it must not be taken for a duplicate then.
  if (result.errors.length > 0) await claim.release();
  result.writes = deps.db.writes - writesBefore;
  return result;
}

async function ingestClaimed(notification: ChangeNotification, deps: IngestDependencies, result: IngestResult): Promise<void> {
  const clientsIn = await (deps.clientsFor ?? accountClients(deps))(notification.accountId, notification.region);
  const runs = new RunStore(deps.db);
  const seq = await runs.nextSequence();
  const now = new Date().toISOString();
  const context = {
    runId: `realtime-${seq}`,
    // Event times are the notification's (when AWS saw the change), never later than now.
    runStartedAt: notification.time > now ? now : notification.time,
    seq, ems: deps.ems, resources: new ResourceStore(deps.db), events: new EventStore(deps.db), runs, db: deps.db,
    lease: deps.lease ?? DEFAULT_LEASE_SETTINGS,
  };
  for (const { type: key, ids } of notification.resources) {
    const type = describableTypes().find((t) => typeKey(t) === key) as ResourceType;
    const service = serviceOfType(key);
    const region = service?.scope.kind === 'global' ? service.scope.homeRegion ?? deps.homeRegion : notification.region;
    const partition = partitionKey(notification.accountId, region, key);
    try {
      const collect: CollectContext = { accountId: notification.accountId, region, clients: clientsIn(region), clientsIn };
      const records = await describe(type, ids, collect);
      await enrichPage(type, records, collect, undefined, { force: true });
      attachRelations(type, records);
      const rules = rulesFor(key);
      const outcome = await syncPartition({
        partition,
        pages: (async function* () { yield records; })(),
        volatileFields: type.volatileFields,
        rules,
        only: new Set(ids),
        ...(rules.some((r) => r.needsFacts) ? { facts: storedFacts(key, partition, context.resources) } : {}),
      }, context);
      for (const k of ['created', 'updated', 'unchanged', 'deleted'] as const) result.resources[k] += outcome.resources[k];
      result.resources.posted += outcome.posted;
      for (const k of ['opened', 'recurred', 'cleared'] as const) result.events[k] += outcome.events[k];
    } catch (error) {
      const { code, message } = taskError(error);
      result.errors.push({ type: key, code, message });
    }
  }
}

/** The clients of the notification's account: the collector's own credentials, or the account's member role. */
function accountClients(deps: IngestDependencies) {
  return async (accountId: string, region: string): Promise<(region: string) => AwsClients> => {
    const own = await ownAccountId(region);
    let credentials: Awaited<ReturnType<typeof assumeRoleCredentials>>;
    if (accountId !== own) {
      const access = deps.memberAccess?.(accountId);
      if (!access) throw new AccountNotCollectedError(`account ${accountId} is not the collector's (${own}) and no member role is configured for it; nothing was changed`);
      try {
        credentials = await assumeRoleCredentials(region, access.roleArn, access.externalId);
      } catch (error) {
        const { code, message } = taskError(error);
        throw new AccountNotCollectedError(`account ${accountId} could not be reached through ${access.roleArn} (${code}: ${message}); nothing was changed`);
      }
    }
    const byRegion = new Map<string, AwsClients>();
    return (r) => {
      let clients = byRegion.get(r);
      if (!clients) byRegion.set(r, (clients = createAwsClients({ region: r, accountId, ...(credentials ? { credentials } : {}) }, clientCatalog())));
      return clients;
    };
  };
}

let ownAccount: Promise<string> | undefined;

/** Who the collector's credentials are (once per process). */
function ownAccountId(region: string): Promise<string> {
  ownAccount ??= createAwsClients({ region }).sts.send(new GetCallerIdentityCommand({})).then((o) => o.Account ?? '');
  ownAccount.catch(() => { ownAccount = undefined; });
  return ownAccount;
}

/** A targeted describe; ids AWS no longer knows are left out (one call each only when the batch says some are gone). */
async function describe(type: ResourceType, ids: string[], context: CollectContext): Promise<ResourceRecord[]> {
  const byIds = type.describe;
  if (byIds?.fetch) return (await byIds.fetch(ids, context)).map((raw) => type.preprocess(raw, context));
  const list = type.list;
  if (!byIds?.command || !list) throw new Error(`${typeKey(type)} cannot be described by id`);
  const client = context.clients.get<{ send(command: unknown): Promise<unknown> }>(list.client);
  try {
    const output = await client.send(byIds.command(ids));
    return list.items(output, context).map((raw) => type.preprocess(raw, context));
  } catch (error) {
    if ((error as { name?: string }).name !== byIds.notFoundCode) throw error;
    if (ids.length === 1) return [];
    return (await Promise.all(ids.map((id) => describe(type, [id], context)))).flat();
  }
}

/** Takes the event id (or finds it taken: a duplicate delivery). */
async function claimEvent(db: Database, notification: ChangeNotification): Promise<{ release(): Promise<void> } | undefined> {
  const key = { pk: `INGESTED#${notification.source}#${notification.id}`, sk: 'INGESTED' };
  const written = await conditionalWrite(db, () => db.client.put({
    TableName: db.tables.runs,
    Item: { ...key, time: new Date().toISOString(), expiresAt: Math.floor(Date.now() / 1000) + DEDUPLICATION_SECONDS },
    ConditionExpression: 'attribute_not_exists(pk)',
  }));
  if (written === undefined) return undefined;
  return {
    release: async () => {
      await db.client.delete({ TableName: db.tables.runs, Key: key });
      db.countWrites(1);
    },
  };
}

/** The region's facts as the store knows them (the real-time path refreshes a few resources, not the region). */
async function storedFacts(key: string, partition: string, resources: ResourceStore): Promise<RegionFacts> {
  const service = serviceOfType(key);
  if (!service?.facts) return NO_FACTS;
  const facts = service.facts.create();
  const sourcePartition = partition.replace(new RegExp(`#${key.replace('.', '\\.')}$`), `#${service.facts.from}`);
  for (const record of await resources.listPartition(sourcePartition)) facts.observe(record);
  return facts;
}
