/** What cloudtap's RDS types should store for a spec and the conditions planted for its rules, read from the RDS model. */
import type { ServiceTruth, ServiceTruthCondition, ServiceTruthResource } from '../service-truth';
import { rdsRegion } from '../services/rds-model';
import type { Tag } from '@aws-sdk/client-rds';

function tagsOf(list: Tag[] | undefined): Record<string, string> {
  return Object.fromEntries((list ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? '']));
}

export const rdsTruth: ServiceTruth = {
  service: 'RDS',
  truth(spec, accountId, regions) {
    const resources: ServiceTruthResource[] = [];
    const conditions: ServiceTruthCondition[] = [];
    for (const region of regions) {
      const model = rdsRegion(spec, accountId, region);
      for (const instance of model.instances) {
        const id = instance.DBInstanceIdentifier ?? '';
        resources.push({
          accountId, region, type: 'RDS.DBInstance', id, name: id, tags: tagsOf(instance.TagList),
          attributes: {
            engine: instance.Engine, status: instance.DBInstanceStatus, publiclyAccessible: instance.PubliclyAccessible,
            storageEncrypted: instance.StorageEncrypted, backupRetentionPeriod: instance.BackupRetentionPeriod,
            clusterId: instance.DBClusterIdentifier ?? null,
          },
        });
        const condition = (rule: string, severity: ServiceTruthCondition['severity'], detail: Record<string, unknown>) =>
          conditions.push({ rule, accountId, region, type: 'RDS.DBInstance', id, severity, detail });
        if (instance.PubliclyAccessible === true) condition('DbPubliclyAccessible', 1, { endpoint: instance.Endpoint?.Address });
        if (instance.StorageEncrypted === false) condition('DbStorageUnencrypted', 3, { clusterId: instance.DBClusterIdentifier ?? null });
        if (instance.BackupRetentionPeriod === 0) condition('DbBackupsOff', 2, {});
      }
      for (const cluster of model.clusters) {
        const id = cluster.DBClusterIdentifier ?? '';
        resources.push({
          accountId, region, type: 'RDS.DBCluster', id, name: id, tags: tagsOf(cluster.TagList),
          attributes: { engine: cluster.Engine, storageEncrypted: cluster.StorageEncrypted, members: (cluster.DBClusterMembers ?? []).map((m) => m.DBInstanceIdentifier) },
        });
      }
      for (const snapshot of model.snapshots) {
        const id = snapshot.DBSnapshotIdentifier ?? '';
        resources.push({
          accountId, region, type: 'RDS.DBSnapshot', id, name: id, tags: tagsOf(snapshot.TagList),
          attributes: { instanceId: snapshot.DBInstanceIdentifier, snapshotType: snapshot.SnapshotType, encrypted: snapshot.Encrypted },
        });
      }
    }
    return { resources, conditions };
  },
};
