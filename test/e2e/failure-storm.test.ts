import { describe, it, expect } from '@jest/globals';
import { marshall } from '@aws-sdk/util-dynamodb';
import { SANDBOX_OPERATIONS } from '../../local/sandbox/spec';
import { RunStore } from '../../src/store/run-store';
import { SUMMARY_LIMITS } from '../../src/dto/run-summary';
import type { FailurePage } from '../../cli/commands/trace';
import { localStore } from '../support/local-run';
import { cloudtap } from '../support/cli';

/** Every list call of every service denied, in every region: only the probe (DescribeRegions, STS) still answers. */
const DENY_EVERY_LIST_CALL = [
  ...SANDBOX_OPERATIONS.EC2.filter((op) => op !== 'DescribeRegions').map((op) => `*:EC2.${op}:UnauthorizedOperation`),
  ...SANDBOX_OPERATIONS.CloudTrail.map((op) => `*:CloudTrail.${op}:AccessDeniedException`),
].join(',');

const STEP_FUNCTIONS_PAYLOAD_LIMIT = 256 * 1024;
const DYNAMODB_ITEM_LIMIT = 400 * 1024;

describe('a failure storm: 9 accounts × 17 regions, every list call denied', () => {
  it('keeps Finalize\'s output and the stored run item well within their limits, and trace --failures pages through every failure', async () => {
    const store = await localStore();
    // EC2 and CloudTrail, to keep the suite quick (every account is its own child execution now, so all ten services
    // fit too: test/workflow/limits.test.ts). Every account active: the sandbox suspends one of nine by default.
    const summary = await store.run(`accounts=9&suspended=none&regions=17&instances=2&fail=${DENY_EVERY_LIST_CALL}`, { services: ['EC2', 'CloudTrail'] });
    expect(summary.status).toBe('partial');
    // Only the CloudServiceType task succeeds: it writes the types' metadata and calls no AWS API.
    expect(summary.tasks.succeeded).toBe(1);
    expect(summary.tasks.failed).toBe(summary.tasks.total - summary.tasks.skipped - 1);

    const outputBytes = Buffer.byteLength(JSON.stringify(summary));
    const workspace = await store.open();
    let itemBytes: number;
    try {
      const run = await new RunStore(workspace.db).getRun(summary.runId);
      if (!run) throw new Error('the run was not stored');
      // As DynamoDB receives it (attribute values), the size that counts against its 400 KB.
      itemBytes = Buffer.byteLength(JSON.stringify(marshall(run, { removeUndefinedValues: true })));
    } finally {
      await workspace.close();
    }
    console.log(`failure storm: ${summary.tasks.failed} failed tasks, ${summary.failureCount} failures; Finalize output ${outputBytes} bytes, run item ${itemBytes} bytes`);
    // Headroom: a quarter of each limit.
    expect(outputBytes).toBeLessThan(STEP_FUNCTIONS_PAYLOAD_LIMIT / 4);
    expect(itemBytes).toBeLessThan(DYNAMODB_ITEM_LIMIT / 4);

    // Grouped by account and code: 9 accounts × the two codes, every failure counted, and nothing else failed.
    expect(summary.failureGroups?.map((g) => g.code).sort()).toEqual([...Array(9).fill('AccessDeniedException'), ...Array(9).fill('UnauthorizedOperation')]);
    expect(new Set(summary.failureGroups?.map((g) => g.account)).size).toBe(9);
    expect(summary.failureGroups?.reduce((sum, g) => sum + g.failures, 0)).toBe(summary.failureCount);
    expect(summary.failures).toHaveLength(SUMMARY_LIMITS.listedFailures);

    // The full list, page by page, from the task results in the runs table.
    const seen = new Set<string>();
    let failures = 0;
    let after: string | undefined;
    for (let pages = 0; pages < 3; pages++) {
      const result = await cloudtap(['trace', summary.runId, '--failures', '--json', '--limit', '200', '--data-dir', store.dataDir, ...(after ? ['--after', after] : [])]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const page = JSON.parse(result.stdout) as FailurePage;
      expect(page.failedTasks).toBe(summary.tasks.failed);
      for (const f of page.failures) seen.add(f.taskId);
      failures += page.failures.length;
      after = page.next;
      if (!after) break;
    }
    expect(seen.size).toBe(summary.tasks.failed);
    expect(failures).toBe(summary.failureCount);
  }, 300_000);
});
