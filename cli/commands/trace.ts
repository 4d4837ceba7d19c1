import { integerFlag, parseCommandArgs } from '../args';
import { openStoreFromFlags, storeHelp, STORE_FLAGS } from '../store-flags';
import { RunStore, type StoredRun, type TaskTrace } from '../../src/store/run-store';
import type { TracedCall } from '../../src/aws/call-trace';
import { taskFailures, type RunSummary, type TaskFailure } from '../../src/dto/run-summary';
import type { TaskError, TaskStatus } from '../../src/dto/task';
import { formatDuration, formatFailures, table } from '../format';
import { UsageError } from '../errors';
import { runSummaryOf } from '../report/run-summary';
import { isStoreCall } from '../../src/aws/call-trace';

/** Failed tasks per page of `--failures`: a page of a failure storm still reads on one screen or two. */
const FAILURE_PAGE_TASKS = 20;
const MAX_FAILURE_PAGE_TASKS = 1000;

export const TRACE_HELP = `Usage: cloudtap trace [<run-id>|latest] [--json] [--stack NAME [--region R] [--profile P] | --data-dir DIR]
       cloudtap trace [<run-id>|latest] --failures [--after TASK-ID] [--limit N] [--json] [--stack NAME … | --data-dir DIR]
       cloudtap trace --list [--json] [--stack NAME … | --data-dir DIR]

A run's timeline: each task a bar on the run's time axis, under it the AWS calls it made, in order
(service.operation, region, duration, attempts, throttles, error code); its DynamoDB calls summed up.
Then the slowest tasks and calls, and the totals of calls, retries, throttles and errors.

  <run-id>|latest   the run to show (default: latest)
  --failures        every failure of the run, task by task, in task-id order, with AWS's whole message (the run
                    summary groups them and lists a sample); a page at a time: --limit tasks (default ${FAILURE_PAGE_TASKS}),
                    and the command that prints the next page
  --after TASK-ID   with --failures: start after this task (the last one of the previous page)
  --limit N         with --failures: failed tasks per page (1–${MAX_FAILURE_PAGE_TASKS})
  --list            the recent runs, newest first: id, start, duration, status, tasks, AWS calls
  --json            {runId, run: <run summary>, tasks: [{taskId, startedAt, durationMs, status, calls: […]}]}
                    with every call, DynamoDB calls included; with --list, an array of run summaries; with
                    --failures, {runId, failedTasks, failures: [{taskId, account, region, service, type, code,
                    message}], next} where next is the --after of the next page (absent on the last)
${storeHelp()}`;

const OPTIONS = {
  list: { type: 'boolean' },
  failures: { type: 'boolean' },
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

export async function traceCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('trace', argv, OPTIONS, true);
  if (values.help) {
    console.log(TRACE_HELP);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError(`trace takes one run id (or latest), got: ${positionals.join(' ')}`);
  const limit = integerFlag('limit', values.limit) ?? FAILURE_PAGE_TASKS;
  if (limit < 1 || limit > MAX_FAILURE_PAGE_TASKS) throw new UsageError(`--limit: must be 1 to ${MAX_FAILURE_PAGE_TASKS} failed tasks a page, got ${limit}`);
  if (!values.failures && (values.after !== undefined || values.limit !== undefined)) throw new UsageError('--after and --limit page through --failures; add --failures');
  const workspace = await openStoreFromFlags(values, 'read');
  try {
    const runs = new RunStore(workspace.db);
    if (values.list) {
      const recent = (await runs.runsAfter()).reverse().slice(0, RUNS_LISTED).map(runSummaryOf);
      console.log(values.json ? JSON.stringify(recent, null, 2) : formatRunList(recent));
      return 0;
    }
    if (values.failures) {
      const page = await loadFailurePage(runs, positionals[0] ?? 'latest', workspace.location, { limit, ...(values.after ? { after: values.after } : {}) });
      console.log(values.json ? JSON.stringify(page, null, 2) : formatFailurePage(page, positionals[0] ?? 'latest'));
      return 0;
    }
    const trace = await loadRunTrace(runs, positionals[0] ?? 'latest', workspace.location);
    const width = process.stdout.isTTY ? process.stdout.columns : DEFAULT_WIDTH;
    console.log(values.json ? JSON.stringify(trace, null, 2) : formatTrace(trace, width));
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
 * A page of the run's failures, from the result every failed task stored in the runs table (the summary keeps only
 * a sample). Paged by task: a task's failures (one per resource type) are never split across pages.
 */
async function loadFailurePage(runs: RunStore, runRef: string, location: string, page: { after?: string; limit: number }): Promise<FailurePage> {
  const run = await findRun(runs, runRef, location);
  const failed = (await runs.taskResults(run.runId)).filter((r) => r.status === 'failed').sort((a, b) => a.taskId.localeCompare(b.taskId));
  const start = page.after === undefined ? 0 : failed.findIndex((r) => r.taskId > (page.after as string));
  const tasks = start < 0 ? [] : failed.slice(start, start + page.limit);
  const last = tasks.at(-1);
  const hasMore = start >= 0 && start + page.limit < failed.length;
  return { runId: run.runId, failedTasks: failed.length, failures: tasks.flatMap(taskFailures), ...(hasMore && last ? { next: last.taskId } : {}) };
}

export function formatFailurePage(page: FailurePage, runRef: string): string {
  if (page.failedTasks === 0) return `Run ${page.runId}: no failed tasks`;
  const lines = [
    `Run ${page.runId}: ${page.failedTasks} failed tasks; ${page.failures.length} failures of ${new Set(page.failures.map((f) => f.taskId)).size} tasks on this page`,
    '',
    table(['task', 'type', 'error', 'message'], page.failures.map((f) => [f.taskId, f.type ?? '', f.code, f.message])),
  ];
  if (page.next) lines.push('', `Next page: cloudtap trace ${runRef === 'latest' ? page.runId : runRef} --failures --after ${page.next}`);
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

/** The text timeline: header, time axis, each task's bar and calls, then the summary. */
export function formatTrace(trace: RunTrace, width: number): string {
  const { run } = trace;
  const axis = timeAxisOf(trace, width);
  const awsCalls = trace.tasks.flatMap((t) => t.calls.filter((c) => !isStoreCall(c)));
  const widths = [
    Math.max(0, ...awsCalls.map((c) => offsetOf(axis, c.start).length)),
    Math.max(0, ...awsCalls.map((c) => callName(c).length)),
    Math.max(0, ...awsCalls.map((c) => c.region.length)),
    Math.max(0, ...awsCalls.map((c) => formatDuration(c.durationMs).length)),
  ];
  const lines = [
    `Run ${trace.runId}  ${run.status}  started ${shortTime(run.startedAt)}, ${formatDuration(run.durationMs)}, ${plural(trace.tasks.length, 'task')}`,
    '',
    ...axisLines(axis),
  ];
  for (const task of trace.tasks) {
    const aws = task.calls.filter((c) => !isStoreCall(c));
    lines.push(taskHeader(axis, task), barLine(axis, task.startedAt, task.durationMs), ...callLines(axis, aws, widths));
    const store = storeCallsLine(task.calls);
    if (store) lines.push(store);
    lines.push('');
  }
  lines.push('Slowest tasks', ...slowestTasks(trace.tasks), '', 'Slowest AWS calls', ...slowestCalls(trace.tasks), '', formatTotals(traceTotals(trace.tasks)));
  lines.push(...formatFailures(run).map((line) => (line ? `  ${line}` : line)));
  return lines.join('\n');
}

function shortTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}
