import { AsyncResource } from 'node:async_hooks';
import { assumeRoleCredentials, createAwsClients, type AwsClients } from '../aws/clients';
import { CallTrace, isThrottlingCode, withCallTrace, type TracedCall } from '../aws/call-trace';
import type { Task, TaskError, TaskResult, TaskWarning } from '../dto/task';
import { emptyEventCounts, emptyResourceCounts, taskError } from '../dto/task';
import { SCHEMA_VERSION } from '../dto/collection-request';
import { accountLevelTypes, allResourceTypes, clientCatalog, collectedAwsTypeNames, rulesFor, serviceByName, type ServiceDefinition } from '../services/registry';
import type { RegionFacts } from '../services/rule';
import { enrichmentsOf, typeKey, type CollectContext, type CollectWarning, type ResourceRecord, type ResourceType } from '../services/resource-type';
import type { Database } from '../store/dynamo';
import { ResourceStore, partitionKey } from '../store/resource-store';
import { EventStore } from '../store/event-store';
import { DEFAULT_LEASE_SETTINGS, type LeaseSettings } from '../store/partition-lease';
import { RunStore, type TaskTraceWriter } from '../store/run-store';
import { listPages } from '../services/pages';
import { attachRelations, enrichPage } from './enrich';
import { syncPartition, type PartitionOutcome, type PartitionSource, type SyncContext } from './sync-partition';
import { DEFAULT_METRIC_SETTINGS, TaskMetrics, type MetricSettings } from './metrics';

/** Account-level types (the regions, the type catalog) live in one partition per account; `aws-global` marks them. */
export const GLOBAL_REGION = 'aws-global';
export const REGION_TYPE = 'Region';
export const CLOUD_SERVICE_TYPE = 'CloudServiceType';

/** The error name the workflow's Retry matches (lib/workflow/definition.ts). */
const THROTTLED = 'cloudtap.Throttled';

/** A type whose events need another type's facts, when that type could not be listed. */
export class DependencyFailedError extends Error {
  override readonly name = 'DependencyFailed';
}

/**
 * The same, when what stopped that listing was throttling: classified by its cause, so that the workflow's
 * `cloudtap.Throttled` retry runs the task again (a DependencyFailed is not retried).
 */
export class DependencyThrottledError extends Error {
  override readonly name = THROTTLED;
}

/** Warnings a task keeps (one per type, call and code; their record counts add up). */
const MAX_WARNINGS = 50;

/** Thrown when only throttling stopped a task: Step Functions retries the whole task, which is idempotent. */
export class TaskThrottledError extends Error {
  override readonly name = THROTTLED;
}

export interface CollectDependencies {
  db: Database;
  /** How partition leases are held and waited for (default: `DEFAULT_LEASE_SETTINGS`). */
  lease?: LeaseSettings;
  /** Overrides client creation (tests); by default clients come from the SDK's configuration. */
  clientsFor?: (task: Task) => Promise<RegionalClients>;
  /** Thresholds of the metric rules (default: the rules' own). */
  metrics?: MetricSettings;
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

  const warn = (type: string) => (warning: CollectWarning): void => addWarning(result, type, warning);
  await withCallTrace(trace, async () => {
    const clientsIn = await (deps.clientsFor ?? defaultClients)(task);
    const metrics = metricsOfTask(task, deps.metrics ?? DEFAULT_METRIC_SETTINGS);
    const sources = partitionSources(task, clientsIn, context, warn, metrics);
    await Promise.all([
      ...sources.map(async ({ type, source }) => {
        try {
          add(result, await syncPartition(source, context));
          result.completePartitions.push(source.partition);
        } catch (error) {
          metrics?.listingFailed(type, error);
          result.errors.push(taskError(error, type));
        }
      }),
      (async () => {
        if (!metrics) return;
        // A metric partition is complete (the ledger counts its open events) only when every metric call succeeded.
        for (const outcome of await metrics.evaluate(clientsIn(task.region), task.account.accountId, task.region, context)) {
          if (outcome.events) {
            add(result, { resources: emptyResourceCounts(), events: outcome.events, posted: 0 });
            result.completePartitions.push(outcome.partition);
          } else if (outcome.error !== undefined) {
            result.errors.push(taskError(outcome.error, `metric:${outcome.type}`));
          }
        }
        result.metrics = metrics.usage;
      })(),
    ]);
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
  if (result.errors.length > 0 && result.errors.every((e) => isThrottlingCode(e.code) || e.code === THROTTLED)) {
    throw new TaskThrottledError(`${task.taskId}: still throttled after the SDK's retries (${result.error?.message})`);
  }
  return result;
}

/** The clients of the task's account, in any region (the Region task visits every region). */
export type RegionalClients = (region: string) => AwsClients;

async function defaultClients(task: Task): Promise<RegionalClients> {
  const credentials = await assumeRoleCredentials(task.region, task.account.roleArn, task.account.externalId);
  const byRegion = new Map<string, AwsClients>();
  return (region) => {
    let clients = byRegion.get(region);
    if (!clients) {
      clients = createAwsClients({
        region,
        accountId: task.account.accountId,
        ...(credentials ? { credentials } : {}),
        userAgent: `cloudtap/${task.runId}/${task.taskId}`,
      }, clientCatalog());
      byRegion.set(region, clients);
    }
    return clients;
  };
}

interface TypedSource {
  type: string;
  source: PartitionSource;
}

/** The types a task collects: a service's regional types, the account-level types, or the type catalog. */
function typesOfTask(task: Task): { types: ResourceType[]; service?: ServiceDefinition; region: string } {
  switch (task.taskType) {
    case 'inventory.CloudService': {
      const service = serviceByName(task.service ?? '');
      return { types: service.types.filter((t) => t.level !== 'account'), service, region: task.region };
    }
    case 'inventory.Region':
      return { types: accountLevelTypes(), region: GLOBAL_REGION };
    case 'inventory.CloudServiceType':
      return { types: allResourceTypes().filter((t) => typeKey(t) === CLOUD_SERVICE_TYPE), region: GLOBAL_REGION };
  }
}

/** The metric rules a service task evaluates over the types it lists (none for the account-level tasks). */
function metricsOfTask(task: Task, settings: MetricSettings): TaskMetrics | undefined {
  if (task.taskType !== 'inventory.CloudService') return undefined;
  const listed = new Set(typesOfTask(task).types.map(typeKey));
  const rules = (serviceByName(task.service ?? '').metricRules ?? []).filter((rule) => listed.has(rule.resourceType));
  return rules.length > 0 ? new TaskMetrics(rules, settings) : undefined;
}

function partitionSources(
  task: Task, clientsIn: RegionalClients, context: SyncContext, warn: (type: string) => (w: CollectWarning) => void, metrics?: TaskMetrics,
): TypedSource[] {
  const { accountId } = task.account;
  const { types, service, region } = typesOfTask(task);
  const facts = service?.facts && regionFacts(service.facts);
  const collectedAwsTypes = collectedAwsTypeNames();
  return types.map((type) => {
    const key = typeKey(type);
    const partition = partitionKey(accountId, region, key);
    const base: CollectContext = {
      accountId, region: task.region, clients: clientsIn(task.region), clientsIn, collectedAwsTypes, warn: warn(key),
    };
    let pages = typePages(type, partition, base, context);
    if (facts && key === service?.facts?.from) pages = facts.tap(pages);
    if (metrics?.types.includes(key)) pages = metrics.tap(key, pages);
    return {
      type: key,
      source: {
        partition,
        pages,
        volatileFields: type.volatileFields,
        rules: rulesFor(key),
        ...(type.appendOnly ? { appendOnly: true } : {}),
        ...(facts && key !== service?.facts?.from ? { facts: facts.ready } : {}),
      },
    };
  });
}

async function* typePages(type: ResourceType, partition: string, base: CollectContext, sync: SyncContext): AsyncGenerator<ResourceRecord[]> {
  // Observations that accumulate (CloudTrail events) are fetched since this partition was last collected completely.
  const maxAge = enrichmentsOf(type).some((e) => e.perResource?.maxAgeHours);
  const since = type.appendOnly || maxAge ? await sync.runs.lastCompleteCollection(partition) : undefined;
  const context: CollectContext = since && type.appendOnly ? { ...base, since } : base;
  const raws = type.list ? listPages(type.list, base.clients, context) : type.source?.pages(context);
  if (!raws) throw new Error(`${typeKey(type)} declares neither a list call nor a source`);
  for await (const page of raws) {
    const records = page.map((raw) => type.preprocess(raw, context));
    await enrichPage(type, records, context, { partition, resources: sync.resources, ...(since ? { lastCollected: since } : {}) });
    attachRelations(type, records);
    yield records;
  }
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
        const why = `${source.from} could not be listed (${(error as Error).message}), so the groups of the events that need its facts are unknown`;
        settle.reject(isThrottlingCode((error as { name?: string }).name) ? new DependencyThrottledError(why) : new DependencyFailedError(why));
        throw error;
      } finally {
        // Its partition stopped the listing (its store failed): the partitions waiting for the facts must not wait forever.
        if (!settled) settle.reject(new DependencyFailedError(`${source.from} was not listed to the end (its partition failed), so the groups of the events that need its facts are unknown`));
      }
    },
  };
}

function add(result: TaskResult, outcome: PartitionOutcome): void {
  for (const key of Object.keys(outcome.resources) as (keyof PartitionOutcome['resources'])[]) result.resources[key] += outcome.resources[key];
  for (const key of Object.keys(outcome.events) as (keyof PartitionOutcome['events'])[]) result.events[key] += outcome.events[key];
}

function addWarning(result: TaskResult, type: string, warning: CollectWarning): void {
  const warnings = (result.warnings ??= []);
  const same = warnings.find((w) => w.type === type && w.call === warning.call && w.code === warning.code);
  if (same) same.records += warning.records;
  else if (warnings.length < MAX_WARNINGS) warnings.push({ type, ...warning } satisfies TaskWarning);
}

function summarize(errors: TaskError[]): TaskError {
  const first = errors[0] as TaskError;
  const message = errors.map((e) => `${e.type ?? 'task'}: ${e.code} – ${e.message}`).join('; ');
  return { code: first.code, message, ...(first.type ? { type: first.type } : {}) };
}
