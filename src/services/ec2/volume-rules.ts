import { InstanceFacts } from './region-facts';
import type { TapRule } from '../rule';
import { serverId } from '../rule';
import type { ResourceRecord } from '../resource-type';
import { ROLE_TAG } from './instance';
import type { MetricRule } from '../metric-rule';
import { shown } from './metric-rules';

interface VolumeAttachmentData {
  instance_id: string | null;
  state: string | null;
}

/** A volume's group: its own Role tag. */
function volumeGroup(record: ResourceRecord): string | null {
  return record.tags[ROLE_TAG] ?? null;
}

function describe(record: ResourceRecord): string {
  const size = typeof record.data.size === 'number' ? `${record.data.size} GiB` : null;
  const details = [size, record.data.volume_type].filter((v): v is string => typeof v === 'string' && v !== '');
  return `volume ${record.id}${details.length > 0 ? ` (${details.join(' ')})` : ''}`;
}

/** UnattachedVolume: an `available` volume costs money and serves no instance. */
export const unattachedVolumeRule: TapRule = {
  name: 'UnattachedVolume',
  resourceType: 'EC2.Volume',
  eventClass: 'AWS_EC2',
  evaluate(record) {
    if (record.data.state !== 'available') return [];
    return [{
      severity: 3, typeNames: [{ type: 'ID', name: record.id }], group: volumeGroup(record),
      text: `MINOR – ${describe(record)} is not attached to any instance`,
    }];
  },
  clearText: (typeNames) => `OK – volume ${typeNames[0]?.name ?? ''} is attached or deleted`,
};

/**
 * UnencryptedVolume: pinpointed under the instance it is attached to (`<role>:<instance id>` → volume, as the
 * InstanceState rule names the instance), or on its own when detached. The role is the attached instance's,
 * from the region's facts.
 */
export const unencryptedVolumeRule: TapRule = {
  name: 'UnencryptedVolume',
  resourceType: 'EC2.Volume',
  eventClass: 'AWS_EC2',
  needsFacts: true,
  evaluate(record, facts) {
    if (record.data.encrypted === true) return [];
    const attachments = Array.isArray(record.data.attachments) ? (record.data.attachments as VolumeAttachmentData[]) : [];
    const instances = attachments.filter((a) => a.instance_id && a.state !== 'detached').map((a) => a.instance_id as string);
    if (instances.length === 0) {
      return [{ severity: 3, typeNames: [{ type: 'ID', name: record.id }], group: volumeGroup(record), text: `MINOR – ${describe(record)} is not encrypted` }];
    }
    // Multi-attach volumes nest under each of their instances; the group is the instance's role.
    return instances.map((instanceId) => {
      const role = facts.get(InstanceFacts.INSTANCE_ROLE, instanceId);
      return {
        severity: 3 as const,
        typeNames: [{ type: 'ID', name: serverId(role, instanceId) }, { type: 'Volume', name: record.id }],
        group: role,
        text: `MINOR – ${describe(record)} attached to ${instanceId}${role ? ` (${role})` : ''} is not encrypted`,
      };
    });
  },
  clearText: (typeNames) => (typeNames.length > 1
    ? `OK – volume ${typeNames[1]?.name ?? ''} is no longer attached unencrypted to ${typeNames[0]?.name ?? ''}`
    : `OK – volume ${typeNames[0]?.name ?? ''} is encrypted, attached or deleted`),
};

/** Volume types that spend I/O credits (gp3, io1, io2 have none): their BurstBalance exists while attached. */
const BURSTING_TYPES = new Set(['gp2', 'st1', 'sc1']);

/** BurstBalance: an attached burstable volume running out of I/O credits (it then drops to its baseline). */
export const burstBalanceRule: MetricRule = {
  name: 'BurstBalance',
  resourceType: 'EC2.Volume',
  eventClass: 'AWS_EC2',
  metric: { namespace: 'AWS/EBS', metricName: 'BurstBalance', idDimension: 'VolumeId', stat: 'Minimum' },
  direction: 'below',
  defaults: { warning: 20, critical: 5 },
  maxThreshold: 100,
  subject: (record) => {
    const bursting = typeof record.data.volume_type === 'string' && BURSTING_TYPES.has(record.data.volume_type);
    const notMeasured = !bursting ? `volume type ${String(record.data.volume_type)}` : record.data.state !== 'in-use' ? `volume ${String(record.data.state)}` : undefined;
    return { id: record.id, name: record.id, group: volumeGroup(record), ...(notMeasured ? { notMeasured } : {}) };
  },
  typeNames: (subject) => [{ type: 'ID', name: subject.name }],
  describe: (value) => `Burst balance ${shown(value)}%`,
};
