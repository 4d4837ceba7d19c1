import { DescribeDBClustersCommand, type DBCluster, type DescribeDBClustersCommandOutput } from '@aws-sdk/client-rds';
import { defineResourceType, tagMap, type CollectContext, type ResourceRecord } from '../resource-type';
import { regionalArn } from '../arn';
import { isoTime } from '../record-values';
import { kmsKeyIdOf, RDS_MAX_RECORDS, ROLE_TAG } from './common';
import { stringsOf } from './db-instance';

interface ClusterMemberData {
  instance_id: string;
  is_writer: boolean | null;
}

export const dbClusterType = defineResourceType<DBCluster, DescribeDBClustersCommandOutput>({
  service: 'RDS',
  name: 'DBCluster',
  info: {
    group: 'RDS',
    displayName: 'RDS DB Cluster',
    labels: ['Database'],
    primaryFields: ['db_cluster_identifier', 'engine', 'status'],
    displayFields: ['db_cluster_identifier', 'engine', 'engine_version', 'status', 'storage_encrypted', 'backup_retention_period', 'members', 'endpoint'],
  },
  list: {
    client: 'rds',
    action: 'rds:DescribeDBClusters',
    maxResults: RDS_MAX_RECORDS,
    command: (page) => new DescribeDBClustersCommand({ MaxRecords: page.maxResults, Marker: page.token }),
    items: (output) => output.DBClusters ?? [],
    nextToken: (output) => output.Marker,
  },
  describe: {
    command: (ids) => new DescribeDBClustersCommand({ Filters: [{ Name: 'db-cluster-id', Values: ids }] }),
    notFoundCode: 'DBClusterNotFoundFault',
  },
  relations: [
    { name: 'member', type: 'RDS.DBInstance', ids: (record) => membersOf(record).map((m) => m.instance_id) },
    { name: 'security_group', type: 'EC2.SecurityGroup', ids: (record) => stringsOf(record.data.vpc_security_group_ids) },
    { name: 'kms_key', type: 'KMS.Key', ids: (record) => [kmsKeyIdOf(record.data.kms_key_id)] },
  ],
  preprocess: (raw, context) => preprocessDbCluster(raw, context),
  volatileFields: [],
  cloudTrailResourceType: 'AWS::RDS::DBCluster',
});

export function preprocessDbCluster(raw: DBCluster, context: Pick<CollectContext, 'accountId' | 'region'>): ResourceRecord {
  const tags = tagMap(raw.TagList);
  const id = raw.DBClusterIdentifier ?? '';
  const members: ClusterMemberData[] = (raw.DBClusterMembers ?? [])
    .filter((m) => !!m.DBInstanceIdentifier)
    .map((m) => ({ instance_id: m.DBInstanceIdentifier as string, is_writer: m.IsClusterWriter ?? null }));
  return {
    id,
    name: id,
    arn: raw.DBClusterArn ?? regionalArn(context, 'rds', `cluster:${id}`),
    tags,
    data: {
      db_cluster_identifier: id,
      db_cluster_resource_id: raw.DbClusterResourceId ?? null,
      engine: raw.Engine ?? null,
      engine_version: raw.EngineVersion ?? null,
      engine_mode: raw.EngineMode ?? null,
      status: raw.Status ?? null,
      storage_encrypted: raw.StorageEncrypted ?? null,
      kms_key_id: raw.KmsKeyId ?? null,
      backup_retention_period: raw.BackupRetentionPeriod ?? null,
      multi_az: raw.MultiAZ ?? null,
      members,
      endpoint: raw.Endpoint ?? null,
      reader_endpoint: raw.ReaderEndpoint ?? null,
      port: raw.Port ?? null,
      db_subnet_group: raw.DBSubnetGroup ?? null,
      vpc_security_group_ids: (raw.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId).filter((g): g is string => !!g),
      deletion_protection: raw.DeletionProtection ?? null,
      cluster_create_time: isoTime(raw.ClusterCreateTime),
      role: tags[ROLE_TAG] ?? null,
    },
  };
}

function membersOf(record: ResourceRecord): ClusterMemberData[] {
  return Array.isArray(record.data.members) ? (record.data.members as ClusterMemberData[]) : [];
}
