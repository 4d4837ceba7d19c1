/**
 * Calls in flight at once, as AWS's throttles see them: per (account, region, service, operation) — the key of EC2's
 * token buckets — overall, and how many accounts were being called at the same time. A call is in flight from the
 * moment the server has read which call it is until its answer is ready, `latencyMs` included, so concurrent calls
 * overlap for as long as a client keeps them open.
 */

export interface InFlightKey {
  accountId: string;
  region: string;
  /** `EC2`, `CloudTrail`, `STS` or a module's name (`S3`, `Organizations`, …). */
  service: string;
  operation: string;
}

export interface InFlightPeak extends InFlightKey {
  /** The most calls of this key that were in flight at once. */
  max: number;
}

export interface MaxInFlight {
  /** The most calls in flight at once, whatever their key. */
  overall: number;
  /** The most distinct accounts with a call in flight at once. */
  accounts: number;
  /** The keys with the highest peaks, highest first (ties in key order), at most `top` of them. */
  byKey: InFlightPeak[];
  /** How many distinct keys were called at all (byKey lists only the top ones). */
  keys: number;
}

const SEPARATOR = '\u0000';

export class InFlightCounter {
  private current = 0;
  private peak = 0;
  private peakAccounts = 0;
  private readonly byKey = new Map<string, { now: number; max: number }>();
  private readonly byAccount = new Map<string, number>();

  /** Counts a call in; the returned function counts it out (call it once, when the answer is ready). */
  enter(key: InFlightKey): () => void {
    const id = [key.accountId, key.region, key.service, key.operation].join(SEPARATOR);
    let entry = this.byKey.get(id);
    if (!entry) {
      entry = { now: 0, max: 0 };
      this.byKey.set(id, entry);
    }
    entry.now++;
    entry.max = Math.max(entry.max, entry.now);
    this.current++;
    this.peak = Math.max(this.peak, this.current);
    this.byAccount.set(key.accountId, (this.byAccount.get(key.accountId) ?? 0) + 1);
    this.peakAccounts = Math.max(this.peakAccounts, this.byAccount.size);
    const counted = entry;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      counted.now--;
      this.current--;
      const calls = (this.byAccount.get(key.accountId) ?? 1) - 1;
      if (calls === 0) this.byAccount.delete(key.accountId);
      else this.byAccount.set(key.accountId, calls);
    };
  }

  /** Calls in flight right now. */
  inFlight(): number {
    return this.current;
  }

  max(top = 10): MaxInFlight {
    const peaks = [...this.byKey].map(([id, entry]): InFlightPeak & { id: string } => {
      const [accountId = '', region = '', service = '', operation = ''] = id.split(SEPARATOR);
      return { id, accountId, region, service, operation, max: entry.max };
    });
    peaks.sort((a, b) => b.max - a.max || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return {
      overall: this.peak,
      accounts: this.peakAccounts,
      byKey: peaks.slice(0, Math.max(0, top)).map(({ id: _id, ...peak }) => peak),
      keys: peaks.length,
    };
  }

  /** Forgets the peaks; calls still in flight stay counted (and set the new peaks). */
  reset(): void {
    this.peak = this.current;
    this.peakAccounts = this.byAccount.size;
    for (const [id, entry] of this.byKey) {
      if (entry.now === 0) this.byKey.delete(id);
      else entry.max = entry.now;
    }
  }
}
