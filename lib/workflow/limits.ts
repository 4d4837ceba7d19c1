import type { WorkflowDefinition } from './definition';

/**
 * What Step Functions allows a standard execution (AWS docs, "Step Functions service quotas"): 256 KiB per state's
 * input or output, 25,000 events in an execution's history. A Distributed Map's child executions each have their own.
 */
export const STEP_FUNCTIONS_LIMITS = { payloadBytes: 256 * 1024, historyEvents: 25_000 } as const;

type States = WorkflowDefinition['States'];
type AnyState = States[string] & {
  Type: string; Next?: string; End?: boolean; Retry?: { MaxAttempts?: number }[]; Catch?: { Next: string }[];
  ItemProcessor?: { StartAt: string; States: States; ProcessorConfig?: { Mode?: string } }; Choices?: { Next: string }[]; Default?: string;
};

/** How many items each Map state iterates over, and how often each Choice state loops back (its other branch once). */
export interface HistoryShape {
  items: Record<string, number>;
  loops: Record<string, number>;
}

/** The worst-case history of one execution of a state machine, and of each kind of child execution its Distributed Maps start. */
export interface HistoryEstimate {
  events: number;
  /** By Distributed Map state name: the events of one child execution (the largest, every item alike). */
  children: Record<string, HistoryEstimate>;
}

/**
 * Counts the history events of the worst case, from the definition: every Task state retried as often as its
 * Retry allows (each attempt: TaskScheduled, TaskStarted and TaskFailed/TaskSucceeded) and then caught (its Catch
 * path taken instead of its Next, when that is the longer); a state's own Entered and Exited; an inline Map's MapStateEntered/Started/Succeeded/Exited plus,
 * per item, MapIterationStarted/Succeeded and its processor's path; a Distributed Map's MapStateEntered, MapRunStarted,
 * MapRunSucceeded and MapStateExited in the parent (its items run as child executions with their own histories);
 * an execution's Started and Succeeded.
 */
export function estimateHistory(definition: { StartAt: string; States: States }, shape: HistoryShape): HistoryEstimate {
  const children: Record<string, HistoryEstimate> = {};
  const path = (startAt: string, states: States, looped = new Map<string, number>()): number => {
    let events = 0;
    let name: string | undefined = startAt;
    while (name) {
      const state = states[name] as AnyState | undefined;
      if (!state) throw new Error(`state ${name} is not defined`);
      events += stateEvents(name, state);
      if (state.Type === 'Choice') {
        const times: number = looped.get(name) ?? 0;
        const loops: number = shape.loops[name] ?? 0;
        looped.set(name, times + 1);
        name = times < loops ? state.Choices?.[0]?.Next : state.Default;
        continue;
      }
      if (state.Type === 'Task' && state.Catch?.length) {
        // The worst case: every attempt failed and the longest Catch path ran — or, when it is longer, the path on.
        const caught = Math.max(...state.Catch.map((c) => path(c.Next, states, new Map(looped))));
        const onward = state.End || !state.Next ? 0 : path(state.Next, states, looped);
        return events + Math.max(caught, onward);
      }
      name = state.End ? undefined : state.Next;
    }
    return events;
  };
  const stateEvents = (name: string, state: AnyState): number => {
    let events = 2;
    if (state.Type === 'Task') {
      const attempts = 1 + (state.Retry ?? []).reduce((sum, r) => sum + (r.MaxAttempts ?? 3), 0);
      events += attempts * 3;
    }
    if (state.Type === 'Map' && state.ItemProcessor) {
      const processor = state.ItemProcessor;
      const perItem = path(processor.StartAt, processor.States);
      if (processor.ProcessorConfig?.Mode === 'DISTRIBUTED') {
        events += 2;
        children[name] = { events: perItem + 2, children: {} };
      } else {
        events += 2 + (shape.items[name] ?? 0) * (2 + perItem);
      }
    }
    return events;
  };
  return { events: 2 + path(definition.StartAt, definition.States), children };
}
