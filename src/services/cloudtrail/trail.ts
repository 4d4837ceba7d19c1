import {
  DescribeTrailsCommand, GetEventSelectorsCommand, GetTrailStatusCommand,
  type AdvancedEventSelector, type DescribeTrailsCommandOutput, type EventSelector, type GetEventSelectorsCommandOutput,
  type GetTrailStatusCommandOutput, type Trail, type CloudTrailClient,
} from '@aws-sdk/client-cloudtrail';
import { defineResourceType, type CollectContext, type ResourceRecord } from '../resource-type';
import { regionalArn } from '../arn';
import { isoTime } from '../record-values';
import { mapWithConcurrency } from '../../util/concurrency';

/** CloudTrail's control plane allows few calls a second; a region rarely has more than a handful of trails. */
const TRAIL_CALLS_IN_FLIGHT = 4;

/**
 * Trails homed in the region. Without shadow trails a multi-region (or organization) trail is listed once, in
 * its home region, where its status and selectors can be read. DescribeTrails does not paginate.
 */
export const trailType = defineResourceType<Trail, DescribeTrailsCommandOutput>({
  service: 'CloudTrail',
  name: 'Trail',
  info: {
    group: 'CloudTrail',
    displayName: 'CloudTrail Trail',
    labels: ['Management', 'Security', 'Audit'],
    primaryFields: ['name', 'is_logging', 'home_region'],
    displayFields: ['name', 'home_region', 'is_multi_region', 'is_logging', 's3_bucket', 'log_file_validation', 'latest_delivery_time', 'latest_delivery_error'],
  },
  list: {
    client: 'cloudtrail',
    action: 'cloudtrail:DescribeTrails',
    command: () => new DescribeTrailsCommand({ includeShadowTrails: false }),
    items: (output) => output.trailList ?? [],
  },
  enrich: {
    actions: ['cloudtrail:GetTrailStatus', 'cloudtrail:GetEventSelectors'],
    apply: readStatusAndSelectors,
  },
  preprocess: (raw, context) => preprocessTrail(raw, context),
  // Moves with every delivery, every few minutes, while nothing about the trail changes.
  volatileFields: ['latest_delivery_time'],
  cloudTrailResourceType: 'AWS::CloudTrail::Trail',
});

export function preprocessTrail(raw: Trail, context: Pick<CollectContext, 'accountId' | 'region'>): ResourceRecord {
  const name = raw.Name ?? '';
  return {
    // The ARN: it names the trail across regions and accounts, and is how CloudTrail events name it.
    id: raw.TrailARN ?? regionalArn(context, 'cloudtrail', `trail/${name}`),
    name,
    arn: raw.TrailARN ?? regionalArn(context, 'cloudtrail', `trail/${name}`),
    tags: {},
    data: {
      name,
      home_region: raw.HomeRegion ?? context.region,
      is_multi_region: raw.IsMultiRegionTrail ?? false,
      is_organization_trail: raw.IsOrganizationTrail ?? false,
      s3_bucket: raw.S3BucketName ?? null,
      s3_key_prefix: raw.S3KeyPrefix ?? null,
      log_file_validation: raw.LogFileValidationEnabled ?? false,
      kms_key_id: raw.KmsKeyId ?? null,
      include_global_service_events: raw.IncludeGlobalServiceEvents ?? false,
      cloudwatch_logs_log_group_arn: raw.CloudWatchLogsLogGroupArn ?? null,
      sns_topic_arn: raw.SnsTopicARN ?? null,
      // From GetTrailStatus and GetEventSelectors (the enrichment); null / empty until read.
      is_logging: null,
      latest_delivery_time: null,
      latest_delivery_error: null,
      latest_notification_error: null,
      start_logging_time: null,
      stop_logging_time: null,
      event_selectors: [],
      advanced_event_selectors: [],
    },
  };
}

/** CloudTrail has no batch form of GetTrailStatus or GetEventSelectors: one call of each per trail. */
async function readStatusAndSelectors(records: ResourceRecord[], context: CollectContext): Promise<void> {
  const cloudtrail = context.clients.get<CloudTrailClient>('cloudtrail');
  await mapWithConcurrency(records, TRAIL_CALLS_IN_FLIGHT, async (record) => {
    const [status, selectors] = await Promise.all([
      cloudtrail.send(new GetTrailStatusCommand({ Name: record.arn })),
      cloudtrail.send(new GetEventSelectorsCommand({ TrailName: record.arn })),
    ]);
    applyTrailStatus(record, status);
    applyEventSelectors(record, selectors);
  });
}

export function applyTrailStatus(record: ResourceRecord, status: GetTrailStatusCommandOutput | Omit<GetTrailStatusCommandOutput, '$metadata'>): void {
  Object.assign(record.data, {
    is_logging: status.IsLogging ?? null,
    latest_delivery_time: isoTime(status.LatestDeliveryTime),
    latest_delivery_error: status.LatestDeliveryError || null,
    latest_notification_error: status.LatestNotificationError || null,
    start_logging_time: isoTime(status.StartLoggingTime),
    stop_logging_time: isoTime(status.StopLoggingTime),
  });
}

export function applyEventSelectors(record: ResourceRecord, output: Pick<GetEventSelectorsCommandOutput, 'EventSelectors' | 'AdvancedEventSelectors'>): void {
  record.data.event_selectors = (output.EventSelectors ?? []).map(flatSelector);
  record.data.advanced_event_selectors = (output.AdvancedEventSelectors ?? []).map(flatAdvancedSelector);
}

function flatSelector(selector: EventSelector): Record<string, unknown> {
  return {
    read_write_type: selector.ReadWriteType ?? null,
    include_management_events: selector.IncludeManagementEvents ?? null,
    data_resources: (selector.DataResources ?? []).map((d) => ({ type: d.Type ?? null, values: d.Values ?? [] })),
    exclude_management_event_sources: selector.ExcludeManagementEventSources ?? [],
  };
}

/** Advanced selectors keep only the operators they use, e.g. `{field: 'eventCategory', equals: ['Management']}`. */
function flatAdvancedSelector(selector: AdvancedEventSelector): Record<string, unknown> {
  return {
    name: selector.Name ?? null,
    field_selectors: (selector.FieldSelectors ?? []).map((f) => ({
      field: f.Field,
      ...(f.Equals ? { equals: f.Equals } : {}),
      ...(f.StartsWith ? { starts_with: f.StartsWith } : {}),
      ...(f.EndsWith ? { ends_with: f.EndsWith } : {}),
      ...(f.NotEquals ? { not_equals: f.NotEquals } : {}),
      ...(f.NotStartsWith ? { not_starts_with: f.NotStartsWith } : {}),
      ...(f.NotEndsWith ? { not_ends_with: f.NotEndsWith } : {}),
    })),
  };
}
