import type { TaskTrace } from '../src/store/run-store';
import { isStoreCall } from '../src/aws/call-trace';

/** The lower bound on a run's wall time that AWS latency alone sets, from the calls each task of the plan makes. */
export interface PlanIdeal {
  latencyMs: number;
  concurrency: number;
  /** AWS calls of the run (the probe's and every task's). */
  totalCalls: number;
  /** The longest chain of calls that must follow one another: the probe, an account's own, then the task with the longest chain. */
  longestChain: number;
  /** Which task has it. */
  longestChainTask: string;
  chainMs: number;
  callsOverConcurrencyMs: number;
  idealMs: number;
}

/** Calls that need an earlier call's answer in the same task (besides pagination): one more link. */
const AFTER_ANOTHER_CALL: Record<string, string> = {
  // user data of the instances of a page
  'EC2.DescribeInstanceAttribute': 'EC2.DescribeInstances',
  // the zones of each region DescribeRegions returned
  'EC2.DescribeAvailabilityZones': 'EC2.DescribeRegions',
  // the status and selectors of each trail DescribeTrails returned
  'CloudTrail.GetTrailStatus': 'CloudTrail.DescribeTrails',
  'CloudTrail.GetEventSelectors': 'CloudTrail.DescribeTrails',
};

/**
 * A listing's pages follow one another (each needs the previous NextToken), and the calls that need a listed
 * resource follow its page (the last page at the latest); everything else may run at once. So a task's chain is
 * its longest listing, plus one for calls made about listed resources, plus one for an AssumeRole first.
 */
export function planIdeal(traces: TaskTrace[], latencyMs: number, concurrency: number): PlanIdeal {
  let totalCalls = 0;
  let probeChain = 0;
  let accountChain = 0;
  let longestTaskChain = 0;
  let longestChainTask = '';
  for (const trace of traces) {
    const counts = new Map<string, number>();
    for (const call of trace.calls) {
      if (isStoreCall(call)) continue;
      const key = `${call.service}.${call.operation}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      totalCalls++;
    }
    if (trace.taskId === 'GetTasks') {
      // GetCallerIdentity, then DescribeRegions, then (an organization) ListAccounts page after page: one after another.
      probeChain = [...counts.values()].reduce((a, b) => a + b, 0);
      continue;
    }
    if (trace.taskId.startsWith('PlanAccount:')) {
      // AssumeRole, GetCallerIdentity, DescribeRegions: each account's tasks start after its own three.
      accountChain = Math.max(accountChain, [...counts.values()].reduce((a, b) => a + b, 0));
      continue;
    }
    let chain = 0;
    for (const [operation, count] of counts) {
      if (operation === 'STS.AssumeRole') continue;
      const before = AFTER_ANOTHER_CALL[operation];
      chain = Math.max(chain, before ? (counts.get(before) ?? 1) + 1 : count);
    }
    if (counts.has('STS.AssumeRole')) chain += 1;
    if (chain > longestTaskChain) {
      longestTaskChain = chain;
      longestChainTask = trace.taskId;
    }
  }
  const longestChain = probeChain + accountChain + longestTaskChain;
  const chainMs = longestChain * latencyMs;
  const callsOverConcurrencyMs = (totalCalls * latencyMs) / concurrency;
  return {
    latencyMs, concurrency, totalCalls, longestChain, longestChainTask,
    chainMs, callsOverConcurrencyMs: Math.round(callsOverConcurrencyMs), idealMs: Math.round(Math.max(chainMs, callsOverConcurrencyMs)),
  };
}
