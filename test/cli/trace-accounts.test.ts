import { describe, it, expect, beforeAll, jest } from '@jest/globals';
import type { RunSummary } from '../../src/dto/run-summary';
import { traceCommand, type AccountRunTrace, type AccountTrace, type AccountTracePage, type RunTrace } from '../../cli/commands/trace';
import { UsageError } from '../../cli/errors';
import { isStoreCall } from '../../src/aws/call-trace';
import { cloudtap } from '../support/cli';
import { localStore } from '../support/local-run';

/**
 * An organization of five accounts, one region, EC2 only (a few seconds): the management account and two members
 * collected, one member whose role refuses AssumeRole (unreachable), one suspended (inactive); some calls throttled,
 * so that the retries summed per account are not all zero.
 */
const SPEC = 'accounts=5&regions=1&instances=2&suspended=555555555555&pendingClosure=none&deny=444444444444&throttle=0.1';
const ACCOUNTS = ['111111111111', '222222222222', '333333333333', '444444444444', '555555555555'];

let dataDir: string;
let summary: RunSummary;
/** `trace <run> --json`: every task of the run, whatever the number of accounts. */
let full: RunTrace;
/** `trace <run> --accounts --json --limit 1000`: every account on one page. */
let listed: AccountTracePage;

/**
 * `cloudtap trace …` in this process, its stdout captured: the embedded store takes one process at a time and a
 * child process costs a second to start, so only the exit-code checks below go through the command line.
 */
async function trace(...args: string[]): Promise<string> {
  const printed: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...line: unknown[]) => { printed.push(line.join(' ')); });
  try {
    expect(await traceCommand([...args, '--data-dir', dataDir])).toBe(0);
  } finally {
    log.mockRestore();
  }
  return `${printed.join('\n')}\n`;
}

beforeAll(async () => {
  const store = await localStore();
  dataDir = store.dataDir;
  summary = await store.run(SPEC, { accounts: { organization: {} }, accountConcurrency: 4, services: ['EC2'] });
  expect(summary.status).toBe('partial');
  full = JSON.parse(await trace(summary.runId, '--json')) as RunTrace;
  listed = JSON.parse(await trace(summary.runId, '--accounts', '--json', '--limit', '1000')) as AccountTracePage;
}, 120_000);

/** What an account's line must say, counted here from the run's whole task list. */
function expectedLine(accountId: string): Omit<AccountTrace, 'status' | 'reason'> {
  const own = full.tasks.filter((t) => t.taskId.split(':')[1] === accountId);
  const calls = own.flatMap((t) => t.calls).filter((c) => !isStoreCall(c));
  const starts = own.map((t) => Date.parse(t.startedAt));
  const ends = own.map((t) => Date.parse(t.startedAt) + t.durationMs);
  const slowest = [...own].sort((a, b) => b.durationMs - a.durationMs)[0];
  return {
    accountId,
    tasks: own.filter((t) => t.status).length,
    failedTasks: own.filter((t) => t.status === 'failed').length,
    awsCalls: calls.length,
    retries: calls.reduce((n, c) => n + c.attempts - 1, 0),
    throttles: calls.reduce((n, c) => n + c.throttles, 0),
    errors: calls.filter((c) => c.errorCode).length,
    ...(own.length > 0 ? { startedAt: new Date(Math.min(...starts)).toISOString() } : {}),
    durationMs: own.length > 0 ? Math.max(...ends) - Math.min(...starts) : 0,
    ...(slowest ? { slowestTask: { taskId: slowest.taskId, durationMs: slowest.durationMs } } : {}),
  };
}

describe('cloudtap trace --accounts', () => {
  it('lists every account once, each line the sum of its own tasks, counted as the run summary counts accounts', () => {
    expect(listed.runId).toBe(summary.runId);
    expect(listed.next).toBeUndefined();
    expect(listed.accounts.map((a) => a.accountId).sort()).toEqual(ACCOUNTS);
    for (const line of listed.accounts) expect(line).toMatchObject(expectedLine(line.accountId));
    expect(listed.counts).toEqual(summary.accounts);
    // The lines add up to the run: every AWS call is some account's, except GetTasks' own.
    const runCalls = full.tasks.filter((t) => t.taskId !== 'GetTasks').flatMap((t) => t.calls).filter((c) => !isStoreCall(c));
    expect(listed.accounts.reduce((n, a) => n + a.awsCalls, 0)).toBe(runCalls.length);
    expect(listed.accounts.reduce((n, a) => n + a.retries, 0)).toBeGreaterThan(0);
  });

  it('names each account\'s outcome, the unreachable one first with its reason, then the slowest, the inactive one last', () => {
    const byId = Object.fromEntries(listed.accounts.map((a) => [a.accountId, a]));
    expect(byId['444444444444']).toMatchObject({ status: 'unreachable', tasks: 0, awsCalls: 1, errors: 1, reason: expect.stringMatching(/AccessDenied.*sts:AssumeRole/) });
    expect(byId['555555555555']).toMatchObject({ status: 'inactive', tasks: 0, awsCalls: 0, durationMs: 0, reason: expect.stringMatching(/suspended/) });
    expect(byId['555555555555']?.startedAt).toBeUndefined();
    const succeeded = listed.accounts.filter((a) => a.status === 'succeeded');
    expect(succeeded.map((a) => a.accountId).sort()).toEqual(['111111111111', '222222222222', '333333333333']);
    expect(succeeded.every((a) => a.tasks >= 2 && a.failedTasks === 0)).toBe(true);
    const durations = succeeded.map((a) => a.durationMs);
    expect(durations).toEqual([...durations].sort((a, b) => b - a));
    expect(listed.accounts.map((a) => a.status)).toEqual(['unreachable', 'succeeded', 'succeeded', 'succeeded', 'inactive']);
  });

  it('pages: the text names the next page\'s command, and following it covers every account exactly once', async () => {
    const seen: string[] = [];
    let command = [summary.runId, '--accounts', '--limit', '2'];
    for (let pages = 1; ; pages++) {
      expect(pages).toBeLessThanOrEqual(3);
      const text = await trace(...command);
      expect(text.split('\n')[0]).toBe(`Run ${summary.runId}  5 accounts: 3 succeeded, 0 with failed tasks, 1 unreachable, 0 not finished, 1 inactive (not collected)`);
      const rows = text.split('\n').filter((l) => /^\d{12} /.test(l)).map((l) => l.split(/ +/));
      seen.push(...rows.map(([id]) => id as string));
      for (const [id, status] of rows) expect(status).toBe(listed.accounts.find((a) => a.accountId === id)?.status);
      const next = /^Next page: cloudtap trace (.*)$/m.exec(text)?.[1];
      if (!next) {
        expect(pages).toBe(3);
        break;
      }
      expect(rows).toHaveLength(2);
      command = next.split(' ');
    }
    expect(seen).toEqual(listed.accounts.map((a) => a.accountId));
    // The JSON pages the same way: a middle page, and the --after of the next.
    const middle = JSON.parse(await trace(summary.runId, '--accounts', '--json', '--limit', '2', '--after', seen[1] as string)) as AccountTracePage;
    expect(middle).toEqual({ ...listed, accounts: listed.accounts.slice(2, 4), next: seen[3] });
  });
});

describe('cloudtap trace --account ID', () => {
  it('keeps exactly that account\'s tasks, its plan\'s probe included, and its --accounts line', async () => {
    const only = JSON.parse(await trace(summary.runId, '--account', '222222222222', '--json')) as AccountRunTrace;
    const own = full.tasks.filter((t) => t.taskId.split(':')[1] === '222222222222');
    expect(own.map((t) => t.taskId)).toContain('PlanAccount:222222222222');
    expect(only.tasks).toEqual(own);
    expect(only.account).toEqual(listed.accounts.find((a) => a.accountId === '222222222222'));
    expect(only.run).toEqual(summary);

    const text = await trace(summary.runId, '--account', '222222222222');
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^Run \S+ {2}account 222222222222 {2}succeeded {2}started .*, 3 tasks; offsets from its first task$/);
    const headers = lines.filter((l) => /^[A-Za-z]+:\d{12}\S* {2}\+/.test(l)).map((l) => l.split(' ')[0]);
    expect(headers).toEqual(own.map((t) => t.taskId));
    expect(lines.filter((l) => l.startsWith('│'))).toHaveLength(own.length);
    expect(text).not.toMatch(/(111111111111|333333333333|444444444444):/);
  });

  it('an account that did not run says why, with no timeline', async () => {
    const text = await trace(summary.runId, '--account', '555555555555');
    expect(text).toMatch(/^Run \S+ {2}account 555555555555 {2}inactive\n {2}.*suspended.*\n\n\(no tasks: nothing of this account ran in this run\)\n$/);
  });
});

describe('cloudtap trace of a run over several accounts', () => {
  it('opens on its accounts instead of a bar per task, and names the command for one account\'s timeline', async () => {
    const text = await trace(summary.runId);
    const lines = text.split('\n');
    expect(lines.filter((l) => l.startsWith('│'))).toEqual([]);
    expect(lines.filter((l) => /^\d{12} /.test(l)).map((l) => l.split(/ +/)[0])).toEqual(listed.accounts.map((a) => a.accountId));
    expect(text).toContain(`One account's timeline: cloudtap trace ${summary.runId} --account 444444444444`);
    expect(text).not.toContain('Next page');
    expect(text).toMatch(/\nSlowest tasks\n[\s\S]*\nTotals: \d+ AWS calls, \d+ retr/);
    // Machines still get every task.
    expect(full.tasks.map((t) => t.taskId)).toContain('GetTasks');
    expect(full.tasks.length).toBe(1 + listed.accounts.reduce((n, a) => n + a.tasks, 0) + 4);
  });
});

async function expectRefused(args: string[], message: RegExp): Promise<void> {
  const printed = jest.spyOn(console, 'log');
  try {
    const error = await traceCommand([...args, '--data-dir', dataDir]).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
    expect(printed).not.toHaveBeenCalled();
  } finally {
    printed.mockRestore();
  }
}

describe('bad input: exit 1, the flag named and what to do, nothing written', () => {
  it('an account the run does not have, through the command line: exit 1, nothing printed but the reason', async () => {
    const result = await cloudtap(['trace', summary.runId, '--account', '999999999999', '--data-dir', dataDir]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`cloudtap: --account: run ${summary.runId} has no account 999999999999; its accounts: cloudtap trace ${summary.runId} --accounts\n`);
  });

  it('an account or a page start the run does not have, read from the store: refused, the store unchanged', async () => {
    const cases: [string[], RegExp][] = [
      [['--failures', '--account', '999999999999'], /^--account: run \S+ has no account 999999999999; its accounts: cloudtap trace latest --accounts$/],
      [['latest', '--accounts', '--after', '999999999999'], /^--after: run \S+ has no account 999999999999; give the last account of the previous page/],
    ];
    for (const [args, message] of cases) await expectRefused(args, message);
    // Nothing of the run changed.
    expect(JSON.parse(await trace(summary.runId, '--json'))).toEqual(full);
  });

  // Refused from the flags alone, before the store is opened: the command's UsageError is the CLI's exit 1.
  const FLAG_CASES: [string[], RegExp][] = [
    [['--account', '2222'], /^--account: an AWS account id is 12 digits, got "2222"/],
    [['--accounts', '--limit', '0'], /^--limit: must be 1 to 1000 accounts a page, got 0$/],
    [['--accounts', '--limit', '1001'], /^--limit: must be 1 to 1000 accounts a page, got 1001$/],
    [['--failures', '--limit', '1001'], /^--limit: must be 1 to 1000 failed tasks a page, got 1001$/],
    [['--accounts', '--account', '222222222222'], /^--accounts lists every account .* --account ID shows one: give one of them$/],
    [['--accounts', '--failures'], /^--accounts and --failures are two views of the run: give one of them/],
    [['--list', '--account', '222222222222'], /^--list lists the recent runs, and --account is about one run: give one or the other$/],
    [['--list', '--accounts'], /^--list lists the recent runs, and --accounts is about one run/],
    [['--list', '--limit', '5'], /^--after and --limit page through --accounts or --failures, not --list/],
    [['--limit', '5'], /^--after and --limit page through --accounts or --failures; add one of them$/],
    [['--after', '222222222222'], /^--after and --limit page through --accounts or --failures; add one of them$/],
  ];

  it.each(FLAG_CASES)('trace %j', async (args, message) => {
    await expectRefused(args, message);
  });
});
