import type { TruthCondition } from '../../local/sandbox/truth';

/**
 * What Tap event a planted condition should be, written from the Tap model (shared/DESIGN.md) and the sandbox's own
 * description of what it planted — not by calling cloudtap's rules. Shared by the tests that hold the open events
 * (test/e2e/events-truth.test.ts) and the SQL over them (test/sql/named-queries-truth.test.ts) to the truth.
 */
const ADMIN_PORTS = [22, 3389];

/**
 * What Tap event a planted condition should be, written from the Tap model (shared/DESIGN.md) and the
 * sandbox's own description of what it planted — not by calling cloudtap's rules.
 */
export function expectedEvent(c: TruthCondition): { account: string; rule: string; class: string; group: string | null; severity: number; pinpoint: string } {
  return { account: c.accountId, ...expectedTapEvent(c) };
}

export function expectedTapEvent(c: TruthCondition): { rule: string; class: string; group: string | null; severity: number; pinpoint: string } {
  const d = c.detail as Record<string, unknown>;
  switch (c.rule) {
    case 'InstanceState':
      return { rule: c.rule, class: 'AWS_EC2', group: c.group, severity: 2, pinpoint: `ID=${c.group ?? 'unknown'}:${c.id}` };
    case 'OpenIngress': {
      const ports = [Number(d.fromPort ?? 0), Number(d.toPort ?? 65535)];
      const admin = ADMIN_PORTS.some((p) => (ports[0] as number) <= p && p <= (ports[1] as number)) || d.protocol === '-1';
      const protocol = d.protocol === '-1' ? 'all' : String(d.protocol);
      const range = d.protocol === '-1' ? '0-65535' : `${String(d.fromPort)}-${String(d.toPort)}`;
      return { rule: c.rule, class: 'AWS_EC2', group: c.group, severity: admin ? 1 : 2, pinpoint: `ID=${c.id} Rule=ingress:${protocol}:${range}:${String(d.cidr)}` };
    }
    case 'UnattachedVolume':
      return { rule: c.rule, class: 'AWS_EC2', group: c.group, severity: 3, pinpoint: `ID=${c.id}` };
    case 'UnencryptedVolume':
      return d.attachedInstanceId
        ? { rule: c.rule, class: 'AWS_EC2', group: c.group, severity: 3, pinpoint: `ID=${c.group ?? 'unknown'}:${String(d.attachedInstanceId)} Volume=${c.id}` }
        : { rule: c.rule, class: 'AWS_EC2', group: c.group, severity: 3, pinpoint: `ID=${c.id}` };
    case 'TrailLogging':
      return { rule: c.rule, class: 'AWS_CloudTrail', group: null, severity: 2, pinpoint: `ID=${String(d.trailName)}` };
    case 'NoTrail':
      return { rule: c.rule, class: 'AWS_CloudTrail', group: null, severity: 2, pinpoint: `ID=${c.region}` };
  }
}

/** The rules of EC2 and CloudTrail, whose expected Tap events are written out above; the other services' are compared by resource. */
export const CORE_RULES = new Set(['InstanceState', 'OpenIngress', 'UnattachedVolume', 'UnencryptedVolume', 'TrailLogging', 'NoTrail']);


export const unique = <T>(items: T[]): T[] => [...new Map(items.map((i) => [JSON.stringify(i), i])).values()];
