/**
 * The configuration report: when each instance started and ended, and how many instances of each group
 * (server role) were active at a given moment — from the inventory's instance records, deleted ones included.
 */
export interface InstanceLifetime {
  accountId: string;
  region: string;
  instanceId: string;
  group: string;
  startedAt: string;
  /** When it was terminated; null while it exists. */
  endedAt: string | null;
  /** How the end is known: AWS's own transition time, or only when the collector saw it gone. */
  endSource: 'aws' | 'observed-gone' | null;
}

export interface ConfigurationAt {
  at: string;
  groups: Record<string, number>;
  active: InstanceLifetime[];
}

export const UNKNOWN_GROUP = 'unknown';

/** The records the report reads: EC2 instances, as the Tap EC2 agent knows them. */
export const INSTANCE_TYPE = 'EC2.Instance';

interface InstanceRecordLike {
  accountId: string;
  region: string;
  resourceId: string;
  lastChanged: string;
  deletedAt?: string;
  data: Record<string, unknown>;
}

const ENDED_STATES = new Set(['shutting-down', 'terminated']);

export function instanceLifetime(record: InstanceRecordLike): InstanceLifetime | undefined {
  const startedAt = typeof record.data.launch_time === 'string' ? record.data.launch_time : undefined;
  if (!startedAt) return undefined;
  const transition = typeof record.data.state_transition_time === 'string' ? record.data.state_transition_time : null;
  let endedAt: string | null = null;
  let endSource: InstanceLifetime['endSource'] = null;
  if (ENDED_STATES.has(String(record.data.state))) {
    endedAt = transition ?? record.lastChanged;
    endSource = transition ? 'aws' : 'observed-gone';
  } else if (record.deletedAt) {
    // Gone without the collector ever seeing it terminated: it ended at the latest when it was seen gone.
    endedAt = record.deletedAt;
    endSource = 'observed-gone';
  }
  return {
    accountId: record.accountId, region: record.region, instanceId: record.resourceId,
    group: typeof record.data.role === 'string' && record.data.role ? record.data.role : UNKNOWN_GROUP,
    startedAt, endedAt, endSource,
  };
}

/** Active at `at`: started at or before it, and not yet ended. */
export function configurationAt(lifetimes: readonly InstanceLifetime[], at: string): ConfigurationAt {
  const moment = Date.parse(at);
  const active = lifetimes
    .filter((l) => Date.parse(l.startedAt) <= moment && (l.endedAt === null || moment < Date.parse(l.endedAt)))
    .sort((a, b) => a.group.localeCompare(b.group) || a.startedAt.localeCompare(b.startedAt) || a.instanceId.localeCompare(b.instanceId));
  const groups: Record<string, number> = {};
  for (const l of active) groups[l.group] = (groups[l.group] ?? 0) + 1;
  return { at: new Date(moment).toISOString(), groups, active };
}
