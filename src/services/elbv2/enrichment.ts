import {
  DescribeTagsCommand, type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { markUnknown, tagMap, type CollectContext, type Enrichment, type ResourceRecord } from '../resource-type';
import { chunked, mapWithConcurrency } from '../../util/concurrency';
import { isThrottling } from '../call-failures';

/** The ELBv2 client, by the name the service declares it under. */
export const ELBV2_CLIENT = 'elbv2';

/** Per-resource ELBv2 calls (target health, listeners of a load balancer) in flight at once. */
export const ELBV2_CALLS_IN_FLIGHT = 8;

/** DescribeTags takes at most 20 ARNs a call. */
const TAGS_PER_CALL = 20;

/** Throttling is retried by the SDK and, when it persists, fails the listing; any other error only the records it concerns. */
export { isThrottling };

export function errorCode(error: unknown): string {
  return (error as { name?: string }).name ?? 'Error';
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Tags of a page of load balancers, target groups or listeners: one DescribeTags per 20 ARNs, never one per resource.
 * The listings carry no tags; tags change without the listing changing, so they are read with every listing.
 */
export const elbv2Tags: Enrichment = {
  actions: ['elasticloadbalancing:DescribeTags'],
  apply: readTags,
};

async function readTags(records: ResourceRecord[], context: CollectContext): Promise<void> {
  const elbv2 = context.clients.get<ElasticLoadBalancingV2Client>(ELBV2_CLIENT);
  const batches = [...chunked(records, TAGS_PER_CALL)];
  await mapWithConcurrency(batches, ELBV2_CALLS_IN_FLIGHT, async (batch) => {
    try {
      const output = await elbv2.send(new DescribeTagsCommand({ ResourceArns: batch.map((record) => record.arn) }));
      const tagsOf = new Map((output.TagDescriptions ?? []).map((d) => [d.ResourceArn ?? '', tagMap(d.Tags)]));
      for (const record of batch) applyTags(record, tagsOf.get(record.arn) ?? {});
    } catch (error) {
      if (isThrottling(error)) throw error;
      // The records stay; their tags are not known (an empty map would say they have none).
      for (const record of batch) markUnknown(record, ['tags']);
      context.warn?.({ call: 'elasticloadbalancing:DescribeTags', code: errorCode(error), message: errorMessage(error), records: batch.length });
    }
  });
}

function applyTags(record: ResourceRecord, tags: Record<string, string>): void {
  record.tags = tags;
}
