import { InstanceFacts } from './region-facts';
import type { Finding, TapRule } from '../rule';
import { SEVERITY_NAMES } from '../../dto/tap-event';
import { ROLE_TAG } from './instance';
import type { FlatRule } from './security-group';

/** TCP services that must not be reachable from anywhere, most severe first: remote shells, then databases. */
export const EXPOSED_SERVICES: readonly { port: number; service: string; severity: 1 | 2 }[] = [
  { port: 22, service: 'SSH', severity: 1 },
  { port: 3389, service: 'RDP', severity: 1 },
  { port: 3306, service: 'MySQL', severity: 2 },
  { port: 5432, service: 'PostgreSQL', severity: 2 },
  { port: 1433, service: 'SQL Server', severity: 2 },
  { port: 1521, service: 'Oracle', severity: 2 },
  { port: 27017, service: 'MongoDB', severity: 2 },
  { port: 6379, service: 'Redis', severity: 2 },
  { port: 9200, service: 'Elasticsearch', severity: 2 },
];

const ANYWHERE = new Set(['0.0.0.0/0', '::/0']);
const TCP = new Set(['tcp', '6']);

/**
 * OpenIngress: an ingress entry open to the whole internet that reaches SSH, RDP or a database port. One finding
 * per entry, pinpointed group → rule → port (the most severe port it exposes; the text lists all of them).
 * Group: the security group's Role tag, else the most common role of the running instances that use it.
 */
export const openIngressRule: TapRule = {
  name: 'OpenIngress',
  resourceType: 'EC2.SecurityGroup',
  eventClass: 'AWS_EC2',
  needsFacts: true,
  evaluate(record, facts) {
    const ingress = Array.isArray(record.data.ingress) ? (record.data.ingress as FlatRule[]) : [];
    const group = record.tags[ROLE_TAG] ?? facts.get(InstanceFacts.SECURITY_GROUP_ROLE, record.id);
    const label = record.name && record.name !== record.id ? `${record.id} (${record.name})` : record.id;
    const findings: Finding[] = [];
    for (const entry of ingress) {
      if (!ANYWHERE.has(entry.source)) continue;
      const exposed = EXPOSED_SERVICES.filter((s) => covers(entry, s.port));
      const worst = exposed[0];
      if (!worst) continue;
      const { from, to } = portRange(entry);
      findings.push({
        severity: worst.severity,
        typeNames: [
          { type: 'ID', name: record.id },
          { type: 'Rule', name: `ingress:${entry.protocol}:${from}-${to}:${entry.source}` },
          { type: 'Port', name: String(worst.port) },
        ],
        group,
        text: `${SEVERITY_NAMES[worst.severity]} – security group ${label} allows ${entry.protocol} ${from}-${to} from ${entry.source}, `
          + `exposing ${exposed.map((s) => `${s.service} ${s.port}`).join(', ')}`,
      });
    }
    return findings;
  },
  clearText: (typeNames) => `OK – security group ${typeNames[0]?.name ?? ''} no longer has ${typeNames[1]?.name ?? 'the open ingress'}`,
};

/** The ports an entry spans; protocol `all` (and a TCP entry without ports) spans every port. */
function portRange(entry: FlatRule): { from: number; to: number } {
  return { from: entry.fromPort ?? 0, to: entry.toPort ?? 65535 };
}

function covers(entry: FlatRule, port: number): boolean {
  if (entry.protocol !== 'all' && !TCP.has(entry.protocol)) return false;
  const { from, to } = portRange(entry);
  return from <= port && port <= to;
}
