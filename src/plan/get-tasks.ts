import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { assumeRoleCredentials, createAwsClients, type AwsClients } from '../aws/clients';
import type { AccountTarget, CollectionRequest } from '../dto/collection-request';
import { DEFAULT_MEMBER_ROLE_NAME, SCHEMA_VERSION, listedAccounts, organizationOf } from '../dto/collection-request';
import { ACCOUNTS_PER_PAGE } from './pages';
import { discoverOrganization } from './organization';
import type { Database } from '../store/dynamo';
import { RunStore } from '../store/run-store';
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

/**
 * GetTasks' output, the workflow's state from then on: small whatever the number of accounts (they are in the runs
 * table, ACCOUNTS_PER_PAGE to a page, read back one page at a time by NextAccounts).
 */
export interface RunPlan {
  schemaVersion: typeof SCHEMA_VERSION;
  runId: string;
  startedAt: string;
  /** Tasks in flight per account. */
  concurrency: number;
  /** Accounts in flight. */
  accountConcurrency: number;
  /** What every account collects (absent: everything it has). */
  selection: TaskSelection;
  /** The account whose plan carries the run's one CloudServiceType task: the collector's own. */
  catalogAccountId: string;
  /**
   * Across an organization: the role every member account is reached through (pages then hold account ids only, so
   * a page of 500 stays ~15 KB). Empty for accounts listed one by one, which carry their own role ARNs.
   */
  member: MemberRole | Record<string, never>;
  cursor: { page: number };
  /** The last page's number (0 for up to ACCOUNTS_PER_PAGE accounts). */
  lastPage: number;
  accounts: number;
}

export interface MemberRole {
  roleName: string;
  partition: string;
  externalId?: string;
}

export interface TaskSelection {
  services?: string[];
  regions?: string[];
}

/** An account's plan, PlanAccount's output: its tasks, what of it is skipped and why, and the probe's calls. */
export interface AccountPlan {
  runId: string;
  startedAt: string;
  /** The account's id, or the role's account when it could not be reached. */
  accountId: string;
  concurrency: number;
  tasks: Task[];
  skipped: SkippedTarget[];
  probe: TaskTrace;
}

export interface PlanSettings {
  /** Region where account-level calls go (STS, DescribeRegions, the Region task). */
  homeRegion: string;
  /** Tasks in flight per account when the request does not set it. */
  defaultConcurrency: number;
  /** Accounts in flight when the request does not set it. */
  defaultAccountConcurrency: number;
  /** Accounts per page of the run's account list (ACCOUNTS_PER_PAGE unless `CLOUDTAP_ACCOUNTS_PER_PAGE` says fewer). */
  accountsPerPage?: number;
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

/**
 * Starts a run: the collector's own account must answer (otherwise nothing can be collected: CollectorAccountUnreachable)
 * and know every requested region (otherwise InvalidInput, before anything is written); then the accounts — listed in
 * the request, or the organization's — are stored in pages with the run, with those skipped (not active) and why.
 */
export async function planCollection(request: CollectionRequest, execution: Execution, settings: PlanSettings, db: Database): Promise<RunPlan> {
  const runId = runIdOf(execution);
  const trace = new CallTrace(PROBE_TASK_ID);
  const started = Date.now();
  const organization = organizationOf(request);
  const { own, targets, skipped } = await withCallTrace(trace, async () => {
    const own = await probeOwnAccount(settings);
    const regions = await describeOwnRegions(own, settings);
    if (request.regions) assertRegionsExist(request.regions, own.accountId, regions);
    if (!organization) {
      const listed = listedAccounts(request);
      return { own, targets: listed.length > 0 ? listed : [{ accountId: own.accountId }], skipped: [] as SkippedTarget[] };
    }
    const found = await discoverOrganization(organization, { callerAccountId: own.accountId, partition: own.partition });
    return { own, targets: found.targets, skipped: found.skipped };
  });
  const probe: TaskTrace = { taskId: PROBE_TASK_ID, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, calls: trace.calls };
  const pages = await new RunStore(db).savePlan(runId, { targets, skipped, probe, perPage: settings.accountsPerPage ?? ACCOUNTS_PER_PAGE });
  return {
    schemaVersion: SCHEMA_VERSION,
    runId,
    startedAt: execution.startTime,
    concurrency: request.concurrency ?? settings.defaultConcurrency,
    accountConcurrency: request.accountConcurrency ?? settings.defaultAccountConcurrency,
    selection: { ...(request.services ? { services: request.services } : {}), ...(request.regions ? { regions: request.regions } : {}) },
    catalogAccountId: own.accountId,
    member: organization ? {
      roleName: organization.roleName ?? DEFAULT_MEMBER_ROLE_NAME, partition: own.partition,
      ...(organization.externalId ? { externalId: organization.externalId } : {}),
    } : {},
    cursor: { page: 0 },
    lastPage: pages - 1,
    accounts: targets.length,
  };
}

export interface AccountPlanRequest {
  runId: string;
  startedAt: string;
  concurrency: number;
  selection: TaskSelection;
  catalogAccountId: string;
  member: MemberRole | Record<string, never>;
  account: AccountTarget;
}

/** The target as PlanAccount reaches it: across an organization, every account but the collector's own through the member role. */
export function reachableTarget(target: AccountTarget, request: Pick<AccountPlanRequest, 'catalogAccountId' | 'member'>): AccountTarget {
  const member = request.member;
  if (target.roleArn || !('roleName' in member) || !target.accountId || target.accountId === request.catalogAccountId) return target;
  return {
    accountId: target.accountId, roleArn: `arn:${member.partition}:iam::${target.accountId}:role/${member.roleName}`,
    ...(member.externalId ? { externalId: member.externalId } : {}),
  };
}

/**
 * One account's tasks: its role assumed (once per process and credential lifetime), who it is, its enabled regions,
 * then a Region task, a task per service and region (global services once), and the run's CloudServiceType task in the
 * collector's own account. An account that cannot be reached gets no tasks and a skipped entry naming it and why.
 */
export async function planAccount(request: AccountPlanRequest, settings: PlanSettings): Promise<AccountPlan> {
  const { runId, startedAt } = request;
  const target = reachableTarget(request.account, request);
  const label = target.accountId ?? target.roleArn?.split(':')[4] ?? 'unknown';
  const trace = new CallTrace(`PlanAccount:${label}`);
  const started = Date.now();
  const skipped: SkippedTarget[] = [];
  const probed = await withCallTrace(trace, () => probeAccount(target, settings, skipped));
  const probe: TaskTrace = { taskId: trace.taskId, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, calls: trace.calls };
  const tasks = probed ? accountTasks(probed.account, probed.enabledRegions, request, settings, skipped) : [];
  const plan: AccountPlan = { runId, startedAt, accountId: probed?.account.accountId ?? label, concurrency: request.concurrency, tasks, skipped, probe };
  assertFitsPayload(plan);
  return plan;
}

/**
 * An account's tasks once it answered: the run's CloudServiceType task in the collector's own account, a Region task,
 * and a task per selected service and enabled (and requested) region — global services once, in their home region.
 * Requested regions the account has not enabled become skipped entries.
 */
export function accountTasks(
  account: TaskAccount, enabledRegions: string[], request: Pick<AccountPlanRequest, 'runId' | 'startedAt' | 'selection' | 'catalogAccountId'>,
  settings: Pick<PlanSettings, 'homeRegion' | 'ems'>, skipped: SkippedTarget[],
): Task[] {
  const regions = selectRegions(account.accountId, enabledRegions, request.selection.regions, skipped);
  const options = { runStartedAt: request.startedAt, ems: settings.ems };
  const task = (taskType: Task['taskType'], region: string, service?: string): Task => ({
    schemaVersion: SCHEMA_VERSION, runId: request.runId, taskId: taskIdOf(taskType, account.accountId, region, service), taskType, account, region, options,
    ...(service ? { service } : {}),
  });
  const tasks: Task[] = [];
  if (account.accountId === request.catalogAccountId) tasks.push(task('inventory.CloudServiceType', settings.homeRegion));
  tasks.push(task('inventory.Region', settings.homeRegion));
  for (const service of allServices().filter((s) => !request.selection.services || request.selection.services.includes(s.name))) {
    for (const region of service.scope.kind === 'global' ? [service.scope.homeRegion ?? settings.homeRegion] : regions) {
      if (serviceRunsIn(service, region, settings.homeRegion)) tasks.push(task('inventory.CloudService', region, service.name));
    }
  }
  return tasks;
}

/** Step Functions state payloads are capped at 256 KB; an account's plan is its child execution's largest. */
export const PLAN_PAYLOAD_LIMIT_BYTES = 200 * 1024;

/** A plan too large for a state fails with what to do, not with States.DataLimitExceeded mid-run. */
export class PlanTooLargeError extends Error {
  override readonly name = 'PlanTooLarge';
}

export function assertFitsPayload(plan: AccountPlan): void {
  const bytes = Buffer.byteLength(JSON.stringify(plan));
  if (bytes <= PLAN_PAYLOAD_LIMIT_BYTES) return;
  throw new PlanTooLargeError(
    `account ${plan.accountId}'s ${plan.tasks.length} tasks take ${Math.round(bytes / 1024)} KB, more than the ${PLAN_PAYLOAD_LIMIT_BYTES / 1024} KB a Step Functions payload leaves them; `
    + 'collect fewer services or regions per run',
  );
}

interface OwnAccount {
  accountId: string;
  partition: string;
  clients: AwsClients;
}

/** The collector's own credentials: who they are. Without them nothing at all can be collected. */
async function probeOwnAccount(settings: PlanSettings): Promise<OwnAccount> {
  const clients = createAwsClients({ region: settings.homeRegion }, clientCatalog());
  try {
    const identity = await clients.sts.send(new GetCallerIdentityCommand({}));
    return { accountId: identity.Account ?? '', partition: identity.Arn?.split(':')[1] ?? 'aws', clients };
  } catch (error) {
    throw new CollectorAccountUnreachableError(`the collector's own account could not be reached: ${explainProbeError(error, 'sts:GetCallerIdentity', settings.homeRegion)}`);
  }
}

/** The collector's own account's regions: requested regions are checked against them before anything is written. */
async function describeOwnRegions(own: OwnAccount, settings: PlanSettings): Promise<AccountRegions> {
  try {
    return await describeRegions(own.clients, own.accountId, []);
  } catch (error) {
    throw new CollectorAccountUnreachableError(`the collector's own account ${own.accountId} could not be probed: ${explainProbeError(error, regionDirectory().actions.join(', '), settings.homeRegion)}`);
  }
}

interface ProbedAccount {
  account: TaskAccount;
  enabledRegions: string[];
}

/**
 * An account to collect: the collector's own (no role) or a member reached by AssumeRole. One that does not answer,
 * or answers as another account than the one asked for, is skipped with the reason, and the run is partial.
 */
async function probeAccount(target: AccountTarget, settings: PlanSettings, skipped: SkippedTarget[]): Promise<ProbedAccount | undefined> {
  const label = target.accountId ?? target.roleArn ?? 'the collector\'s account';
  try {
    const credentials = await assumeRoleCredentials(settings.homeRegion, target.roleArn, target.externalId);
    const clients = createAwsClients({ region: settings.homeRegion, ...(credentials ? { credentials } : {}) }, clientCatalog());
    const identity = await clients.sts.send(new GetCallerIdentityCommand({}));
    const accountId = identity.Account ?? '';
    if (target.accountId && accountId !== target.accountId) {
      skipped.push({
        accountId: target.accountId,
        reason: target.roleArn
          ? `the credentials reach account ${accountId}, not ${target.accountId}; check roleArn`
          : `the collector's credentials reach account ${accountId}, not ${target.accountId}; give a roleArn to reach ${target.accountId}`,
      });
      return undefined;
    }
    const { enabledRegions } = await describeRegions(clients, accountId, skipped);
    return { account: { ...target, accountId }, enabledRegions };
  } catch (error) {
    const { code, message } = taskError(error);
    skipped.push({ accountId: target.accountId ?? target.roleArn?.split(':')[4] ?? 'unknown', reason: `${label} could not be reached: ${code} – ${message}` });
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

/** A requested region the collector's own account does not have at all is a mistake in the request, reported before anything is written. */
function assertRegionsExist(requested: string[], accountId: string, regions: AccountRegions): void {
  requested.forEach((region, i) => {
    if (regions.knownRegions.includes(region)) return;
    const notEnabled = regions.knownRegions.filter((r) => !regions.enabledRegions.includes(r));
    throw new InvalidInputError(`regions[${i}]`, `"${region}" is not a region of account ${accountId}; its regions are: ${regions.enabledRegions.join(', ')}`
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
