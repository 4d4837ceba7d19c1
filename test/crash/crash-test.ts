/**
 * `npm run crash-test [-- --seed N --kills N --spec 'instances=2000&regions=1' --epoch-step N --lease-seconds N --keep --json]`:
 * SIGKILLs update-heavy `cloudtap run`s at seeded random moments, reruns each, and compares the store with a
 * reference store that ran the same specs without kills (test/crash/harness.ts). Exit 0 when every comparison
 * found no mismatch, 1 otherwise. Replay a failure with the seed it printed.
 */
import { parseArgs } from 'node:util';
import { crashTest } from './harness';

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    kills: { type: 'string', default: '20' },
    spec: { type: 'string', default: 'instances=2000&regions=1' },
    'epoch-step': { type: 'string', default: '2' },
    'lease-seconds': { type: 'string', default: '15' },
    keep: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});

const wholeNumber = (name: string, raw: string | undefined, min: number): number => {
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min) {
    console.error(`crash-test: --${name} must be a whole number ≥ ${min}, got "${raw ?? ''}"`);
    process.exit(1);
  }
  return value;
};

// A fresh seed unless one is given: printed first, so that an interrupted run can be replayed too.
const seed = values.seed !== undefined ? wholeNumber('seed', values.seed, 0) : Math.floor(Math.random() * 2 ** 31);
const kills = wholeNumber('kills', values.kills, 1);
const epochStep = wholeNumber('epoch-step', values['epoch-step'], 1);
const leaseSeconds = wholeNumber('lease-seconds', values['lease-seconds'], 1);
const log = (line: string) => console.error(`[crash-test ${new Date().toISOString().slice(11, 19)}] ${line}`);
log(`seed ${seed} (replay: npm run crash-test -- --seed ${seed} --kills ${kills} --spec '${values.spec}' --epoch-step ${epochStep} --lease-seconds ${leaseSeconds})`);

const report = await crashTest({ seed, kills, spec: values.spec, epochStep, leaseSeconds, keep: values.keep, log });
if (values.json) {
  console.log(JSON.stringify({ ...report, mismatches: report.mismatches.slice(0, 50) }, null, 2));
} else {
  const kills = report.kills;
  const landed = kills.filter((k) => k.left !== undefined).length;
  console.log(`crash-test, seed ${report.seed}, '${report.spec}':`);
  console.log(`  kills: ${kills.length} (${landed} after the run took its sequence number, ${kills.filter((k) => k.runRecorded).length} after its run record was stored, ${kills.filter((k) => k.finishedBeforeKill).length} after it exited)`);
  console.log(`  compared after each: ${report.entities.resources} records, ${report.entities.histories} history chains, ${report.entities.events} events (at the end)`);
  console.log(`  history items off the chain (written, their change never landed; not shown by history()): ${report.orphanedHistoryItems}`);
  console.log(`  mismatches: ${report.mismatches.length}${report.firstMismatchStep !== undefined ? ` (first at kill ${report.firstMismatchStep})` : ''}`);
  console.log(`  duration: ${(report.durationMs / 1000).toFixed(0)} s`);
  for (const m of report.mismatches.slice(0, 20)) {
    console.log(`  ${m.kind} ${m.key}: ${m.fields.join(', ')}\n    crash:     ${JSON.stringify(m.crash)}\n    reference: ${JSON.stringify(m.reference)}`);
  }
  if (report.mismatches.length > 0) console.log(`  stores kept: ${report.dataDirs.crash} (crash), ${report.dataDirs.reference} (reference)`);
}
process.exitCode = report.mismatches.length === 0 ? 0 : 1;
