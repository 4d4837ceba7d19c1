import type { Finding } from '../services/rule';
import { eventIdentity, type TypeName } from './tap-event';
import { RunLedger } from './occurrences';
import type { EventStore, NewEvent, StoredEvent } from '../store/event-store';
import type { RunStore } from '../store/run-store';
import type { EventCounts } from '../dto/task';
import type { Severity } from '../dto/tap-event';
import { IdTable } from '../util/id-table';
import { mapWithConcurrency } from '../util/concurrency';
import { parsePartition, type Observation } from '../store/resource-store';

/** Events found again confirmed open by one BatchGetItem (its limit). */
const CONFIRM_BATCH = 100;
/** Store reads in flight while the events to clear are read again. */
const READS_IN_FLIGHT = 16;

export interface EventSyncContext {
  runId: string;
  /** The run's start: every event observation of the run is stamped with it (for operators; never compared). */
  runStartedAt: string;
  /** The run's sequence number (`RunStore.sequenceOf`): what orders its observations against others. */
  seq: number;
  ems: string;
  events: EventStore;
  runs: RunStore;
}

export interface EventSyncOptions {
  /** Keep each transition (thresholds publish one alarm each); a partition's sync only counts them. */
  recordTransitions?: boolean;
  /** Observe only these resources of the partition (a real-time refresh): the others' events are left alone. */
  resources?: ReadonlySet<string>;
  /** Count each observation at once (a real-time update has no run whose record the ledger could count). */
  counted?: boolean;
  /**
   * Conditions whose severity varies while they hold (a metric: WARNING at 90 % CPU, CRITICAL at 98 %): the open
   * events are read in full at the start (their severities), and one found again at another severity is moved to it
   * (`EventStore.changeSeverity`). Without it a persisting condition keeps the severity it opened with — right for
   * rules whose findings have one severity each, and it reads only the open events' ids.
   */
  followSeverity?: boolean;
}

/** What a rule is, as far as the events it yields are concerned. */
export interface EventSource {
  name: string;
  eventClass: string;
  clearText(typeNames: TypeName[]): string;
}

export interface EventTransition {
  event: StoredEvent | { id: string; rule: string; typeNames: TypeName[]; group: string | null; severity: number; text: string };
  transition: 'opened' | 'reopened' | 'cleared';
}

/**
 * Brings the events of one partition in line with the findings of one complete observation of it:
 * new conditions open (or reopen) an event, persisting ones cost nothing (their count is derived from the
 * run ledger), and conditions no longer found are cleared. `reconcile` must only be called when the
 * observation was complete — a failed listing clears nothing.
 */
export class EventSync {
  readonly counts: EventCounts = { opened: 0, recurred: 0, cleared: 0 };
  /** Each transition, when asked for (thresholds publish one alarm each); a partition's sync only counts them. */
  readonly transitions: EventTransition[] = [];
  /** The ids of the conditions found so far. */
  private readonly observed = new IdTable();
  /** How many of the events open at the start were found again. */
  private stillOpen = 0;
  /** The account and region the partition's conditions are about: part of every event's identity. */
  private readonly where: { accountId: string; region: string };
  /**
   * Events found again that the index says are open, not yet confirmed against the table: confirmed a batch at a
   * time as the partition is observed, so that only a batch of them is held in full.
   */
  private unconfirmed = new Map<string, NewEvent>();
  /** The severities of the events open at the start, when the options ask to follow severity changes. */
  private readonly severities = new Map<string, Severity>();

  /**
   * `open`: the ids of the partition's events that were open at the start. Only the ids are kept while the
   * partition is observed (a region's open events are tens of thousands, ~1.3 KB each as items); the events
   * whose condition is gone are read again to be cleared.
   */
  private constructor(
    readonly partition: string, private readonly open: IdTable, private readonly context: EventSyncContext,
    private readonly options: EventSyncOptions,
  ) {
    this.where = parsePartition(partition);
  }

  static async start(partition: string, context: EventSyncContext, options: EventSyncOptions = {}): Promise<EventSync> {
    const open = new IdTable();
    const severities = new Map<string, Severity>();
    if (options.resources || options.followSeverity) {
      // An observation of some resources only: the events of the others are not its to clear.
      for (const event of (await context.events.openEventsOf(partition)).values()) {
        if (options.resources && !options.resources.has(event.resourceId)) continue;
        open.add(event.id);
        severities.set(event.id, event.severity);
      }
    } else {
      for await (const id of context.events.openEventIdsOf(partition)) open.add(id);
    }
    const sync = new EventSync(partition, open, context, options);
    if (options.followSeverity) for (const [id, severity] of severities) sync.severities.set(id, severity);
    return sync;
  }

  private get recordTransitions(): boolean {
    return this.options.recordTransitions ?? false;
  }

  /** Records a finding; returns the write to make, if any (the caller batches writes). */
  observe(rule: EventSource, finding: Finding, resourceId: string): (() => Promise<void>) | undefined {
    const id = eventIdentity(rule.eventClass, this.context.ems, this.where, rule.name, finding.typeNames);
    const found = this.observed.size;
    if (this.observed.add(id) < found) return undefined;
    if (this.open.has(id)) {
      this.stillOpen++;
      this.unconfirmed.set(id, this.newEvent(rule, finding, id, resourceId));
      return this.unconfirmed.size >= CONFIRM_BATCH ? this.confirmWrite() : undefined;
    }
    return this.openWrite(this.newEvent(rule, finding, id, resourceId));
  }

  private newEvent(rule: EventSource, finding: Finding, id: string, resourceId: string): NewEvent {
    return {
      id, class: rule.eventClass, ems: this.context.ems, rule: rule.name, group: finding.group, typeNames: finding.typeNames,
      severity: finding.severity, text: finding.text, partition: this.partition, resourceId,
    };
  }

  private get observation(): Observation {
    return { seq: this.context.seq, time: this.context.runStartedAt, runId: this.context.runId };
  }

  private openWrite(event: NewEvent): () => Promise<void> {
    return async () => {
      const transition = await this.context.events.open(event, this.observation, { counted: this.options.counted ?? false });
      if (transition) {
        this.counts.opened++;
        if (this.recordTransitions) this.transitions.push({ event, transition });
      } else {
        this.counts.recurred++;
      }
    };
  }

  /**
   * The conditions found again whose events the index says are open are confirmed against the table itself
   * (consistent reads, 100 a call): an index entry can outlive its item (the embedded store writes the two apart;
   * DynamoDB's indexes are eventually consistent), and a condition taken for open on such an entry would never
   * be written. Those not open after all are opened now.
   */
  private confirmWrite(): () => Promise<void> {
    const batch = this.unconfirmed;
    this.unconfirmed = new Map();
    return async () => {
      const open = await this.context.events.openAmong([...batch.keys()]);
      const recurring: string[] = [];
      for (const [id, event] of batch) {
        if (open.has(id)) recurring.push(id);
        else await this.openWrite(event)();
      }
      if (this.options.followSeverity) {
        for (const id of recurring) {
          const event = batch.get(id) as NewEvent;
          const from = this.severities.get(id);
          if (from !== undefined && from !== event.severity) await this.context.events.changeSeverity(event, from, this.observation);
        }
      }
      if (!this.options.counted) {
        this.counts.recurred += recurring.length;
        return;
      }
      // An observation that no run ledger counts (a real-time update: a few resources) counts its recurrences at once.
      const events = (await Promise.all(recurring.map((id) => this.context.events.get(id)))).filter((e): e is StoredEvent => e?.state === 'open');
      const ledger = await RunLedger.covering(events, this.context.runs);
      for (const event of events) {
        if (await this.context.events.recordOccurrence(event, ledger.occurrences(event), this.observation)) this.counts.recurred++;
      }
    };
  }

  /**
   * Clears the events open at the start whose condition was not found again. Those are read again one by one,
   * in full (counts, texts): they are few next to the partition's open events, which are not read twice.
   */
  async reconcile(rules: readonly EventSource[], writesInFlight: (writes: (() => Promise<void>)[]) => Promise<void>): Promise<void> {
    if (this.unconfirmed.size > 0) await writesInFlight([this.confirmWrite()]);
    if (this.stillOpen === this.open.size) return;
    const gone: string[] = [];
    for (let slot = 0; slot < this.open.size; slot++) {
      const id = this.open.idAt(slot);
      if (!this.observed.has(id)) gone.push(id);
    }
    const resolved: StoredEvent[] = [];
    await mapWithConcurrency(gone, READS_IN_FLIGHT, async (id) => {
      const event = await this.context.events.get(id);
      // Cleared meanwhile (another run) or gone: nothing to clear.
      if (event?.state === 'open') resolved.push(event);
    });
    if (resolved.length === 0) return;
    const ledger = await RunLedger.covering(resolved, this.context.runs);
    const rulesByName = new Map(rules.map((r) => [r.name, r]));
    await writesInFlight(resolved.map((event) => async () => {
      const okText = rulesByName.get(event.rule)?.clearText(event.typeNames) ?? `OK – ${event.rule} no longer holds`;
      if (await this.context.events.clear(event, ledger.occurrences(event), okText, this.observation)) {
        this.counts.cleared++;
        if (this.recordTransitions) this.transitions.push({ event, transition: 'cleared' });
      }
    }));
  }
}
