import type { RunStore, StoredRun } from '../store/run-store';
import type { StoredEvent } from '../store/event-store';
import type { TapEvent } from './tap-event';

type Counted = Pick<StoredEvent, 'state' | 'count' | 'firstTime' | 'lastTime' | 'countedThroughSeq' | 'partition'>;

/**
 * The runs that finished since some observation, used to derive how often a persisting condition was seen: an
 * open event occurred once more in every finished run that collected its partition completely. Runs are ordered
 * by their sequence numbers, never by their clocks. This is the one place an event's count, first and last time
 * are brought up to date: every reader goes through `view` (README: which fields of the raw items are not final).
 */
export class RunLedger {
  /** Oldest first. */
  private readonly runs: readonly Pick<StoredRun, 'seq' | 'startedAt' | 'completePartitions'>[];

  constructor(runs: readonly Pick<StoredRun, 'seq' | 'startedAt' | 'completePartitions'>[]) {
    this.runs = [...runs].sort((a, b) => a.seq - b.seq);
  }

  /** The ledger every open one of `events` needs: the runs after the oldest observation any of them is counted through. */
  static async covering(events: readonly Pick<StoredEvent, 'state' | 'countedThroughSeq' | 'partition'>[], runs: RunStore): Promise<RunLedger> {
    const open = events.filter((e) => e.state === 'open');
    if (open.length === 0) return new RunLedger([]);
    const after = await runs.runsAfter(open.reduce((min, e) => Math.min(min, e.countedThroughSeq), Infinity));
    // Each account's complete partitions are in the run's COMPLETE#<account> item: read those of the events' accounts.
    const accounts = [...new Set(open.map((e) => e.partition.split('#')[0] ?? ''))];
    const complete = await runs.completeIn(after.map((r) => r.runId), accounts);
    return new RunLedger(after.map((r) => ({ ...r, completePartitions: [...(r.completePartitions ?? []), ...(complete.get(r.runId) ?? [])] })));
  }

  /**
   * The event's count, first and last time as of the finished runs. An event no finished run has counted yet
   * (its opening run is still going, or never finished) takes its first time from the first run that counts it.
   */
  occurrences(event: Counted): { count: number; firstTime: string; lastTime: string } {
    let { count, firstTime, lastTime } = event;
    if (event.state !== 'open') return { count, firstTime, lastTime };
    for (const run of this.runs) {
      if (run.seq > event.countedThroughSeq && run.completePartitions.includes(event.partition)) {
        if (count === 0) firstTime = run.startedAt;
        count += 1;
        lastTime = run.startedAt;
      }
    }
    return { count, firstTime, lastTime };
  }

  /** The event as an operator sees it: count, first and last time brought up to date. */
  view(event: StoredEvent): TapEvent {
    const { pk: _pk, sk: _sk, countedThroughSeq: _c, clearedSeq: _s, transitions: _t, ...rest } = event;
    return { ...rest, ...this.occurrences(event) };
  }
}
