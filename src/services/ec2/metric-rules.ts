import type { MetricRule, MetricSubject } from '../metric-rule';
import type { ResourceRecord } from '../resource-type';
import { serverId } from '../rule';

/** The CloudWatch agent's namespace: memory, disk and load exist only on instances that run the agent. */
export const AGENT_NAMESPACE = 'CWAgent';
/**
 * The agent's one-minute load: the agent has no load metric of its own; it reaches it from collectd's load plugin
 * through the agent's collectd listener, named `collectd_` + plugin + data source.
 */
export const LOAD_METRIC = 'collectd_load_shortterm';

/** An instance as metric events name it (`<role>:<id>`, as InstanceState does); only a running instance is measured. */
function instanceSubject(record: ResourceRecord): MetricSubject {
  const role = typeof record.data.role === 'string' && record.data.role ? record.data.role : null;
  const state = typeof record.data.state === 'string' ? record.data.state : 'unknown';
  return { id: record.id, name: serverId(role, record.id), group: role, ...(state === 'running' ? {} : { notMeasured: `instance ${state}` }) };
}

const instanceId = (subject: MetricSubject) => [{ type: 'ID', name: subject.name }];

/** Values as the texts show them: whole numbers, or one decimal (`2.5% free`). */
export function shown(value: number): string {
  return String(Math.round(value * 10) / 10);
}

const free = (used: number): number => 100 - used;

export const cpuRule: MetricRule = {
  name: 'CPU',
  resourceType: 'EC2.Instance',
  eventClass: 'AWS_EC2',
  metric: { namespace: 'AWS/EC2', metricName: 'CPUUtilization', idDimension: 'InstanceId', stat: 'Average' },
  direction: 'above',
  defaults: { warning: 90, critical: 98 },
  maxThreshold: 100,
  subject: instanceSubject,
  typeNames: instanceId,
  describe: (value) => `CPU total ${shown(value)}%`,
};

function statusCheckRule(kind: 'instance' | 'system'): MetricRule {
  return {
    name: kind === 'instance' ? 'StatusCheckInstance' : 'StatusCheckSystem',
    resourceType: 'EC2.Instance',
    eventClass: 'AWS_EC2',
    // The Maximum over the window: failed at all in it (the metric is 0 or 1 a minute).
    metric: { namespace: 'AWS/EC2', metricName: kind === 'instance' ? 'StatusCheckFailed_Instance' : 'StatusCheckFailed_System', idDimension: 'InstanceId', stat: 'Maximum' },
    direction: 'above',
    defaults: { warning: 1, critical: 1 },
    maxThreshold: 1,
    subject: instanceSubject,
    typeNames: instanceId,
    describe: (value) => `status check ${value >= 1 ? 'failed' : 'passed'} (${kind})`,
  };
}

export const statusCheckInstanceRule = statusCheckRule('instance');
export const statusCheckSystemRule = statusCheckRule('system');

export const memoryRule: MetricRule = {
  name: 'Mem',
  resourceType: 'EC2.Instance',
  eventClass: 'AWS_EC2',
  metric: { namespace: AGENT_NAMESPACE, metricName: 'mem_used_percent', idDimension: 'InstanceId', stat: 'Average', discovered: true },
  direction: 'below',
  defaults: { warning: 10, critical: 3 },
  maxThreshold: 100,
  value: free,
  subject: instanceSubject,
  typeNames: instanceId,
  describe: (value) => `Memory ${shown(value)}% free`,
};

/** One event per mounted file system: the agent's `path` dimension is the mount. */
export const diskRule: MetricRule = {
  name: 'Disk',
  resourceType: 'EC2.Instance',
  eventClass: 'AWS_EC2',
  metric: { namespace: AGENT_NAMESPACE, metricName: 'disk_used_percent', idDimension: 'InstanceId', stat: 'Average', discovered: true },
  direction: 'below',
  defaults: { warning: 10, critical: 3 },
  maxThreshold: 100,
  value: free,
  subject: instanceSubject,
  typeNames: (subject, dimensions) => [...instanceId(subject), { type: 'Mount', name: dimensions.path ?? '?' }],
  describe: (value, dimensions) => `Disk ${dimensions.path ?? '?'} ${shown(value)}% free`,
};

/** Load has no default in Tap's that fits every size of instance: these suit a 2–4 vCPU server; set yours per group. */
export const loadRule: MetricRule = {
  name: 'Load',
  resourceType: 'EC2.Instance',
  eventClass: 'AWS_EC2',
  metric: { namespace: AGENT_NAMESPACE, metricName: LOAD_METRIC, idDimension: 'InstanceId', stat: 'Average', discovered: true },
  direction: 'above',
  defaults: { warning: 4, critical: 10 },
  subject: instanceSubject,
  typeNames: instanceId,
  describe: (value) => `Load ${shown(value)}`,
};

export const instanceMetricRules: MetricRule[] = [cpuRule, statusCheckInstanceRule, statusCheckSystemRule, memoryRule, diskRule, loadRule];
