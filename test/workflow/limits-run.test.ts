import { describe, it, expect } from '@jest/globals';
import { collectionWorkflow } from '../../lib/workflow/definition';
import { STEP_FUNCTIONS_LIMITS, estimateHistory } from '../../lib/workflow/limits';
import { overlayEnvironment } from '../../cli/environment';
import type { StateEvent } from '../../local/runner';
import { localStore } from '../support/local-run';

/**
 * The history Step Functions would record for the events the local interpreter logs: each state's Entered and Exited;
 * for a Task state, Scheduled, Started and Succeeded/Failed per attempt (its first, and one per retry); for a Map,
 * its Started/Succeeded (or a Distributed Map's MapRunStarted/Succeeded); for an inline Map's item, its
 * MapIterationStarted/Succeeded; the execution's Started and Succeeded.
 */
function awsHistory(events: StateEvent[], iterationState: string): number {
  let count = 2;
  for (const e of events) {
    if (e.type === 'StateEntered' || e.type === 'StateExited') count++;
    if (e.type === 'StateEntered' && e.state?.type === 'Task') count += 3;
    if (e.type === 'StateRetried') count += 3;
    if (e.type === 'StateEntered' && e.state?.type === 'Map') count += 2;
    if (e.type === 'StateEntered' && e.state?.name === iterationState) count += 2;
  }
  return count;
}

describe('the workflow at 100 accounts, run for real (the sandbox organization, pages of 25)', () => {
  it('stays within what the static check computes for the same shape, and far below AWS\'s limits', async () => {
    const events: StateEvent[] = [];
    const store = await localStore();
    const restore = overlayEnvironment({ CLOUDTAP_ACCOUNTS_PER_PAGE: '25' });
    let summary;
    try {
      summary = await store.run('accounts=100&regions=1&instances=1', { accounts: { organization: {} }, services: ['EC2'], accountConcurrency: 10 }, { onStateEvent: (e) => events.push(e) });
    } finally {
      restore();
    }
    expect(summary.status).toBe('succeeded');
    expect(summary.accounts?.total).toBe(100);

    // Payloads: every state's input and output as the interpreter handed them on.
    const sizes = events.flatMap((e) => [e.state?.input, e.state?.output].filter((v) => v !== undefined).map((v) => Buffer.byteLength(JSON.stringify(v))));
    const largest = Math.max(...sizes);

    // Histories: the parent's events have no index; a child's (and its tasks' Map's) carry the account's index in
    // its page, and pages run one after another: the page is the number of Map runs the parent has started.
    const parent = events.filter((e) => e.index === undefined);
    const byAccount = new Map<string, StateEvent[]>();
    let page = -1;
    for (const e of events) {
      if (e.index === undefined && e.type === 'StateEntered' && e.state?.name === 'CollectAccounts') page++;
      if (e.index === undefined || e.type.startsWith('MapIteration')) continue;
      const key = `${page}:${e.index}`;
      byAccount.set(key, [...(byAccount.get(key) ?? []), e]);
    }
    const childHistories = [...byAccount.values()].map((list) => awsHistory(list, 'Collect'));
    const parentHistory = awsHistory(parent, '');
    const pages = Math.ceil(100 / 25);
    const tasksOf = (list: StateEvent[]) => list.filter((e) => e.type === 'StateEntered' && e.state?.name === 'Collect').length;
    const tasks = Math.max(...[...byAccount.values()].map(tasksOf));
    const estimate = estimateHistory(collectionWorkflow(), { items: { CollectTasks: tasks }, loops: { MoreAccounts: pages - 1 } });
    process.stdout.write(`100 accounts for real: largest state payload ${largest} bytes; parent history ${parentHistory} events (worst case ${estimate.events}); `
      + `child histories ${Math.min(...childHistories)}–${Math.max(...childHistories)} events (worst case ${estimate.children.CollectAccounts?.events}) for ${tasks} tasks\n`);

    expect(byAccount.size).toBe(summary.accounts!.total - summary.accounts!.inactive);
    expect(largest).toBeLessThan(STEP_FUNCTIONS_LIMITS.payloadBytes / 4);
    expect(parentHistory).toBeLessThanOrEqual(estimate.events);
    expect(Math.max(...childHistories)).toBeLessThanOrEqual(estimate.children.CollectAccounts!.events);
    // Nothing was retried here: the plain path the model counts is what happened, event for event.
    if (!events.some((e) => e.type === 'StateRetried')) {
      // … + Finalize, then ExportSnapshot (a Task) and SnapshotExported (a Pass).
      expect(parentHistory).toBe(2 + 5 + pages * (5 + 4 + 2) + (pages - 1) * 2 + 5 + 5 + 2);
      expect(new Set([...byAccount.values()].map((list) => awsHistory(list, 'Collect') - 7 * tasksOf(list)))).toEqual(new Set([16]));
    }
  }, 300_000);
});
