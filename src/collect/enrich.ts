import type { CollectContext, Enrichment, RelatedResource, ResourceRecord, ResourceType } from '../services/resource-type';
import { enrichmentsOf } from '../services/resource-type';
import type { ResourceStore, StoredResource } from '../store/resource-store';

const HOUR_MS = 3_600_000;

/**
 * The edges a record's type declares (each once), set on the record once it is enriched: some come from what an
 * enrichment adds (a target group's targets).
 */
export function attachRelations(type: Pick<ResourceType, 'relations'>, records: ResourceRecord[]): void {
  for (const record of records) setRelations(type, record);
}

function setRelations(type: Pick<ResourceType, 'relations'>, record: ResourceRecord): void {
  if (!type.relations?.length) return;
  const related: RelatedResource[] = [];
  const seen = new Set<string>();
  for (const relation of type.relations) {
    for (const id of relation.ids(record)) {
      const key = `${relation.name}\0${relation.type}\0${id}`;
      if (!id || seen.has(key)) continue;
      seen.add(key);
      related.push({ relation: relation.name, type: relation.type, id });
    }
  }
  if (related.length > 0) record.related = related;
  else delete record.related;
}

/** Where a page's stored records are read from, for enrichments whose fields are kept between runs. */
export interface StoredRecords {
  partition: string;
  resources: Pick<ResourceStore, 'getMany'>;
  /** When the partition was last collected completely (ISO): the per-resource calls due since then are made now. */
  lastCollected?: string;
}

/**
 * Runs a type's enrichments on one page of records. Listing-wide enrichments (a call or a few per listing) run
 * every time. Per-resource ones (user data, a bucket's settings) are made only for records that need them: never
 * stored, stored with the fields unknown, `needed` by the type's own change signal (an instance seen stopped), older
 * than `maxAgeHours`, or `force`d (a real-time refresh); every other record takes the fields from its stored record,
 * read 100 a call. An unchanged run makes no per-resource call.
 */
export async function enrichPage(
  type: Pick<ResourceType, 'enrich'>, records: ResourceRecord[], context: CollectContext, stored: StoredRecords | undefined,
  options: { force?: boolean; now?: number } = {},
): Promise<void> {
  const enrichments = enrichmentsOf(type);
  if (enrichments.length === 0 || records.length === 0) return;
  // The stored records of the page's records that a per-resource enrichment is for (100 a BatchGetItem).
  const memoized = records.filter((r) => enrichments.some((e) => e.perResource && ((e.perResource.applies?.(r) ?? true) || e.perResource.keeps?.(r))));
  const memo = memoized.length > 0 && stored && !options.force
    ? await stored.resources.getMany(stored.partition, memoized.map((r) => r.id))
    : new Map<string, StoredResource>();
  await Promise.all(enrichments.map((enrichment) => {
    if (!enrichment.perResource) return enrichment.apply(records, context);
    const applies = enrichment.perResource.applies ?? (() => true);
    for (const record of records) {
      const previous = enrichment.perResource.keeps?.(record) && !applies(record) ? memo.get(record.id) : undefined;
      if (previous) keepFields(enrichment, record, previous);
    }
    const due = records.filter(applies).filter((record) => {
      const previous = memo.get(record.id);
      if (!previous || previous.deletedAt || options.force || isDue(enrichment, record.id, previous, stored?.lastCollected, options.now ?? Date.now())) return true;
      if (enrichment.perResource?.needed?.(record, previous)) return true;
      keepFields(enrichment, record, previous);
      return false;
    });
    return due.length > 0 ? enrichment.apply(due, context) : undefined;
  }));
}

/**
 * Stored with the fields unknown (the call failed last time), or due by age: each record has an hour slot
 * (its id's hash modulo `maxAgeHours`), and its calls are made by the first run after that hour comes round, so
 * a partition's per-resource calls are spread evenly over the period whatever the schedule.
 */
function isDue(enrichment: Enrichment, id: string, previous: StoredResource, lastCollected: string | undefined, now: number): boolean {
  const fields = enrichment.perResource?.fields ?? [];
  const unknown = (previous.data.unknown_fields as string[] | undefined) ?? [];
  if (fields.some((f) => unknown.includes(f) || (f === 'tags' ? !previous.tags : !(f in previous.data)))) return true;
  const maxAge = enrichment.perResource?.maxAgeHours;
  if (maxAge === undefined || maxAge <= 0) return false;
  const last = Date.parse(lastCollected ?? '');
  const nowHour = Math.floor(now / HOUR_MS);
  const hoursSince = Number.isNaN(last) ? maxAge : nowHour - Math.floor(last / HOUR_MS);
  const slot = hourSlot(id, maxAge);
  return ((nowHour - slot) % maxAge + maxAge) % maxAge < Math.min(hoursSince, maxAge);
}

/** FNV-1a of the id, modulo the period. */
function hourSlot(id: string, period: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return hash % period;
}

/**
 * The record takes the enrichment's fields from what is stored (they cannot have changed without a signal). `tags`
 * names the record's tags (some services read them by a call per resource).
 */
function keepFields(enrichment: Enrichment, record: ResourceRecord, previous: StoredResource): void {
  for (const field of enrichment.perResource?.fields ?? []) {
    if (field === 'tags') record.tags = { ...previous.tags };
    else record.data[field] = previous.data[field];
  }
}
