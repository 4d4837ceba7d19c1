/** What cloudtap's Lambda type should store for a spec and the conditions planted for its rule, read from the Lambda model. */
import type { ServiceTruth, ServiceTruthCondition, ServiceTruthResource } from '../service-truth';
import { isDeprecatedRuntime, lambdaFunctions } from '../services/lambda-model';

export const lambdaTruth: ServiceTruth = {
  service: 'Lambda',
  truth(spec, accountId, regions) {
    const resources: ServiceTruthResource[] = [];
    const conditions: ServiceTruthCondition[] = [];
    for (const region of regions) {
      for (const { configuration, tags } of lambdaFunctions(spec, accountId, region)) {
        const id = configuration.FunctionName ?? '';
        resources.push({
          accountId, region, type: 'Lambda.Function', id, name: id, tags,
          attributes: {
            runtime: configuration.Runtime ?? null, role: configuration.Role, packageType: configuration.PackageType,
            subnetIds: configuration.VpcConfig?.SubnetIds ?? [], securityGroupIds: configuration.VpcConfig?.SecurityGroupIds ?? [],
            environmentVariableNames: Object.keys(configuration.Environment?.Variables ?? {}).sort(),
          },
        });
        if (isDeprecatedRuntime(configuration.Runtime)) {
          conditions.push({ rule: 'DeprecatedRuntime', accountId, region, type: 'Lambda.Function', id, severity: 3, detail: { runtime: configuration.Runtime } });
        }
      }
    }
    return { resources, conditions };
  },
};
