import { beforeAll, describe, expect, it } from '@jest/globals';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { readCollectorDeployment } from '../../lib/stacks/context-knobs';
import { NAG_REASONS, nagPacks } from '../../lib/stacks/nag';
import { SNAPSHOT_OUTPUTS, Snapshots } from '../../lib/stacks/snapshots';
import { SNAPSHOT_ENV } from '../../src/lambda/settings';
import { HISTORY_PARTITION, HISTORY_SUFFIX, SNAPSHOT_TABLES, SQL_TYPES, snapshotPaths } from '../../src/sql/schema';
import { functionIamActions } from '../../src/stack-inputs';
import { deployableNamedQueries, NAMED_QUERIES } from '../../src/sql/named-queries';
import {
  CDK_JSON_CONTEXT, grantsOf, logicalId, synthesizeCollector, wildcardResourceActions, type SynthesizedCollector,
} from './collector-fixture';

type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string };
type GlueColumn = { Name: string; Type: string; Comment?: string };
type TableInput = {
  Name: string; Description: string; TableType: string; Parameters: Record<string, string>; PartitionKeys?: GlueColumn[];
  StorageDescriptor: { Columns: GlueColumn[]; Location: unknown; InputFormat: string; OutputFormat: string; SerdeInfo: { SerializationLibrary: string } };
};

/** A CloudFormation value as one string: `Fn::Join` joined, `{Ref: X}` as `<X>`, `Fn::GetAtt` as `<X.Attr>`. */
function flat(value: unknown): string {
  if (typeof value === 'string') return value;
  const node = value as { 'Fn::Join'?: [string, unknown[]]; Ref?: string; 'Fn::GetAtt'?: [string, string] };
  if (node['Fn::Join']) return node['Fn::Join'][1].map(flat).join(node['Fn::Join'][0]);
  if (node.Ref) return `<${node.Ref}>`;
  if (node['Fn::GetAtt']) return `<${node['Fn::GetAtt'].join('.')}>`;
  return JSON.stringify(value);
}

function only(resources: Record<string, unknown>): Resource {
  const values = Object.values(resources);
  expect(values).toHaveLength(1);
  return values[0] as Resource;
}

function glueTables(template: Template): Map<string, TableInput> {
  return new Map(Object.values(template.findResources('AWS::Glue::Table'))
    .map((table) => (table as Resource).Properties.TableInput as TableInput)
    .map((input) => [input.Name, input]));
}

/** Every finding of the AwsSolutions and Serverless packs not acknowledged, as `rule at path`. */
function nagFindings(stack: Stack): string[] {
  return nagPacks().flatMap((pack) => pack.validateScope(stack).violations
    .flatMap((violation) => violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath}`)));
}

/** The cdk-nag rules acknowledged on a construct itself, with their reasons. */
function acknowledgedOn(construct: { node: { metadata: { type: string; data: unknown }[] } }): Record<string, string> {
  return Object.fromEntries(construct.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((m) => Object.entries(m.data as Record<string, string>).map(([id, reason]) => [id.replace(/^annotation::/i, ''), reason])));
}

const HISTORY_TABLES = SNAPSHOT_TABLES.map((table) => `${table.name}${HISTORY_SUFFIX}`);

describe('SQL over the snapshots, with cdk.json defaults', () => {
  let synthesized: SynthesizedCollector;
  let bucketId: string;
  beforeAll(() => {
    synthesized = synthesizeCollector();
    bucketId = logicalId(synthesized.stack, synthesized.stack.snapshots!.bucket);
  });

  it('keeps the snapshots in a bucket of the stack: S3-encrypted, every public access blocked, TLS only, unversioned, retained on stack delete', () => {
    const { template } = synthesized;
    const bucket = only(template.findResources('AWS::S3::Bucket'));
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.UpdateReplacePolicy).toBe('Retain');
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    expect(bucket.Properties.VersioningConfiguration).toBeUndefined();
    const statements = (only(template.findResources('AWS::S3::BucketPolicy')).Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
    const denied = statements.filter((statement) => statement.Effect === 'Deny');
    expect(denied.map((statement) => statement.Condition)).toEqual(expect.arrayContaining([
      { Bool: { 'aws:SecureTransport': 'false' } },
      { NumericLessThan: { 's3:TlsVersion': 1.2 } },
    ]));
    for (const statement of denied) {
      expect(statement).toMatchObject({ Action: 's3:*', Principal: { AWS: '*' } });
      expect((statement.Resource as unknown[]).map(flat).sort()).toEqual([`<${bucketId}.Arn>`, `<${bucketId}.Arn>/*`]);
    }
    expect(statements.filter((statement) => statement.Effect !== 'Deny')).toEqual([]);
  });

  it('expires a run\'s history/ objects after 30 days and Athena\'s results after 7; latest/ is replaced by each run', () => {
    const bucket = only(synthesized.template.findResources('AWS::S3::Bucket'));
    expect((bucket.Properties.LifecycleConfiguration as { Rules: unknown[] }).Rules).toEqual([
      { Id: 'ExpireHistory', Prefix: 'history/', ExpirationInDays: 30, Status: 'Enabled' },
      { Id: 'ExpireAthenaResults', Prefix: 'athena-results/', ExpirationInDays: 7, Status: 'Enabled' },
      { Id: 'AbortIncompleteUploads', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' },
    ]);
  });

  it('declares every table of src/sql/schema.ts twice, latest and _history, with exactly its columns in its Glue types, as Parquet', () => {
    const { template } = synthesized;
    const database = only(template.findResources('AWS::Glue::Database'));
    expect(database.Properties).toMatchObject({ CatalogId: { Ref: 'AWS::AccountId' }, DatabaseInput: { Name: 'cloudtap' } });
    const tables = glueTables(template);
    expect([...tables.keys()].sort()).toEqual([...SNAPSHOT_TABLES.map((table) => table.name), ...HISTORY_TABLES].sort());
    for (const resource of Object.values(template.findResources('AWS::Glue::Table')) as Resource[]) {
      expect(resource.Properties.DatabaseName).toEqual({ Ref: logicalId(synthesized.stack, { node: { defaultChild: synthesized.stack.snapshots!.database } }) });
    }
    for (const table of SNAPSHOT_TABLES) {
      const columns = table.columns.map((column) => ({ name: column.name, type: SQL_TYPES[column.type].glue }));
      for (const [name, dir] of [[table.name, snapshotPaths.latestDir(table.name)], [`${table.name}${HISTORY_SUFFIX}`, snapshotPaths.historyDir(table.name)]] as const) {
        const input = tables.get(name)!;
        expect({ name, columns: input.StorageDescriptor.Columns.map((column) => ({ name: column.Name, type: column.Type })) }).toEqual({ name, columns });
        // Glue's limit on a column's comment; the docs become the comments Athena's console shows.
        for (const column of input.StorageDescriptor.Columns) expect(column.Comment?.length).toBeLessThanOrEqual(255);
        expect(flat(input.StorageDescriptor.Location)).toBe(`s3://<${bucketId}>/${dir}`);
        expect(input).toMatchObject({
          TableType: 'EXTERNAL_TABLE',
          Description: table.doc,
          Parameters: { classification: 'parquet' },
          StorageDescriptor: {
            InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
            OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
            SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
          },
        });
      }
      expect(tables.get(table.name)!.PartitionKeys ?? []).toEqual([]);
      expect(tables.get(table.name)!.Parameters['projection.enabled']).toBeUndefined();
    }
  });

  it('partitions each _history table by dt with partition projection over the retention window, so no crawler', () => {
    const tables = glueTables(synthesized.template);
    for (const table of SNAPSHOT_TABLES) {
      const input = tables.get(`${table.name}${HISTORY_SUFFIX}`)!;
      expect(input.PartitionKeys).toEqual([{ Name: HISTORY_PARTITION.name, Type: SQL_TYPES[HISTORY_PARTITION.type].glue, Comment: HISTORY_PARTITION.doc }]);
      const { classification, EXTERNAL, 'storage.location.template': template, ...projection } = input.Parameters;
      expect({ classification, EXTERNAL }).toEqual({ classification: 'parquet', EXTERNAL: 'TRUE' });
      expect(projection).toEqual({
        'projection.enabled': 'true',
        'projection.dt.type': 'date',
        'projection.dt.format': 'yyyy-MM-dd',
        'projection.dt.range': 'NOW-30DAYS,NOW',
        'projection.dt.interval': '1',
        'projection.dt.interval.unit': 'DAYS',
      });
      // The keys the exporter writes, with the day in the place of ${dt}.
      expect(flat(template)).toBe(`s3://<${bucketId}>/${snapshotPaths.history(table.name, '${dt}', 'x').replace(/x\.parquet$/, '')}`);
    }
  });

  it('runs queries in a workgroup of its own: engine 3, a 10 GB scan limit, results encrypted under athena-results/, settings enforced', () => {
    const workGroup = only(synthesized.template.findResources('AWS::Athena::WorkGroup'));
    expect(workGroup.Properties).toMatchObject({ Name: 'Cloudtap-cloudtap', State: 'ENABLED', RecursiveDeleteOption: true });
    const configuration = workGroup.Properties.WorkGroupConfiguration as Record<string, unknown> & { ResultConfiguration: Record<string, unknown> };
    expect(configuration).toMatchObject({
      EnforceWorkGroupConfiguration: true,
      BytesScannedCutoffPerQuery: 10_000_000_000,
      PublishCloudWatchMetricsEnabled: true,
      EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
    });
    expect(configuration.ResultConfiguration).toEqual({
      OutputLocation: expect.anything(),
      EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
      ExpectedBucketOwner: { Ref: 'AWS::AccountId' },
    });
    expect(flat(configuration.ResultConfiguration.OutputLocation)).toBe(`s3://<${bucketId}>/athena-results/`);
  });

  it('saves each named query in the workgroup, its parameters at their defaults', () => {
    const { stack, template } = synthesized;
    const expected = deployableNamedQueries();
    expect(expected).toHaveLength(NAMED_QUERIES.length);
    const saved = (Object.values(template.findResources('AWS::Athena::NamedQuery')) as Resource[]).map((query) => query.Properties);
    expect(saved).toHaveLength(expected.length);
    const workGroupId = logicalId(stack, { node: { defaultChild: stack.snapshots!.workGroup } });
    const databaseId = logicalId(stack, { node: { defaultChild: stack.snapshots!.database } });
    expect(saved).toEqual(expect.arrayContaining(expected.map((query) => ({
      Name: query.name, Description: query.description, QueryString: query.sql, Database: { Ref: databaseId }, WorkGroup: { Ref: workGroupId },
    }))));
  });

  it('lets normalize (Finalize exports) put objects under latest/ and history/ and nothing else in S3, and tells it the bucket', () => {
    const { stack, template } = synthesized;
    const grants = grantsOf(stack, template, stack.functions.normalize);
    // Besides the read calls its real-time refresh of collected buckets declares, on Resource "*" (no s3:* among them).
    expect(grants.flatMap((grant) => grant.actions).filter((action) => action.startsWith('s3:') && action.includes('*'))).toEqual([]);
    expect(wildcardResourceActions(grants).filter((action) => action.startsWith('s3:'))).toEqual(functionIamActions().normalize.filter((action) => action.startsWith('s3:')).sort());
    const s3Grants = grants.filter((grant) => !grant.resources.includes('*') && grant.actions.some((action) => action.startsWith('s3:')));
    expect(s3Grants.map((grant) => ({ actions: grant.actions, resources: grant.resources.map(flat).sort() }))).toEqual([
      { actions: ['s3:PutObject'], resources: [`<${bucketId}.Arn>/history/*`, `<${bucketId}.Arn>/latest/*`] },
    ]);
    for (const fn of [stack.functions.getTasks, stack.functions.collect]) {
      // collect reads the collected accounts' bucket settings (Resource "*"), never this bucket.
      const grants = grantsOf(stack, template, fn).filter((grant) => grant.actions.some((action) => action.startsWith('s3:')));
      expect(grants.flatMap((grant) => grant.resources).map(flat).filter((resource) => resource.includes(bucketId))).toEqual([]);
    }
    const environments = Object.fromEntries(Object.entries(stack.functions).map(([id, fn]) => [id,
      ((template.toJSON().Resources[logicalId(stack, fn)] as Resource).Properties.Environment as { Variables: Record<string, unknown> }).Variables[SNAPSHOT_ENV.bucket]]));
    expect(environments).toEqual({ getTasks: undefined, collect: undefined, normalize: { Ref: bucketId } });
  });

  it('outputs what `cloudtap query --stack` reads: the bucket, the Glue database and the workgroup', () => {
    const { stack, template } = synthesized;
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(SNAPSHOT_OUTPUTS).toEqual({ bucket: 'SnapshotBucketName', database: 'GlueDatabaseName', workGroup: 'AthenaWorkGroupName' });
    expect(outputs.SnapshotBucketName?.Value).toEqual({ Ref: bucketId });
    expect(outputs.GlueDatabaseName?.Value).toEqual({ Ref: logicalId(stack, { node: { defaultChild: stack.snapshots!.database } }) });
    expect(outputs.AthenaWorkGroupName?.Value).toEqual({ Ref: logicalId(stack, { node: { defaultChild: stack.snapshots!.workGroup } }) });
  });

  it('has no unacknowledged cdk-nag finding: no access logs on the bucket and the two write prefixes acknowledged, with their reasons', () => {
    const { stack } = synthesized;
    expect(nagFindings(stack)).toEqual([]);
    expect(acknowledgedOn(stack.snapshots!.bucket)).toEqual({ 'AwsSolutions-S1': NAG_REASONS.snapshotAccessLogs });
    expect(acknowledgedOn(stack.functions.normalize.role as unknown as Parameters<typeof acknowledgedOn>[0])).toMatchObject({
      [`AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/latest/*]`]: NAG_REASONS.snapshotWrites,
      [`AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/history/*]`]: NAG_REASONS.snapshotWrites,
    });
  });
});

describe('snapshots: false', () => {
  let synthesized: SynthesizedCollector;
  beforeAll(() => {
    synthesized = synthesizeCollector({ snapshots: 'false' });
  });

  it('deploys no bucket, Glue catalog or Athena workgroup, no output for them, and gives normalize neither the bucket nor S3', () => {
    const { stack, template } = synthesized;
    expect(stack.snapshots).toBeUndefined();
    for (const type of ['AWS::S3::Bucket', 'AWS::S3::BucketPolicy', 'AWS::Glue::Database', 'AWS::Glue::Table', 'AWS::Athena::WorkGroup', 'AWS::Athena::NamedQuery']) {
      template.resourceCountIs(type, 0);
    }
    expect(Object.keys(template.toJSON().Outputs as object)).not.toEqual(expect.arrayContaining([expect.stringMatching(/Snapshot|Glue|Athena/)]));
    const grants = grantsOf(stack, template, stack.functions.normalize).filter((grant) => !grant.resources.includes('*'));
    expect(grants.flatMap((grant) => grant.actions).filter((action) => action.startsWith('s3:'))).toEqual([]);
    expect(JSON.stringify(template.toJSON())).not.toContain(SNAPSHOT_ENV.bucket);
    expect(nagFindings(stack)).toEqual([]);
  });
});

describe('the snapshot knobs', () => {
  const read = (context: Record<string, unknown>) => readCollectorDeployment(new App({ context: { ...CDK_JSON_CONTEXT, ...context } }).node).props;

  it('leave the stack\'s defaults (on, 30 days, 10 GB) out of the props, and pass what differs', () => {
    expect(read({})).not.toHaveProperty('snapshots');
    expect(read({})).not.toHaveProperty('snapshotRetentionDays');
    expect(read({})).not.toHaveProperty('athenaScanLimitBytes');
    expect(read({ snapshots: 'false', snapshotRetentionDays: '90', athenaScanLimitBytes: '1000000000' }))
      .toMatchObject({ snapshots: false, snapshotRetentionDays: 90, athenaScanLimitBytes: 1_000_000_000 });
    expect(read({ snapshots: true, snapshotRetentionDays: 7, athenaScanLimitBytes: 10_000_000 })).toMatchObject({ snapshotRetentionDays: 7, athenaScanLimitBytes: 10_000_000 });
  });

  it.each([
    [{ snapshots: 'no' }, 'context knob "snapshots": "no" is not a boolean; use true or false'],
    [{ snapshotRetentionDays: 0 }, 'context knob "snapshotRetentionDays": 0 is not a whole number from 1 to 3650; use e.g. 30'],
    [{ snapshotRetentionDays: '2 weeks' }, 'context knob "snapshotRetentionDays": "2 weeks" is not a whole number from 1 to 3650'],
    [{ athenaScanLimitBytes: 1000 }, 'context knob "athenaScanLimitBytes": 1000 is not a whole number of bytes of at least 10000000 (Athena\'s minimum, 10 MB); use e.g. 10000000000 (10 GB)'],
    [{ athenaScanLimitBytes: '10GB' }, 'context knob "athenaScanLimitBytes": "10GB" is not a whole number of bytes'],
  ])('refuse %j, naming the knob, the problem and what is valid', (context, message) => {
    expect(() => read(context)).toThrow(message);
  });

  it('set the history lifecycle, the projection range and the scan limit (the construct alone, no collector synth)', () => {
    const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'Small');
    const writer = new LambdaFunction(stack, 'Writer', { runtime: Runtime.NODEJS_22_X, handler: 'index.handler', code: Code.fromInline('export const handler = async () => {};') });
    new Snapshots(stack, 'Snapshots', {
      retentionDays: 7, scanLimitBytes: 1_000_000_000, databaseName: 'small', workGroupName: 'Small-cloudtap', writer,
      namedQueries: [{ name: 'one', description: 'the number one', sql: 'SELECT 1' }, { name: 'open-ports', description: 'd', sql: 'SELECT 2' }],
    });
    const template = Template.fromStack(stack);
    const bucket = only(template.findResources('AWS::S3::Bucket'));
    expect((bucket.Properties.LifecycleConfiguration as { Rules: unknown[] }).Rules).toContainEqual({ Id: 'ExpireHistory', Prefix: 'history/', ExpirationInDays: 7, Status: 'Enabled' });
    for (const name of HISTORY_TABLES) expect(glueTables(template).get(name)?.Parameters['projection.dt.range']).toBe('NOW-7DAYS,NOW');
    template.hasResourceProperties('AWS::Athena::WorkGroup', { Name: 'Small-cloudtap', WorkGroupConfiguration: { BytesScannedCutoffPerQuery: 1_000_000_000 } });
    template.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: { Name: 'small' } });
    expect((Object.values(template.findResources('AWS::Athena::NamedQuery')) as Resource[]).map((query) => [query.Properties.Name, query.Properties.QueryString]))
      .toEqual([['one', 'SELECT 1'], ['open-ports', 'SELECT 2']]);
  });
});
