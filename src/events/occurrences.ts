import type { RunStore, StoredRun } from '../store/run-store';
import type { StoredEvent } from '../store/event-store';
import type { TapEvent } from './tap-event';

/**
 * The runs that completed since some time, used to derive how often a persisting condition was seen:
 * an open event occurred once more in every run that collected its partition completely.
 */
export class RunLedger {
  constructor(private readonly runs: readonly Pick<StoredRun, 'startedAt' | 'completePartitions'>[]) {}

  /** The ledger every open one of `events` needs: the runs since the oldest point any of them is counted through. */
  static async covering(events: readonly Pick<StoredEvent, 'state' | 'countedThrough'>[], runs: RunStore): Promise<RunLedger> {
    const open = events.filter((e) => e.state === 'open');
    if (open.length === 0) return new RunLedger([]);
    const since = open.reduce((min, e) => (e.countedThrough < min ? e.countedThrough : min), open[0]?.countedThrough ?? '');
    return new RunLedger(await runs.runsSince(since));
  }

  occurrences(event: Pick<StoredEvent, 'state' | 'count' | 'lastTime' | 'countedThrough' | 'partition'>): { count: number; lastTime: string } {
    if (event.state !== 'open') return { count: event.count, lastTime: event.lastTime };
    let count = event.count;
    let lastTime = event.lastTime;
    for (const run of this.runs) {
      if (run.startedAt > event.countedThrough && run.completePartitions.includes(event.partition)) {
        count += 1;
        if (run.startedAt > lastTime) lastTime = run.startedAt;
      }
    }
    return { count, lastTime };
  }

  /** The event as an operator sees it: count and last time brought up to date. */
  view(event: StoredEvent): TapEvent {
    const { pk: _pk, sk: _sk, countedThrough: _c, ...rest } = event;
    return { ...rest, ...this.occurrences(event) };
  }
}
