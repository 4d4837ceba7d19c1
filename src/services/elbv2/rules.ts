import type { TapRule } from '../rule';
import type { ResourceRecord } from '../resource-type';
import { actionsOf } from './listener';

/** The tag that names a resource's server role, as on instances. */
const ROLE_TAG = 'Role';

function roleOf(record: ResourceRecord): string | null {
  return record.tags[ROLE_TAG] ?? null;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** UnhealthyTargets: a target group with any target failing its health checks serves less than it should. */
export const unhealthyTargetsRule: TapRule = {
  name: 'UnhealthyTargets',
  resourceType: 'ELBv2.TargetGroup',
  eventClass: 'AWS_ELB',
  evaluate(record) {
    const count = record.data.unhealthy_target_count;
    // Unknown health (the call failed) is no finding either way.
    if (typeof count !== 'number' || count === 0) return [];
    const name = typeof record.data.target_group_name === 'string' ? record.data.target_group_name : record.id;
    const ids = Array.isArray(record.data.unhealthy_targets) ? (record.data.unhealthy_targets as string[]) : [];
    return [{
      severity: 2, typeNames: [{ type: 'ID', name: record.id }], group: roleOf(record),
      text: `WARNING – target group ${name} has ${plural(count, 'unhealthy target')}${ids.length > 0 ? ` (${ids.join(', ')})` : ''}`,
    }];
  },
  clearText: (typeNames) => `OK – every target of target group ${typeNames[0]?.name ?? ''} is healthy, or the group is deleted`,
};

/** HttpListenerWithoutRedirect: plain HTTP that is not redirected to HTTPS serves traffic unencrypted. */
export const httpListenerWithoutRedirectRule: TapRule = {
  name: 'HttpListenerWithoutRedirect',
  resourceType: 'ELBv2.Listener',
  eventClass: 'AWS_ELB',
  evaluate(record) {
    if (record.data.protocol !== 'HTTP') return [];
    if (actionsOf(record).some((action) => action.type === 'redirect' && action.redirect?.protocol === 'HTTPS')) return [];
    return [{
      severity: 3, typeNames: [{ type: 'ID', name: record.id }], group: roleOf(record),
      text: `MINOR – listener HTTP:${String(record.data.port ?? '?')} of ${loadBalancerName(record)} does not redirect to HTTPS`,
    }];
  },
  clearText: (typeNames) => `OK – listener ${typeNames[0]?.name ?? ''} redirects to HTTPS, is no longer HTTP, or is deleted`,
};

/** `app/web-lb/50dc6c495c0c9188` → `web-lb`, from the listener's ARN. */
function loadBalancerName(record: ResourceRecord): string {
  const arn = typeof record.data.load_balancer_arn === 'string' ? record.data.load_balancer_arn : record.id;
  return /:loadbalancer\/[a-z]+\/([^/]+)\//.exec(arn)?.[1] ?? /:listener\/[a-z]+\/([^/]+)\//.exec(arn)?.[1] ?? arn;
}
