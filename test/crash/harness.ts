/**
 * The crash test's machinery: the real CLI in child processes, SIGKILLed at seeded random moments of update-heavy
 * runs, each kill followed by a rerun of the same spec to completion; a reference store runs the same sequence
 * of finished runs without kills, and after every step both stores are read through the project's own read
 * functions and compared. `npm run crash-test` (test/crash/crash-test.ts) runs it at length, test/e2e/crash.test.ts
 * with three kills.
 */
import { spawn } from 'node:child_process';
import { cp, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { openStore, type Workspace } from '../../cli/workspace';
import { RunLedger } from '../../src/events/occurrences';
import { canonicalJson } from '../../src/store/canonical';
import { scanItems } from '../../src/store/dynamo';
import { EventStore } from '../../src/store/event-store';
import { ResourceStore } from '../../src/store/resource-store';
import { RunStore } from '../../src/store/run-store';
import { mapWithConcurrency } from '../../src/util/concurrency';
import { TEST_CLI, tempDir } from '../support/cli';
import { mulberry32 } from '../../local/sandbox/random';

/** Store reads in flight while a store is read for comparison (history chains, one per changed resource). */
const READS_IN_FLIGHT = 16;
/** A run that takes longer than this is stuck: the test fails rather than waits for ever. */
const RUN_TIMEOUT_MS = 15 * 60_000;
/** How often the store's files are looked at while a run starts. */
const STORE_POLL_MS = 20;

/** A seeded generator (the sandbox's mulberry32), so that a failing sequence of kill moments can be replayed. */
export const seededRandom = mulberry32;

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  wallMs: number;
  /** When the store's files first changed after the spawn (LevelDB opened by the run), ms after the spawn. */
  storeOpenedMs?: number;
  stdout: string;
  stderr: string;
}

/** Names, sizes and modification times of the store's files: changes when LevelDB opens the store or writes. */
async function storeSignature(dataDir: string): Promise<string> {
  const directory = join(dataDir, 'dynamodb');
  try {
    const names = (await readdir(directory)).sort();
    const stats = await Promise.all(names.map((name) => stat(join(directory, name)).then((s) => `${name}:${s.size}:${s.mtimeMs}`, () => name)));
    return stats.join(' ');
  } catch {
    return '';
  }
}

/**
 * `cloudtap run --sandbox=SPEC --data-dir DIR --json` in a child process of its own process group. The store's
 * files are watched until they first change (the run opened the store: start-up and compilation are over);
 * with `killAfterStoreOpenMs`, the group is SIGKILLed that long after that (if it is still running).
 */
export function cliRun(spec: string, dataDir: string, options: { killAfterStoreOpenMs?: number; nodeArgs?: string[]; env?: NodeJS.ProcessEnv; services?: string } = {}): Promise<CliRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let storeOpenedMs: number | undefined;
    let watching = true;
    let killer: NodeJS.Timeout | undefined;
    let exited = false;
    function killGroup(): void {
      if (exited || child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Gone between the check and the kill.
      }
    }
    const services = options.services ? ['--services', options.services] : [];
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), TEST_CLI, 'run', `--sandbox=${spec}`, ...services, '--data-dir', dataDir, '--json'], {
      env: { ...process.env, NODE_OPTIONS: '', AWS_ENDPOINT_URL_DYNAMODB: '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    // The store's files do not change before node has started: the baseline is taken in time.
    void (async () => {
      const baseline = await storeSignature(dataDir);
      while (watching && storeOpenedMs === undefined) {
        await new Promise((r) => setTimeout(r, STORE_POLL_MS));
        if ((await storeSignature(dataDir)) !== baseline) {
          storeOpenedMs = performance.now() - started;
          if (options.killAfterStoreOpenMs !== undefined) killer = setTimeout(killGroup, options.killAfterStoreOpenMs);
        }
      }
    })();
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const stuck = setTimeout(killGroup, RUN_TIMEOUT_MS);
    child.on('error', reject);
    child.on('exit', () => { exited = true; });
    child.on('close', (code, signal) => {
      watching = false;
      clearTimeout(killer);
      clearTimeout(stuck);
      resolve({ code, signal, wallMs: performance.now() - started, ...(storeOpenedMs !== undefined ? { storeOpenedMs } : {}), stdout, stderr });
    });
  });
}

/** A run that must finish: exit 0 with a succeeded summary. */
export async function runToCompletion(spec: string, dataDir: string, options: { nodeArgs?: string[]; env?: NodeJS.ProcessEnv; services?: string } = {}): Promise<{ wallMs: number; storeOpenedMs: number; summary: Record<string, unknown> }> {
  const run = await cliRun(spec, dataDir, options);
  const summary = completeSummary(run.stdout);
  // Any other exit than 0 fails, a segfault at exit included (its cause — LevelDB's addon unloaded under its own
  // background thread — is fixed in local/embedded-dynamodb.ts).
  if (run.code !== 0) {
    throw new Error(`cloudtap run --sandbox='${spec}' --data-dir ${dataDir} exited ${run.code ?? run.signal}:\n${run.stderr.slice(-3000)}`);
  }
  if (!summary) throw new Error(`cloudtap run --sandbox='${spec}' printed no summary:\n${run.stdout.slice(0, 3000)}`);
  if (summary.status !== 'succeeded') throw new Error(`cloudtap run --sandbox='${spec}': status ${String(summary.status)}: ${run.stdout.slice(0, 3000)}`);
  return { wallMs: run.wallMs, storeOpenedMs: run.storeOpenedMs ?? 0, summary };
}

/** The run summary a `cloudtap run --json` printed, if it printed it whole. */
function completeSummary(stdout: string): Record<string, unknown> | undefined {
  try {
    const summary = JSON.parse(stdout) as Record<string, unknown>;
    return typeof summary.runId === 'string' && typeof summary.status === 'string' ? summary : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Where a store's times and sequence numbers fall, in terms both stores share: the ordinal of a finished run.
 * Times and run ids differ between the stores, and a killed run has no record of its own; but runs are
 * sequential, so every write of the killed run and of its rerun falls after the previous finished run ended and
 * no later than the rerun's end: "phase i" is (end of finished run i-1, end of finished run i].
 */
class Timeline {
  constructor(readonly finished: { runId: string; seq: number; startedAt: string; finishedAt: string }[]) {}

  phaseOfTime(time: string | undefined): string | null {
    if (time === undefined) return null;
    const i = this.finished.findIndex((run) => time <= run.finishedAt);
    return i < 0 ? `after the last run (${time})` : `phase ${i}`;
  }

  phaseOfSeq(seq: number | undefined): string | null {
    if (seq === undefined) return null;
    const i = this.finished.findIndex((run) => seq <= run.seq);
    return i < 0 ? `after the last run (seq ${seq})` : `phase ${i}`;
  }

  /**
   * An event's first and last time must be the start of a finished run (a killed run counts nothing): the
   * ordinal of that run, or a value that names what it is instead, which can never equal the reference's.
   */
  runOfStart(time: string): string {
    const i = this.finished.findIndex((run) => run.startedAt === time);
    return i < 0 ? `not a finished run's start: ${time} (${this.phaseOfTime(time)})` : `run ${i}`;
  }
}

/** What a killed run left in the store after its rerun (read from the rerun's store). */
export interface KilledRunTrace {
  runId: string;
  seq: number;
  phase: string | null;
  /** Records whose current state the killed run wrote (the rerun found them unchanged). */
  records: number;
  /** History items it wrote, and how many of them are not on a chain (their change never landed). */
  historyItems: number;
  orphanedHistoryItems: number;
  /** Event transitions it wrote. */
  transitions: number;
}

export interface StoreSnapshot {
  finishedRuns: number;
  /** `pk sk` → the record, times as phases. */
  resources: Map<string, unknown>;
  /** `pk sk` → ResourceStore.history, for every resource that has history items (the others' chain is empty). */
  histories: Map<string, unknown>;
  /** event id → RunLedger.view of it, plus EventStore.history. */
  events: Map<string, unknown>;
  killed: KilledRunTrace[];
  historyItems: number;
  orphanedHistoryItems: number;
}

async function openForReading(dataDir: string): Promise<Workspace> {
  // As `cloudtap resources` opens it: reading creates and repairs nothing.
  return openStore({ access: 'read', dataDir });
}

/** The finished runs of a store (its RUN records), oldest first. */
export async function finishedRuns(dataDir: string): Promise<number> {
  const workspace = await openForReading(dataDir);
  try {
    return (await new RunStore(workspace.db).runsAfter()).length;
  } finally {
    await workspace.close();
  }
}

/** Everything an operator can read of a store, through the project's read functions, in comparable terms. */
export async function snapshotStore(dataDir: string): Promise<StoreSnapshot> {
  const workspace = await openForReading(dataDir);
  try {
    const { db } = workspace;
    const runStore = new RunStore(db);
    const runs = await runStore.runsAfter();
    const timeline = new Timeline(runs.map((r) => ({ runId: r.runId, seq: r.seq, startedAt: r.startedAt, finishedAt: r.finishedAt })));
    // The runs table keeps each run's sequence number under its id; those without a run record never finished.
    const finishedIds = new Set(runs.map((r) => r.runId));
    const killed: KilledRunTrace[] = [];
    for await (const item of scanItems(db, { TableName: db.tables.runs, FilterExpression: 'sk = :seq', ExpressionAttributeValues: { ':seq': 'SEQ' } })) {
      const runId = item.pk as string;
      if (!finishedIds.has(runId)) {
        const seq = item.seq as number;
        killed.push({ runId, seq, phase: timeline.phaseOfSeq(seq), records: 0, historyItems: 0, orphanedHistoryItems: 0, transitions: 0 });
      }
    }
    const killedBySeq = new Map(killed.map((k) => [k.seq, k]));

    const resources = new Map<string, unknown>();
    const resourceStore = new ResourceStore(db);
    for await (const r of resourceStore.scan()) {
      const { seq, runId: _runId, firstSeen, lastChanged, deletedAt, ...rest } = r;
      resources.set(`${r.pk} ${r.sk}`, {
        ...rest, deleted: deletedAt !== undefined, changedIn: timeline.phaseOfSeq(seq),
        firstSeen: timeline.phaseOfTime(firstSeen), lastChanged: timeline.phaseOfTime(lastChanged), deletedAt: timeline.phaseOfTime(deletedAt),
      });
      const k = killedBySeq.get(seq);
      if (k) k.records++;
    }

    // Which resources have history items at all (a resource without any has an empty chain), and the seqs of each.
    const historyOf = new Map<string, { partition: string; id: string; toSeqs: number[] }>();
    let historyItems = 0;
    for await (const item of scanItems(db, { TableName: db.tables.history, ProjectionExpression: 'pk, resourceId, toSeq' })) {
      historyItems++;
      const id = item.resourceId as string;
      const partition = (item.pk as string).slice(0, -(id.length + 1));
      const key = `${partition} ${id}`;
      const entry = historyOf.get(key) ?? { partition, id, toSeqs: [] };
      entry.toSeqs.push(item.toSeq as number);
      historyOf.set(key, entry);
    }
    const histories = new Map<string, unknown>();
    let onChain = 0;
    await mapWithConcurrency([...historyOf], READS_IN_FLIGHT, async ([key, { partition, id, toSeqs }]) => {
      const chain = await resourceStore.history(partition, id);
      onChain += chain.length;
      const chained = new Set(chain.map((e) => e.toSeq));
      for (const toSeq of toSeqs) {
        const k = killedBySeq.get(toSeq);
        if (!k) continue;
        k.historyItems++;
        if (!chained.has(toSeq)) k.orphanedHistoryItems++;
      }
      if (chain.length > 0) {
        histories.set(key, chain.map((e) => ({
          change: e.change, diff: e.diff, resourceId: e.resourceId,
          time: timeline.phaseOfTime(e.time), fromSeq: timeline.phaseOfSeq(e.fromSeq), toSeq: timeline.phaseOfSeq(e.toSeq),
        })));
      }
    });

    const eventStore = new EventStore(db);
    const stored = [];
    for await (const e of eventStore.scan()) stored.push(e);
    // As `cloudtap events` reads them: counts and times brought up to date by the ledger of finished runs.
    const ledger = await RunLedger.covering(stored, runStore);
    const events = new Map<string, unknown>();
    await mapWithConcurrency(stored, READS_IN_FLIGHT, async (event) => {
      const view = ledger.view(event) as unknown as Record<string, unknown>;
      const transitions = await eventStore.history(event.id);
      for (const t of transitions) {
        const k = t.seq !== undefined ? killedBySeq.get(t.seq) : undefined;
        if (k) k.transitions++;
      }
      events.set(event.id, {
        ...view,
        firstTime: timeline.runOfStart(view.firstTime as string),
        lastTime: timeline.runOfStart(view.lastTime as string),
        ...('clearedAt' in view ? { clearedAt: timeline.phaseOfTime(view.clearedAt as string) } : {}),
        transitions: transitions.map(({ eventId: _e, runId: _r, time, seq, ...t }) => ({ ...t, time: timeline.phaseOfTime(time), seq: timeline.phaseOfSeq(seq) })),
      });
    });
    return {
      finishedRuns: runs.length, resources, histories, events, killed: killed.sort((a, b) => a.seq - b.seq),
      historyItems, orphanedHistoryItems: historyItems - onChain,
    };
  } finally {
    await workspace.close();
  }
}

export interface Mismatch {
  kind: 'resource' | 'history' | 'event';
  key: string;
  /** The top-level fields that differ (`(missing)` when one store lacks the entity). */
  fields: string[];
  crash: unknown;
  reference: unknown;
}

/** Every entity that differs between the two stores, field by field. */
export function compareSnapshots(crash: StoreSnapshot, reference: StoreSnapshot): Mismatch[] {
  const mismatches: Mismatch[] = [];
  const compare = (kind: Mismatch['kind'], a: Map<string, unknown>, b: Map<string, unknown>) => {
    for (const key of [...new Set([...a.keys(), ...b.keys()])].sort()) {
      const x = a.get(key);
      const y = b.get(key);
      if (x === undefined || y === undefined) {
        mismatches.push({ kind, key, fields: ['(missing)'], crash: x, reference: y });
        continue;
      }
      if (canonicalJson(x) === canonicalJson(y)) continue;
      const fields = Array.isArray(x) || Array.isArray(y)
        ? ['(chain)']
        : [...new Set([...Object.keys(x as object), ...Object.keys(y as object)])]
          .filter((f) => canonicalJson((x as Record<string, unknown>)[f] ?? null) !== canonicalJson((y as Record<string, unknown>)[f] ?? null));
      mismatches.push({ kind, key, fields, crash: x, reference: y });
    }
  };
  compare('resource', crash.resources, reference.resources);
  compare('history', crash.histories, reference.histories);
  compare('event', crash.events, reference.events);
  return mismatches;
}

export interface CrashTestOptions {
  seed: number;
  kills: number;
  /** The sandbox spec without its epoch, e.g. `instances=2000&regions=1`. */
  spec: string;
  /** Epochs advance by this much a step (epoch 0, then step, 2 × step, …). */
  epochStep: number;
  /** Keep the data directories (printed) instead of removing them. */
  keep?: boolean;
  /**
   * CLOUDTAP_LEASE_SECONDS for every run of both stores: how long a rerun waits before it takes over the
   * partition leases its killed predecessor left held.
   */
  leaseSeconds?: number;
  log?: (line: string) => void;
}

export interface KillRecord {
  step: number;
  epoch: number;
  fraction: number;
  /** How long after the store was opened the kill came. */
  delayMs: number;
  /** How long the reference run of the same spec ran from the store's opening to its end. */
  referenceMs: number;
  /** The killed process had exited by itself before the kill (the run finished): the reference runs it twice too. */
  finishedBeforeKill: boolean;
  /** The run record exists though the process was killed (killed after Finalize). */
  runRecorded: boolean;
  rerunMs: number;
  left?: KilledRunTrace;
  mismatches: number;
}

export interface CrashTestReport {
  seed: number;
  spec: string;
  kills: KillRecord[];
  mismatches: Mismatch[];
  /** The first step whose comparison found mismatches, if any. */
  firstMismatchStep?: number;
  durationMs: number;
  entities: { resources: number; histories: number; events: number };
  orphanedHistoryItems: number;
  dataDirs: { crash: string; reference: string };
}

/**
 * epoch 0 in both stores; then, for each step k, the reference runs epoch k×step, and the crash store starts the
 * same run, is SIGKILLed after a random fraction of the reference run's duration, and reruns it to completion.
 * After each step both stores are compared; the mismatches of the first step that has any are returned.
 */
export async function crashTest(options: CrashTestOptions): Promise<CrashTestReport> {
  const log = options.log ?? (() => {});
  const started = performance.now();
  const random = seededRandom(options.seed);
  const crashDir = await tempDir('cloudtap-crash-');
  const referenceDir = await tempDir('cloudtap-reference-');
  const specAt = (epoch: number) => `${options.spec}&epoch=${epoch}`;
  const env = options.leaseSeconds !== undefined ? { CLOUDTAP_LEASE_SECONDS: String(options.leaseSeconds) } : {};
  // EC2 and CloudTrail: the update-heavy services (instances launch, stop and terminate every epoch); the other
  // services' writes go through the same store code, and the crash runs stay within CI's time.
  const services = 'EC2,CloudTrail';
  const complete = (spec: string, dataDir: string) => runToCompletion(spec, dataDir, { env, services });
  log(`seed ${options.seed}: ${options.kills} kills of '${options.spec}', epochs 0..${options.kills * options.epochStep} by ${options.epochStep}; crash store ${crashDir}, reference ${referenceDir}`);
  const kills: KillRecord[] = [];
  let mismatches: Mismatch[] = [];
  let firstMismatchStep: number | undefined;
  let last: StoreSnapshot | undefined;
  try {
    const first = await complete(specAt(0), referenceDir);
    // Both stores start from the same finished run of epoch 0 (no kill in it): a copy of the reference's store
    // rather than the same run a second time.
    await cp(referenceDir, crashDir, { recursive: true });
    log(`epoch 0 in both stores (reference ${Math.round(first.wallMs)} ms, copied into the crash store)`);
    for (let step = 1; step <= options.kills; step++) {
      const epoch = step * options.epochStep;
      const reference = await complete(specAt(epoch), referenceDir);
      // A random moment of the run proper: between the store's opening and the end, as long as the reference took.
      const fraction = random();
      const windowMs = reference.wallMs - reference.storeOpenedMs;
      const delayMs = Math.round(fraction * windowMs);
      const killed = await cliRun(specAt(epoch), crashDir, { killAfterStoreOpenMs: delayMs, env, services });
      const finishedBeforeKill = killed.signal === null;
      const rerun = await complete(specAt(epoch), crashDir);
      // A kill that landed after Finalize stored the run leaves a finished run: the reference then runs it again too.
      const [crashRuns, referenceRuns] = await Promise.all([finishedRuns(crashDir), finishedRuns(referenceDir)]);
      const runRecorded = crashRuns > referenceRuns;
      if (runRecorded) await complete(specAt(epoch), referenceDir);
      const reading = performance.now();
      const [crash, expected] = [await snapshotStore(crashDir), await snapshotStore(referenceDir)];
      const found = compareSnapshots(crash, expected);
      const readMs = Math.round(performance.now() - reading);
      const left = crash.killed.find((k) => k.phase === `phase ${crash.finishedRuns - 1}`);
      kills.push({
        step, epoch, fraction, delayMs, referenceMs: Math.round(windowMs), finishedBeforeKill, runRecorded,
        rerunMs: Math.round(rerun.wallMs), ...(left ? { left } : {}), mismatches: found.length,
      });
      log(`kill ${step}/${options.kills}: epoch ${epoch}, ${delayMs} ms after the store opened (${(fraction * 100).toFixed(1)} % of the reference run's ${Math.round(windowMs)} ms)`
        + `${finishedBeforeKill ? ', the run had exited already' : ''}${runRecorded ? ', its run record was stored' : ''}; `
        + `${left ? `the killed run (seq ${left.seq}) left ${left.records} records, ${left.historyItems} history items (${left.orphanedHistoryItems} off the chain), ${left.transitions} event transitions` : 'the killed run took no sequence number'}; `
        + `rerun ${Math.round(rerun.wallMs)} ms; both stores read in ${readMs} ms; ${found.length} mismatches`);
      if (found.length > 0 && firstMismatchStep === undefined) {
        firstMismatchStep = step;
        mismatches = found;
      }
      last = crash;
    }
  } finally {
    if (!options.keep && firstMismatchStep === undefined) {
      await rm(crashDir, { recursive: true, force: true });
      await rm(referenceDir, { recursive: true, force: true });
    }
  }
  return {
    seed: options.seed, spec: options.spec, kills, mismatches, ...(firstMismatchStep !== undefined ? { firstMismatchStep } : {}),
    durationMs: Math.round(performance.now() - started),
    entities: { resources: last?.resources.size ?? 0, histories: last?.histories.size ?? 0, events: last?.events.size ?? 0 },
    orphanedHistoryItems: last?.orphanedHistoryItems ?? 0,
    dataDirs: { crash: crashDir, reference: referenceDir },
  };
}
