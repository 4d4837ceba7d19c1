import {
  DescribeContinuousBackupsCommand, DescribeTableCommand, ListTablesCommand, ListTagsOfResourceCommand,
  type DynamoDBClient, type KeySchemaElement, type ListTablesCommandOutput, type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { defineResourceType, markUnknown, type CollectContext, type ResourceRecord } from '../resource-type';
import { regionalArn } from '../arn';
import { isoTime } from '../record-values';
import { mapWithConcurrency } from '../../util/concurrency';
import { isThrottling } from '../call-failures';

/** ListTables returns at most 100 names a call. */
export const LIST_TABLES_LIMIT = 100;
/** DynamoDB has no batch form of DescribeTable, DescribeContinuousBackups or ListTagsOfResource: one call each per table. */
const TABLE_CALLS_IN_FLIGHT = 8;

/** A listed table: its name, and its description when a real-time refresh already read it. */
export interface RawTable {
  TableName: string;
  Table?: TableDescription;
}

/** The fields DescribeTable sets. */
export const TABLE_FIELDS = [
  'table_arn', 'table_id', 'table_status', 'creation_date_time', 'item_count', 'table_size_bytes', 'billing_mode',
  'read_capacity_units', 'write_capacity_units', 'key_schema', 'global_secondary_indexes', 'local_secondary_indexes',
  'stream_enabled', 'stream_view_type', 'latest_stream_arn', 'sse_status', 'sse_type', 'kms_key_arn', 'table_class',
  'deletion_protection', 'replica_regions',
] as const;
/** The fields DescribeContinuousBackups sets. */
export const BACKUP_FIELDS = ['continuous_backups_status', 'point_in_time_recovery', 'pitr_recovery_period_days'] as const;
/** ListTagsOfResource sets the record's tags. */
export const TAG_FIELDS = ['tags'] as const;

export const tableType = defineResourceType<RawTable, ListTablesCommandOutput>({
  service: 'DynamoDB',
  name: 'Table',
  info: {
    group: 'DynamoDB',
    displayName: 'DynamoDB Table',
    labels: ['Database'],
    primaryFields: ['table_name', 'table_status', 'billing_mode'],
    displayFields: ['table_name', 'table_status', 'billing_mode', 'item_count', 'table_size_bytes', 'point_in_time_recovery', 'sse_type', 'stream_enabled', 'creation_date_time'],
  },
  list: {
    client: 'dynamodb',
    action: 'dynamodb:ListTables',
    maxResults: LIST_TABLES_LIMIT,
    command: (page) => new ListTablesCommand({ Limit: page.maxResults, ExclusiveStartTableName: page.token }),
    items: (output) => (output.TableNames ?? []).map((name) => ({ TableName: name })),
    nextToken: (output) => output.LastEvaluatedTableName,
  },
  describe: { fetch: (ids, context) => describeTables(ids, context) },
  enrich: [
    {
      actions: ['dynamodb:DescribeTable'],
      perResource: { fields: [...TABLE_FIELDS] },
      apply: (records, context) => perTable(records.filter((r) => r.data.table_id === null), context, 'dynamodb:DescribeTable', TABLE_FIELDS, async (client, record) => {
        const output = await client.send(new DescribeTableCommand({ TableName: record.id }));
        if (output.Table) Object.assign(record.data, tableData(output.Table));
      }),
    },
    {
      actions: ['dynamodb:DescribeContinuousBackups'],
      perResource: { fields: [...BACKUP_FIELDS] },
      apply: (records, context) => perTable(records, context, 'dynamodb:DescribeContinuousBackups', BACKUP_FIELDS, async (client, record) => {
        const output = await client.send(new DescribeContinuousBackupsCommand({ TableName: record.id }));
        const description = output.ContinuousBackupsDescription;
        const pitr = description?.PointInTimeRecoveryDescription;
        Object.assign(record.data, {
          continuous_backups_status: description?.ContinuousBackupsStatus ?? null,
          point_in_time_recovery: pitr?.PointInTimeRecoveryStatus === undefined ? null : pitr.PointInTimeRecoveryStatus === 'ENABLED',
          pitr_recovery_period_days: pitr?.RecoveryPeriodInDays ?? null,
        });
      }),
    },
    {
      actions: ['dynamodb:ListTagsOfResource'],
      perResource: { fields: [...TAG_FIELDS] },
      apply: (records, context) => perTable(records, context, 'dynamodb:ListTagsOfResource', TAG_FIELDS, async (client, record) => {
        const tags: Record<string, string> = {};
        let token: string | undefined;
        do {
          const output = await client.send(new ListTagsOfResourceCommand({ ResourceArn: record.arn, NextToken: token }));
          for (const tag of output.Tags ?? []) if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
          token = output.NextToken || undefined;
        } while (token);
        record.tags = tags;
        record.name = tags.Name ?? record.id;
      }),
    },
  ],
  relations: [{ name: 'kms_key', type: 'KMS.Key', ids: (record) => [kmsKeyIdOf(record.data.kms_key_arn)] }],
  preprocess: (raw, context) => preprocessTable(raw, context),
  // DynamoDB refreshes these about every six hours while nothing about the table changes.
  volatileFields: ['item_count', 'table_size_bytes'],
  cloudTrailResourceType: 'AWS::DynamoDB::Table',
});

export function preprocessTable(raw: RawTable, context: Pick<CollectContext, 'accountId' | 'region'>): ResourceRecord {
  const id = raw.TableName;
  const data: Record<string, unknown> = { table_name: id };
  for (const field of [...TABLE_FIELDS, ...BACKUP_FIELDS]) data[field] = null;
  if (raw.Table) Object.assign(data, tableData(raw.Table));
  return { id, name: id, arn: raw.Table?.TableArn ?? regionalArn(context, 'dynamodb', `table/${id}`), tags: {}, data };
}

function keySchema(keys: KeySchemaElement[] | undefined): { attribute_name: string | null; key_type: string | null }[] {
  return (keys ?? []).map((k) => ({ attribute_name: k.AttributeName ?? null, key_type: k.KeyType ?? null }));
}

/** DescribeTable's answer as the record's fields. */
export function tableData(table: TableDescription): Record<(typeof TABLE_FIELDS)[number], unknown> {
  const sse = table.SSEDescription;
  return {
    table_arn: table.TableArn ?? null,
    table_id: table.TableId ?? null,
    table_status: table.TableStatus ?? null,
    creation_date_time: isoTime(table.CreationDateTime),
    item_count: table.ItemCount ?? null,
    table_size_bytes: table.TableSizeBytes ?? null,
    // Tables created before on-demand existed have no billing mode summary: they are provisioned.
    billing_mode: table.BillingModeSummary?.BillingMode ?? 'PROVISIONED',
    read_capacity_units: table.ProvisionedThroughput?.ReadCapacityUnits ?? null,
    write_capacity_units: table.ProvisionedThroughput?.WriteCapacityUnits ?? null,
    key_schema: keySchema(table.KeySchema),
    global_secondary_indexes: (table.GlobalSecondaryIndexes ?? []).map((index) => ({
      index_name: index.IndexName ?? null, key_schema: keySchema(index.KeySchema),
      projection_type: index.Projection?.ProjectionType ?? null, index_status: index.IndexStatus ?? null,
    })),
    local_secondary_indexes: (table.LocalSecondaryIndexes ?? []).map((index) => ({
      index_name: index.IndexName ?? null, key_schema: keySchema(index.KeySchema), projection_type: index.Projection?.ProjectionType ?? null,
    })),
    stream_enabled: table.StreamSpecification?.StreamEnabled ?? false,
    stream_view_type: table.StreamSpecification?.StreamViewType ?? null,
    latest_stream_arn: table.LatestStreamArn ?? null,
    // Without an SSE description the table is encrypted with a key AWS owns.
    sse_status: sse?.Status ?? null,
    sse_type: sse?.SSEType ?? 'AWS_OWNED',
    kms_key_arn: sse?.KMSMasterKeyArn ?? null,
    table_class: table.TableClassSummary?.TableClass ?? 'STANDARD',
    deletion_protection: table.DeletionProtectionEnabled ?? false,
    replica_regions: (table.Replicas ?? []).map((r) => r.RegionName).filter((r): r is string => !!r),
  };
}

/** The tables of given names that still exist, described (for real-time refreshes). */
async function describeTables(names: string[], context: CollectContext): Promise<RawTable[]> {
  const client = context.clients.get<DynamoDBClient>('dynamodb');
  const found = await mapWithConcurrency(names, TABLE_CALLS_IN_FLIGHT, async (name): Promise<RawTable | undefined> => {
    try {
      const output = await client.send(new DescribeTableCommand({ TableName: name }));
      return output.Table ? { TableName: output.Table.TableName ?? name, Table: output.Table } : undefined;
    } catch (error) {
      if ((error as { name?: string }).name === 'ResourceNotFoundException') return undefined;
      throw error;
    }
  });
  return found.filter((table): table is RawTable => table !== undefined);
}

/**
 * One call per table, at most eight in flight. A table whose call fails keeps its record with the call's fields
 * marked unknown, and the failures are reported once per error code; only throttling fails the listing.
 */
async function perTable(
  records: ResourceRecord[], context: CollectContext, call: string, fields: readonly string[],
  work: (client: DynamoDBClient, record: ResourceRecord) => Promise<void>,
): Promise<void> {
  if (records.length === 0) return;
  const client = context.clients.get<DynamoDBClient>('dynamodb');
  const failures = new Map<string, { message: string; records: number }>();
  await mapWithConcurrency(records, TABLE_CALLS_IN_FLIGHT, async (record) => {
    try {
      await work(client, record);
    } catch (error) {
      const { name = 'Error', message = String(error) } = error as { name?: string; message?: string };
      if (isThrottling(error)) throw error;
      markUnknown(record, fields);
      const failure = failures.get(name) ?? { message, records: 0 };
      failure.records++;
      failures.set(name, failure);
    }
  });
  for (const [code, { message, records: count }] of failures) context.warn?.({ call, code, message, records: count });
}

/** The key id in a KMS key ARN. */
function kmsKeyIdOf(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  return /:key\/([^/]+)$/.exec(value)?.[1] ?? null;
}
