import { GetExecutionHistoryCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';
import { STATE } from '../../lib/workflow/definition';

/** How far a remote run has got, as its execution history tells. */
export interface RemoteProgress {
  phase: 'planning' | 'collecting' | 'finalizing';
  /** Tasks of the Map, once it has started. */
  total?: number;
  done: number;
  failed: number;
}

export function initialProgress(): RemoteProgress {
  return { phase: 'planning', done: 0, failed: 0 };
}

/** Adds the events of one poll. A task that failed for good is caught and recorded, so its iteration still succeeds. */
export function applyHistory(progress: RemoteProgress, events: readonly HistoryEvent[]): RemoteProgress {
  const next = { ...progress };
  for (const event of events) {
    switch (event.type) {
      case 'MapStateStarted':
        next.phase = 'collecting';
        if (event.mapStateStartedEventDetails?.length !== undefined) next.total = event.mapStateStartedEventDetails.length;
        break;
      case 'MapIterationSucceeded':
        next.done++;
        break;
      case 'MapIterationFailed':
      case 'MapIterationAborted':
        next.done++;
        next.failed++;
        break;
      case 'PassStateEntered':
        if (event.stateEnteredEventDetails?.name === STATE.recordFailedTask) next.failed++;
        break;
      case 'TaskStateEntered':
        if (event.stateEnteredEventDetails?.name === STATE.finalize) next.phase = 'finalizing';
        break;
    }
  }
  return next;
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
