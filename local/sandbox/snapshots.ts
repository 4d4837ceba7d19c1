/**
 * EBS snapshots the account owns: the root snapshot of each golden image, and daily backups
 * of some base instances' volumes. They do not change with epochs.
 */
import type { Snapshot } from '@aws-sdk/client-ec2';
import { timeBeforeStart } from './clock';
import { planInstance } from './instances';
import type { RegionModel } from './region-model';
import { dataVolume, rootVolume } from './volumes';

function backupCount(baseInstances: number): number {
  return baseInstances > 0 ? Math.min(500, Math.max(1, Math.round(baseInstances * 0.05))) : 0;
}

/** The volume id AWS reports for snapshots that CreateImage copied. */
const IMAGE_SOURCE_VOLUME = 'vol-ffffffff';

export function planSnapshots(model: RegionModel): Snapshot[] {
  const dice = model.snapshotDice;
  const owner = model.accountId;
  const imageSnapshots = model.images.owned.map((image, k): Snapshot => ({
    Tags: [],
    StorageTier: 'standard',
    SnapshotId: model.ids.snapshot.encode(k),
    VolumeId: IMAGE_SOURCE_VOLUME,
    State: 'completed',
    StartTime: image.creationDate,
    Progress: '100%',
    OwnerId: owner,
    Description: `Created by CreateImage(${model.ids.instance.encode(0x7fff0000 + k)}) for ${image.id}`,
    VolumeSize: image.rootSize,
    Encrypted: false,
  }));
  const backups = Array.from({ length: backupCount(model.baseInstances) }, (_, j): Snapshot => {
    const plan = planInstance(model, dice.between(0, model.baseInstances - 1, j, 1));
    const volume = plan.hasDataVolume ? dataVolume(model, plan) : rootVolume(model, plan);
    const snapshot: Snapshot = {
      Tags: [{ Key: 'Name', Value: `${plan.baseName ?? plan.id}-backup` }, { Key: 'Backup', Value: 'daily' }],
      StorageTier: 'standard',
      SnapshotId: model.ids.snapshot.encode(imageSnapshots.length + j),
      VolumeId: volume.id,
      State: 'completed',
      StartTime: timeBeforeStart(dice.unit(j, 2), 30),
      Progress: '100%',
      OwnerId: owner,
      Description: `daily backup of ${volume.id}`,
      VolumeSize: volume.size,
      Encrypted: volume.encrypted,
    };
    if (volume.encrypted) snapshot.KmsKeyId = model.kmsKeyArn;
    return snapshot;
  });
  return [...imageSnapshots, ...backups];
}
