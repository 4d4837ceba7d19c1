/**
 * EBS volumes. Every instance has a root volume (deleted with the instance) and some a data
 * volume (left behind, available, when the instance terminates); standalone volumes are created,
 * attached and deleted by epoch steps. Positions: 2i and 2i+1 are instance i's root and data
 * volumes, then the standalone volumes follow, so a page is computed without the others.
 */
import type { Volume, VolumeType } from '@aws-sdk/client-ec2';
import { timeBeforeStart, timeWithinStep } from './clock';
import type { Collection } from './collection';
import { hasDataVolume, instanceStateAt, planInstance, type InstancePlan } from './instances';
import type { RegionModel } from './region-model';

export interface VolumeFacts {
  id: string;
  size: number;
  volumeType: string;
  iops?: number;
  throughput?: number;
  encrypted: boolean;
  zoneName: string;
  zoneId: string;
  createTime: Date;
  snapshotId: string;
  name?: string;
}

export interface AttachedVolume {
  id: string;
  device: string;
  attachTime: Date;
  deleteOnTermination: boolean;
}

const DRAW = { size: 1, type: 2, encrypted: 3, zone: 4, createTime: 5, iops: 6, named: 7, attachTime: 8 } as const;
const ROOT = 100;
const DATA = 200;
const STANDALONE = 300;

function performance(volumeType: string, size: number, iops: number): Pick<VolumeFacts, 'iops' | 'throughput'> {
  if (volumeType === 'gp3') return { iops: 3000, throughput: 125 };
  if (volumeType === 'gp2') return { iops: Math.min(16000, Math.max(100, size * 3)) };
  if (volumeType === 'io1') return { iops };
  return {};
}

export function rootVolume(model: RegionModel, plan: InstancePlan): VolumeFacts {
  const dice = model.volumeDice;
  const image = model.imageById(plan.imageId);
  const size = Math.max(image?.rootSize ?? 8, dice.pick([8, 16, 20, 30, 50], plan.index, ROOT, DRAW.size));
  const volumeType = dice.chance(0.8, plan.index, ROOT, DRAW.type) ? 'gp3' : 'gp2';
  const zone = model.network.subnets[plan.subnet]?.zone;
  return {
    id: plan.rootVolumeId, size, volumeType, ...performance(volumeType, size, 0),
    encrypted: dice.chance(0.7, plan.index, ROOT, DRAW.encrypted), zoneName: zone?.name ?? '', zoneId: zone?.zoneId ?? '',
    createTime: plan.launchTime, snapshotId: model.imageSnapshotId(plan.imageId),
  };
}

export function dataVolume(model: RegionModel, plan: InstancePlan): VolumeFacts {
  const dice = model.volumeDice;
  const size = dice.pick([100, 200, 500, 1000, 2000], plan.index, DATA, DRAW.size);
  const volumeType = dice.pickWeighted(['gp3', 'io1', 'st1'], [70, 15, 15], plan.index, DATA, DRAW.type);
  const zone = model.network.subnets[plan.subnet]?.zone;
  return {
    id: plan.dataVolumeId ?? model.ids.dataVolume.encode(plan.index), size, volumeType, ...performance(volumeType, size, dice.between(10, 50, plan.index, DRAW.iops) * 100),
    encrypted: dice.chance(0.75, plan.index, DATA, DRAW.encrypted), zoneName: zone?.name ?? '', zoneId: zone?.zoneId ?? '',
    createTime: plan.launchTime, snapshotId: '', name: plan.baseName ? `${plan.baseName}-data` : undefined,
  };
}

export function standaloneVolumeZone(model: RegionModel, volume: number): { name: string; zoneId: string } {
  const zones = model.network.zones.slice(0, 3);
  return model.volumeDice.pick(zones, volume, STANDALONE, DRAW.zone) ?? { name: '', zoneId: '' };
}

export function standaloneVolume(model: RegionModel, volume: number): VolumeFacts {
  const dice = model.volumeDice;
  const created = model.timeline.standaloneVolume(volume)?.createdEpoch ?? 0;
  const size = dice.pick([10, 20, 50, 100, 250, 500], volume, STANDALONE, DRAW.size);
  const volumeType = dice.chance(0.7, volume, STANDALONE, DRAW.type) ? 'gp3' : 'gp2';
  const zone = standaloneVolumeZone(model, volume);
  const createTime = created === 0 ? timeBeforeStart(dice.unit(volume, DRAW.createTime), 400) : timeWithinStep(created, dice.unit(volume, DRAW.createTime));
  return {
    id: model.ids.standaloneVolume.encode(volume), size, volumeType, ...performance(volumeType, size, 0),
    encrypted: dice.chance(0.6, volume, STANDALONE, DRAW.encrypted), zoneName: zone.name, zoneId: zone.zoneId, createTime, snapshotId: '',
    name: dice.chance(0.5, volume, STANDALONE, DRAW.named) ? `scratch-${volume}` : undefined,
  };
}

function standaloneAttachTime(model: RegionModel, volume: number, epoch: number): Date {
  return timeWithinStep(epoch, model.volumeDice.unit(volume, STANDALONE, DRAW.attachTime));
}

/** The volumes attached to a (not terminated) instance at `epoch`, root first. */
export function attachedVolumesAt(model: RegionModel, plan: InstancePlan, epoch: number): AttachedVolume[] {
  const attached: AttachedVolume[] = [
    { id: plan.rootVolumeId, device: '/dev/xvda', attachTime: plan.launchTime, deleteOnTermination: true },
  ];
  if (plan.dataVolumeId) {
    attached.push({ id: plan.dataVolumeId, device: '/dev/sdf', attachTime: plan.launchTime, deleteOnTermination: false });
  }
  for (const volume of model.timeline.attachedStandaloneVolumes(plan.index)) {
    const attachment = model.timeline.standaloneVolume(volume)?.attachment;
    if (!attachment || attachment.epoch > epoch) continue;
    attached.push({
      id: model.ids.standaloneVolume.encode(volume), device: attachment.device,
      attachTime: standaloneAttachTime(model, volume, attachment.epoch), deleteOnTermination: false,
    });
  }
  return attached;
}

function volumeShape(model: RegionModel, facts: VolumeFacts, attachment: { instanceId: string; device: string; attachTime: Date; deleteOnTermination: boolean } | undefined): Volume {
  const volume: Volume = {
    AvailabilityZoneId: facts.zoneId,
    Tags: facts.name ? [{ Key: 'Name', Value: facts.name }] : [],
    VolumeType: facts.volumeType as VolumeType,
    MultiAttachEnabled: false,
    VolumeId: facts.id,
    Size: facts.size,
    SnapshotId: facts.snapshotId,
    AvailabilityZone: facts.zoneName,
    State: attachment ? 'in-use' : 'available',
    CreateTime: facts.createTime,
    Attachments: attachment ? [{
      DeleteOnTermination: attachment.deleteOnTermination, VolumeId: facts.id, InstanceId: attachment.instanceId,
      Device: attachment.device, State: 'attached', AttachTime: attachment.attachTime,
    }] : [],
    Encrypted: facts.encrypted,
  };
  if (facts.iops !== undefined) volume.Iops = facts.iops;
  if (facts.throughput !== undefined) volume.Throughput = facts.throughput;
  if (facts.encrypted) volume.KmsKeyId = model.kmsKeyArn;
  return volume;
}

function instanceVolumeAt(model: RegionModel, index: number, isData: boolean, epoch: number): Volume | undefined {
  const state = instanceStateAt(model, index, epoch);
  if (!isData) {
    if (state !== 'running' && state !== 'stopped') return undefined;
    const plan = planInstance(model, index);
    return volumeShape(model, rootVolume(model, plan), { instanceId: plan.id, device: '/dev/xvda', attachTime: plan.launchTime, deleteOnTermination: true });
  }
  const launched = index < model.timeline.instanceSpace(epoch) && model.timeline.launchEpoch(index) <= epoch;
  if (!launched || !hasDataVolume(model, index) || model.timeline.dataVolumeDeletedEpoch(index) <= epoch) return undefined;
  const plan = planInstance(model, index);
  const attached = state === 'running' || state === 'stopped';
  return volumeShape(model, dataVolume(model, plan), attached
    ? { instanceId: plan.id, device: '/dev/sdf', attachTime: plan.launchTime, deleteOnTermination: false }
    : undefined);
}

function standaloneVolumeAt(model: RegionModel, volume: number, epoch: number): Volume | undefined {
  const record = model.timeline.standaloneVolume(volume);
  if (!record || volume >= model.timeline.standaloneCount(epoch) || record.createdEpoch > epoch || record.deletedEpoch <= epoch) return undefined;
  const attachment = record.attachment;
  const attached = attachment && attachment.epoch <= epoch && model.timeline.terminateEpoch(attachment.instance) > epoch;
  return volumeShape(model, standaloneVolume(model, volume), attached ? {
    instanceId: model.ids.instance.encode(attachment.instance), device: attachment.device,
    attachTime: standaloneAttachTime(model, volume, attachment.epoch), deleteOnTermination: false,
  } : undefined);
}

export function volumeCollection(model: RegionModel, epoch: number): Collection<Volume> {
  const instanceSlots = 2 * model.timeline.instanceSpace(epoch);
  return {
    size: instanceSlots + model.timeline.standaloneCount(epoch),
    at: (position) => position < instanceSlots
      ? instanceVolumeAt(model, position >> 1, position % 2 === 1, epoch)
      : standaloneVolumeAt(model, position - instanceSlots, epoch),
    positionOf: (id) => {
      const root = model.ids.rootVolume.decode(id);
      if (root !== undefined) return 2 * root;
      const data = model.ids.dataVolume.decode(id);
      if (data !== undefined) return 2 * data + 1;
      const standalone = model.ids.standaloneVolume.decode(id);
      return standalone === undefined ? undefined : instanceSlots + standalone;
    },
  };
}

