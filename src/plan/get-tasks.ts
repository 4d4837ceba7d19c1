import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { assumeRoleCredentials, createAwsClients, type AwsClients } from '../aws/clients';
import type { AccountTarget, CollectionRequest } from '../dto/collection-request';
import { SCHEMA_VERSION } from '../dto/collection-request';
import type { SkippedTarget } from '../dto/run-summary';
import type { Task, TaskAccount } from '../dto/task';
import { taskIdOf } from '../dto/task';
import { allServices, clientCatalog, regionDirectory, serviceRunsIn } from '../services/registry';
import { taskError } from '../dto/task';
import { InvalidInputError } from '../dto/validation';
import { CollectorAccountUnreachableError, explainProbeError } from './probe-errors';
import { CallTrace, withCallTrace } from '../aws/call-trace';
import type { TaskTrace } from '../store/run-store';

/** The trace id of get-tasks' probe calls. */
export const PROBE_TASK_ID = 'GetTasks';

/** Calls get-tasks makes to probe accounts and regions (its IAM policy is derived from these). */
export function probeIamActions(): string[] {
  return ['sts:GetCallerIdentity', 'sts:AssumeRole', ...regionDirectory().actions];
}

/** The output of get-tasks: the Map's items, plus what was skipped and why. */
export interface CollectionPlan {
  schemaVersion: typeof SCHEMA_VERSION;
  runId: string;
  startedAt: string;
  concurrency: number;
  tasks: Task[];
  skipped: SkippedTarget[];
  /** The probe's own AWS calls: Finalize stores them as the run's `GetTasks` trace (get-tasks has no table access). */
  probe: TaskTrace;
}

export interface PlanSettings {
  /** Region where account-level calls go (STS, DescribeRegions, the Region task). */
  homeRegion: string;
  /** Map concurrency when the request does not set one. */
  defaultConcurrency: number;
  ems: string;
}

export interface Execution {
  name: string;
  startTime: string;
}

/** A run id that sorts by time and stays unique per execution. */
export function runIdOf(execution: Execution): string {
  const stamp = execution.startTime.replace(/[-:]/g, '').replace(/\.\d+/, '');
  return `${stamp}-${execution.name.replace(/[^\w-]/g, '').slice(0, 12)}`;
}

interface ProbedAccount {
  account: TaskAccount;
  enabledRegions: string[];
  /** Every region DescribeRegions knows, enabled or not: a requested region outside it is an input error. */
  knownRegions: string[];
}

/**
 * Probes every target account and its regions, then emits the task list. The collector's own account must answer —
 * otherwise nothing can be collected and the run fails (CollectorAccountUnreachable) — and a requested region that no
 * account has is an input error (InvalidInput); a member account that cannot be reached is skipped with the reason.
 */
export async function planCollection(request: CollectionRequest, execution: Execution, settings: PlanSettings): Promise<CollectionPlan> {
  const runId = runIdOf(execution);
  const skipped: SkippedTarget[] = [];
  const targets: AccountTarget[] = request.accounts?.length ? request.accounts : [{}];
  const trace = new CallTrace(PROBE_TASK_ID);
  const started = Date.now();
  const probed = await withCallTrace(trace, async () => {
    const own = await probeOwnAccount(settings);
    const accounts = await Promise.all(targets.map((target) => (target.roleArn
      ? probeMemberAccount(target, settings, runId, skipped)
      : probeOwnTarget(target, own, settings, skipped))));
    return accounts.filter((p): p is ProbedAccount => !!p);
  });
  const probe: TaskTrace = { taskId: PROBE_TASK_ID, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, calls: trace.calls };
  if (request.regions) for (const account of probed) assertRegionsExist(request.regions, account);

  const options = { runStartedAt: execution.startTime, ems: settings.ems };
  const tasks: Task[] = [];
  const services = allServices().filter((s) => !request.services || request.services.includes(s.name));
  for (const { account, enabledRegions } of probed) {
    const regions = selectRegions(account.accountId, enabledRegions, request.regions, skipped);
    const task = (taskType: Task['taskType'], region: string, service?: string): Task => ({
      schemaVersion: SCHEMA_VERSION, runId, taskId: taskIdOf(taskType, account.accountId, region, service), taskType, account, region, options,
      ...(service ? { service } : {}),
    });
    tasks.push(task('inventory.Region', settings.homeRegion));
    for (const service of services) {
      for (const region of service.scope.kind === 'global' ? [service.scope.homeRegion ?? settings.homeRegion] : regions) {
        if (serviceRunsIn(service, region, settings.homeRegion)) tasks.push(task('inventory.CloudService', region, service.name));
      }
    }
  }
  const first = probed[0];
  if (first) {
    tasks.splice(0, 0, {
      schemaVersion: SCHEMA_VERSION, runId, taskId: taskIdOf('inventory.CloudServiceType', first.account.accountId, settings.homeRegion),
      taskType: 'inventory.CloudServiceType', account: first.account, region: settings.homeRegion, options,
    });
  }
  const plan: CollectionPlan = { schemaVersion: SCHEMA_VERSION, runId, startedAt: execution.startTime, concurrency: request.concurrency ?? settings.defaultConcurrency, tasks, skipped, probe };
  assertFitsPayload(plan);
  return plan;
}

/** Step Functions state payloads are capped at 256 KB; the plan is the largest one. Keep a margin for the Map's outcomes. */
export const PLAN_PAYLOAD_LIMIT_BYTES = 200 * 1024;

/** A plan too large for the inline Map fails with what to do, not with States.DataLimitExceeded mid-run. */
export class PlanTooLargeError extends Error {
  override readonly name = 'PlanTooLarge';
}

export function assertFitsPayload(plan: CollectionPlan): void {
  const bytes = Buffer.byteLength(JSON.stringify(plan));
  if (bytes <= PLAN_PAYLOAD_LIMIT_BYTES) return;
  throw new PlanTooLargeError(
    `the run's ${plan.tasks.length} tasks take ${Math.round(bytes / 1024)} KB, more than the ${PLAN_PAYLOAD_LIMIT_BYTES / 1024} KB a Step Functions payload leaves them; `
    + 'start separate runs for subsets of accounts, regions or services (the Distributed Map that lifts this limit is not built yet)',
  );
}

interface OwnAccount {
  accountId: string;
  clients: AwsClients;
}

/** The collector's own credentials: who they are. Without them nothing at all can be collected. */
async function probeOwnAccount(settings: PlanSettings): Promise<OwnAccount> {
  const clients = createAwsClients({ region: settings.homeRegion }, clientCatalog());
  try {
    const identity = await clients.sts.send(new GetCallerIdentityCommand({}));
    return { accountId: identity.Account ?? '', clients };
  } catch (error) {
    throw new CollectorAccountUnreachableError(`the collector's own account could not be reached: ${explainProbeError(error, 'sts:GetCallerIdentity', settings.homeRegion)}`);
  }
}

/** A target without a role: the collector's own account, whose regions must answer too. */
async function probeOwnTarget(target: AccountTarget, own: OwnAccount, settings: PlanSettings, skipped: SkippedTarget[]): Promise<ProbedAccount | undefined> {
  if (target.accountId && own.accountId !== target.accountId) {
    skipped.push({ accountId: target.accountId, reason: `the collector's credentials reach account ${own.accountId}, not ${target.accountId}; give a roleArn to reach ${target.accountId}` });
    return undefined;
  }
  let regions: AccountRegions;
  try {
    regions = await describeRegions(own.clients, own.accountId, skipped);
  } catch (error) {
    throw new CollectorAccountUnreachableError(`the collector's own account ${own.accountId} could not be probed: ${explainProbeError(error, regionDirectory().actions.join(', '), settings.homeRegion)}`);
  }
  return { account: { ...target, accountId: own.accountId }, ...regions };
}

/** A member account, reached by AssumeRole: one that does not answer is skipped, and the run is partial. */
async function probeMemberAccount(target: AccountTarget, settings: PlanSettings, runId: string, skipped: SkippedTarget[]): Promise<ProbedAccount | undefined> {
  const label = target.accountId ?? target.roleArn ?? 'a member account';
  try {
    const credentials = await assumeRoleCredentials(settings.homeRegion, target.roleArn, target.externalId, `cloudtap-${runId}`);
    const clients = createAwsClients({ region: settings.homeRegion, ...(credentials ? { credentials } : {}) }, clientCatalog());
    const identity = await clients.sts.send(new GetCallerIdentityCommand({}));
    const accountId = identity.Account ?? '';
    if (target.accountId && accountId !== target.accountId) {
      skipped.push({ accountId: target.accountId, reason: `the credentials reach account ${accountId}, not ${target.accountId}; check roleArn` });
      return undefined;
    }
    return { account: { ...target, accountId }, ...(await describeRegions(clients, accountId, skipped)) };
  } catch (error) {
    const { code, message } = taskError(error);
    skipped.push({ accountId: target.accountId ?? 'unknown', reason: `${label} could not be reached: ${code} – ${message}` });
    return undefined;
  }
}

interface AccountRegions {
  enabledRegions: string[];
  knownRegions: string[];
}

/** The account's regions; those not opted in become skipped entries (normal, not a failure). */
async function describeRegions(clients: AwsClients, accountId: string, skipped: SkippedTarget[]): Promise<AccountRegions> {
  const enabledRegions: string[] = [];
  const knownRegions: string[] = [];
  for (const region of await regionDirectory().list(clients)) {
    knownRegions.push(region.name);
    if (!region.enabled) skipped.push({ accountId, region: region.name, reason: `region not opted in (OptInStatus ${region.optInStatus ?? 'unknown'})` });
    else enabledRegions.push(region.name);
  }
  return { enabledRegions: enabledRegions.sort(), knownRegions: knownRegions.sort() };
}

/** A requested region the account does not have at all is a mistake in the request, reported before anything is written. */
function assertRegionsExist(requested: string[], probed: ProbedAccount): void {
  requested.forEach((region, i) => {
    if (probed.knownRegions.includes(region)) return;
    const notEnabled = probed.knownRegions.filter((r) => !probed.enabledRegions.includes(r));
    throw new InvalidInputError(`regions[${i}]`, `"${region}" is not a region of account ${probed.account.accountId}; its regions are: ${probed.enabledRegions.join(', ')}`
      + (notEnabled.length > 0 ? ` (and, not opted in: ${notEnabled.join(', ')})` : ''));
  });
}

/** The requested regions that are enabled; requested ones that are not become skipped entries. */
function selectRegions(accountId: string, enabled: string[], requested: string[] | undefined, skipped: SkippedTarget[]): string[] {
  if (!requested) return enabled;
  const selected: string[] = [];
  for (const region of requested) {
    if (enabled.includes(region)) selected.push(region);
    else if (!skipped.some((s) => s.accountId === accountId && s.region === region)) {
      skipped.push({ accountId, region, reason: `not a region of this account; its enabled regions are: ${enabled.join(', ')}` });
    }
  }
  return selected;
}
