/**
 * ELBv2's truth, from the model (services/elbv2-model.ts): every load balancer, target group and listener, and the
 * planted UnhealthyTargets (a target group with an unhealthy target) and HttpListenerWithoutRedirect (an HTTP
 * listener whose default action is not a redirect to HTTPS).
 */
import type { ServiceTruth, ServiceTruthCondition, ServiceTruthResource } from '../service-truth';
import { elbRegion } from '../services/elbv2-model';

function tagRecord(tags: readonly { Key?: string; Value?: string }[] | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? '']));
}

export const elbv2Truth: ServiceTruth = {
  service: 'ELBv2',
  truth(spec, accountId, regions) {
    const resources: ServiceTruthResource[] = [];
    const conditions: ServiceTruthCondition[] = [];
    for (const region of regions) {
      const elb = elbRegion(spec, accountId, region);
      if (!elb) continue;
      const tagsOf = (arn: string) => tagRecord(elb.tags.get(arn));
      for (const lb of elb.loadBalancers) {
        const id = lb.LoadBalancerArn ?? '';
        resources.push({
          accountId, region, type: 'ELBv2.LoadBalancer', id, name: lb.LoadBalancerName, tags: tagsOf(id),
          attributes: {
            type: lb.Type, scheme: lb.Scheme, state: lb.State?.Code, dnsName: lb.DNSName, vpcId: lb.VpcId,
            subnets: (lb.AvailabilityZones ?? []).map((zone) => zone.SubnetId), securityGroups: lb.SecurityGroups ?? [],
          },
        });
      }
      for (const tg of elb.targetGroups) {
        const id = tg.TargetGroupArn ?? '';
        const targets = elb.targets.get(id) ?? [];
        const unhealthy = targets.filter((target) => target.state === 'unhealthy').map((target) => target.id);
        resources.push({
          accountId, region, type: 'ELBv2.TargetGroup', id, name: tg.TargetGroupName, tags: tagsOf(id),
          attributes: {
            protocol: tg.Protocol, port: tg.Port, targetType: tg.TargetType, loadBalancerArns: tg.LoadBalancerArns ?? [],
            targets: targets.map((target) => target.id), healthyTargetCount: targets.length - unhealthy.length, unhealthyTargets: unhealthy,
          },
        });
        if (unhealthy.length > 0) {
          conditions.push({ rule: 'UnhealthyTargets', accountId, region, type: 'ELBv2.TargetGroup', id, severity: 2, detail: { unhealthyTargets: unhealthy } });
        }
      }
      for (const listener of elb.listeners) {
        const id = listener.ListenerArn ?? '';
        const actions = listener.DefaultActions ?? [];
        resources.push({
          accountId, region, type: 'ELBv2.Listener', id, tags: tagsOf(id),
          attributes: {
            loadBalancerArn: listener.LoadBalancerArn, protocol: listener.Protocol, port: listener.Port,
            defaultActions: actions.map((action) => action.Type),
          },
        });
        const redirectsToHttps = actions.some((action) => action.Type === 'redirect' && action.RedirectConfig?.Protocol === 'HTTPS');
        if (listener.Protocol === 'HTTP' && !redirectsToHttps) {
          conditions.push({
            rule: 'HttpListenerWithoutRedirect', accountId, region, type: 'ELBv2.Listener', id, severity: 3,
            detail: { loadBalancerArn: listener.LoadBalancerArn, port: listener.Port },
          });
        }
      }
    }
    return { resources, conditions };
  },
};
