import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { ClientFactory } from '../aws/clients';
import type { ResourceRecord } from './resource-type';
import type { TypeName } from '../dto/tap-event';

/**
 * A metric rule: a Tap rule whose condition is a CloudWatch metric of a collected resource (an instance's CPU, a
 * volume's burst balance), declared beside the type it measures like a `TapRule`, listed in
 * `ServiceDefinition.metricRules`. The engine (`src/collect/metrics.ts`) builds one query per measured resource (or per
 * series the agent publishes for it) from the records the task just listed, fetches them in bulk (GetMetricData, 500
 * queries a call) and turns each value into an event of its own partition (`metric:<type>`), so that a failed metric
 * call never clears an event of the listing, and a failed listing never clears a metric event.
 */
export interface MetricRule {
  /** The rule's name, as events and `metricThresholds` entries carry it, e.g. `CPU`. */
  name: string;
  /** The resource type it measures, e.g. `EC2.Instance`. */
  resourceType: string;
  eventClass: string;
  metric: {
    namespace: string;
    metricName: string;
    /** The dimension whose value is the resource's id (`InstanceId`, `VolumeId`). */
    idDimension: string;
    /** The statistic over the window, e.g. `Average`; status checks take the `Maximum` (failed at all). */
    stat: 'Average' | 'Maximum' | 'Minimum';
    /**
     * Series that only exist where an agent publishes them (CloudWatch agent: memory, disk, load), with dimensions
     * beyond the id (a disk's `path`, `device`, `fstype`): found by ListMetrics, paged, once per region and metric,
     * and one query made per series listed for a measured resource. A resource without such a series gets no query
     * and no event — not a false OK.
     */
    discovered?: boolean;
  };
  /** `above`: breached when the value is at least the threshold (CPU); `below`: at most (free memory, disk). */
  direction: 'above' | 'below';
  /** The thresholds when `metricThresholds` gives none for the rule and group. */
  defaults: MetricLevels;
  /** The largest threshold that makes sense (100 for percentages); none: unbounded (load). */
  maxThreshold?: number;
  /** The value compared and shown, from the statistic (e.g. used % → free %). Default: the statistic itself. */
  value?(statistic: number): number;
  /** Who the events are about: the resource's group (role) and its Tap ID, or why it is not measured now. */
  subject(record: ResourceRecord): MetricSubject;
  /** The pairs that pinpoint the event: the subject's ID, and for a series, what it adds (`Mount = /data`). */
  typeNames(subject: MetricSubject, dimensions: Readonly<Record<string, string>>): TypeName[];
  /** The condition and its value without the severity label: `CPU total 95%`, `Disk / 7% free`, `status check failed (instance)`. */
  describe(value: number, dimensions: Readonly<Record<string, string>>): string;
}

/** Thresholds of a rule: `warning` opens severity 2, `critical` severity 1. */
export interface MetricLevels {
  warning: number;
  critical: number;
}

export interface MetricSubject {
  /** The resource id: the value of the rule's `idDimension`. */
  id: string;
  /** The Tap ID (`<role>:<id>`). */
  name: string;
  group: string | null;
  /** Set when the resource is not measured now (a stopped instance): its open events clear with this reason. */
  notMeasured?: string;
}

/** The client the engine fetches metrics with; the registry adds it to the catalog when a service declares metric rules. */
export const METRICS_CLIENT: { name: string; service: string; create: ClientFactory } = {
  name: 'cloudwatch',
  service: 'CloudWatch',
  create: (config) => new CloudWatchClient(config),
};

/** What fetching metrics calls: collect's policy has them when a service declares metric rules. */
export const METRIC_ACTIONS = ['cloudwatch:GetMetricData', 'cloudwatch:ListMetrics'] as const;
