import type { QueryCommandInput, ScanCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Database } from './dynamo';

/** One read the store answers: a Query (of the table or an index), or — listing everything — a Scan. */
export type StoreRead = { query: QueryCommandInput } | { scan: ScanCommandInput };

/**
 * What a listing cost, as DynamoDB reports it: `examined` is the sum of the pages' `ScannedCount` (items read
 * before any filter, what read units are charged for), `returned` the items that passed the filter.
 */
export interface ReadStats {
  requests: number;
  examined: number;
  returned: number;
  scans: number;
}

export function emptyReadStats(): ReadStats {
  return { requests: 0, examined: 0, returned: 0, scans: 0 };
}

/** Every item a read returns, page after page, counted into `stats`. */
export async function* readPages(db: Database, read: StoreRead, stats: ReadStats = emptyReadStats()): AsyncGenerator<Record<string, unknown>> {
  let startKey: Record<string, unknown> | undefined;
  do {
    const output = 'query' in read
      ? await db.client.query({ ...read.query, ExclusiveStartKey: startKey })
      : await db.client.scan({ ...read.scan, ExclusiveStartKey: startKey });
    stats.requests += 1;
    if ('scan' in read) stats.scans += 1;
    stats.examined += output.ScannedCount ?? 0;
    stats.returned += output.Count ?? 0;
    yield* output.Items ?? [];
    startKey = output.LastEvaluatedKey;
  } while (startKey);
}

/**
 * Builds a read's expression attribute names and values, each under a placeholder of its own, so that
 * DynamoDB's reserved words (`type`, `region`, `state`, `group`, …) never need thought at the call site.
 */
export class Expressions {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, unknown> = {};
  private counter = 0;

  /** A placeholder for an attribute path, given part by part (a tag key may hold a dot): `#a0.#a1`. */
  name(...path: string[]): string {
    return path.map((part) => {
      const placeholder = `#a${this.counter++}`;
      this.names[placeholder] = part;
      return placeholder;
    }).join('.');
  }

  value(value: unknown): string {
    const placeholder = `:v${this.counter++}`;
    this.values[placeholder] = value;
    return placeholder;
  }

  /** The names and values to spread into a Query or Scan input (none when there are none: DynamoDB rejects empty maps). */
  attributes(): Pick<QueryCommandInput, 'ExpressionAttributeNames' | 'ExpressionAttributeValues'> {
    return {
      ...(Object.keys(this.names).length > 0 ? { ExpressionAttributeNames: this.names } : {}),
      ...(Object.keys(this.values).length > 0 ? { ExpressionAttributeValues: this.values } : {}),
    };
  }
}
