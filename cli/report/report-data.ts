import { listResources } from '../../src/store/inventory-queries';
import { listEvents } from '../../src/events/event-queries';
import { recentRuns } from '../../src/store/run-queries';
import { CLOUD_SERVICE_TYPE } from '../../src/collect/collect-task';
import { instanceLifetime, type InstanceLifetime } from '../../src/report/configuration';
import type { RunSummary } from '../../src/dto/run-summary';
import type { TapEvent } from '../../src/events/tap-event';
import type { Database } from '../../src/store/dynamo';
import { activeInstancesOverTime, type GroupSeries } from './instances-over-time';
import { runSummaryOf } from './run-summary';

export interface NamedCount {
  name: string;
  count: number;
}

/** Everything the HTML report shows, read from the store once. */
export interface ReportData {
  generatedAt: string;
  /** Where the data came from, for the page's header (the data directory or the DynamoDB endpoint). */
  source: string;
  resources: { total: number; byType: NamedCount[]; byRegion: NamedCount[] };
  /** Open events, most severe first, then the most recent. */
  openEvents: TapEvent[];
  instances: { lifetimes: InstanceLifetime[]; series: GroupSeries[] };
  /** The most recent runs, newest first. */
  runs: RunSummary[];
}

const RUNS_SHOWN = 20;

export async function loadReportData(db: Database, options: { generatedAt: string; source: string }): Promise<ReportData> {
  const [inventory, openEvents, runs] = await Promise.all([loadInventory(db), listEvents(db, { state: 'open' }), recentRuns(db, RUNS_SHOWN)]);
  openEvents.sort((a, b) => a.severity - b.severity || b.lastTime.localeCompare(a.lastTime) || a.id.localeCompare(b.id));
  return {
    generatedAt: options.generatedAt,
    source: options.source,
    resources: inventory.resources,
    openEvents,
    instances: { lifetimes: inventory.lifetimes, series: activeInstancesOverTime(inventory.lifetimes, options.generatedAt) },
    runs: runs.map(runSummaryOf),
  };
}

/**
 * Counts of the resources that exist (type metadata left out), and every instance's lifetime, deleted ones too:
 * the whole inventory is counted, so this is the one read that scans the current records.
 */
export async function loadInventory(db: Database): Promise<{ resources: ReportData['resources']; lifetimes: InstanceLifetime[] }> {
  const byType = new Map<string, number>();
  const byRegion = new Map<string, number>();
  const lifetimes: InstanceLifetime[] = [];
  let total = 0;
  for (const record of await listResources(db, { includeDeleted: true })) {
    if (record.type === 'EC2.Instance') {
      const lifetime = instanceLifetime(record);
      if (lifetime) lifetimes.push(lifetime);
    }
    if (record.deletedAt || record.type === CLOUD_SERVICE_TYPE) continue;
    total++;
    byType.set(record.type, (byType.get(record.type) ?? 0) + 1);
    byRegion.set(record.region, (byRegion.get(record.region) ?? 0) + 1);
  }
  return { resources: { total, byType: sortedCounts(byType), byRegion: sortedCounts(byRegion) }, lifetimes };
}

function sortedCounts(counts: Map<string, number>): NamedCount[] {
  return [...counts].map(([name, count]) => ({ name, count })).sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
}

