/**
 * CloudTrail trails of one account: one multi-region trail homed in the first enabled region
 * (absent in some non-primary accounts) and single-region trails in some regions. Each epoch
 * step toggles one trail between logging and not, so "not logging" and "no trail" come and go.
 */
import type { EventSelector, GetTrailStatusResponse, Trail } from '@aws-sdk/client-cloudtrail';
import { PRIMARY_ACCOUNT_ID } from './accounts';
import { epochTime, timeBeforeStart, timeWithinStep } from './clock';
import type { Dice } from './random';

export interface TrailPlan {
  index: number;
  name: string;
  arn: string;
  homeRegion: string;
  multiRegion: boolean;
  bucket: string;
  baseLogging: boolean;
  /** Set on trails whose S3 delivery fails (the bucket policy or the bucket is gone). */
  deliveryError?: string;
  logFileValidation: boolean;
  readWriteType: 'All' | 'WriteOnly' | 'ReadOnly';
  dataEvents: boolean;
  createdAt: Date;
}

const DELIVERY_ERRORS = ['AccessDenied', 'NoSuchBucket'];

export function planTrails(dice: Dice, accountId: string, enabledRegions: readonly string[]): TrailPlan[] {
  const trails: TrailPlan[] = [];
  const bucket = `cloudtrail-logs-${accountId}`;
  const arnOf = (region: string, name: string) => `arn:aws:cloudtrail:${region}:${accountId}:trail/${name}`;
  const primary = accountId === PRIMARY_ACCOUNT_ID;
  const home = enabledRegions[0];
  if (home && (primary || dice.chance(0.7, 1))) {
    trails.push({
      index: 0, name: 'management-events', arn: arnOf(home, 'management-events'), homeRegion: home, multiRegion: true, bucket,
      baseLogging: primary || dice.chance(0.8, 2), logFileValidation: true, readWriteType: 'All', dataEvents: false,
      createdAt: timeBeforeStart(dice.unit(3), 500),
    });
  }
  enabledRegions.forEach((region, r) => {
    if (!dice.chance(0.35, 10, r)) return;
    const name = `${region}-audit`;
    trails.push({
      index: trails.length, name, arn: arnOf(region, name), homeRegion: region, multiRegion: false, bucket,
      baseLogging: dice.chance(0.85, 11, r),
      ...(dice.chance(0.3, 12, r) ? { deliveryError: dice.pick(DELIVERY_ERRORS, 13, r) } : {}),
      logFileValidation: dice.chance(0.5, 14, r),
      readWriteType: dice.pickWeighted(['All', 'WriteOnly', 'ReadOnly'], [60, 30, 10], 15, r),
      dataEvents: dice.chance(0.2, 16, r),
      createdAt: timeBeforeStart(dice.unit(17, r), 300),
    });
  });
  return trails;
}

/** Which trail each epoch step toggled: toggles[e] is a trail index (or -1 when there is none). */
export class TrailTimeline {
  private readonly toggledTrail: number[] = [-1];

  constructor(private readonly dice: Dice, private readonly trailCount: number) {}

  private ensure(epoch: number): void {
    for (let e = this.toggledTrail.length; e <= epoch; e++) {
      this.toggledTrail.push(this.trailCount > 0 ? this.dice.between(0, this.trailCount - 1, e, 100) : -1);
    }
  }

  toggledAt(epoch: number): number {
    this.ensure(epoch);
    return this.toggledTrail[epoch] ?? -1;
  }

  /** Epochs (ascending, ≤ epoch) at which the trail was toggled. */
  togglesUpTo(trail: number, epoch: number): number[] {
    this.ensure(epoch);
    const epochs: number[] = [];
    for (let e = 1; e <= epoch; e++) if (this.toggledTrail[e] === trail) epochs.push(e);
    return epochs;
  }

  toggleTime(trail: number, epoch: number): Date {
    return timeWithinStep(epoch, this.dice.unit(trail, epoch, 101));
  }
}

export interface TrailState {
  isLogging: boolean;
  /** When logging last started (or the trail was created) / stopped. */
  startedAt: Date;
  stoppedAt?: Date;
}

export function trailStateAt(trail: TrailPlan, timeline: TrailTimeline, epoch: number): TrailState {
  const toggles = timeline.togglesUpTo(trail.index, epoch);
  const isLogging = trail.baseLogging !== (toggles.length % 2 === 1);
  let startedAt = trail.createdAt;
  let stoppedAt = trail.baseLogging ? undefined : new Date(trail.createdAt.getTime() + 86_400_000);
  let logging = trail.baseLogging;
  for (const toggle of toggles) {
    logging = !logging;
    if (logging) startedAt = timeline.toggleTime(trail.index, toggle);
    else stoppedAt = timeline.toggleTime(trail.index, toggle);
  }
  return { isLogging, startedAt, ...(stoppedAt ? { stoppedAt } : {}) };
}

export function trailShape(trail: TrailPlan): Trail {
  return {
    Name: trail.name,
    S3BucketName: trail.bucket,
    S3KeyPrefix: trail.multiRegion ? undefined : trail.homeRegion,
    IncludeGlobalServiceEvents: trail.multiRegion,
    IsMultiRegionTrail: trail.multiRegion,
    HomeRegion: trail.homeRegion,
    TrailARN: trail.arn,
    LogFileValidationEnabled: trail.logFileValidation,
    HasCustomEventSelectors: trail.readWriteType !== 'All' || trail.dataEvents,
    HasInsightSelectors: false,
    IsOrganizationTrail: false,
  };
}

export function trailStatus(trail: TrailPlan, state: TrailState, epoch: number, dice: Dice): GetTrailStatusResponse {
  const minutesAgo = dice.between(1, 14, trail.index, epoch, 200);
  const lastDelivery = state.isLogging
    ? new Date(Math.max(state.startedAt.getTime(), epochTime(epoch).getTime() - minutesAgo * 60_000))
    : new Date((state.stoppedAt ?? state.startedAt).getTime() - minutesAgo * 60_000);
  const status: GetTrailStatusResponse = {
    IsLogging: state.isLogging,
    LatestDeliveryTime: lastDelivery,
    StartLoggingTime: state.startedAt,
  };
  if (state.stoppedAt) status.StopLoggingTime = state.stoppedAt;
  if (trail.deliveryError) status.LatestDeliveryError = trail.deliveryError;
  return status;
}

export function eventSelectors(trail: TrailPlan): EventSelector[] {
  return [{
    ReadWriteType: trail.readWriteType,
    IncludeManagementEvents: true,
    DataResources: trail.dataEvents ? [{ Type: 'AWS::S3::Object', Values: [`arn:aws:s3:::${trail.bucket}-data/`] }] : [],
    ExcludeManagementEventSources: [],
  }];
}
