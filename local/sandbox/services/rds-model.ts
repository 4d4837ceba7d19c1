/**
 * The RDS resources of one region of one synthetic account: standalone DB instances (≈ instances/10, at least 3),
 * Aurora clusters with a writer and a reader instance (≈ instances/50, at least 1), the manual snapshots taken of
 * the standalone instances and their two latest automated snapshots (which move with the epoch's day).
 * Every region plants each condition cloudtap's RDS rules find: instance 0 is publicly accessible, instance 1 has
 * unencrypted storage, instance 2 has backups off; later instances draw them by chance.
 * A pure function of (seed, account, region, instances, epoch); the networking comes from the EC2 model.
 */
import type { DBCluster, DBInstance, DBSnapshot, Tag } from '@aws-sdk/client-rds';
import { epochTime, timeBeforeStart } from '../clock';
import { Dice, hashText } from '../random';
import { RegionModel } from '../region-model';
import { regionInfo } from '../regions';
import { GROUP_INDEX } from '../security-groups';
import type { SandboxSpec } from '../spec';
import { remember } from '../bounded-cache';

export type RdsModelSpec = Pick<SandboxSpec, 'seed' | 'instances' | 'epoch'>;

export interface RdsRegion {
  /** Sorted by identifier, as AWS lists them. */
  instances: DBInstance[];
  clusters: DBCluster[];
  snapshots: DBSnapshot[];
}

const ENGINES = [
  { engine: 'postgres', version: '16.4', port: 5432, short: 'pg' },
  { engine: 'mysql', version: '8.0.39', port: 3306, short: 'mysql' },
  { engine: 'mariadb', version: '10.11.9', port: 3306, short: 'maria' },
] as const;
const AURORA_ENGINES = [
  { engine: 'aurora-postgresql', version: '15.6', port: 5432 },
  { engine: 'aurora-mysql', version: '8.0.mysql_aurora.3.05.2', port: 3306 },
] as const;
const PURPOSES = ['orders', 'users', 'billing', 'inventory', 'reports', 'auth', 'catalog', 'search'] as const;
const CLASSES = ['db.t3.micro', 'db.t4g.medium', 'db.m6g.large', 'db.r6g.xlarge'] as const;
const DAY_MS = 86_400_000;
/** Automated backups run in the 03:10 UTC window. */
const BACKUP_OFFSET_MS = (3 * 60 + 10) * 60_000;
const AUTOMATED_SNAPSHOTS_KEPT = 2;

export function standaloneInstanceCount(instances: number): number {
  return Math.max(3, Math.round(instances / 10));
}

export function clusterCount(instances: number): number {
  return Math.max(1, Math.round(instances / 50));
}

export function manualSnapshotCount(instances: number): number {
  return Math.max(2, Math.round(instances / 20));
}

const MAX_CACHED = 64;
const networks = new Map<string, RegionModel>();
const models = new Map<string, RdsRegion>();

/** The EC2 model of the region (subnets, security groups, the region's KMS key), shared with the other service modules. */
export function ec2RegionOf(spec: Pick<SandboxSpec, 'seed' | 'instances'>, accountId: string, region: string): RegionModel | undefined {
  const info = regionInfo(region);
  return info ? remember(networks, `${spec.seed}|${spec.instances}|${accountId}|${region}`, () => new RegionModel(spec.seed, spec.instances, accountId, info), MAX_CACHED) : undefined;
}

function tags(entries: Record<string, string | undefined>): Tag[] {
  return Object.entries(entries).filter((entry): entry is [string, string] => entry[1] !== undefined).map(([Key, Value]) => ({ Key, Value }));
}

/** The region's RDS resources; empty for a region the sandbox does not model. */
export function rdsRegion(spec: RdsModelSpec, accountId: string, region: string): RdsRegion {
  return remember(models, `${spec.seed}|${spec.instances}|${spec.epoch}|${accountId}|${region}`, () => buildRegion(spec, accountId, region), MAX_CACHED);
}

function buildRegion(spec: RdsModelSpec, accountId: string, region: string): RdsRegion {
  const ec2 = ec2RegionOf(spec, accountId, region);
  if (!ec2) return { instances: [], clusters: [], snapshots: [] };
  const dice = new Dice(hashText(`${spec.seed}|${accountId}|${region}|rds`));
  const arn = (kind: string, id: string) => `arn:aws:rds:${region}:${accountId}:${kind}:${id}`;
  const endpointHost = `${dice.alphanumeric(12, 1).toLowerCase()}.${region}.rds.amazonaws.com`;
  const { network } = ec2;
  const subnetGroup = (isPublic: boolean) => {
    const indexes = isPublic ? network.publicSubnets : network.privateSubnets;
    const vpc = network.vpcs[1];
    return {
      DBSubnetGroupName: isPublic ? 'app-public' : 'app-private',
      DBSubnetGroupDescription: isPublic ? 'Application VPC, public subnets' : 'Application VPC, private subnets',
      VpcId: vpc?.id,
      SubnetGroupStatus: 'Complete',
      Subnets: indexes.map((i) => network.subnets[i]).filter((s) => s !== undefined)
        .map((s) => ({ SubnetIdentifier: s.id, SubnetAvailabilityZone: { Name: s.zone.name }, SubnetStatus: 'Active' })),
    };
  };
  const dbGroup = ec2.securityGroups[GROUP_INDEX.db_server]?.id ?? '';
  const securityGroups = [{ VpcSecurityGroupId: dbGroup, Status: 'active' }];
  const zoneOf = (group: ReturnType<typeof subnetGroup>, n: number) => group.Subnets[n % Math.max(1, group.Subnets.length)]?.SubnetAvailabilityZone.Name;

  const instances: DBInstance[] = [];
  const snapshots: DBSnapshot[] = [];
  const snapshotOf: ((snapshotId: string, type: 'manual' | 'automated', at: Date) => DBSnapshot)[] = [];
  const standalone = standaloneInstanceCount(spec.instances);
  for (let i = 0; i < standalone; i++) {
    const engine = dice.pick(ENGINES, 1, i);
    const id = `${dice.pick(PURPOSES, 2, i)}-${engine.short}-${i}`;
    const publiclyAccessible = i === 0 || (i > 2 && dice.chance(0.1, 3, i));
    const encrypted = i !== 1 && (i <= 2 || dice.chance(0.8, 4, i));
    const retention = i === 2 || (i > 2 && dice.chance(0.1, 5, i)) ? 0 : dice.pick([1, 7, 14, 35], 6, i);
    const group = subnetGroup(publiclyAccessible);
    const role = dice.chance(0.8, 7, i) ? 'db_server' : undefined;
    const created = timeBeforeStart(dice.unit(8, i), 400);
    const instance: DBInstance = {
      DBInstanceIdentifier: id,
      DBInstanceArn: arn('db', id),
      DbiResourceId: `db-${dice.alphanumeric(26, 9, i)}`,
      DBInstanceClass: dice.pick(CLASSES, 10, i),
      Engine: engine.engine,
      EngineVersion: engine.version,
      DBInstanceStatus: i > 2 && dice.chance(0.1, 11, i) ? 'stopped' : 'available',
      MasterUsername: 'dbadmin',
      Endpoint: { Address: `${id}.${endpointHost}`, Port: engine.port, HostedZoneId: 'Z2R2ITUGPM61AM' },
      AllocatedStorage: dice.pick([20, 100, 500], 12, i),
      StorageType: 'gp3',
      InstanceCreateTime: created,
      MultiAZ: dice.chance(0.3, 13, i),
      AvailabilityZone: zoneOf(group, i),
      PubliclyAccessible: publiclyAccessible,
      StorageEncrypted: encrypted,
      ...(encrypted ? { KmsKeyId: ec2.kmsKeyArn } : {}),
      BackupRetentionPeriod: retention,
      PreferredBackupWindow: '03:00-03:30',
      DBSubnetGroup: group,
      VpcSecurityGroups: securityGroups,
      AutoMinorVersionUpgrade: true,
      DeletionProtection: dice.chance(0.5, 14, i),
      IAMDatabaseAuthenticationEnabled: false,
      TagList: tags({ Name: id, Role: role, env: dice.pick(['prod', 'staging'], 15, i) }),
    };
    instances.push(instance);
    const snapshot = (snapshotId: string, type: 'manual' | 'automated', at: Date): DBSnapshot => ({
      DBSnapshotIdentifier: snapshotId,
      DBSnapshotArn: arn('snapshot', snapshotId),
      DBInstanceIdentifier: id,
      SnapshotCreateTime: at,
      Engine: engine.engine,
      EngineVersion: engine.version,
      AllocatedStorage: instance.AllocatedStorage,
      Status: 'available',
      Port: engine.port,
      AvailabilityZone: instance.AvailabilityZone,
      VpcId: group.VpcId,
      InstanceCreateTime: created,
      MasterUsername: 'dbadmin',
      SnapshotType: type,
      StorageType: 'gp3',
      Encrypted: encrypted,
      ...(encrypted ? { KmsKeyId: ec2.kmsKeyArn } : {}),
      PercentProgress: 100,
      TagList: type === 'manual' ? tags({ Role: role }) : [],
    });
    snapshotOf.push(snapshot);
    // The latest automated backups: at 03:10 UTC of the last days before the account's time.
    if (retention > 0) {
      const latest = Math.floor((epochTime(spec.epoch).getTime() - BACKUP_OFFSET_MS) / DAY_MS);
      for (let day = latest; day > latest - Math.min(retention, AUTOMATED_SNAPSHOTS_KEPT); day--) {
        const at = new Date(day * DAY_MS + BACKUP_OFFSET_MS);
        snapshots.push(snapshot(`rds:${id}-${at.toISOString().slice(0, 16).replace(/[T:]/g, '-')}`, 'automated', at));
      }
    }
  }
  for (let s = 0; s < manualSnapshotCount(spec.instances); s++) {
    const of = dice.between(0, standalone - 1, 20, s);
    const at = timeBeforeStart(dice.unit(21, s), 60);
    snapshots.push(snapshotOf[of]?.(`${instances[of]?.DBInstanceIdentifier ?? 'db'}-manual-${s}`, 'manual', at) as DBSnapshot);
  }

  const clusters: DBCluster[] = [];
  for (let c = 0; c < clusterCount(spec.instances); c++) {
    const engine = dice.pick(AURORA_ENGINES, 30, c);
    const id = `${dice.pick(PURPOSES, 31, c)}-aurora-${c}`;
    const encrypted = dice.chance(0.8, 32, c);
    const retention = dice.pick([1, 7, 14], 33, c);
    const group = subnetGroup(false);
    const role = dice.chance(0.8, 34, c) ? 'db_server' : undefined;
    const created = timeBeforeStart(dice.unit(35, c), 400);
    const members = [`${id}-instance-1`, `${id}-instance-2`];
    const clusterHost = `${id}.cluster-${endpointHost}`;
    clusters.push({
      DBClusterIdentifier: id,
      DBClusterArn: arn('cluster', id),
      DbClusterResourceId: `cluster-${dice.alphanumeric(26, 36, c)}`,
      Engine: engine.engine,
      EngineVersion: engine.version,
      EngineMode: 'provisioned',
      Status: 'available',
      StorageEncrypted: encrypted,
      ...(encrypted ? { KmsKeyId: ec2.kmsKeyArn } : {}),
      BackupRetentionPeriod: retention,
      MultiAZ: true,
      Endpoint: clusterHost,
      ReaderEndpoint: `${id}.cluster-ro-${endpointHost}`,
      Port: engine.port,
      DBSubnetGroup: group.DBSubnetGroupName,
      VpcSecurityGroups: securityGroups,
      DeletionProtection: true,
      ClusterCreateTime: created,
      MasterUsername: 'dbadmin',
      DBClusterMembers: members.map((member, m) => ({ DBInstanceIdentifier: member, IsClusterWriter: m === 0, PromotionTier: 1, DBClusterParameterGroupStatus: 'in-sync' })),
      TagList: tags({ Role: role }),
    });
    members.forEach((member, m) => instances.push({
      DBInstanceIdentifier: member,
      DBInstanceArn: arn('db', member),
      DbiResourceId: `db-${dice.alphanumeric(26, 37, c * 2 + m)}`,
      DBInstanceClass: 'db.r6g.large',
      Engine: engine.engine,
      EngineVersion: engine.version,
      DBInstanceStatus: 'available',
      Endpoint: { Address: `${member}.${endpointHost}`, Port: engine.port, HostedZoneId: 'Z2R2ITUGPM61AM' },
      AllocatedStorage: 1,
      StorageType: 'aurora',
      InstanceCreateTime: created,
      MultiAZ: false,
      AvailabilityZone: zoneOf(group, m),
      PubliclyAccessible: false,
      // Aurora reports the cluster's storage and backup settings on every member.
      StorageEncrypted: encrypted,
      ...(encrypted ? { KmsKeyId: ec2.kmsKeyArn } : {}),
      BackupRetentionPeriod: retention,
      DBClusterIdentifier: id,
      DBSubnetGroup: group,
      VpcSecurityGroups: securityGroups,
      AutoMinorVersionUpgrade: true,
      DeletionProtection: false,
      TagList: tags({ Role: role }),
    }));
  }
  const byId = <T>(idOf: (item: T) => string | undefined) => (a: T, b: T) => ((idOf(a) ?? '') < (idOf(b) ?? '') ? -1 : 1);
  return {
    instances: instances.sort(byId((i) => i.DBInstanceIdentifier)),
    clusters: clusters.sort(byId((c) => c.DBClusterIdentifier)),
    snapshots: snapshots.sort(byId((s) => s.DBSnapshotIdentifier)),
  };
}
