import { integerFlag, parseCommandArgs } from '../args';
import { openStoreFromFlags, storeHelp, STORE_FLAGS } from '../store-flags';
import { RunStore, type StoredRun, type TaskTrace } from '../../src/store/run-store';
import type { TracedCall } from '../../src/aws/call-trace';
import { isUnreachableAccount, taskFailures, type AccountCounts, type RunSummary, type TaskFailure } from '../../src/dto/run-summary';
import type { TaskError, TaskStatus } from '../../src/dto/task';
import { formatDuration, formatFailures, table } from '../format';
import { UsageError } from '../errors';
import { runSummaryOf } from '../report/run-summary';
import { isStoreCall } from '../../src/aws/call-trace';

/** Failed tasks per page of `--failures`: a page of a failure storm still reads on one screen or two. */
const FAILURE_PAGE_TASKS = 20;
const MAX_FAILURE_PAGE_TASKS = 1000;
/** Accounts per page of `--accounts` (and of the account list a run over several accounts opens with). */
const ACCOUNT_PAGE_ROWS = 50;
const MAX_ACCOUNT_PAGE_ROWS = 1000;

export const TRACE_HELP = `Usage: cloudtap trace [<run-id>|latest] [--json] [--stack NAME [--region R] [--profile P] | --data-dir DIR]
       cloudtap trace [<run-id>|latest] --accounts [--after ACCOUNT] [--limit N] [--json] [--stack NAME … | --data-dir DIR]
       cloudtap trace [<run-id>|latest] --account ID [--json] [--stack NAME … | --data-dir DIR]
       cloudtap trace [<run-id>|latest] --failures [--account ID] [--after TASK-ID] [--limit N] [--json] [--stack NAME … | --data-dir DIR]
       cloudtap trace --list [--json] [--stack NAME … | --data-dir DIR]

A run's timeline: each task a bar on the run's time axis, under it the AWS calls it made, in order
(service.operation, region, duration, attempts, throttles, error code); its DynamoDB calls summed up.
Then the slowest tasks and calls, and the totals of calls, retries, throttles and errors. A run over more
than one account opens on its accounts instead (the first page of --accounts), with the slowest tasks and
calls and the totals; --account ID draws one account's timeline.

  <run-id>|latest   the run to show (default: latest)
  --accounts        one line per account: its status (not finished, unreachable, partial: with failed tasks,
                    succeeded, inactive: not collected), tasks and failed tasks, AWS calls, retries, throttles,
                    errors, wall time (its first task's start to its last task's end) and slowest task; the
                    accounts that need a look first, then the slowest; a page at a time: --limit accounts
                    (default ${ACCOUNT_PAGE_ROWS}), and the command that prints the next page
  --account ID      one account's timeline, on its own time axis; with --failures, that account's failures
  --failures        every failure of the run, task by task, in task-id order, with AWS's whole message (the run
                    summary groups them and lists a sample); a page at a time: --limit tasks (default ${FAILURE_PAGE_TASKS}),
                    and the command that prints the next page
  --after X         with --accounts: start after this account; with --failures: after this task (the last one of
                    the previous page)
  --limit N         with --accounts: accounts per page (1–${MAX_ACCOUNT_PAGE_ROWS}); with --failures: failed tasks per
                    page (1–${MAX_FAILURE_PAGE_TASKS})
  --list            the recent runs, newest first: id, start, duration, status, tasks, AWS calls
  --json            {runId, run: <run summary>, tasks: [{taskId, startedAt, durationMs, status, calls: […]}]}
                    with every task and call, DynamoDB calls included, whatever the number of accounts; with
                    --account, the same with that account's tasks only and account: <an --accounts line>; with
                    --accounts, {runId, counts: {total, succeeded, partial, unreachable, failed (not finished),
                    inactive}, accounts: [{accountId, status, reason?, tasks, failedTasks, awsCalls, retries,
                    throttles, errors, startedAt?, durationMs, slowestTask?: {taskId, durationMs}}], next};
                    with --list, an array of run summaries; with --failures, {runId, failedTasks, failures:
                    [{taskId, account, region, service, type, code, message}], next}; next is the --after of the
                    next page (absent on the last)
${storeHelp()}`;

const OPTIONS = {
  list: { type: 'boolean' },
  failures: { type: 'boolean' },
  accounts: { type: 'boolean' },
  account: { type: 'string' },
  after: { type: 'string' },
  limit: { type: 'string' },
  json: { type: 'boolean' },
  ...STORE_FLAGS,
} as const;

/** Width of the timeline when stdout is not a terminal (piped, CI). */
const DEFAULT_WIDTH = 100;
const RUNS_LISTED = 20;
const SLOWEST_SHOWN = 5;

/** A task of the trace, with its outcome where it recorded one (get-tasks records none). */
export interface TracedTask extends TaskTrace {
  status?: TaskStatus;
  error?: TaskError;
}

/** What `cloudtap trace --json` prints. */
export interface RunTrace {
  runId: string;
  run: RunSummary;
  tasks: TracedTask[];
}

/** What the flags ask for, validated before the store is opened (bad input reads nothing). */
type TraceRequest =
  | { view: 'list' }
  | { view: 'failures'; runRef: string; limit: number; after?: string; account?: string }
  | { view: 'accounts'; runRef: string; limit: number; after?: string }
  | { view: 'timeline'; runRef: string; account?: string };

function traceRequest(values: { list?: boolean; failures?: boolean; accounts?: boolean; account?: string; after?: string; limit?: string }, positionals: string[]): TraceRequest {
  if (positionals.length > 1) throw new UsageError(`trace takes one run id (or latest), got: ${positionals.join(' ')}`);
  const runRef = positionals[0] ?? 'latest';
  const runViews = [values.failures && '--failures', values.accounts && '--accounts', values.account !== undefined && '--account'].filter((f): f is string => !!f);
  if (values.list) {
    const oneRun = [...positionals.map((p) => `the run id ${p}`), ...runViews];
    if (oneRun.length > 0) throw new UsageError(`--list lists the recent runs, and ${oneRun.join(' and ')} ${oneRun.length === 1 ? 'is' : 'are'} about one run: give one or the other`);
    if (values.after !== undefined || values.limit !== undefined) throw new UsageError('--after and --limit page through --accounts or --failures, not --list: leave them out');
    return { view: 'list' };
  }
  if (values.accounts && values.account !== undefined) throw new UsageError('--accounts lists every account of the run and --account ID shows one: give one of them');
  if (values.accounts && values.failures) throw new UsageError('--accounts and --failures are two views of the run: give one of them (--failures --account ID lists one account\'s failures)');
  if (values.account !== undefined && !/^\d{12}$/.test(values.account)) throw new UsageError(`--account: an AWS account id is 12 digits, got "${values.account}"; the run's accounts: cloudtap trace ${runRef} --accounts`);
  const account = values.account !== undefined ? { account: values.account } : {};
  if (!values.failures && !values.accounts) {
    if (values.after !== undefined || values.limit !== undefined) throw new UsageError('--after and --limit page through --accounts or --failures; add one of them');
    return { view: 'timeline', runRef, ...account };
  }
  const [max, unit, fallback] = values.accounts ? [MAX_ACCOUNT_PAGE_ROWS, 'accounts', ACCOUNT_PAGE_ROWS] : [MAX_FAILURE_PAGE_TASKS, 'failed tasks', FAILURE_PAGE_TASKS];
  const limit = integerFlag('limit', values.limit) ?? fallback;
  if (limit < 1 || limit > max) throw new UsageError(`--limit: must be 1 to ${max} ${unit} a page, got ${limit}`);
  const after = values.after !== undefined ? { after: values.after } : {};
  return values.accounts ? { view: 'accounts', runRef, limit, ...after } : { view: 'failures', runRef, limit, ...after, ...account };
}

export async function traceCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('trace', argv, OPTIONS, true);
  if (values.help) {
    console.log(TRACE_HELP);
    return 0;
  }
  const request = traceRequest(values, positionals);
  const workspace = await openStoreFromFlags(values, 'read');
  try {
    const runs = new RunStore(workspace.db);
    if (request.view === 'list') {
      const recent = (await runs.runsAfter()).reverse().slice(0, RUNS_LISTED).map(runSummaryOf);
      console.log(values.json ? JSON.stringify(recent, null, 2) : formatRunList(recent));
      return 0;
    }
    if (request.view === 'failures') {
      const page = await loadFailurePage(runs, request.runRef, workspace.location, request);
      console.log(values.json ? JSON.stringify(page, null, 2) : formatFailurePage(page, request.runRef, request.account));
      return 0;
    }
    const trace = await loadRunTrace(runs, request.runRef, workspace.location);
    const accounts = accountTraces(trace.tasks, await accountOutcomes(runs, trace.runId));
    if (request.view === 'accounts') {
      const page = accountTracePage(trace.runId, accounts, request);
      console.log(values.json ? JSON.stringify(page, null, 2) : formatAccountPage(page, request.runRef, request.limit));
      return 0;
    }
    const width = process.stdout.isTTY ? process.stdout.columns : DEFAULT_WIDTH;
    if (request.account !== undefined) {
      const account = accounts.find((a) => a.accountId === request.account);
      if (!account) throw new UsageError(`--account: run ${trace.runId} has no account ${request.account}; its accounts: cloudtap trace ${request.runRef} --accounts`);
      const only: AccountRunTrace = { ...trace, account, tasks: trace.tasks.filter((t) => accountOfTask(t.taskId) === account.accountId) };
      console.log(values.json ? JSON.stringify(only, null, 2) : formatAccountTrace(only, width, request.runRef));
      return 0;
    }
    // Machines get every task whatever the size; a person gets a page of accounts instead of a bar per task of each.
    if (values.json || accounts.length <= 1) console.log(values.json ? JSON.stringify(trace, null, 2) : formatTrace(trace, width));
    else console.log(formatAccountsOverview(trace, accountTracePage(trace.runId, accounts, { limit: ACCOUNT_PAGE_ROWS }), request.runRef));
    return 0;
  } finally {
    await workspace.close();
  }
}

async function findRun(runs: RunStore, runRef: string, location: string): Promise<StoredRun> {
  const run = runRef === 'latest' ? await runs.latestRun() : await runs.getRun(runRef);
  if (!run && runRef === 'latest') throw new UsageError(`no runs in ${location} yet; collect one with: cloudtap run --sandbox`);
  if (!run) throw new UsageError(`no run with id "${runRef}" in ${location}; list the runs with: cloudtap trace --list`);
  return run;
}

/** What `cloudtap trace --failures --json` prints: one page of a run's failures, in task-id order. */
export interface FailurePage {
  runId: string;
  /** Failed tasks in the whole run. */
  failedTasks: number;
  failures: TaskFailure[];
  /** The `--after` of the next page; absent on the last one. */
  next?: string;
}

/**
 * A page of the run's failures (of one account's tasks, with `account`), from the result every failed task stored in
 * the runs table (the summary keeps only a sample). Paged by task: a task's failures (one per resource type) are
 * never split across pages.
 */
async function loadFailurePage(runs: RunStore, runRef: string, location: string, page: { after?: string; limit: number; account?: string }): Promise<FailurePage> {
  const run = await findRun(runs, runRef, location);
  const results = await runs.taskResults(run.runId);
  const { account } = page;
  if (account !== undefined && !results.some((r) => r.accountId === account) && !(await accountOutcomes(runs, run.runId)).some((o) => o.accountId === account)) {
    throw new UsageError(`--account: run ${run.runId} has no account ${account}; its accounts: cloudtap trace ${runRef} --accounts`);
  }
  const failed = results.filter((r) => r.status === 'failed' && (account === undefined || r.accountId === account)).sort((a, b) => a.taskId.localeCompare(b.taskId));
  const start = page.after === undefined ? 0 : failed.findIndex((r) => r.taskId > (page.after as string));
  const tasks = start < 0 ? [] : failed.slice(start, start + page.limit);
  const last = tasks.at(-1);
  const hasMore = start >= 0 && start + page.limit < failed.length;
  return { runId: run.runId, failedTasks: failed.length, failures: tasks.flatMap(taskFailures), ...(hasMore && last ? { next: last.taskId } : {}) };
}

export function formatFailurePage(page: FailurePage, runRef: string, account?: string): string {
  const of = account === undefined ? '' : ` in account ${account}`;
  if (page.failedTasks === 0) return `Run ${page.runId}: no failed tasks${of}`;
  const lines = [
    `Run ${page.runId}: ${page.failedTasks} failed tasks${of}; ${page.failures.length} failures of ${new Set(page.failures.map((f) => f.taskId)).size} tasks on this page`,
    '',
    table(['task', 'type', 'error', 'message'], page.failures.map((f) => [f.taskId, f.type ?? '', f.code, f.message])),
  ];
  if (page.next) lines.push('', `Next page: cloudtap trace ${runRef === 'latest' ? page.runId : runRef} --failures${account === undefined ? '' : ` --account ${account}`} --after ${page.next}`);
  return lines.join('\n');
}

async function loadRunTrace(runs: RunStore, runRef: string, location: string): Promise<RunTrace> {
  const run = await findRun(runs, runRef, location);
  const [traces, results] = await Promise.all([runs.taskTraces(run.runId), runs.taskResults(run.runId)]);
  const resultOf = new Map(results.map((r) => [r.taskId, r]));
  const tasks = traces.map((trace): TracedTask => {
    const result = resultOf.get(trace.taskId);
    const calls = [...trace.calls].sort((a, b) => a.start.localeCompare(b.start));
    return { ...trace, calls, ...(result ? { status: result.status } : {}), ...(result?.error ?? result?.errors[0] ? { error: result.error ?? result.errors[0] } : {}) };
  });
  return { runId: run.runId, run: runSummaryOf(run), tasks };
}


/** An account's outcome in the run, named as the run summary counts it (`accounts`; `failed` reads "not finished"). */
export type AccountStatus = Exclude<keyof AccountCounts, 'total'>;

/** The account list's order: the accounts that need a look first. */
const STATUS_ORDER: readonly AccountStatus[] = ['failed', 'unreachable', 'partial', 'succeeded', 'inactive'];
const STATUS_TEXT: Record<AccountStatus, string> = { failed: 'not finished', unreachable: 'unreachable', partial: 'partial', succeeded: 'succeeded', inactive: 'inactive' };

/** An account as the run stored it: its summary (AccountDone's), or its place in the plan without one. */
export interface AccountOutcome {
  accountId: string;
  status: AccountStatus;
  reason?: string;
}

/** One line of `cloudtap trace --accounts`: what an account's tasks did, from their traces and results. */
export interface AccountTrace extends AccountOutcome {
  /** Its tasks that stored a result (its plan's probe, `PlanAccount:<id>`, is traced but is not one). */
  tasks: number;
  failedTasks: number;
  awsCalls: number;
  retries: number;
  throttles: number;
  errors: number;
  /** Its first task's start (the probe's included); absent when nothing of it ran. */
  startedAt?: string;
  /** Wall time: its first task's start to its last task's end. */
  durationMs: number;
  slowestTask?: { taskId: string; durationMs: number };
}

/** What `cloudtap trace --accounts --json` prints: one page of the run's accounts. */
export interface AccountTracePage {
  runId: string;
  /** Every account of the run, by status (as the run summary's `accounts`). */
  counts: AccountCounts;
  accounts: AccountTrace[];
  /** The `--after` of the next page; absent on the last one. */
  next?: string;
}

/** What `cloudtap trace --account ID --json` prints: the account's tasks only, and its line of `--accounts`. */
export interface AccountRunTrace extends RunTrace {
  account: AccountTrace;
}

/** The account a task ran in: `Kind:account:…` and `PlanAccount:account`; none for the run's own tasks (`GetTasks`). */
export function accountOfTask(taskId: string): string | undefined {
  const account = taskId.split(':')[1];
  return account !== undefined && /^\d{12}$/.test(account) ? account : undefined;
}

/**
 * Each account's outcome as Finalize counts it: its stored summary (unreachable, partial or succeeded); an account
 * of the plan without one did not finish; the plan's skipped accounts are the organization's inactive ones.
 * Runs stored before accounts had summaries have neither: their accounts come from the tasks alone.
 */
async function accountOutcomes(runs: RunStore, runId: string): Promise<AccountOutcome[]> {
  const outcomes = new Map<string, AccountOutcome>();
  for (const part of await runs.accountSummaries(runId)) {
    const unreachable = part.skipped.find((s) => isUnreachableAccount(s));
    const status: AccountStatus = (part.accountsUnreachable ?? 0) > 0 ? 'unreachable' : part.status === 'partial' ? 'partial' : 'succeeded';
    outcomes.set(part.accountId, { accountId: part.accountId, status, ...(status === 'unreachable' && unreachable ? { reason: unreachable.reason } : {}) });
  }
  const plan = await runs.plan(runId);
  for (let n = 0; n < (plan?.pages ?? 0); n++) {
    const page = await runs.accountPage(runId, n);
    for (const target of page.accounts) {
      const id = target.accountId ?? target.roleArn?.split(':')[4] ?? 'unknown';
      if (!outcomes.has(id)) outcomes.set(id, { accountId: id, status: 'failed', reason: 'its collection did not finish (its child execution failed); none of its data was changed by this run' });
    }
    for (const skipped of page.skipped) {
      if (!outcomes.has(skipped.accountId)) outcomes.set(skipped.accountId, { accountId: skipped.accountId, status: 'inactive', reason: skipped.reason });
    }
  }
  return [...outcomes.values()];
}

/**
 * One line per account, the accounts that need a look first (not finished, unreachable, partial), then the slowest.
 * An account the store names no outcome for (a run stored before accounts had summaries) is judged by its tasks.
 */
export function accountTraces(tasks: TracedTask[], outcomes: AccountOutcome[]): AccountTrace[] {
  const byAccount = new Map<string, TracedTask[]>(outcomes.map((o) => [o.accountId, []]));
  for (const task of tasks) {
    const account = accountOfTask(task.taskId);
    if (account === undefined) continue;
    const own = byAccount.get(account) ?? [];
    own.push(task);
    byAccount.set(account, own);
  }
  const outcomeOf = new Map(outcomes.map((o) => [o.accountId, o]));
  const lines = [...byAccount].map(([accountId, own]): AccountTrace => {
    const done = own.filter((t) => t.status !== undefined);
    const failedTasks = done.filter((t) => t.status === 'failed').length;
    const outcome = outcomeOf.get(accountId) ?? { accountId, status: failedTasks > 0 ? 'partial' : 'succeeded' };
    const { awsCalls, retries, throttles, errors } = traceTotals(own);
    const starts = own.map((t) => Date.parse(t.startedAt));
    const startMs = Math.min(...starts);
    const slowest = own.reduce<TracedTask | undefined>((s, t) => (!s || t.durationMs > s.durationMs ? t : s), undefined);
    return {
      ...outcome, tasks: done.length, failedTasks, awsCalls, retries, throttles, errors,
      ...(own.length > 0 ? { startedAt: new Date(startMs).toISOString() } : {}),
      durationMs: own.length > 0 ? Math.max(...own.map((t) => Date.parse(t.startedAt) + t.durationMs)) - startMs : 0,
      ...(slowest ? { slowestTask: { taskId: slowest.taskId, durationMs: slowest.durationMs } } : {}),
    };
  });
  return lines.sort((a, b) => STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status) || b.durationMs - a.durationMs || a.accountId.localeCompare(b.accountId));
}

/** A page of the account list: the `limit` accounts after `after` (an account of the list, the previous page's last). */
export function accountTracePage(runId: string, accounts: AccountTrace[], page: { after?: string; limit: number }): AccountTracePage {
  const counts: AccountCounts = { total: accounts.length, succeeded: 0, partial: 0, unreachable: 0, failed: 0, inactive: 0 };
  for (const account of accounts) counts[account.status]++;
  let start = 0;
  if (page.after !== undefined) {
    const at = accounts.findIndex((a) => a.accountId === page.after);
    if (at < 0) throw new UsageError(`--after: run ${runId} has no account ${page.after}; give the last account of the previous page (the "Next page" command names it)`);
    start = at + 1;
  }
  const shown = accounts.slice(start, start + page.limit);
  const last = shown.at(-1);
  return { runId, counts, accounts: shown, ...(start + page.limit < accounts.length && last ? { next: last.accountId } : {}) };
}

function countsLine(counts: AccountCounts): string {
  return `${plural(counts.total, 'account')}: ${counts.succeeded} succeeded, ${counts.partial} with failed tasks, ${counts.unreachable} unreachable, `
    + `${counts.failed} not finished, ${counts.inactive} inactive (not collected)`;
}

/** The task id without its account (the line names it already): `CloudService:us-east-1:EC2`. */
function taskInAccount(taskId: string): string {
  return taskId.split(':').filter((_, i) => i !== 1).join(':');
}

function accountTable(page: AccountTracePage): string {
  return table(
    ['account', 'status', 'tasks', 'failed', 'AWS calls', 'retries', 'throttles', 'errors', 'wall time', 'slowest task'],
    page.accounts.map((a) => [
      a.accountId, STATUS_TEXT[a.status], a.tasks, a.failedTasks, a.awsCalls, a.retries, a.throttles, a.errors,
      a.startedAt ? formatDuration(a.durationMs) : '',
      a.slowestTask ? `${formatDuration(a.slowestTask.durationMs)}  ${taskInAccount(a.slowestTask.taskId)}` : '',
    ]),
  );
}

/** The page's table, then the command for the next page and the one that draws an account's timeline. */
function accountPageLines(page: AccountTracePage, runRef: string, limit: number): string[] {
  const run = runRef === 'latest' ? page.runId : runRef;
  const first = page.accounts[0];
  if (!first) return ['(no accounts on this page)'];
  const lines = [accountTable(page), ''];
  if (page.next) lines.push(`Next page: cloudtap trace ${run} --accounts --after ${page.next}${limit === ACCOUNT_PAGE_ROWS ? '' : ` --limit ${limit}`}`);
  lines.push(`One account's timeline: cloudtap trace ${run} --account ${first.accountId}`);
  return lines;
}

export function formatAccountPage(page: AccountTracePage, runRef: string, limit: number): string {
  return [`Run ${page.runId}  ${countsLine(page.counts)}`, '', ...accountPageLines(page, runRef, limit)].join('\n');
}

/** What a run over several accounts opens with: its accounts, a page of them, then the run's slowest work and totals. */
export function formatAccountsOverview(trace: RunTrace, page: AccountTracePage, runRef: string): string {
  const { run } = trace;
  const lines = [
    `Run ${trace.runId}  ${run.status}  started ${shortTime(run.startedAt)}, ${formatDuration(run.durationMs)}, ${plural(trace.tasks.length, 'task')}`,
    countsLine(page.counts),
    '',
    ...accountPageLines(page, runRef, ACCOUNT_PAGE_ROWS),
    '',
    ...slowestWork(trace.tasks),
  ];
  lines.push(...formatFailures(run).map((line) => (line ? `  ${line}` : line)));
  return lines.join('\n');
}

export { isStoreCall };

export function formatRunList(runs: RunSummary[]): string {
  if (runs.length === 0) return 'no runs yet; collect one with: cloudtap run --sandbox';
  return table(
    ['run id', 'started', 'duration', 'status', 'tasks', 'failed', 'AWS calls'],
    runs.map((r) => [r.runId, shortTime(r.startedAt), formatDuration(r.durationMs), r.status, r.tasks.total, r.tasks.failed, r.apiCalls]),
  );
}

/** The run's time axis: where the run started and how long it spans, drawn `columns` characters wide. */
export interface TimeAxis {
  startMs: number;
  spanMs: number;
  columns: number;
}

function timeAxisOf(trace: RunTrace, width: number): TimeAxis {
  const startMs = Date.parse(trace.run.startedAt);
  const ends = [Date.parse(trace.run.finishedAt), ...trace.tasks.map((t) => Date.parse(t.startedAt) + t.durationMs)];
  return { startMs, spanMs: Math.max(1, Math.max(...ends) - startMs), columns: Math.max(20, width - 2) };
}

/** `│   ████████      │`: the task's start offset and duration on the run's axis, at least one character. */
export function barLine(axis: TimeAxis, startedAt: string, durationMs: number): string {
  const scale = axis.columns / axis.spanMs;
  const from = Math.min(axis.columns - 1, Math.max(0, Math.floor((Date.parse(startedAt) - axis.startMs) * scale)));
  const length = Math.max(1, Math.min(axis.columns - from, Math.round(durationMs * scale)));
  return `│${' '.repeat(from)}${'█'.repeat(length)}${' '.repeat(axis.columns - from - length)}│`;
}

/** Tick labels at 0, ¼, ½, ¾ and the end of the run, over a ruler of the same width as the bars. */
function axisLines(axis: TimeAxis): string[] {
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const labels = Array.from({ length: axis.columns + 2 }, () => ' ');
  const ruler = Array.from({ length: axis.columns + 2 }, () => '─');
  for (const fraction of ticks) {
    const position = Math.round(fraction * (axis.columns + 1));
    ruler[position] = fraction === 0 ? '┌' : fraction === 1 ? '┐' : '┬';
    const label = fraction === 0 ? '0' : formatDuration(Math.round(fraction * axis.spanMs));
    const at = Math.min(axis.columns + 2 - label.length, Math.max(0, position - (fraction === 0 ? 0 : fraction === 1 ? label.length - 1 : Math.floor(label.length / 2))));
    for (let i = 0; i < label.length; i++) labels[at + i] = label[i] ?? ' ';
  }
  return [labels.join('').trimEnd(), ruler.join('')];
}

function offsetOf(axis: TimeAxis, iso: string): string {
  return `+${formatDuration(Math.max(0, Date.parse(iso) - axis.startMs))}`;
}

function callName(call: TracedCall): string {
  return `${call.service}.${call.operation}`;
}

/** Retries, throttles and the error of a call, only where there were any. */
export function callNotes(call: TracedCall): string {
  const notes: string[] = [];
  if (call.attempts > 1) notes.push(`${call.attempts} attempts (${plural(call.attempts - 1, 'retry', 'retries')})`);
  if (call.throttles > 0) notes.push(`${plural(call.throttles, 'throttle')}`);
  if (call.errorCode) notes.push(`error ${call.errorCode}`);
  return notes.join(', ');
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** One line per AWS call, columns aligned across the whole run. */
function callLines(axis: TimeAxis, calls: TracedCall[], widths: number[]): string[] {
  return calls.map((call) => {
    const cells = [offsetOf(axis, call.start), callName(call), call.region, formatDuration(call.durationMs)];
    const aligned = cells.map((cell, i) => (i === 0 || i === 3 ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)));
    return `    ${aligned.join('  ')}  ${callNotes(call)}`.trimEnd();
  });
}

/** A task's DynamoDB calls in one line: how many, how long in total, which operations. */
export function storeCallsLine(calls: TracedCall[]): string | undefined {
  const store = calls.filter(isStoreCall);
  if (store.length === 0) return undefined;
  const byOperation = new Map<string, number>();
  for (const call of store) byOperation.set(call.operation, (byOperation.get(call.operation) ?? 0) + 1);
  const operations = [...byOperation].map(([operation, count]) => `${operation} ${count}`).join(', ');
  const totalMs = store.reduce((sum, c) => sum + c.durationMs, 0);
  const retries = store.reduce((sum, c) => sum + c.attempts - 1, 0);
  const errors = store.filter((c) => c.errorCode).length;
  const extra = [retries ? plural(retries, 'retry', 'retries') : '', errors ? plural(errors, 'error') : ''].filter(Boolean).join(', ');
  return `    DynamoDB: ${plural(store.length, 'call')}, ${formatDuration(totalMs)} summed (${operations})${extra ? `; ${extra}` : ''}`;
}

function taskHeader(axis: TimeAxis, task: TracedTask): string {
  const awsCalls = task.calls.filter((c) => !isStoreCall(c)).length;
  const outcome = task.status === 'failed' ? `  FAILED${task.error ? ` ${task.error.code}: ${task.error.message}` : ''}` : '';
  return `${task.taskId}  ${offsetOf(axis, task.startedAt)}, ${formatDuration(task.durationMs)}, ${plural(awsCalls, 'AWS call')}${outcome}`;
}

export interface TraceTotals {
  awsCalls: number;
  retries: number;
  throttles: number;
  errors: number;
  storeCalls: number;
  storeMs: number;
}

export function traceTotals(tasks: TracedTask[]): TraceTotals {
  const totals: TraceTotals = { awsCalls: 0, retries: 0, throttles: 0, errors: 0, storeCalls: 0, storeMs: 0 };
  for (const call of tasks.flatMap((t) => t.calls)) {
    if (isStoreCall(call)) {
      totals.storeCalls++;
      totals.storeMs += call.durationMs;
      continue;
    }
    totals.awsCalls++;
    totals.retries += call.attempts - 1;
    totals.throttles += call.throttles;
    if (call.errorCode) totals.errors++;
  }
  return totals;
}

function formatTotals(t: TraceTotals): string {
  return `Totals: ${plural(t.awsCalls, 'AWS call')}, ${plural(t.retries, 'retry', 'retries')}, ${plural(t.throttles, 'throttle')}, ${plural(t.errors, 'error')}; `
    + `${plural(t.storeCalls, 'DynamoDB call')} (${formatDuration(t.storeMs)} summed over the calls)`;
}

function slowestTasks(tasks: TracedTask[]): string[] {
  const slowest = [...tasks].sort((a, b) => b.durationMs - a.durationMs).slice(0, SLOWEST_SHOWN);
  if (slowest.length === 0) return ['  (no tasks)'];
  const width = Math.max(...slowest.map((t) => formatDuration(t.durationMs).length));
  return slowest.map((t) => `  ${formatDuration(t.durationMs).padStart(width)}  ${t.taskId}`);
}

function slowestCalls(tasks: TracedTask[]): string[] {
  const calls = tasks.flatMap((task) => task.calls.filter((c) => !isStoreCall(c)).map((call) => ({ task, call })));
  const slowest = calls.sort((a, b) => b.call.durationMs - a.call.durationMs).slice(0, SLOWEST_SHOWN);
  if (slowest.length === 0) return ['  (no AWS calls)'];
  return table(
    ['duration', 'call', 'region', 'task', 'notes'],
    slowest.map(({ task, call }) => [formatDuration(call.durationMs), callName(call), call.region, task.taskId, callNotes(call)]),
  ).split('\n').map((line) => `  ${line}`);
}

/** The time axis, then each task's bar with its calls under it and its DynamoDB calls summed up. */
function timelineLines(tasks: TracedTask[], axis: TimeAxis): string[] {
  const awsCalls = tasks.flatMap((t) => t.calls.filter((c) => !isStoreCall(c)));
  const widths = [
    Math.max(0, ...awsCalls.map((c) => offsetOf(axis, c.start).length)),
    Math.max(0, ...awsCalls.map((c) => callName(c).length)),
    Math.max(0, ...awsCalls.map((c) => c.region.length)),
    Math.max(0, ...awsCalls.map((c) => formatDuration(c.durationMs).length)),
  ];
  const lines = axisLines(axis);
  for (const task of tasks) {
    const aws = task.calls.filter((c) => !isStoreCall(c));
    lines.push(taskHeader(axis, task), barLine(axis, task.startedAt, task.durationMs), ...callLines(axis, aws, widths));
    const store = storeCallsLine(task.calls);
    if (store) lines.push(store);
    lines.push('');
  }
  return lines;
}

function slowestWork(tasks: TracedTask[]): string[] {
  return ['Slowest tasks', ...slowestTasks(tasks), '', 'Slowest AWS calls', ...slowestCalls(tasks), '', formatTotals(traceTotals(tasks))];
}

/** The text timeline: header, time axis, each task's bar and calls, then the summary. */
export function formatTrace(trace: RunTrace, width: number): string {
  const { run } = trace;
  const lines = [
    `Run ${trace.runId}  ${run.status}  started ${shortTime(run.startedAt)}, ${formatDuration(run.durationMs)}, ${plural(trace.tasks.length, 'task')}`,
    '',
    ...timelineLines(trace.tasks, timeAxisOf(trace, width)),
    ...slowestWork(trace.tasks),
  ];
  lines.push(...formatFailures(run).map((line) => (line ? `  ${line}` : line)));
  return lines.join('\n');
}

/** One account's timeline, on its own time axis (an account's tasks take a sliver of a long run's): offsets from its first task. */
export function formatAccountTrace(trace: AccountRunTrace, width: number, runRef: string): string {
  const { account } = trace;
  const run = runRef === 'latest' ? trace.runId : runRef;
  const header = `Run ${trace.runId}  account ${account.accountId}  ${STATUS_TEXT[account.status]}`;
  if (!account.startedAt || trace.tasks.length === 0) {
    return [header, ...(account.reason ? [`  ${account.reason}`] : []), '', '(no tasks: nothing of this account ran in this run)'].join('\n');
  }
  const startMs = Date.parse(account.startedAt);
  const lines = [
    `${header}  started ${shortTime(account.startedAt)} (${formatDuration(Math.max(0, startMs - Date.parse(trace.run.startedAt)))} into the run), `
      + `${formatDuration(account.durationMs)}, ${plural(trace.tasks.length, 'task')}; offsets from its first task`,
    ...(account.reason ? [`  ${account.reason}`] : []),
    '',
    ...timelineLines(trace.tasks, { startMs, spanMs: Math.max(1, account.durationMs), columns: Math.max(20, width - 2) }),
    ...slowestWork(trace.tasks),
  ];
  if (account.failedTasks > 0) lines.push('', `Its failed tasks, with AWS's whole message: cloudtap trace ${run} --failures --account ${account.accountId}`);
  return lines.join('\n');
}

function shortTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}
