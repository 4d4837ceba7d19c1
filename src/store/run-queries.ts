import type { Database } from './dynamo';
import { emptyReadStats, readPages, type ReadStats } from './read-pages';
import type { StoredRun } from './run-store';

/** The most recent runs, newest first: a descending Query of bySeq that stops after `limit`. */
export async function recentRuns(db: Database, limit: number, stats: ReadStats = emptyReadStats()): Promise<StoredRun[]> {
  const runs: StoredRun[] = [];
  const read = {
    query: {
      TableName: db.tables.runs, IndexName: 'bySeq', KeyConditionExpression: 'kind = :kind',
      ExpressionAttributeValues: { ':kind': 'run' }, ScanIndexForward: false, Limit: limit,
    },
  };
  for await (const item of readPages(db, read, stats)) {
    runs.push(item as unknown as StoredRun);
    if (runs.length >= limit) break;
  }
  return runs;
}
