import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  HISTORY_PARTITION, HISTORY_SUFFIX, SNAPSHOT_ENV, SNAPSHOT_STACK_OUTPUTS, SNAPSHOT_TABLES, SQL_TYPES, snapshotPaths, type Column, type SnapshotTable,
} from '../../src/stack-inputs';
import { NAG_REASONS, acknowledge, nagResource } from './nag';

export const DEFAULT_SNAPSHOT_RETENTION_DAYS = 30;
/** 10 GB: far above a snapshot of 100,000 resources, low enough that a runaway query over every history partition stops. */
export const DEFAULT_ATHENA_SCAN_LIMIT_BYTES = 10_000_000_000;
/** Athena's own floor for BytesScannedCutoffPerQuery (10 MB). */
export const MIN_ATHENA_SCAN_LIMIT_BYTES = 10_000_000;
/** Query results are only read back by the query that made them (`cloudtap query --stack`, the console). */
export const ATHENA_RESULT_RETENTION_DAYS = 7;

/** Where the workgroup writes query results, in the snapshot bucket. */
export const ATHENA_RESULTS_PREFIX = 'athena-results/';
/** The prefixes Finalize writes under (src/sql/schema.ts, snapshotPaths). */
export const SNAPSHOT_WRITE_PREFIXES = ['latest/', 'history/'] as const;

/** The stack's outputs for SQL, which `cloudtap query --stack` reads. */
export const SNAPSHOT_OUTPUTS = SNAPSHOT_STACK_OUTPUTS;

const PARQUET = {
  inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  serdeInfo: { serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe', parameters: { 'serialization.format': '1' } },
} as const;

/** A query saved in the workgroup: SQL Athena runs as it is (parameters already given their defaults). */
export interface AthenaNamedQuery {
  readonly name: string;
  readonly description: string;
  readonly sql: string;
}

export interface SnapshotsProps {
  /** Days a run's `history/` objects are kept (and the `_history` tables' partition range). */
  readonly retentionDays: number;
  /** The workgroup cancels a query that would scan more than this. */
  readonly scanLimitBytes: number;
  /** The Glue database (lowercase letters, digits, underscores, so that SQL names it unquoted). */
  readonly databaseName: string;
  readonly workGroupName: string;
  readonly namedQueries: readonly AthenaNamedQuery[];
  /** Finalize's function: it gets the bucket's name and s3:PutObject under `latest/` and `history/`, nothing else. */
  readonly writer: LambdaFunction;
}

/**
 * SQL over the runs' snapshots in AWS: the bucket Finalize exports Parquet to, the Glue tables over it (columns from
 * src/sql/schema.ts; the `_history` tables by partition projection, so no crawler), and an Athena workgroup with a
 * scan limit and cloudtap's named queries.
 */
export class Snapshots extends Construct {
  readonly bucket: s3.Bucket;
  readonly database: glue.CfnDatabase;
  /** Glue tables by name: each schema table and its `_history`. */
  readonly tables: Record<string, glue.CfnTable> = {};
  readonly workGroup: athena.CfnWorkGroup;
  readonly namedQueries: Record<string, athena.CfnNamedQuery> = {};

  constructor(scope: Construct, id: string, props: SnapshotsProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.bucket = new s3.Bucket(this, 'Bucket', {
      // S3-managed keys, as the tables and queues use AWS-managed encryption: no key to pay for, rotate or lose.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      // Unversioned: every object is a copy of what the DynamoDB tables hold (with point-in-time recovery), `latest/`
      // is replaced by each run and `history/` never is; versions would only keep each run's `latest/` a second time.
      versioned: false,
      lifecycleRules: [
        { id: 'ExpireHistory', prefix: 'history/', expiration: Duration.days(props.retentionDays) },
        { id: 'ExpireAthenaResults', prefix: ATHENA_RESULTS_PREFIX, expiration: Duration.days(ATHENA_RESULT_RETENTION_DAYS) },
        { id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      // Like the tables: the snapshots outlive the stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(this.bucket, { 'AwsSolutions-S1': NAG_REASONS.snapshotAccessLogs });

    const writes = SNAPSHOT_WRITE_PREFIXES.map((prefix) => this.bucket.arnForObjects(`${prefix}*`));
    props.writer.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: writes }));
    props.writer.addEnvironment(SNAPSHOT_ENV.bucket, this.bucket.bucketName);
    acknowledge(props.writer.role!, Object.fromEntries(writes.map((arn) => [`AwsSolutions-IAM5[Resource::${nagResource(stack, arn)}]`, NAG_REASONS.snapshotWrites])));

    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: stack.account,
      databaseInput: { name: props.databaseName, description: `cloudtap snapshots of ${stack.stackName}: the latest run's tables, and every run's as <table>${HISTORY_SUFFIX}` },
    });
    const location = (dir: string) => `s3://${this.bucket.bucketName}/${dir}`;
    for (const table of SNAPSHOT_TABLES) {
      this.table(table, table.name, location(snapshotPaths.latestDir(table.name)), {});
      const history = location(snapshotPaths.historyDir(table.name));
      this.table(table, `${table.name}${HISTORY_SUFFIX}`, history, {
        'projection.enabled': 'true',
        [`projection.${HISTORY_PARTITION.name}.type`]: 'date',
        [`projection.${HISTORY_PARTITION.name}.format`]: 'yyyy-MM-dd',
        [`projection.${HISTORY_PARTITION.name}.range`]: `NOW-${props.retentionDays}DAYS,NOW`,
        [`projection.${HISTORY_PARTITION.name}.interval`]: '1',
        [`projection.${HISTORY_PARTITION.name}.interval.unit`]: 'DAYS',
        'storage.location.template': `${history}${HISTORY_PARTITION.name}=\${${HISTORY_PARTITION.name}}/`,
      }, [glueColumn(HISTORY_PARTITION)]);
    }

    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: props.workGroupName,
      description: `cloudtap SQL over ${stack.stackName}'s snapshots (database ${props.databaseName})`,
      state: 'ENABLED',
      // The workgroup's saved queries belong to the stack: deleting the stack deletes them with it.
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        bytesScannedCutoffPerQuery: props.scanLimitBytes,
        publishCloudWatchMetricsEnabled: true,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: location(ATHENA_RESULTS_PREFIX),
          encryptionConfiguration: { encryptionOption: 'SSE_S3' },
          expectedBucketOwner: stack.account,
        },
      },
    });
    for (const query of props.namedQueries) {
      this.namedQueries[query.name] = new athena.CfnNamedQuery(this, `Query${constructId(query.name)}`, {
        name: query.name,
        description: query.description,
        database: this.database.ref,
        queryString: query.sql,
        workGroup: this.workGroup.ref,
      });
    }
  }

  private table(table: SnapshotTable, name: string, location: string, parameters: Record<string, string>, partitionKeys: glue.CfnTable.ColumnProperty[] = []): void {
    this.tables[name] = new glue.CfnTable(this, `Table${constructId(name)}`, {
      catalogId: Stack.of(this).account,
      databaseName: this.database.ref,
      tableInput: {
        name,
        description: table.doc,
        tableType: 'EXTERNAL_TABLE',
        parameters: { classification: 'parquet', EXTERNAL: 'TRUE', ...parameters },
        partitionKeys,
        storageDescriptor: { columns: table.columns.map(glueColumn), location, ...PARQUET },
      },
    });
  }
}

/** A schema column as Glue declares it: its Glue type from SQL_TYPES, its doc as the comment Athena shows. */
function glueColumn(column: Pick<Column, 'name' | 'type' | 'doc'>): glue.CfnTable.ColumnProperty {
  return { name: column.name, type: SQL_TYPES[column.type].glue, comment: column.doc };
}

/** `resource_fields_history` → `ResourceFieldsHistory`. */
function constructId(name: string): string {
  return name.split(/[^A-Za-z0-9]+/).map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join('');
}

/** The Glue database of a deployment: the stack name as SQL names it unquoted (`Cloudtap` → `cloudtap`). */
export function snapshotDatabaseName(stackName: string): string {
  return stackName.toLowerCase().replace(/[^a-z0-9_]/g, '_');
}

/** The Athena workgroup of a deployment, named like its dashboard. */
export function snapshotWorkGroupName(stackName: string): string {
  return `${stackName}-cloudtap`;
}
