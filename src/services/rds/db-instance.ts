import { DescribeDBInstancesCommand, type DBInstance, type DescribeDBInstancesCommandOutput } from '@aws-sdk/client-rds';
import { defineResourceType, tagMap, type CollectContext, type ResourceRecord } from '../resource-type';
import { regionalArn } from '../arn';
import { isoTime } from '../record-values';
import { kmsKeyIdOf, RDS_MAX_RECORDS, ROLE_TAG } from './common';

export const dbInstanceType = defineResourceType<DBInstance, DescribeDBInstancesCommandOutput>({
  service: 'RDS',
  name: 'DBInstance',
  info: {
    group: 'RDS',
    displayName: 'RDS DB Instance',
    labels: ['Database'],
    primaryFields: ['db_instance_identifier', 'engine', 'status'],
    displayFields: [
      'db_instance_identifier', 'engine', 'engine_version', 'instance_class', 'status', 'multi_az', 'publicly_accessible',
      'storage_encrypted', 'backup_retention_period', 'endpoint_address', 'db_cluster_identifier',
    ],
  },
  list: {
    client: 'rds',
    action: 'rds:DescribeDBInstances',
    maxResults: RDS_MAX_RECORDS,
    command: (page) => new DescribeDBInstancesCommand({ MaxRecords: page.maxResults, Marker: page.token }),
    items: (output) => output.DBInstances ?? [],
    nextToken: (output) => output.Marker,
  },
  // The filter answers the instances that still exist (no error for the others); AWS takes at most 100 values.
  describe: {
    command: (ids) => new DescribeDBInstancesCommand({ Filters: [{ Name: 'db-instance-id', Values: ids }] }),
    notFoundCode: 'DBInstanceNotFoundFault',
  },
  relations: [
    { name: 'subnet', type: 'EC2.Subnet', ids: (record) => stringsOf(record.data.subnet_ids) },
    { name: 'security_group', type: 'EC2.SecurityGroup', ids: (record) => stringsOf(record.data.vpc_security_group_ids) },
    { name: 'cluster', type: 'RDS.DBCluster', ids: (record) => [record.data.db_cluster_identifier as string | null] },
    { name: 'kms_key', type: 'KMS.Key', ids: (record) => [kmsKeyIdOf(record.data.kms_key_id)] },
  ],
  preprocess: (raw, context) => preprocessDbInstance(raw, context),
  volatileFields: [],
  cloudTrailResourceType: 'AWS::RDS::DBInstance',
});

export function preprocessDbInstance(raw: DBInstance, context: Pick<CollectContext, 'accountId' | 'region'>): ResourceRecord {
  const tags = tagMap(raw.TagList);
  const id = raw.DBInstanceIdentifier ?? '';
  const subnetGroup = raw.DBSubnetGroup;
  return {
    id,
    name: tags.Name ?? id,
    arn: raw.DBInstanceArn ?? regionalArn(context, 'rds', `db:${id}`),
    tags,
    data: {
      db_instance_identifier: id,
      dbi_resource_id: raw.DbiResourceId ?? null,
      engine: raw.Engine ?? null,
      engine_version: raw.EngineVersion ?? null,
      instance_class: raw.DBInstanceClass ?? null,
      status: raw.DBInstanceStatus ?? null,
      multi_az: raw.MultiAZ ?? null,
      publicly_accessible: raw.PubliclyAccessible ?? null,
      storage_encrypted: raw.StorageEncrypted ?? null,
      kms_key_id: raw.KmsKeyId ?? null,
      backup_retention_period: raw.BackupRetentionPeriod ?? null,
      allocated_storage: raw.AllocatedStorage ?? null,
      storage_type: raw.StorageType ?? null,
      availability_zone: raw.AvailabilityZone ?? null,
      secondary_availability_zone: raw.SecondaryAvailabilityZone ?? null,
      db_subnet_group: subnetGroup?.DBSubnetGroupName ?? null,
      vpc_id: subnetGroup?.VpcId ?? null,
      subnet_ids: (subnetGroup?.Subnets ?? []).map((s) => s.SubnetIdentifier).filter((s): s is string => !!s),
      vpc_security_group_ids: (raw.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId).filter((g): g is string => !!g),
      endpoint_address: raw.Endpoint?.Address ?? null,
      endpoint_port: raw.Endpoint?.Port ?? null,
      db_cluster_identifier: raw.DBClusterIdentifier ?? null,
      deletion_protection: raw.DeletionProtection ?? null,
      auto_minor_version_upgrade: raw.AutoMinorVersionUpgrade ?? null,
      iam_database_authentication_enabled: raw.IAMDatabaseAuthenticationEnabled ?? null,
      instance_create_time: isoTime(raw.InstanceCreateTime),
      role: tags[ROLE_TAG] ?? null,
    },
  };
}

export function stringsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
