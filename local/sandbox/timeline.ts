/**
 * What happens to one region of one account, epoch step by epoch step. Each step launches and
 * terminates a few percent of the instances, stops or starts some, retags some, opens or
 * closes one port, and creates, deletes and attaches a few volumes. Steps are computed once,
 * in order, from a PRNG seeded with (region key, epoch), and kept in compact arrays so the
 * state of any instance at any epoch is a lookup, even with 100,000 instances.
 */
import { SERVER_ROLES, type ServerRole } from './catalog';
import { grantKey, openGrantToAdd, openSensitivePorts, type Grant, type SecurityGroupPlan } from './security-groups';
import { Dice, hashOf, mulberry32 } from './random';

export const NEVER = 0x7fffffff;

/** Share of the live instances each step changes. */
const LAUNCH_RATE = 0.02;
const TERMINATE_RATE = 0.02;
const POWER_RATE = 0.02;
const RETAG_RATE = 0.01;
const VOLUME_CREATE_RATE = 0.005;
const VOLUME_DELETE_RATE = 0.01;

/** A few percent of `live`, but at least one change when there is anything to change. */
function changeCount(live: number, rate: number): number {
  return live > 0 ? Math.max(1, Math.round(live * rate)) : 0;
}

export interface TagEdit {
  epoch: number;
  key: 'Name' | 'Role';
  value: string;
}

export interface RuleEdit {
  epoch: number;
  group: number;
  action: 'authorize' | 'revoke';
  grant: Grant;
}

export type VolumeRef = { kind: 'data' | 'standalone'; index: number };

export interface StandaloneVolume {
  createdEpoch: number;
  deletedEpoch: number;
  attachment?: { epoch: number; instance: number; device: string };
}

/** Everything one epoch step changed, in the order CloudTrail would have recorded it. */
export interface EpochStep {
  epoch: number;
  firstLaunched: number;
  launchedCount: number;
  terminated: number[];
  powerChanged: number[];
  retagged: { instance: number; edit: TagEdit }[];
  ruleEdits: RuleEdit[];
  volumesCreated: number[];
  volumesDeleted: VolumeRef[];
  volumesAttached: { volume: number; instance: number; device: string }[];
}

/** What the timeline needs to know about the region's static content. */
export interface TimelineFacts {
  baseInstances: number;
  baseStandaloneVolumes: number;
  securityGroups: readonly SecurityGroupPlan[];
  hasDataVolume(instance: number): boolean;
  /** Whether the instance was already stopped at epoch 0. */
  startsStopped(instance: number): boolean;
  /** The Role tag an instance was launched with, if any. */
  launchRoleTag(instance: number): ServerRole | undefined;
  namePrefix(instance: number): string;
  zoneOfInstance(instance: number): string;
  zoneOfStandaloneVolume(volume: number): string;
}

const RENAMES = ['canary', 'blue', 'green', 'legacy', 'migrated'];
const EXTRA_DEVICES = 'ghijklmnop';

/** Keys of volumes in the "available" pool while building: standalone k → 2k, data volume of instance i → 2i+1. */
const standaloneKey = (volume: number) => volume * 2;
const dataKey = (instance: number) => instance * 2 + 1;

export class RegionTimeline {
  private launchEpochs: Int32Array;
  private terminateEpochs: Int32Array;
  private readonly instanceSpaceAfter: number[];
  private readonly standaloneCountAfter: number[];
  private readonly steps: EpochStep[] = [];
  private readonly powerFlips = new Map<number, number[]>();
  private readonly tagEdits = new Map<number, TagEdit[]>();
  private readonly ruleEditsByGroup = new Map<number, RuleEdit[]>();
  private readonly currentGrants: Grant[][];
  private readonly standalone: StandaloneVolume[] = [];
  private readonly dataVolumeDeleted = new Map<number, number>();
  private readonly attachmentsByInstance = new Map<number, number[]>();
  private readonly availableVolumes = new Set<number>();
  private liveInstances: number;
  private builtEpoch = 0;
  private readonly dice: Dice;

  constructor(key: number, private readonly facts: TimelineFacts) {
    this.dice = new Dice(hashOf(key, 0x7173));
    const capacity = Math.max(64, facts.baseInstances * 2);
    this.launchEpochs = new Int32Array(capacity);
    this.terminateEpochs = new Int32Array(capacity).fill(NEVER);
    this.instanceSpaceAfter = [facts.baseInstances];
    this.liveInstances = facts.baseInstances;
    this.currentGrants = facts.securityGroups.map((group) => [...group.baseGrants]);
    for (let volume = 0; volume < facts.baseStandaloneVolumes; volume++) {
      this.standalone.push({ createdEpoch: 0, deletedEpoch: NEVER });
      this.availableVolumes.add(standaloneKey(volume));
    }
    this.standaloneCountAfter = [this.standalone.length];
  }

  /** Builds the steps up to `epoch` (once; later calls reuse them). */
  ensure(epoch: number): void {
    while (this.builtEpoch < epoch) this.buildStep(this.builtEpoch + 1);
  }

  /** Instance indexes in use at `epoch` are 0 .. instanceSpace(epoch)-1 (some already gone). */
  instanceSpace(epoch: number): number {
    this.ensure(epoch);
    return this.instanceSpaceAfter[epoch] ?? 0;
  }

  launchEpoch(instance: number): number {
    return this.launchEpochs[instance] ?? NEVER;
  }

  terminateEpoch(instance: number): number {
    return this.terminateEpochs[instance] ?? NEVER;
  }

  /** Epochs (ascending) at which the instance was stopped or started, up to `epoch`. */
  powerChangesUpTo(instance: number, epoch: number): number[] {
    return (this.powerFlips.get(instance) ?? []).filter((flip) => flip <= epoch);
  }

  tagEditsUpTo(instance: number, epoch: number): TagEdit[] {
    return (this.tagEdits.get(instance) ?? []).filter((edit) => edit.epoch <= epoch);
  }

  grantsAt(group: number, epoch: number): Grant[] {
    const grants = [...(this.facts.securityGroups[group]?.baseGrants ?? [])];
    for (const edit of this.ruleEditsByGroup.get(group) ?? []) {
      if (edit.epoch > epoch) break;
      if (edit.action === 'authorize') grants.push(edit.grant);
      else {
        const revoked = grants.findIndex((grant) => grantKey(grant) === grantKey(edit.grant));
        if (revoked >= 0) grants.splice(revoked, 1);
      }
    }
    return grants;
  }

  standaloneCount(epoch: number): number {
    this.ensure(epoch);
    return this.standaloneCountAfter[epoch] ?? 0;
  }

  standaloneVolume(volume: number): StandaloneVolume | undefined {
    return this.standalone[volume];
  }

  dataVolumeDeletedEpoch(instance: number): number {
    return this.dataVolumeDeleted.get(instance) ?? NEVER;
  }

  /** Standalone volumes ever attached to the instance. */
  attachedStandaloneVolumes(instance: number): number[] {
    return this.attachmentsByInstance.get(instance) ?? [];
  }

  step(epoch: number): EpochStep | undefined {
    this.ensure(epoch);
    return this.steps[epoch];
  }

  private buildStep(epoch: number): void {
    const random = mulberry32(hashOf(this.dice.key, epoch));
    const live = this.liveInstances;
    const touched = new Set<number>();
    const terminated = this.sampleLiveInstances(random, changeCount(live, TERMINATE_RATE), touched);
    // As many starts as stops, so the share of stopped instances stays put.
    const powerChanges = changeCount(live, POWER_RATE / 2);
    const powerChanged = [
      ...this.sampleLiveInstances(random, powerChanges, touched, (instance) => !this.isStopped(instance)),
      ...this.sampleLiveInstances(random, powerChanges, touched, (instance) => this.isStopped(instance)),
    ];
    const retagged = this.sampleLiveInstances(random, changeCount(live, RETAG_RATE), touched)
      .map((instance) => ({ instance, edit: this.retag(instance, epoch) }));
    const launchedCount = changeCount(live, LAUNCH_RATE);

    for (const instance of terminated) this.terminateEpochs[instance] = epoch;
    for (const instance of powerChanged) this.pushTo(this.powerFlips, instance, epoch);
    for (const { instance, edit } of retagged) this.pushTo(this.tagEdits, instance, edit);
    const firstLaunched = this.instanceSpaceAfter[epoch - 1] ?? 0;
    this.growInstanceArrays(firstLaunched + launchedCount);
    this.launchEpochs.fill(epoch, firstLaunched, firstLaunched + launchedCount);
    this.instanceSpaceAfter[epoch] = firstLaunched + launchedCount;
    this.liveInstances += launchedCount - terminated.length;

    const ruleEdits = this.editOneRule(epoch);
    const volumesDeleted = this.deleteVolumes(random, epoch, changeCount(live, VOLUME_DELETE_RATE));
    const volumesAttached = this.attachOneVolume(random, epoch, touched);
    const volumesCreated = this.createVolumes(epoch, this.facts.baseInstances > 0 ? changeCount(live, VOLUME_CREATE_RATE) : 0);
    this.releaseVolumesOf(terminated);
    this.standaloneCountAfter[epoch] = this.standalone.length;

    this.steps[epoch] = {
      epoch, firstLaunched, launchedCount, terminated, powerChanged, retagged, ruleEdits, volumesCreated, volumesDeleted, volumesAttached,
    };
    this.builtEpoch = epoch;
  }

  /** Instances built so far: their plans no longer change. */
  knownInstances(): number {
    return this.instanceSpaceAfter[this.builtEpoch] ?? 0;
  }

  /** Stopped as of the last built epoch. */
  private isStopped(instance: number): boolean {
    return this.facts.startsStopped(instance) !== ((this.powerFlips.get(instance)?.length ?? 0) % 2 === 1);
  }

  /** Distinct instances that are still alive (never terminated), chosen by rejection sampling. */
  private sampleLiveInstances(random: () => number, count: number, touched: Set<number>, wanted: (instance: number) => boolean = () => true): number[] {
    const space = this.instanceSpaceAfter[this.builtEpoch] ?? 0;
    const chosen: number[] = [];
    for (let attempts = 0; chosen.length < count && attempts < 50 * count + 1000; attempts++) {
      const instance = Math.floor(random() * space);
      if (this.terminateEpochs[instance] !== NEVER || touched.has(instance) || !wanted(instance)) continue;
      touched.add(instance);
      chosen.push(instance);
    }
    return chosen;
  }

  private retag(instance: number, epoch: number): TagEdit {
    const roleTag = this.currentRoleTag(instance);
    if (roleTag && this.dice.chance(0.5, instance, epoch, 1)) {
      const others = SERVER_ROLES.filter((role) => role !== roleTag);
      return { epoch, key: 'Role', value: this.dice.pick(others, instance, epoch, 2) };
    }
    const variant = this.dice.pick(RENAMES, instance, epoch, 3);
    return { epoch, key: 'Name', value: `${this.facts.namePrefix(instance)}-${variant}-${instance.toString(36)}` };
  }

  private currentRoleTag(instance: number): string | undefined {
    const edits = (this.tagEdits.get(instance) ?? []).filter((edit) => edit.key === 'Role');
    return edits.at(-1)?.value ?? this.facts.launchRoleTag(instance);
  }

  /** Closes an open sensitive port of one group, or opens one if the group has none. */
  private editOneRule(epoch: number): RuleEdit[] {
    const editable = this.facts.securityGroups.flatMap((group, index) => (group.editable ? [index] : []));
    if (editable.length === 0) return [];
    const group = this.dice.pick(editable, epoch, 10);
    const grants = this.currentGrants[group] ?? [];
    const open = grants.filter((grant) => openSensitivePorts(grant).length > 0);
    let edit: RuleEdit;
    if (open.length > 0) {
      const grant = this.dice.pick(open, epoch, 11);
      grants.splice(grants.indexOf(grant), 1);
      edit = { epoch, group, action: 'revoke', grant };
    } else {
      const grant = openGrantToAdd(this.dice, epoch);
      grants.push(grant);
      edit = { epoch, group, action: 'authorize', grant };
    }
    this.pushTo(this.ruleEditsByGroup, group, edit);
    return [edit];
  }

  private deleteVolumes(random: () => number, epoch: number, count: number): VolumeRef[] {
    const pool = [...this.availableVolumes];
    const deleted: VolumeRef[] = [];
    for (let i = 0; i < count && pool.length > 0; i++) {
      const at = Math.floor(random() * pool.length);
      const key = pool[at] as number;
      pool[at] = pool[pool.length - 1] as number;
      pool.pop();
      this.availableVolumes.delete(key);
      const index = key >> 1;
      if (key % 2 === 1) {
        this.dataVolumeDeleted.set(index, epoch);
        deleted.push({ kind: 'data', index });
      } else {
        const volume = this.standalone[index];
        if (volume) volume.deletedEpoch = epoch;
        deleted.push({ kind: 'standalone', index });
      }
    }
    return deleted;
  }

  /** Attaches one never-attached standalone volume to a live instance in the same zone. */
  private attachOneVolume(random: () => number, epoch: number, touched: Set<number>): EpochStep['volumesAttached'] {
    const candidates = [...this.availableVolumes].filter((key) => key % 2 === 0 && !this.standalone[key >> 1]?.attachment);
    if (candidates.length === 0) return [];
    const volume = (candidates[Math.floor(random() * candidates.length)] as number) >> 1;
    const zone = this.facts.zoneOfStandaloneVolume(volume);
    const space = this.instanceSpaceAfter[epoch - 1] ?? 0;
    for (let attempt = 0; attempt < 200 && space > 0; attempt++) {
      const instance = Math.floor(random() * space);
      const attached = this.attachedStandaloneVolumes(instance);
      if (this.terminateEpochs[instance] !== NEVER || touched.has(instance) || attached.length >= EXTRA_DEVICES.length) continue;
      if (this.facts.zoneOfInstance(instance) !== zone) continue;
      const device = `/dev/sd${EXTRA_DEVICES[attached.length]}`;
      const record = this.standalone[volume];
      if (record) record.attachment = { epoch, instance, device };
      this.pushTo(this.attachmentsByInstance, instance, volume);
      this.availableVolumes.delete(standaloneKey(volume));
      touched.add(instance);
      return [{ volume, instance, device }];
    }
    return [];
  }

  private createVolumes(epoch: number, count: number): number[] {
    const created: number[] = [];
    for (let i = 0; i < count; i++) {
      const volume = this.standalone.length;
      this.standalone.push({ createdEpoch: epoch, deletedEpoch: NEVER });
      this.availableVolumes.add(standaloneKey(volume));
      created.push(volume);
    }
    return created;
  }

  /** A terminated instance leaves its data volume and attached volumes behind, available. */
  private releaseVolumesOf(terminated: number[]): void {
    for (const instance of terminated) {
      if (this.facts.hasDataVolume(instance)) this.availableVolumes.add(dataKey(instance));
      for (const volume of this.attachedStandaloneVolumes(instance)) {
        if (this.standalone[volume]?.deletedEpoch === NEVER) this.availableVolumes.add(standaloneKey(volume));
      }
    }
  }

  private growInstanceArrays(size: number): void {
    if (size <= this.launchEpochs.length) return;
    const capacity = Math.max(size, this.launchEpochs.length * 2);
    const launch = new Int32Array(capacity);
    launch.set(this.launchEpochs);
    const terminate = new Int32Array(capacity).fill(NEVER);
    terminate.set(this.terminateEpochs);
    this.launchEpochs = launch;
    this.terminateEpochs = terminate;
  }

  private pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
    const list = map.get(key);
    if (list) list.push(value);
    else map.set(key, [value]);
  }
}
