import { DescribeMapRunCommand, GetExecutionHistoryCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';
import { STATE } from '../../lib/workflow/definition';

/** How far a remote run has got, as its execution history and its Map Runs tell. */
export interface RemoteProgress {
  phase: 'planning' | 'collecting' | 'finalizing';
  /** The Distributed Map's runs so far (a page of accounts each), oldest first. */
  mapRuns: string[];
  /** Accounts of the Map Runs so far (later pages are not counted until they start). */
  total?: number;
  /** Accounts whose child execution ended. */
  done: number;
  /** Accounts whose child execution failed (their tasks' own failures are in the summary). */
  failed: number;
  /** Each Map Run's counts as last described; a run is final once it ended and was described after. */
  counts: Record<string, { total: number; done: number; failed: number; final: boolean }>;
  /** Map Runs that ended (their last description is final). */
  ended: string[];
}

export function initialProgress(): RemoteProgress {
  return { phase: 'planning', mapRuns: [], done: 0, failed: 0, counts: {}, ended: [] };
}

/** Adds the events of one poll: a Map Run started or ended, the run finalizing. */
export function applyHistory(progress: RemoteProgress, events: readonly HistoryEvent[]): RemoteProgress {
  const next = { ...progress, mapRuns: [...progress.mapRuns], ended: [...progress.ended] };
  for (const event of events) {
    switch (event.type) {
      case 'MapRunStarted': {
        const arn = event.mapRunStartedEventDetails?.mapRunArn;
        next.phase = 'collecting';
        if (arn) next.mapRuns.push(arn);
        break;
      }
      case 'MapRunSucceeded':
      case 'MapRunFailed':
      case 'MapRunAborted': {
        const arn = next.mapRuns.at(-1);
        if (arn) next.ended.push(arn);
        break;
      }
      case 'TaskStateEntered':
        if (event.stateEnteredEventDetails?.name === STATE.finalize) next.phase = 'finalizing';
        break;
    }
  }
  return next;
}

/**
 * Describes the Map Runs whose counts are not final yet (the running page, and one that ended since its last
 * description): DescribeMapRun's item counts are the accounts of that page, done and failed.
 */
export async function describeMapRuns(sfn: SFNClient, progress: RemoteProgress): Promise<RemoteProgress> {
  const counts = { ...progress.counts };
  for (const arn of progress.mapRuns) {
    if (counts[arn]?.final) continue;
    const final = progress.ended.includes(arn);
    const { itemCounts: c } = await sfn.send(new DescribeMapRunCommand({ mapRunArn: arn }));
    const failed = (c?.failed ?? 0) + (c?.aborted ?? 0) + (c?.timedOut ?? 0);
    counts[arn] = { total: c?.total ?? 0, done: (c?.succeeded ?? 0) + failed, failed, final };
  }
  const all = Object.values(counts);
  return {
    ...progress, counts,
    ...(all.length > 0 ? { total: all.reduce((n, c) => n + c.total, 0) } : {}),
    done: all.reduce((n, c) => n + c.done, 0),
    failed: all.reduce((n, c) => n + c.failed, 0),
  };
}

/**
 * Reads an execution's history a poll at a time: newest first, down to the last event already seen, so each poll
 * costs the new events only (a run of thousands of tasks has tens of thousands of events).
 */
export class HistoryReader {
  #lastSeenId = 0;

  constructor(private readonly sfn: SFNClient, private readonly executionArn: string) {}

  /** Events since the previous call, oldest first. */
  async newEvents(): Promise<HistoryEvent[]> {
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    read: do {
      const page = await this.sfn.send(new GetExecutionHistoryCommand({
        executionArn: this.executionArn, reverseOrder: true, includeExecutionData: false, maxResults: 1000, ...(nextToken ? { nextToken } : {}),
      }));
      for (const event of page.events ?? []) {
        if ((event.id ?? 0) <= this.#lastSeenId) break read;
        events.push(event);
      }
      nextToken = page.nextToken;
    } while (nextToken);
    events.reverse();
    this.#lastSeenId = events.at(-1)?.id ?? this.#lastSeenId;
    return events;
  }
}
