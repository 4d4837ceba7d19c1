import { AsyncResource } from 'node:async_hooks';
import { DescribeAvailabilityZonesCommand, DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import { assumeRoleCredentials, createAwsClients, type AwsClients } from '../aws/clients';
import { CallTrace, isThrottlingCode, withCallTrace, type TracedCall } from '../aws/call-trace';
import type { Task, TaskError, TaskResult } from '../dto/task';
import { emptyEventCounts, emptyResourceCounts, taskError } from '../dto/task';
import { SCHEMA_VERSION } from '../dto/collection-request';
import { allResourceTypes, serviceByName, type ServiceDefinition } from '../services/registry';
import type { RegionFacts } from '../events/rule';
import { typeKey, type CollectContext, type ResourceRecord, type ResourceType } from '../services/resource-type';
import { rulesFor } from '../services/rules';
import type { Database } from '../store/dynamo';
import { ResourceStore, partitionKey } from '../store/resource-store';
import { EventStore } from '../store/event-store';
import { DEFAULT_LEASE_SETTINGS, type LeaseSettings } from '../store/partition-lease';
import { RunStore, type TaskTraceWriter } from '../store/run-store';
import { listPages } from './pages';
import { syncPartition, type PartitionOutcome, type PartitionSource, type SyncContext } from './sync-partition';

/** Region inventory lives in one partition per account; `aws-global` marks account-wide partitions. */
export const GLOBAL_REGION = 'aws-global';
export const REGION_TYPE = 'Region';
export const CLOUD_SERVICE_TYPE = 'CloudServiceType';
/** Calls the Region task makes (declared here, as the resource types declare theirs). */
export const REGION_TASK_ACTIONS = ['ec2:DescribeRegions', 'ec2:DescribeAvailabilityZones'];

/** A type whose events need another type's facts, when that type could not be listed. */
export class DependencyFailedError extends Error {
  override readonly name = 'DependencyFailed';
}

/** Thrown when only throttling stopped a task: Step Functions retries the whole task, which is idempotent. */
export class TaskThrottledError extends Error {
  override readonly name = 'cloudtap.Throttled';
}

export interface CollectDependencies {
  db: Database;
  /** How partition leases are held and waited for (default: `DEFAULT_LEASE_SETTINGS`). */
  lease?: LeaseSettings;
  /** Overrides client creation (tests); by default clients come from the SDK's configuration. */
  clientsFor?: (task: Task) => Promise<RegionalClients>;
}

/** A task's trace that hands each call to the store's trace writer instead of holding them all. */
class StreamedCallTrace extends CallTrace {
  constructor(taskId: string, private readonly writer: TaskTraceWriter) {
    super(taskId);
  }

  override record(call: TracedCall): void {
    this.writer.record(call);
  }
}

/** Runs one task: lists, preprocesses and stores its partitions, and reports counts only. */
export async function collectTask(task: Task, deps: CollectDependencies): Promise<TaskResult> {
  const started = Date.now();
  const writesBefore = deps.db.writes;
  const runs = new RunStore(deps.db);
  const context: SyncContext = {
    runId: task.runId,
    runStartedAt: task.options.runStartedAt,
    seq: await runs.sequenceOf(task.runId),
    ems: task.options.ems,
    resources: new ResourceStore(deps.db),
    events: new EventStore(deps.db),
    runs,
    db: deps.db,
    lease: deps.lease ?? DEFAULT_LEASE_SETTINGS,
  };
  // Trace chunks are written from here, outside the task's trace: their own store calls are not the task's calls.
  const detached = AsyncResource.bind((write: () => Promise<void>) => write());
  const traceWriter = context.runs.traceWriter(task.runId, task.taskId, new Date(started).toISOString(), detached);
  const trace = new StreamedCallTrace(task.taskId, traceWriter);
  const result: TaskResult = {
    schemaVersion: SCHEMA_VERSION,
    taskId: task.taskId,
    taskType: task.taskType,
    accountId: task.account.accountId,
    region: task.region,
    ...(task.service ? { service: task.service } : {}),
    status: 'succeeded',
    resources: emptyResourceCounts(),
    events: emptyEventCounts(),
    completePartitions: [],
    apiCalls: 0,
    throttles: 0,
    writes: 0,
    durationMs: 0,
    errors: [],
  };

  await withCallTrace(trace, async () => {
    const clientsIn = await (deps.clientsFor ?? defaultClients)(task);
    const sources = partitionSources(task, clientsIn, context);
    await Promise.all(sources.map(async ({ type, source }) => {
      try {
        add(result, await syncPartition(source, context));
        result.completePartitions.push(source.partition);
      } catch (error) {
        result.errors.push(taskError(error, type));
      }
    }));
  });

  result.completePartitions.sort();
  result.apiCalls = traceWriter.awsCalls;
  result.throttles = traceWriter.throttles;
  if (result.errors.length > 0) {
    result.status = 'failed';
    result.error = summarize(result.errors);
  }
  result.durationMs = Date.now() - started;
  // The task's own item counts as one of its writes (the result is stored before the count can include it).
  result.writes = deps.db.writes - writesBefore + traceWriter.items;
  await traceWriter.finish(result, result.durationMs);
  if (result.errors.length > 0 && result.errors.every((e) => isThrottlingCode(e.code))) {
    throw new TaskThrottledError(`${task.taskId}: still throttled after the SDK's retries (${result.error?.message})`);
  }
  return result;
}

/** The clients of the task's account, in any region (the Region task visits every region). */
export type RegionalClients = (region: string) => AwsClients;

async function defaultClients(task: Task): Promise<RegionalClients> {
  const credentials = await assumeRoleCredentials(task.region, task.account.roleArn, task.account.externalId, `cloudtap-${task.runId}`);
  const byRegion = new Map<string, AwsClients>();
  return (region) => {
    let clients = byRegion.get(region);
    if (!clients) {
      clients = createAwsClients({
        region,
        accountId: task.account.accountId,
        ...(credentials ? { credentials } : {}),
        userAgent: `cloudtap/${task.runId}/${task.taskId}`,
      });
      byRegion.set(region, clients);
    }
    return clients;
  };
}

interface TypedSource {
  type: string;
  source: PartitionSource;
}

function partitionSources(task: Task, clientsIn: RegionalClients, context: SyncContext): TypedSource[] {
  const { accountId } = task.account;
  const clients = clientsIn(task.region);
  switch (task.taskType) {
    case 'inventory.CloudService': {
      const service = serviceByName(task.service ?? '');
      const facts = service.facts && regionFacts(service.facts);
      return service.types.map((type) => {
        const key = typeKey(type);
        let pages = typePages(type, { accountId, region: task.region, clients }, context.runs);
        if (facts && key === service.facts?.from) pages = facts.tap(pages);
        return {
          type: key,
          source: {
            partition: partitionKey(accountId, task.region, key),
            pages,
            volatileFields: type.volatileFields,
            rules: rulesFor(key),
            ...(type.appendOnly ? { appendOnly: true } : {}),
            ...(facts && key !== service.facts?.from ? { facts: facts.ready } : {}),
          },
        };
      });
    }
    case 'inventory.Region':
      return [{
        type: REGION_TYPE,
        source: { partition: partitionKey(accountId, GLOBAL_REGION, REGION_TYPE), pages: regionPages(clientsIn, task.region), volatileFields: [], rules: [] },
      }];
    case 'inventory.CloudServiceType':
      return [{
        type: CLOUD_SERVICE_TYPE,
        source: { partition: partitionKey(accountId, GLOBAL_REGION, CLOUD_SERVICE_TYPE), pages: cloudServiceTypePages(), volatileFields: [], rules: [] },
      }];
  }
}

async function* typePages(type: ResourceType, base: CollectContext, runs: RunStore): AsyncGenerator<ResourceRecord[]> {
  // Observations that accumulate (CloudTrail events) are fetched since this partition was last collected completely.
  const since = type.appendOnly ? await runs.lastCompleteCollection(partitionKey(base.accountId, base.region, typeKey(type))) : undefined;
  const context: CollectContext = since ? { ...base, since } : base;
  for await (const raws of listPages(type.list, base.clients, context)) {
    const records = raws.map((raw) => type.preprocess(raw, context));
    if (type.enrich) await type.enrich.apply(records, context);
    yield records;
  }
}

/** Regions with their opt-in status, and the availability zones of every enabled one. */
async function* regionPages(clientsIn: RegionalClients, homeRegion: string): AsyncGenerator<ResourceRecord[]> {
  const output = await clientsIn(homeRegion).ec2.send(new DescribeRegionsCommand({ AllRegions: true }));
  const records: ResourceRecord[] = [];
  for (const region of output.Regions ?? []) {
    const name = region.RegionName ?? '';
    const enabled = region.OptInStatus !== 'not-opted-in';
    let zones: { name: string; id: string | null; state: string | null }[] = [];
    if (enabled) {
      const azs = await clientsIn(name).ec2.send(new DescribeAvailabilityZonesCommand({}));
      zones = (azs.AvailabilityZones ?? []).map((z) => ({ name: z.ZoneName ?? '', id: z.ZoneId ?? null, state: z.State ?? null }));
    }
    records.push({
      id: name,
      name,
      arn: `arn:aws:ec2:${name}::region/${name}`,
      tags: {},
      data: { region_name: name, endpoint: region.Endpoint ?? null, opt_in_status: region.OptInStatus ?? null, enabled, availability_zones: zones },
    });
  }
  yield records;
}

/**
 * Facts learned from one type's records as its pages stream by; `ready` settles when that listing has
 * gone through every page (or fails with it).
 */
function regionFacts(source: NonNullable<ServiceDefinition['facts']>) {
  const facts = source.create();
  let settle!: { resolve: (f: RegionFacts) => void; reject: (e: unknown) => void };
  const ready = new Promise<RegionFacts>((resolve, reject) => { settle = { resolve, reject }; });
  ready.catch(() => {}); // a partition that needs no facts never awaits this
  return {
    ready,
    async *tap(pages: AsyncIterable<ResourceRecord[]>): AsyncGenerator<ResourceRecord[]> {
      let settled = false;
      try {
        for await (const page of pages) {
          for (const record of page) facts.observe(record);
          yield page;
        }
        settled = true;
        settle.resolve(facts);
      } catch (error) {
        settled = true;
        settle.reject(new DependencyFailedError(`${source.from} could not be listed (${(error as Error).message}), so the groups of the events that need its facts are unknown`));
        throw error;
      } finally {
        // Its partition stopped the listing (its store failed): the partitions waiting for the facts must not wait forever.
        if (!settled) settle.reject(new DependencyFailedError(`${source.from} was not listed to the end (its partition failed), so the groups of the events that need its facts are unknown`));
      }
    },
  };
}

/** The metadata of every resource type, stored so that reports can render any type. */
async function* cloudServiceTypePages(): AsyncGenerator<ResourceRecord[]> {
  yield allResourceTypes().map((type) => ({
    id: typeKey(type),
    name: type.info.displayName,
    arn: `cloudtap:cloud-service-type/${typeKey(type)}`,
    tags: {},
    data: {
      service: type.service, type: type.name, group: type.info.group, labels: type.info.labels,
      primary_fields: type.info.primaryFields, display_fields: type.info.displayFields,
      actions: [type.list.action, ...(type.enrich?.actions ?? [])],
    },
  }));
}

function add(result: TaskResult, outcome: PartitionOutcome): void {
  for (const key of Object.keys(outcome.resources) as (keyof PartitionOutcome['resources'])[]) result.resources[key] += outcome.resources[key];
  for (const key of Object.keys(outcome.events) as (keyof PartitionOutcome['events'])[]) result.events[key] += outcome.events[key];
}

function summarize(errors: TaskError[]): TaskError {
  const first = errors[0] as TaskError;
  const message = errors.map((e) => `${e.type ?? 'task'}: ${e.code} – ${e.message}`).join('; ');
  return { code: first.code, message, ...(first.type ? { type: first.type } : {}) };
}
