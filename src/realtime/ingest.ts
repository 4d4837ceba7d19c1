import { createAwsClients, type AwsClients } from '../aws/clients';
import { InvalidInputError, expectIsoTime, expectRecord, expectString, isRecord } from '../dto/validation';
import { ACCOUNT_ID_PATTERN, REGION_PATTERN } from '../dto/collection-request';
import { allResourceTypes, allServices } from '../services/registry';
import { typeKey, type ResourceRecord, type ResourceType } from '../services/resource-type';
import { rulesFor } from '../services/rules';
import { NO_FACTS, type RegionFacts } from '../events/rule';
import { eventIdentity } from '../events/tap-event';
import { RunLedger } from '../events/occurrences';
import type { Database } from '../store/dynamo';
import { ResourceStore, partitionKey, recordHash, type Observation } from '../store/resource-store';
import { EventStore } from '../store/event-store';
import { DEFAULT_LEASE_SETTINGS, PartitionLease, type LeaseSettings, type PostedUpdate } from '../store/partition-lease';
import { RunStore } from '../store/run-store';
import { taskError } from '../dto/task';

/** What an AWS change notification says changed: resource ids of collected types, in one account and region. */
export interface ChangeNotification {
  kind: string;
  accountId: string;
  region: string;
  time: string;
  eventName?: string;
  resources: { type: string; ids: string[] }[];
}

export const STATE_CHANGE = 'EC2 Instance State-change Notification';
export const API_CALL = 'AWS API Call via CloudTrail';

/** The AWS API calls (CloudTrail via EventBridge) after which the resources they name are refreshed at once. */
export const REALTIME_API_CALLS = [
  'RunInstances', 'StartInstances', 'StopInstances', 'RebootInstances', 'TerminateInstances', 'ModifyInstanceAttribute',
  'CreateTags', 'DeleteTags',
  'CreateSecurityGroup', 'DeleteSecurityGroup', 'AuthorizeSecurityGroupIngress', 'RevokeSecurityGroupIngress',
  'AuthorizeSecurityGroupEgress', 'RevokeSecurityGroupEgress', 'ModifySecurityGroupRules',
  'CreateVolume', 'DeleteVolume', 'AttachVolume', 'DetachVolume', 'ModifyVolume',
];

/** The calls the real-time refresh makes: each describable type's own list call and enrichment. */
export function realtimeIamActions(): string[] {
  return [...new Set(describableTypes().flatMap((t) => [t.list.action, ...(t.enrich?.actions ?? [])]))].sort();
}

/** Types that can be refreshed one resource at a time, by the id prefix they declare. */
function describableTypes(): ResourceType[] {
  return allResourceTypes().filter((t) => t.describe);
}

/** Every id of a describable type mentioned anywhere in a value (CloudTrail's request and response elements). */
function idsIn(value: unknown, found: Map<string, Set<string>>): void {
  if (typeof value === 'string') {
    for (const type of describableTypes()) {
      if (value.startsWith(type.describe?.idPrefix ?? '\0') && /^[a-z]+-[0-9a-f]{8,17}$/.test(value)) {
        const ids = found.get(typeKey(type)) ?? new Set<string>();
        ids.add(value);
        found.set(typeKey(type), ids);
      }
    }
  } else if (Array.isArray(value)) value.forEach((v) => idsIn(v, found));
  else if (isRecord(value)) Object.values(value).forEach((v) => idsIn(v, found));
}

/** Validates an EventBridge event of the kinds the stack routes here; errors name the field. */
export function parseChangeNotification(input: unknown): ChangeNotification {
  const event = expectRecord(input, 'event');
  const kind = expectString(event['detail-type'], 'event.detail-type');
  if (kind !== STATE_CHANGE && kind !== API_CALL) {
    throw new InvalidInputError('event.detail-type', `"${kind}" is not handled; expected "${STATE_CHANGE}" or "${API_CALL}"`);
  }
  const detail = expectRecord(event.detail, 'event.detail');
  const found = new Map<string, Set<string>>();
  let eventName: string | undefined;
  if (kind === STATE_CHANGE) {
    idsIn(expectString(detail['instance-id'], 'event.detail.instance-id'), found);
  } else {
    eventName = expectString(detail.eventName, 'event.detail.eventName');
    idsIn(detail.requestParameters, found);
    idsIn(detail.responseElements, found);
  }
  return {
    kind,
    accountId: expectString(event.account, 'event.account', ACCOUNT_ID_PATTERN, 'an account id is 12 digits'),
    region: expectString(event.region, 'event.region', REGION_PATTERN, 'use names such as us-east-1'),
    time: expectIsoTime(event.time, 'event.time'),
    ...(eventName ? { eventName } : {}),
    resources: [...found].map(([type, ids]) => ({ type, ids: [...ids].sort() })),
  };
}

export interface IngestResult {
  notification: ChangeNotification;
  /** `posted`: updates handed to the run writing the partition at the time, which applies them. */
  resources: { created: number; updated: number; unchanged: number; deleted: number; posted: number };
  events: { opened: number; recurred: number; cleared: number };
  writes: number;
  errors: { type: string; code: string; message: string }[];
}

export interface IngestDependencies {
  db: Database;
  lease?: LeaseSettings;
  ems: string;
  clientsFor?: (accountId: string, region: string) => AwsClients;
}

/**
 * Each ingestion takes its own sequence number: it orders the ingestion's writes against every run's (a newer
 * observation is never overwritten by an older one, whatever the clocks say). Event times are the
 * notification's (when AWS saw the change, never later than now).
 *
 * Refreshes the resources a notification names with a targeted describe, and updates their events at once:
 * a condition seen again counts one more occurrence, a new one opens, one that no longer holds clears.
 * Between scheduled runs the inventory and the events follow AWS within seconds.
 */
export async function ingestNotification(notification: ChangeNotification, deps: IngestDependencies): Promise<IngestResult> {
  const writesBefore = deps.db.writes;
  const result: IngestResult = {
    notification, resources: { created: 0, updated: 0, unchanged: 0, deleted: 0, posted: 0 }, events: { opened: 0, recurred: 0, cleared: 0 }, writes: 0, errors: [],
  };
  const clients = (deps.clientsFor ?? ((accountId, region) => createAwsClients({ region, accountId })))(notification.accountId, notification.region);
  const context = { accountId: notification.accountId, region: notification.region, clients };
  const resources = new ResourceStore(deps.db);
  const events = new EventStore(deps.db);
  const now = new Date().toISOString();
  const seq = await new RunStore(deps.db).nextSequence();
  const at = { seq, time: now, runId: `realtime-${seq}` };
  for (const { type: key, ids } of notification.resources) {
    const type = describableTypes().find((t) => typeKey(t) === key) as ResourceType;
    const partition = partitionKey(notification.accountId, notification.region, key);
    try {
      const { records, missing } = await describe(type, ids, context);
      const updates: PostedUpdate[] = [
        ...records.map((record) => ({ at, record, hash: recordHash(record, type.volatileFields) })),
        ...missing.map((missingId) => ({ at, missingId })),
      ];
      // A partition a run is writing takes the update through its inbox: the run applies it before it lets go.
      const lease = await PartitionLease.postOrAcquire(deps.db, partition, at.runId, updates, deps.lease ?? DEFAULT_LEASE_SETTINGS);
      if (lease) {
        try {
          for (const { record, hash } of updates) {
            if (record && hash) result.resources[await resources.apply(partition, record, hash, await resources.get(partition, record.id), at)]++;
          }
          for (const id of missing) if (await resources.markDeleted(partition, id, at)) result.resources.deleted++;
        } finally {
          await lease.release((posted) => resources.applyPosted(partition, posted));
        }
      } else {
        result.resources.posted += updates.length;
      }
      const eventsAt = { ...at, time: notification.time > now ? now : notification.time };
      await updateEvents(key, partition, records, ids, { events, resources, db: deps.db, ems: deps.ems, at: eventsAt, result });
    } catch (error) {
      const { code, message } = taskError(error);
      result.errors.push({ type: key, code, message });
    }
  }
  result.writes = deps.db.writes - writesBefore;
  return result;
}

/** A targeted describe; ids AWS no longer knows are reported as missing (one call each only when the batch says some are gone). */
async function describe(type: ResourceType, ids: string[], context: { accountId: string; region: string; clients: AwsClients }): Promise<{ records: ResourceRecord[]; missing: string[] }> {
  const client = context.clients[type.list.client] as unknown as { send(command: unknown): Promise<unknown> };
  const fetch = async (batch: string[]): Promise<ResourceRecord[]> => {
    const output = await client.send(type.describe?.command(batch));
    const records = type.list.items(output).map((raw) => type.preprocess(raw, context));
    if (type.enrich) await type.enrich.apply(records, context);
    return records;
  };
  try {
    const records = await fetch(ids);
    return { records, missing: ids.filter((id) => !records.some((r) => r.id === id)) };
  } catch (error) {
    if ((error as { name?: string }).name !== type.describe?.notFoundCode || ids.length === 1) {
      if ((error as { name?: string }).name === type.describe?.notFoundCode) return { records: [], missing: ids };
      throw error;
    }
    const each = await Promise.all(ids.map((id) => describe(type, [id], context)));
    return { records: each.flatMap((e) => e.records), missing: each.flatMap((e) => e.missing) };
  }
}

async function updateEvents(
  key: string, partition: string, records: ResourceRecord[], ids: string[],
  ctx: { events: EventStore; resources: ResourceStore; db: Database; ems: string; at: Observation; result: IngestResult },
): Promise<void> {
  const rules = rulesFor(key);
  if (rules.length === 0) return;
  const facts = rules.some((r) => r.needsFacts) ? await storedFacts(key, partition, ctx.resources) : NO_FACTS;
  const open = [...(await ctx.events.openEventsOf(partition)).values()].filter((e) => ids.includes(e.resourceId));
  const ledger = await RunLedger.covering(open, new RunStore(ctx.db));
  const observed = new Set<string>();
  for (const record of records) {
    for (const rule of rules) {
      for (const finding of rule.evaluate(record, facts)) {
        const id = eventIdentity(rule.eventClass, ctx.ems, rule.name, finding.typeNames);
        observed.add(id);
        const existing = open.find((e) => e.id === id);
        if (existing) {
          if (await ctx.events.recordOccurrence(existing, ledger.occurrences(existing), ctx.at)) ctx.result.events.recurred++;
        } else if (await ctx.events.open({ id, class: rule.eventClass, ems: ctx.ems, rule: rule.name, group: finding.group, typeNames: finding.typeNames, severity: finding.severity, text: finding.text, partition, resourceId: record.id }, ctx.at, { counted: true })) {
          ctx.result.events.opened++;
        }
      }
    }
  }
  for (const event of open.filter((e) => !observed.has(e.id))) {
    const rule = rules.find((r) => r.name === event.rule);
    if (await ctx.events.clear(event, ledger.occurrences(event), rule?.clearText(event.typeNames) ?? `OK – ${event.rule} no longer holds`, ctx.at)) ctx.result.events.cleared++;
  }
}

/** The region's facts as the store knows them (the real-time path refreshes one resource, not the region). */
async function storedFacts(key: string, partition: string, resources: ResourceStore): Promise<RegionFacts> {
  const service = allServices().find((s) => s.types.some((t) => typeKey(t) === key));
  if (!service?.facts) return NO_FACTS;
  const facts = service.facts.create();
  const sourcePartition = partition.replace(new RegExp(`#${key.replace('.', '\\.')}$`), `#${service.facts.from}`);
  for (const record of await resources.listPartition(sourcePartition)) facts.observe(record);
  return facts;
}
