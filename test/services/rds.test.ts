import { describe, it, expect } from '@jest/globals';
import {
  DescribeDBInstancesCommand, RDSClient, type DBCluster, type DBInstance, type DBSnapshot, type DescribeDBInstancesCommandInput,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { listPages } from '../../src/services/pages';
import { NO_FACTS } from '../../src/services/rule';
import { typeActions, type CollectContext, type ResourceRecord, type ResourceType } from '../../src/services/resource-type';
import { dbInstanceType, preprocessDbInstance } from '../../src/services/rds/db-instance';
import { dbClusterType, preprocessDbCluster } from '../../src/services/rds/db-cluster';
import { dbSnapshotType, preprocessDbSnapshot } from '../../src/services/rds/db-snapshot';
import { dbBackupsOffRule, dbPubliclyAccessibleRule, dbStorageUnencryptedRule } from '../../src/services/rds/db-instance-rules';
import { rdsResourcesInApiCall, rdsService } from '../../src/services/rds';

const context = { accountId: '111111111111', region: 'eu-west-1' };
const KEY_ARN = 'arn:aws:kms:eu-west-1:111111111111:key/0a1b2c3d-1111-2222-3333-444455556666';

function mockedRds() {
  const rds = new RDSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
  const clients = { get: <T>(name: string) => { if (name !== 'rds') throw new Error(`no client ${name}`); return rds as T; } } as unknown as CollectContext['clients'];
  return { context: { ...context, clients } satisfies CollectContext, rds: mockClient(rds) };
}

function relatedOf(type: ResourceType, record: ResourceRecord): Record<string, (string | null | undefined)[]> {
  return Object.fromEntries((type.relations ?? []).map((relation) => [relation.name, [...relation.ids(record)]]));
}

/** A DescribeDBInstances item as the SDK deserializes it: a public, unencrypted PostgreSQL instance without backups. */
const exposedInstance: DBInstance = {
  DBInstanceIdentifier: 'orders-pg-0',
  DBInstanceArn: 'arn:aws:rds:eu-west-1:111111111111:db:orders-pg-0',
  DbiResourceId: 'db-ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  DBInstanceClass: 'db.t4g.medium',
  Engine: 'postgres',
  EngineVersion: '16.4',
  DBInstanceStatus: 'available',
  Endpoint: { Address: 'orders-pg-0.abc123.eu-west-1.rds.amazonaws.com', Port: 5432, HostedZoneId: 'Z2R2ITUGPM61AM' },
  AllocatedStorage: 100,
  StorageType: 'gp3',
  InstanceCreateTime: new Date('2025-06-01T10:00:00.000Z'),
  MultiAZ: false,
  AvailabilityZone: 'eu-west-1a',
  PubliclyAccessible: true,
  StorageEncrypted: false,
  BackupRetentionPeriod: 0,
  DBSubnetGroup: {
    DBSubnetGroupName: 'app-public', VpcId: 'vpc-0123456789abcdef0',
    Subnets: [{ SubnetIdentifier: 'subnet-0aaa', SubnetAvailabilityZone: { Name: 'eu-west-1a' } }, { SubnetIdentifier: 'subnet-0bbb' }],
  },
  VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-0db', Status: 'active' }],
  DeletionProtection: false,
  AutoMinorVersionUpgrade: true,
  IAMDatabaseAuthenticationEnabled: false,
  TagList: [{ Key: 'Role', Value: 'db_server' }, { Key: 'env', Value: 'prod' }],
};

/** An encrypted Aurora member: private, backed up, in a cluster. */
const auroraMember: DBInstance = {
  DBInstanceIdentifier: 'billing-aurora-0-instance-1',
  Engine: 'aurora-postgresql',
  DBInstanceStatus: 'available',
  PubliclyAccessible: false,
  StorageEncrypted: true,
  KmsKeyId: KEY_ARN,
  BackupRetentionPeriod: 7,
  DBClusterIdentifier: 'billing-aurora-0',
};

describe('RDS.DBInstance', () => {
  it('flattens engine, class, status, availability, encryption, backups, network, endpoint and tags', () => {
    expect(preprocessDbInstance(exposedInstance, context)).toEqual({
      id: 'orders-pg-0',
      name: 'orders-pg-0',
      arn: 'arn:aws:rds:eu-west-1:111111111111:db:orders-pg-0',
      tags: { Role: 'db_server', env: 'prod' },
      data: {
        db_instance_identifier: 'orders-pg-0', dbi_resource_id: 'db-ABCDEFGHIJKLMNOPQRSTUVWXYZ', engine: 'postgres', engine_version: '16.4',
        instance_class: 'db.t4g.medium', status: 'available', multi_az: false, publicly_accessible: true, storage_encrypted: false,
        kms_key_id: null, backup_retention_period: 0, allocated_storage: 100, storage_type: 'gp3', availability_zone: 'eu-west-1a',
        secondary_availability_zone: null, db_subnet_group: 'app-public', vpc_id: 'vpc-0123456789abcdef0', subnet_ids: ['subnet-0aaa', 'subnet-0bbb'],
        vpc_security_group_ids: ['sg-0db'], endpoint_address: 'orders-pg-0.abc123.eu-west-1.rds.amazonaws.com', endpoint_port: 5432,
        db_cluster_identifier: null, deletion_protection: false, auto_minor_version_upgrade: true, iam_database_authentication_enabled: false,
        instance_create_time: '2025-06-01T10:00:00.000Z', role: 'db_server',
      },
    });
  });

  it('points to its subnets, security groups, cluster and KMS key (by key id, not ARN)', () => {
    expect(relatedOf(dbInstanceType, preprocessDbInstance(exposedInstance, context)))
      .toEqual({ subnet: ['subnet-0aaa', 'subnet-0bbb'], security_group: ['sg-0db'], cluster: [null], kms_key: [null] });
    expect(relatedOf(dbInstanceType, preprocessDbInstance(auroraMember, context)))
      .toMatchObject({ cluster: ['billing-aurora-0'], kms_key: ['0a1b2c3d-1111-2222-3333-444455556666'] });
  });

  it('builds the ARN in the partition of the region when AWS gives none', () => {
    expect(preprocessDbInstance(auroraMember, { accountId: '111111111111', region: 'cn-north-1' }).arn)
      .toBe('arn:aws-cn:rds:cn-north-1:111111111111:db:billing-aurora-0-instance-1');
  });

  it('pages DescribeDBInstances with Marker at MaxRecords 100, and makes no other call', async () => {
    const { context: mocked, rds } = mockedRds();
    rds.on(DescribeDBInstancesCommand).callsFake((input: DescribeDBInstancesCommandInput) => (input.Marker === undefined
      ? { DBInstances: [exposedInstance], Marker: 'page-2' }
      : { DBInstances: [auroraMember] }));
    const pages: ResourceRecord[][] = [];
    for await (const raws of listPages(dbInstanceType.list as NonNullable<ResourceType['list']>, mocked.clients)) pages.push(raws.map((raw) => dbInstanceType.preprocess(raw, mocked)));
    expect(pages.map((page) => page.map((r) => r.id))).toEqual([['orders-pg-0'], ['billing-aurora-0-instance-1']]);
    expect(rds.calls().map((call) => call.args[0].input)).toEqual([{ MaxRecords: 100 }, { MaxRecords: 100, Marker: 'page-2' }]);
    expect(dbInstanceType.enrich).toBeUndefined();
  });

  it('refreshes given instances with the db-instance-id filter, which answers only those that still exist', () => {
    expect(dbInstanceType.describe?.command?.(['a', 'b']).input).toEqual({ Filters: [{ Name: 'db-instance-id', Values: ['a', 'b'] }] });
  });
});

describe('RDS rules', () => {
  const exposed = preprocessDbInstance(exposedInstance, context);
  const safe = preprocessDbInstance(auroraMember, context);

  it('finds a publicly accessible instance critical, unencrypted storage minor and backups off a warning, grouped by the Role tag', () => {
    expect(dbPubliclyAccessibleRule.evaluate(exposed, NO_FACTS)).toEqual([{
      severity: 1, typeNames: [{ type: 'ID', name: 'orders-pg-0' }], group: 'db_server', text: 'CRITICAL – DB instance orders-pg-0 (postgres) is publicly accessible',
    }]);
    expect(dbStorageUnencryptedRule.evaluate(exposed, NO_FACTS)).toEqual([{
      severity: 3, typeNames: [{ type: 'ID', name: 'orders-pg-0' }], group: 'db_server', text: 'MINOR – DB instance orders-pg-0 (postgres) has unencrypted storage',
    }]);
    expect(dbBackupsOffRule.evaluate(exposed, NO_FACTS)).toEqual([{
      severity: 2, typeNames: [{ type: 'ID', name: 'orders-pg-0' }], group: 'db_server', text: 'WARNING – DB instance orders-pg-0 (postgres) has automated backups turned off',
    }]);
  });

  it('finds nothing on a private, encrypted, backed-up instance, and nothing where the value is unknown', () => {
    for (const rule of rdsService.rules) {
      expect(rule.evaluate(safe, NO_FACTS)).toEqual([]);
      expect(rule.evaluate({ ...exposed, data: { ...exposed.data, publicly_accessible: null, storage_encrypted: null, backup_retention_period: null } }, NO_FACTS)).toEqual([]);
    }
  });

  it('has no group without a Role tag, and says OK when the condition ends', () => {
    expect(dbBackupsOffRule.evaluate({ ...exposed, data: { ...exposed.data, role: null } }, NO_FACTS)[0]?.group).toBeNull();
    expect(dbPubliclyAccessibleRule.clearText([{ type: 'ID', name: 'orders-pg-0' }])).toBe('OK – DB instance orders-pg-0 is no longer publicly accessible or was deleted');
  });
});

describe('RDS.DBCluster and RDS.DBSnapshot', () => {
  const cluster: DBCluster = {
    DBClusterIdentifier: 'billing-aurora-0', DBClusterArn: 'arn:aws:rds:eu-west-1:111111111111:cluster:billing-aurora-0',
    Engine: 'aurora-postgresql', EngineVersion: '15.6', EngineMode: 'provisioned', Status: 'available', StorageEncrypted: true, KmsKeyId: KEY_ARN,
    BackupRetentionPeriod: 7, MultiAZ: true, Endpoint: 'billing-aurora-0.cluster-abc.eu-west-1.rds.amazonaws.com', Port: 5432,
    DBClusterMembers: [{ DBInstanceIdentifier: 'billing-aurora-0-instance-1', IsClusterWriter: true }, { DBInstanceIdentifier: 'billing-aurora-0-instance-2', IsClusterWriter: false }],
    VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-0db' }], ClusterCreateTime: new Date('2025-01-01T00:00:00Z'), TagList: [{ Key: 'Role', Value: 'db_server' }],
  };
  const automated: DBSnapshot = {
    DBSnapshotIdentifier: 'rds:orders-pg-0-2025-12-31-03-10', DBInstanceIdentifier: 'orders-pg-0', SnapshotType: 'automated', Status: 'available',
    Engine: 'postgres', Encrypted: false, SnapshotCreateTime: new Date('2025-12-31T03:10:00Z'), AllocatedStorage: 100,
  };

  it('a cluster carries its members, encryption and retention, and points to its member instances', () => {
    const record = preprocessDbCluster(cluster, context);
    expect(record.data).toMatchObject({
      engine: 'aurora-postgresql', status: 'available', storage_encrypted: true, backup_retention_period: 7,
      members: [{ instance_id: 'billing-aurora-0-instance-1', is_writer: true }, { instance_id: 'billing-aurora-0-instance-2', is_writer: false }],
    });
    expect(relatedOf(dbClusterType, record)).toEqual({
      member: ['billing-aurora-0-instance-1', 'billing-aurora-0-instance-2'], security_group: ['sg-0db'], kms_key: ['0a1b2c3d-1111-2222-3333-444455556666'],
    });
  });

  it('an automated snapshot keeps its rds: identifier, type and creation time, and points to its instance', () => {
    const record = preprocessDbSnapshot(automated, context);
    expect(record).toMatchObject({ id: 'rds:orders-pg-0-2025-12-31-03-10', arn: 'arn:aws:rds:eu-west-1:111111111111:snapshot:rds:orders-pg-0-2025-12-31-03-10' });
    expect(record.data).toMatchObject({ snapshot_type: 'automated', encrypted: false, snapshot_create_time: '2025-12-31T03:10:00.000Z' });
    expect(relatedOf(dbSnapshotType, record)).toEqual({ instance: ['orders-pg-0'], kms_key: [null] });
  });
});

describe('RDS service', () => {
  it('lists with MaxRecords 100 and needs only the three Describe actions', () => {
    expect(rdsService.types.map((t) => t.list?.maxResults)).toEqual([100, 100, 100]);
    expect(rdsService.types.flatMap(typeActions).sort()).toEqual(['rds:DescribeDBClusters', 'rds:DescribeDBInstances', 'rds:DescribeDBSnapshots']);
    expect(rdsService.types.map((t) => t.cloudTrailResourceType)).toEqual(['AWS::RDS::DBInstance', 'AWS::RDS::DBCluster', 'AWS::RDS::DBSnapshot']);
  });

  it('reads the resources an API call names from its identifiers, in lower case, and from a tagged ARN', () => {
    expect(rdsResourcesInApiCall({ requestParameters: { dBInstanceIdentifier: 'Orders-PG-0', dBClusterIdentifier: 'billing-aurora-0' } }))
      .toEqual([{ type: 'RDS.DBInstance', ids: ['orders-pg-0'] }, { type: 'RDS.DBCluster', ids: ['billing-aurora-0'] }]);
    expect(rdsResourcesInApiCall({ requestParameters: { dBInstanceIdentifier: 'old', newDBInstanceIdentifier: 'new' } }))
      .toEqual([{ type: 'RDS.DBInstance', ids: ['old', 'new'] }]);
    expect(rdsResourcesInApiCall({ requestParameters: { resourceName: 'arn:aws:rds:eu-west-1:111111111111:snapshot:orders-manual-1', tags: [] } }))
      .toEqual([{ type: 'RDS.DBSnapshot', ids: ['orders-manual-1'] }]);
    expect(rdsResourcesInApiCall({ requestParameters: null })).toEqual([]);
  });
});
