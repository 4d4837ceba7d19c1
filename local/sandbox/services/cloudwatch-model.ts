/**
 * The CloudWatch metrics of one region of one synthetic account, a pure function of (seed, account, region, instance,
 * time). Every instance publishes one datapoint a minute while it runs: `AWS/EC2` CPUUtilization and the three status
 * checks; unless it is agentless, the CloudWatch agent's `CWAgent` mem_used_percent, disk_used_percent per mount
 * (`/`, and `/data` where the instance has a data volume) and the 1-minute load (LOAD_METRIC); its gp2/st1/sc1
 * volumes publish `AWS/EBS` BurstBalance while attached to it.
 *
 * Planted conditions: each instance (and burstable volume) draws a level per metric — normal, warning or critical —
 * with the spec's `metrics=` fractions, anew every CONDITION_HOURS epochs (staggered per instance, so a later epoch
 * changes some: a level drifts normal → warning → critical → normal, so conditions open, escalate and clear). Every per-minute value stays inside its level's band (BANDS), so the Average, Maximum and Minimum
 * of any window classify the same. The failing instance status check is the EC2 model's impaired instance (what
 * DescribeInstanceStatus reports); system check failures are drawn from `systemCheck`.
 *
 * Time: the minute that starts at t belongs to the epoch that ends the hour, ceil((t - 2026-01-01) / 1 h), and uses
 * the instances' state at that epoch. The sandbox's clock stands still at its epoch: a minute after
 * epochTime(spec.epoch) (a collector asking with the wall clock) sees the instances as they are at the epoch.
 */
import type { Dimension, Metric } from '@aws-sdk/client-cloudwatch';
import { sandboxAccount } from '../account';
import { EPOCH_LENGTH_MS, SANDBOX_CLOCK_START_MS } from '../clock';
import { instanceStateAt, planInstance } from '../instances';
import { hashOf, hashText, unitOf, type Dice } from '../random';
import type { RegionModel } from '../region-model';
import type { SandboxSpec } from '../spec';
import { dataVolume, rootVolume, standaloneVolume } from '../volumes';

/** What `metrics=` plants, as fractions of the running instances (of the burstable volumes for the burst classes). */
export const METRIC_PLANTING_DEFAULTS = {
  hotCpu: 0.05,
  criticalCpu: 0.03,
  lowMemory: 0.05,
  criticalMemory: 0.03,
  lowDisk: 0.05,
  criticalDisk: 0.03,
  systemCheck: 0.02,
  highLoad: 0.05,
  criticalLoad: 0.03,
  lowBurst: 0.1,
  criticalBurst: 0.05,
  agentless: 0.15,
} as const satisfies Record<string, number>;

export type MetricPlanting = keyof typeof METRIC_PLANTING_DEFAULTS;
export const METRIC_PLANTINGS = Object.keys(METRIC_PLANTING_DEFAULTS) as MetricPlanting[];
/** Pairs drawn from one number: their sum must stay ≤ 1. */
export const METRIC_PLANTING_PAIRS: readonly [MetricPlanting, MetricPlanting][] = [
  ['criticalCpu', 'hotCpu'], ['criticalMemory', 'lowMemory'], ['criticalDisk', 'lowDisk'], ['criticalLoad', 'highLoad'], ['criticalBurst', 'lowBurst'],
];

export type MetricModelSpec = Pick<SandboxSpec, 'seed' | 'instances' | 'regions' | 'epoch' | 'metrics' | 'stopAt'>;

export const NAMESPACE = { ec2: 'AWS/EC2', agent: 'CWAgent', ebs: 'AWS/EBS' } as const;
/**
 * The CloudWatch agent has no load average of its own (its Linux `cpu` section publishes cpu_usage_*); the 1-minute
 * load reaches it through its collectd listener and collectd's load plugin, named `collectd_` + plugin + data source.
 */
export const LOAD_METRIC = 'collectd_load_shortterm';

export type MetricKind = 'CPU' | 'StatusCheck' | 'Mem' | 'Disk' | 'Load' | 'BurstBalance';
export type MetricLevel = 'normal' | 'warning' | 'critical';
export type Band = readonly [number, number];

/** The range every per-minute value of a level stays in (one decimal). */
export const BANDS: Record<Exclude<MetricKind, 'StatusCheck'>, Record<MetricLevel, Band>> = {
  CPU: { normal: [5, 60], warning: [92, 96], critical: [98.5, 99.8] },
  Mem: { normal: [20, 70], warning: [91, 95], critical: [97.5, 99.5] },
  Disk: { normal: [20, 70], warning: [91, 95], critical: [97.5, 99.5] },
  Load: { normal: [0.1, 1.9], warning: [6, 9], critical: [12, 16] },
  BurstBalance: { normal: [60, 100], warning: [12, 18], critical: [1, 4] },
};

/** A level lasts this many epochs (hours) before the instance draws again. */
export const CONDITION_HOURS = 6;
/** How far each redraw slides an instance's level draw (see RegionMetrics.unit). */
const LEVEL_DRIFT = 0.02;
const MINUTE_MS = 60_000;
const BURSTABLE = new Set(['gp2', 'st1', 'sc1']);

export interface Mount {
  path: string;
  device: string;
  fstype: string;
}

const ROOT_MOUNT: Mount = { path: '/', device: 'xvda1', fstype: 'xfs' };
const DATA_MOUNT: Mount = { path: '/data', device: 'xvdf', fstype: 'ext4' };

const SALT = { phase: 1, cpu: 2, mem: 3, disk: 4, diskMount: 5, system: 6, load: 7, burst: 8, agentless: 9, noise: 10 } as const;
const NOISE = { CPUUtilization: 1, mem: 2, disk: 3, load: 4, burst: 5 } as const;

/** One metric the sandbox publishes, resolved to what produces its values. */
export type MetricSeries =
  | { source: 'instance'; index: number; metric: 'CPUUtilization' | 'StatusCheckFailed' | 'StatusCheckFailed_Instance' | 'StatusCheckFailed_System' | 'mem' | 'load' }
  | { source: 'instance'; index: number; metric: 'disk'; mount: Mount; mountIndex: number }
  | { source: 'volume'; index: number; volumeId: string; metric: 'burst' };

export const EC2_METRICS = ['CPUUtilization', 'StatusCheckFailed', 'StatusCheckFailed_Instance', 'StatusCheckFailed_System'] as const;

function fraction(spec: MetricModelSpec, planting: MetricPlanting): number {
  return spec.metrics?.[planting] ?? METRIC_PLANTING_DEFAULTS[planting];
}

function levelOf(unit: number, critical: number, warning: number): MetricLevel {
  return unit < critical ? 'critical' : unit < critical + warning ? 'warning' : 'normal';
}

/** The epoch whose state a minute starting at `time` shows (see the header), never after the spec's. */
export function metricEpochAt(time: number, specEpoch: number): number {
  const epoch = Math.ceil((time - SANDBOX_CLOCK_START_MS) / EPOCH_LENGTH_MS);
  return Math.min(Math.max(epoch, 0), specEpoch);
}

/** What a series does during the hour that ends at an epoch: its level, and from when (its instance's launch) it publishes. */
export interface SeriesHour {
  level: MetricLevel;
  launch: number;
}

export class RegionMetrics {
  readonly dice: Dice;
  /** Volume types never change: remembered, as computing a volume's facts is not free. */
  private readonly volumeTypes = new Map<string, string>();

  constructor(readonly spec: MetricModelSpec, readonly model: RegionModel) {
    this.dice = model.dice.child('cloudwatch');
  }

  get accountId(): string {
    return this.model.accountId;
  }

  get region(): string {
    return this.model.regionName;
  }

  /** Which draw of its levels an instance (or volume, by the hash of its id) is on at an epoch. */
  private drawAt(key: number, epoch: number): number {
    const phase = Math.floor(this.dice.unit(key, 0, SALT.phase) * CONDITION_HOURS);
    return Math.floor((epoch + phase) / CONDITION_HOURS);
  }

  /**
   * The draw that decides a level: the instance's own number, slid down by LEVEL_DRIFT at each redraw. The levels
   * are ranges of it (critical lowest, then warning, then normal), so an instance drifts normal → warning →
   * critical → normal (wrapping round) over the epochs, while every fraction stays what the spec says.
   */
  private unit(key: number, epoch: number, salt: number): number {
    const drifted = this.dice.unit(key, 0, salt) - this.drawAt(key, epoch) * LEVEL_DRIFT;
    return drifted - Math.floor(drifted);
  }

  agentless(index: number): boolean {
    return this.dice.chance(fraction(this.spec, 'agentless'), index, 0, SALT.agentless);
  }

  mounts(index: number): Mount[] {
    return planInstance(this.model, index).hasDataVolume ? [ROOT_MOUNT, DATA_MOUNT] : [ROOT_MOUNT];
  }

  cpuLevel(index: number, epoch: number): MetricLevel {
    return levelOf(this.unit(index, epoch, SALT.cpu), fraction(this.spec, 'criticalCpu'), fraction(this.spec, 'hotCpu'));
  }

  memLevel(index: number, epoch: number): MetricLevel {
    return levelOf(this.unit(index, epoch, SALT.mem), fraction(this.spec, 'criticalMemory'), fraction(this.spec, 'lowMemory'));
  }

  loadLevel(index: number, epoch: number): MetricLevel {
    return levelOf(this.unit(index, epoch, SALT.load), fraction(this.spec, 'criticalLoad'), fraction(this.spec, 'highLoad'));
  }

  /** The disk level of one mount: the planted level goes to one of the instance's mounts, the others are normal. */
  diskLevel(index: number, epoch: number, mountIndex: number): MetricLevel {
    const mounts = this.mounts(index).length;
    const planted = Math.floor(this.dice.unit(index, 0, SALT.diskMount) * mounts);
    if (planted !== mountIndex) return 'normal';
    return levelOf(this.unit(index, epoch, SALT.disk), fraction(this.spec, 'criticalDisk'), fraction(this.spec, 'lowDisk'));
  }

  /** Which status check fails: the instance check for the EC2 model's impaired instances, the system check by draw. */
  failingCheck(index: number, epoch: number): 'instance' | 'system' | undefined {
    if (planInstance(this.model, index).impaired) return 'instance';
    return this.unit(index, epoch, SALT.system) < fraction(this.spec, 'systemCheck') ? 'system' : undefined;
  }

  burstLevel(volumeId: string, epoch: number): MetricLevel {
    const key = hashText(volumeId);
    return levelOf(this.unit(key, epoch, SALT.burst), fraction(this.spec, 'criticalBurst'), fraction(this.spec, 'lowBurst'));
  }

  running(index: number, epoch: number): boolean {
    return instanceStateAt(this.model, index, epoch) === 'running';
  }

  /** The type of a volume, and the instance it is attached to at `epoch` (undefined when detached or gone). */
  volumeAt(volumeId: string, epoch: number): { volumeType: string; instance: number } | undefined {
    const { ids, timeline } = this.model;
    const root = ids.rootVolume.decode(volumeId);
    if (root !== undefined) return { volumeType: this.volumeType(volumeId, () => rootVolume(this.model, planInstance(this.model, root)).volumeType), instance: root };
    const data = ids.dataVolume.decode(volumeId);
    if (data !== undefined) {
      const plan = planInstance(this.model, data);
      return plan.hasDataVolume ? { volumeType: this.volumeType(volumeId, () => dataVolume(this.model, plan).volumeType), instance: data } : undefined;
    }
    const standalone = ids.standaloneVolume.decode(volumeId);
    const record = standalone === undefined ? undefined : timeline.standaloneVolume(standalone);
    if (standalone === undefined || !record?.attachment || record.attachment.epoch > epoch || record.deletedEpoch <= epoch) return undefined;
    return { volumeType: this.volumeType(volumeId, () => standaloneVolume(this.model, standalone).volumeType), instance: record.attachment.instance };
  }

  private volumeType(volumeId: string, make: () => string): string {
    let type = this.volumeTypes.get(volumeId);
    if (type === undefined) {
      type = make();
      this.volumeTypes.set(volumeId, type);
    }
    return type;
  }

  /** The burstable volumes attached to an instance at `epoch`. */
  burstVolumes(index: number, epoch: number): string[] {
    const plan = planInstance(this.model, index);
    const ids = [plan.rootVolumeId, ...(plan.dataVolumeId ? [plan.dataVolumeId] : [])];
    for (const volume of this.model.timeline.attachedStandaloneVolumes(index)) {
      const attachment = this.model.timeline.standaloneVolume(volume)?.attachment;
      if (attachment && attachment.epoch <= epoch) ids.push(this.model.ids.standaloneVolume.encode(volume));
    }
    return ids.filter((id) => {
      const volume = this.volumeAt(id, epoch);
      return volume !== undefined && volume.instance === index && BURSTABLE.has(volume.volumeType);
    });
  }

  /** Every metric an instance publishes at `epoch` (when running), in ListMetrics order: EC2's, the agent's, its volumes'. */
  seriesOf(index: number, epoch: number): MetricSeries[] {
    const series: MetricSeries[] = EC2_METRICS.map((metric) => ({ source: 'instance', index, metric }));
    if (!this.agentless(index)) {
      series.push({ source: 'instance', index, metric: 'mem' });
      this.mounts(index).forEach((mount, mountIndex) => series.push({ source: 'instance', index, metric: 'disk', mount, mountIndex }));
      series.push({ source: 'instance', index, metric: 'load' });
    }
    for (const volumeId of this.burstVolumes(index, epoch)) series.push({ source: 'volume', index, volumeId, metric: 'burst' });
    return series;
  }

  /** The metric as CloudWatch names it. */
  metricOf(series: MetricSeries): Metric & { Namespace: string; MetricName: string; Dimensions: Dimension[] } {
    const instanceId = this.model.ids.instance.encode(series.index);
    const byInstance = [{ Name: 'InstanceId', Value: instanceId }];
    switch (series.metric) {
      case 'mem': return { Namespace: NAMESPACE.agent, MetricName: 'mem_used_percent', Dimensions: byInstance };
      case 'load': return { Namespace: NAMESPACE.agent, MetricName: LOAD_METRIC, Dimensions: byInstance };
      case 'disk': return {
        Namespace: NAMESPACE.agent, MetricName: 'disk_used_percent',
        Dimensions: [...byInstance, { Name: 'path', Value: series.mount.path }, { Name: 'device', Value: series.mount.device }, { Name: 'fstype', Value: series.mount.fstype }],
      };
      case 'burst': return { Namespace: NAMESPACE.ebs, MetricName: 'BurstBalance', Dimensions: [{ Name: 'VolumeId', Value: series.volumeId }] };
      default: return { Namespace: NAMESPACE.ec2, MetricName: series.metric, Dimensions: byInstance };
    }
  }

  /** The series a metric names, or undefined when the sandbox publishes no such metric (exact dimensions, as CloudWatch). */
  resolve(metric: Metric | undefined): MetricSeries | undefined {
    const dimensions = new Map((metric?.Dimensions ?? []).map((dimension) => [dimension.Name ?? '', dimension.Value ?? '']));
    if (dimensions.size !== (metric?.Dimensions ?? []).length) return undefined;
    const name = metric?.MetricName;
    const only = (key: string) => (dimensions.size === 1 ? dimensions.get(key) : undefined);
    if (metric?.Namespace === NAMESPACE.ebs) {
      const volumeId = only('VolumeId');
      return name === 'BurstBalance' && volumeId ? this.volumeSeries(volumeId) : undefined;
    }
    const instanceId = dimensions.get('InstanceId');
    const index = instanceId === undefined ? undefined : this.model.ids.instance.decode(instanceId);
    if (index === undefined) return undefined;
    if (metric?.Namespace === NAMESPACE.ec2) {
      const ec2 = EC2_METRICS.find((candidate) => candidate === name);
      return ec2 && dimensions.size === 1 ? { source: 'instance', index, metric: ec2 } : undefined;
    }
    if (metric?.Namespace !== NAMESPACE.agent || this.agentless(index)) return undefined;
    if (name === 'mem_used_percent' && dimensions.size === 1) return { source: 'instance', index, metric: 'mem' };
    if (name === LOAD_METRIC && dimensions.size === 1) return { source: 'instance', index, metric: 'load' };
    if (name !== 'disk_used_percent' || dimensions.size !== 4) return undefined;
    const mountIndex = this.mounts(index).findIndex((mount) =>
      mount.path === dimensions.get('path') && mount.device === dimensions.get('device') && mount.fstype === dimensions.get('fstype'));
    const mount = this.mounts(index)[mountIndex];
    return mount ? { source: 'instance', index, metric: 'disk', mount, mountIndex } : undefined;
  }

  private volumeSeries(volumeId: string): MetricSeries | undefined {
    const volume = this.volumeAt(volumeId, this.spec.epoch);
    const standalone = this.model.ids.standaloneVolume.decode(volumeId);
    // A standalone volume may be attached later than the spec's epoch: look it up at its own attachment.
    const attachment = standalone === undefined ? undefined : this.model.timeline.standaloneVolume(standalone)?.attachment;
    const instance = volume?.instance ?? attachment?.instance;
    return instance === undefined ? undefined : { source: 'volume', index: instance, volumeId, metric: 'burst' };
  }

  /** The level a series has at an epoch (status checks: critical when failing). */
  levelAt(series: MetricSeries, epoch: number): MetricLevel {
    switch (series.metric) {
      case 'CPUUtilization': return this.cpuLevel(series.index, epoch);
      case 'mem': return this.memLevel(series.index, epoch);
      case 'load': return this.loadLevel(series.index, epoch);
      case 'disk': return this.diskLevel(series.index, epoch, series.mountIndex);
      case 'burst': return this.burstLevel(series.volumeId, epoch);
      case 'StatusCheckFailed': return this.failingCheck(series.index, epoch) ? 'critical' : 'normal';
      case 'StatusCheckFailed_Instance': return this.failingCheck(series.index, epoch) === 'instance' ? 'critical' : 'normal';
      case 'StatusCheckFailed_System': return this.failingCheck(series.index, epoch) === 'system' ? 'critical' : 'normal';
    }
  }

  /** The series during the hour that ends at `epoch`: undefined when it publishes nothing then (instance not running, volume not attached). */
  hourAt(series: MetricSeries, epoch: number): SeriesHour | undefined {
    if (!this.running(series.index, epoch)) return undefined;
    if (series.source === 'volume') {
      const volume = this.volumeAt(series.volumeId, epoch);
      if (volume === undefined || volume.instance !== series.index || !BURSTABLE.has(volume.volumeType)) return undefined;
    }
    return { level: this.levelAt(series, epoch), launch: planInstance(this.model, series.index).launchTime.getTime() };
  }

  /** The value of the minute starting at `time` in an hour the series publishes (none before its instance's launch). */
  sample(series: MetricSeries, hour: SeriesHour, time: number): number | undefined {
    if (hour.launch >= time + MINUTE_MS) return undefined;
    if (series.metric.startsWith('StatusCheckFailed')) return hour.level === 'critical' ? 1 : 0;
    const [kind, noise, key] = series.metric === 'CPUUtilization' ? ['CPU', NOISE.CPUUtilization, series.index] as const
      : series.metric === 'mem' ? ['Mem', NOISE.mem, series.index] as const
        : series.metric === 'load' ? ['Load', NOISE.load, series.index] as const
          : series.metric === 'disk' ? ['Disk', NOISE.disk, series.index * 8 + series.mountIndex] as const
            : ['BurstBalance', NOISE.burst, hashText(series.source === 'volume' ? series.volumeId : '')] as const;
    const [low, high] = BANDS[kind][hour.level];
    const unit = unitOf(hashOf(this.dice.key, key, noise, SALT.noise, Math.floor((time - SANDBOX_CLOCK_START_MS) / MINUTE_MS)));
    return Math.round((low + (high - low) * unit) * 10) / 10;
  }

  /** The value of the minute starting at `time` (a multiple of a minute), or undefined when nothing is published then. */
  valueAt(series: MetricSeries, time: number): number | undefined {
    const hour = this.hourAt(series, metricEpochAt(time, this.spec.epoch));
    return hour && this.sample(series, hour, time);
  }
}

const cache = new Map<string, RegionMetrics>();
const MAX_CACHED = 64;

/** The region's metrics, over the EC2 model the account serves (`stopAt=` included); undefined for a region the spec does not enable. */
export function regionMetrics(spec: MetricModelSpec, accountId: string, region: string): RegionMetrics | undefined {
  const model = sandboxAccount(spec, accountId).region(region);
  if (!model) return undefined;
  const key = `${spec.seed}|${spec.regions}|${spec.instances}|${spec.epoch}|${(spec.stopAt ?? []).join(',')}|${JSON.stringify(spec.metrics ?? {})}|${accountId}|${region}`;
  let metrics = cache.get(key);
  if (!metrics || metrics.model !== model) {
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
    metrics = new RegionMetrics(spec, model);
    cache.set(key, metrics);
  }
  return metrics;
}

export const METRIC_MINUTE_MS = MINUTE_MS;
