import { describe, it, expect } from '@jest/globals';
import {
  DescribeContinuousBackupsCommand, DescribeTableCommand, DynamoDBClient, ListTablesCommand, ListTagsOfResourceCommand,
  type DescribeContinuousBackupsCommandInput, type DescribeTableCommandInput, type ListTablesCommandInput, type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { listPages } from '../../src/services/pages';
import { NO_FACTS } from '../../src/services/rule';
import { enrichmentsOf, typeActions, type CollectContext, type CollectWarning, type ResourceRecord, type ResourceType } from '../../src/services/resource-type';
import { BACKUP_FIELDS, TABLE_FIELDS, preprocessTable, tableType } from '../../src/services/dynamodb/table';
import { tablePitrOffRule } from '../../src/services/dynamodb/table-rules';
import { dynamoDbResourcesInApiCall, dynamoDbService } from '../../src/services/dynamodb';

const KEY_ARN = 'arn:aws:kms:eu-west-1:111111111111:key/0a1b2c3d-1111-2222-3333-444455556666';

function mockedDynamoDb() {
  const dynamodb = new DynamoDBClient({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
  const clients = { get: <T>(name: string) => { if (name !== 'dynamodb') throw new Error(`no client ${name}`); return dynamodb as T; } } as unknown as CollectContext['clients'];
  const warnings: CollectWarning[] = [];
  const context: CollectContext = { accountId: '111111111111', region: 'eu-west-1', clients, warn: (warning) => warnings.push(warning) };
  return { context, warnings, dynamodb: mockClient(dynamodb) };
}

/** What the framework does with a listing: page it, preprocess, run every enrichment on each page. */
async function collect(context: CollectContext): Promise<ResourceRecord[]> {
  const records: ResourceRecord[] = [];
  for await (const raws of listPages(tableType.list as NonNullable<ResourceType['list']>, context.clients)) {
    const page = raws.map((raw) => tableType.preprocess(raw, context));
    for (const enrichment of enrichmentsOf(tableType)) await enrichment.apply(page, context);
    records.push(...page);
  }
  return records;
}

/** DescribeTable's answer as the SDK deserializes it: an on-demand table with a GSI, a stream and a customer managed key. */
function ordersTable(name = 'orders'): TableDescription {
  return {
    TableName: name,
    TableArn: `arn:aws:dynamodb:eu-west-1:111111111111:table/${name}`,
    TableId: '3a6b7c8d-0000-4000-a000-000000000001',
    TableStatus: 'ACTIVE',
    CreationDateTime: new Date('2025-03-04T05:06:07.000Z'),
    ItemCount: 1200,
    TableSizeBytes: 345_000,
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
    ProvisionedThroughput: { ReadCapacityUnits: 0, WriteCapacityUnits: 0, NumberOfDecreasesToday: 0 },
    BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
    GlobalSecondaryIndexes: [{ IndexName: 'gsi1', KeySchema: [{ AttributeName: 'gsi1pk', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' }, IndexStatus: 'ACTIVE' }],
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    LatestStreamArn: `arn:aws:dynamodb:eu-west-1:111111111111:table/${name}/stream/2025-03-04T05:06:07.000`,
    SSEDescription: { Status: 'ENABLED', SSEType: 'KMS', KMSMasterKeyArn: KEY_ARN },
    TableClassSummary: { TableClass: 'STANDARD' },
    DeletionProtectionEnabled: true,
  };
}

function answerEveryTable(dynamodb: ReturnType<typeof mockedDynamoDb>['dynamodb'], pitr: (name: string) => 'ENABLED' | 'DISABLED' = () => 'DISABLED'): void {
  dynamodb.on(DescribeTableCommand).callsFake((input: DescribeTableCommandInput) => ({ Table: ordersTable(input.TableName) }));
  dynamodb.on(DescribeContinuousBackupsCommand).callsFake((input: DescribeContinuousBackupsCommandInput) => ({
    ContinuousBackupsDescription: { ContinuousBackupsStatus: 'ENABLED', PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: pitr(input.TableName ?? ''), RecoveryPeriodInDays: 35 } },
  }));
  dynamodb.on(ListTagsOfResourceCommand).resolves({ Tags: [{ Key: 'Role', Value: 'app_server' }] });
}

describe('DynamoDB.Table', () => {
  it('is listed by name only: what DescribeTable and DescribeContinuousBackups say is unknown until they are called', () => {
    const record = preprocessTable({ TableName: 'orders' }, { accountId: '111111111111', region: 'eu-west-1' });
    expect(record).toMatchObject({ id: 'orders', name: 'orders', arn: 'arn:aws:dynamodb:eu-west-1:111111111111:table/orders', tags: {} });
    for (const field of [...TABLE_FIELDS, ...BACKUP_FIELDS]) expect(record.data[field]).toBeNull();
  });

  it('pages ListTables by LastEvaluatedTableName at Limit 100, then describes each table, its backups and its tags', async () => {
    const { context, dynamodb } = mockedDynamoDb();
    dynamodb.on(ListTablesCommand).callsFake((input: ListTablesCommandInput) => (input.ExclusiveStartTableName === undefined
      ? { TableNames: ['orders'], LastEvaluatedTableName: 'orders' }
      : { TableNames: ['sessions'] }));
    answerEveryTable(dynamodb, (name) => (name === 'orders' ? 'ENABLED' : 'DISABLED'));
    const records = await collect(context);
    expect(dynamodb.commandCalls(ListTablesCommand).map((call) => call.args[0].input)).toEqual([{ Limit: 100 }, { Limit: 100, ExclusiveStartTableName: 'orders' }]);
    expect(records.map((r) => r.id)).toEqual(['orders', 'sessions']);
    expect(records[0]?.data).toEqual({
      table_name: 'orders', table_arn: 'arn:aws:dynamodb:eu-west-1:111111111111:table/orders', table_id: '3a6b7c8d-0000-4000-a000-000000000001',
      table_status: 'ACTIVE', creation_date_time: '2025-03-04T05:06:07.000Z', item_count: 1200, table_size_bytes: 345_000, billing_mode: 'PAY_PER_REQUEST',
      read_capacity_units: 0, write_capacity_units: 0,
      key_schema: [{ attribute_name: 'pk', key_type: 'HASH' }, { attribute_name: 'sk', key_type: 'RANGE' }],
      global_secondary_indexes: [{ index_name: 'gsi1', key_schema: [{ attribute_name: 'gsi1pk', key_type: 'HASH' }], projection_type: 'ALL', index_status: 'ACTIVE' }],
      local_secondary_indexes: [], stream_enabled: true, stream_view_type: 'NEW_AND_OLD_IMAGES',
      latest_stream_arn: 'arn:aws:dynamodb:eu-west-1:111111111111:table/orders/stream/2025-03-04T05:06:07.000',
      sse_status: 'ENABLED', sse_type: 'KMS', kms_key_arn: KEY_ARN, table_class: 'STANDARD', deletion_protection: true, replica_regions: [],
      continuous_backups_status: 'ENABLED', point_in_time_recovery: true, pitr_recovery_period_days: 35,
    });
    expect(records[1]?.data.point_in_time_recovery).toBe(false);
    expect(records[0]?.tags).toEqual({ Role: 'app_server' });
    expect(dynamodb.commandCalls(ListTagsOfResourceCommand)[0]?.args[0].input).toEqual({ ResourceArn: 'arn:aws:dynamodb:eu-west-1:111111111111:table/orders' });
  });

  it('a table without an SSE description is encrypted with a key AWS owns, and points to no KMS key', () => {
    const { SSEDescription: _, BillingModeSummary: __, ...plain } = ordersTable();
    const record = preprocessTable({ TableName: 'orders', Table: plain }, { accountId: '111111111111', region: 'eu-west-1' });
    expect(record.data).toMatchObject({ sse_type: 'AWS_OWNED', kms_key_arn: null, billing_mode: 'PROVISIONED' });
    expect(tableType.relations?.[0]?.ids(record)).toEqual([null]);
    expect(tableType.relations?.[0]?.ids(preprocessTable({ TableName: 'orders', Table: ordersTable() }, { accountId: '111111111111', region: 'eu-west-1' })))
      .toEqual(['0a1b2c3d-1111-2222-3333-444455556666']);
  });

  it('a denied enrichment call marks the fields unknown, warns, and keeps the record', async () => {
    const { context, dynamodb, warnings } = mockedDynamoDb();
    dynamodb.on(ListTablesCommand).resolves({ TableNames: ['orders', 'sessions'] });
    answerEveryTable(dynamodb);
    dynamodb.on(DescribeContinuousBackupsCommand).rejects(Object.assign(new Error('User is not authorized to perform dynamodb:DescribeContinuousBackups'), { name: 'AccessDeniedException' }));
    const records = await collect(context);
    expect(records.map((r) => r.id)).toEqual(['orders', 'sessions']);
    for (const record of records) {
      expect(record.data).toMatchObject({ point_in_time_recovery: null, continuous_backups_status: null, table_status: 'ACTIVE' });
      expect(record.data.unknown_fields).toEqual([...BACKUP_FIELDS].sort());
      // Unknown is not "off": the rule stays silent.
      expect(tablePitrOffRule.evaluate(record, NO_FACTS)).toEqual([]);
    }
    expect(warnings).toEqual([{
      call: 'dynamodb:DescribeContinuousBackups', code: 'AccessDeniedException', message: 'User is not authorized to perform dynamodb:DescribeContinuousBackups', records: 2,
    }]);
  });

  it('a throttled enrichment call fails the listing, to be retried', async () => {
    const { context, dynamodb } = mockedDynamoDb();
    dynamodb.on(ListTablesCommand).resolves({ TableNames: ['orders'] });
    answerEveryTable(dynamodb);
    dynamodb.on(DescribeTableCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(collect(context)).rejects.toMatchObject({ name: 'ThrottlingException' });
  });

  it('keeps at most eight per-table calls in flight', async () => {
    const { context, dynamodb } = mockedDynamoDb();
    const names = Array.from({ length: 30 }, (_, i) => `table-${i}`);
    dynamodb.on(ListTablesCommand).resolves({ TableNames: names });
    answerEveryTable(dynamodb);
    let inFlight = 0;
    let most = 0;
    dynamodb.on(DescribeTableCommand).callsFake(async (input: DescribeTableCommandInput) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 2));
      inFlight--;
      return { Table: ordersTable(input.TableName) };
    });
    await collect(context);
    expect(dynamodb.commandCalls(DescribeTableCommand)).toHaveLength(30);
    expect(most).toBe(8);
  });

  it('declares its per-table calls with the fields they set, so that an unchanged table is not described again', () => {
    const enrichments = enrichmentsOf(tableType);
    expect(enrichments.map((e) => [e.actions, e.perResource?.fields])).toEqual([
      [['dynamodb:DescribeTable'], [...TABLE_FIELDS]],
      [['dynamodb:DescribeContinuousBackups'], [...BACKUP_FIELDS]],
      [['dynamodb:ListTagsOfResource'], ['tags']],
    ]);
    expect(typeActions(tableType)).toEqual(['dynamodb:ListTables', 'dynamodb:DescribeTable', 'dynamodb:DescribeContinuousBackups', 'dynamodb:ListTagsOfResource']);
  });

  it('a real-time refresh describes the named tables; a deleted one is simply not returned, and is not described twice', async () => {
    const { context, dynamodb } = mockedDynamoDb();
    dynamodb.on(DescribeTableCommand).callsFake((input: DescribeTableCommandInput) => {
      if (input.TableName === 'gone') throw Object.assign(new Error('Requested resource not found'), { name: 'ResourceNotFoundException' });
      return { Table: ordersTable(input.TableName) };
    });
    const raws = await tableType.describe?.fetch?.(['orders', 'gone'], context);
    expect(raws?.map((raw) => (raw as { TableName: string }).TableName)).toEqual(['orders']);
    const records = (raws ?? []).map((raw) => tableType.preprocess(raw, context));
    await enrichmentsOf(tableType)[0]?.apply(records, context);
    expect(dynamodb.commandCalls(DescribeTableCommand)).toHaveLength(2);
    expect(records[0]?.data.table_status).toBe('ACTIVE');
  });
});

describe('DynamoDB rules and real-time hooks', () => {
  const base = preprocessTable({ TableName: 'orders', Table: ordersTable() }, { accountId: '111111111111', region: 'eu-west-1' });

  it('TablePitrOff finds a table without point-in-time recovery, grouped by its Role tag', () => {
    const record = { ...base, tags: { Role: 'app_server' }, data: { ...base.data, point_in_time_recovery: false } };
    expect(tablePitrOffRule.evaluate(record, NO_FACTS)).toEqual([{
      severity: 3, typeNames: [{ type: 'ID', name: 'orders' }], group: 'app_server', text: 'MINOR – DynamoDB table orders has point-in-time recovery disabled',
    }]);
    expect(tablePitrOffRule.evaluate({ ...record, data: { ...record.data, point_in_time_recovery: true } }, NO_FACTS)).toEqual([]);
    expect(tablePitrOffRule.clearText([{ type: 'ID', name: 'orders' }])).toBe('OK – DynamoDB table orders has point-in-time recovery enabled or was deleted');
  });

  it('reads the table an API call names by name or, for tagging, by ARN', () => {
    expect(dynamoDbResourcesInApiCall({ requestParameters: { tableName: 'orders', pointInTimeRecoverySpecification: {} } })).toEqual([{ type: 'DynamoDB.Table', ids: ['orders'] }]);
    expect(dynamoDbResourcesInApiCall({ requestParameters: { resourceArn: 'arn:aws:dynamodb:eu-west-1:111111111111:table/orders', tags: [] } }))
      .toEqual([{ type: 'DynamoDB.Table', ids: ['orders'] }]);
    expect(dynamoDbResourcesInApiCall({})).toEqual([]);
    expect(dynamoDbService.realtime?.apiCalls).toContain('UpdateContinuousBackups');
  });
});
