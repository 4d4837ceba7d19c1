import { DescribeDBSnapshotsCommand, type DBSnapshot, type DescribeDBSnapshotsCommandOutput } from '@aws-sdk/client-rds';
import { defineResourceType, tagMap, type CollectContext, type ResourceRecord } from '../resource-type';
import { regionalArn } from '../arn';
import { isoTime } from '../record-values';
import { kmsKeyIdOf, RDS_MAX_RECORDS } from './common';

/** The account's own snapshots, manual and automated (without SnapshotType AWS returns both, and neither shared nor public ones). */
export const dbSnapshotType = defineResourceType<DBSnapshot, DescribeDBSnapshotsCommandOutput>({
  service: 'RDS',
  name: 'DBSnapshot',
  info: {
    group: 'RDS',
    displayName: 'RDS DB Snapshot',
    labels: ['Database', 'Backup'],
    primaryFields: ['db_snapshot_identifier', 'db_instance_identifier', 'snapshot_type'],
    displayFields: ['db_snapshot_identifier', 'db_instance_identifier', 'snapshot_type', 'status', 'engine', 'encrypted', 'allocated_storage', 'snapshot_create_time'],
  },
  list: {
    client: 'rds',
    action: 'rds:DescribeDBSnapshots',
    maxResults: RDS_MAX_RECORDS,
    command: (page) => new DescribeDBSnapshotsCommand({ MaxRecords: page.maxResults, Marker: page.token }),
    items: (output) => output.DBSnapshots ?? [],
    nextToken: (output) => output.Marker,
  },
  describe: {
    command: (ids) => new DescribeDBSnapshotsCommand({ Filters: [{ Name: 'db-snapshot-id', Values: ids }] }),
    notFoundCode: 'DBSnapshotNotFoundFault',
  },
  relations: [
    { name: 'instance', type: 'RDS.DBInstance', ids: (record) => [record.data.db_instance_identifier as string | null] },
    { name: 'kms_key', type: 'KMS.Key', ids: (record) => [kmsKeyIdOf(record.data.kms_key_id)] },
  ],
  preprocess: (raw, context) => preprocessDbSnapshot(raw, context),
  volatileFields: [],
  cloudTrailResourceType: 'AWS::RDS::DBSnapshot',
});

export function preprocessDbSnapshot(raw: DBSnapshot, context: Pick<CollectContext, 'accountId' | 'region'>): ResourceRecord {
  const tags = tagMap(raw.TagList);
  const id = raw.DBSnapshotIdentifier ?? '';
  return {
    id,
    name: id,
    arn: raw.DBSnapshotArn ?? regionalArn(context, 'rds', `snapshot:${id}`),
    tags,
    data: {
      db_snapshot_identifier: id,
      db_instance_identifier: raw.DBInstanceIdentifier ?? null,
      snapshot_type: raw.SnapshotType ?? null,
      status: raw.Status ?? null,
      engine: raw.Engine ?? null,
      engine_version: raw.EngineVersion ?? null,
      encrypted: raw.Encrypted ?? null,
      kms_key_id: raw.KmsKeyId ?? null,
      allocated_storage: raw.AllocatedStorage ?? null,
      storage_type: raw.StorageType ?? null,
      availability_zone: raw.AvailabilityZone ?? null,
      vpc_id: raw.VpcId ?? null,
      snapshot_create_time: isoTime(raw.SnapshotCreateTime),
      instance_create_time: isoTime(raw.InstanceCreateTime),
    },
  };
}
