import type { StoredRun } from '../../src/store/run-store';
import type { RunSummary } from '../../src/dto/run-summary';

/** A stored run as `cloudtap run --json` prints it: the store's keys, its sequence number and the partition list left out. */
export function runSummaryOf(run: StoredRun): RunSummary {
  const { completePartitions: _partitions, seq: _seq, ...rest } = run;
  const { pk: _pk, sk: _sk, kind: _kind, ...summary } = rest as RunSummary & { pk?: string; sk?: string; kind?: string };
  return summary;
}
