import type { ClientCatalog, ClientFactory } from '../aws/clients';
import { ec2Service } from './ec2';
import { cloudTrailService } from './cloudtrail';
import { kmsService } from './kms';
import { s3Service } from './s3';
import { rdsService } from './rds';
import { dynamoDbService } from './dynamodb';
import { iamService } from './iam';
import { lambdaService } from './lambda';
import { elbv2Service } from './elbv2';
import { autoScalingService } from './autoscaling';
import { catalogType } from './catalog';
import { typeActions, typeKey, type ResourceType } from './resource-type';
import type { TapRule } from './rule';
import { METRIC_ACTIONS, METRICS_CLIENT, type MetricRule } from './metric-rule';
import type { Counter, RegionDirectory, ServiceDefinition } from './service';

export type { ServiceDefinition, ServiceScope } from './service';

/** Adding a service means adding its folder and one line here. */
const services: readonly ServiceDefinition[] = [
  ec2Service,
  cloudTrailService,
  kmsService,
  s3Service,
  rdsService,
  dynamoDbService,
  iamService,
  lambdaService,
  elbv2Service,
  autoScalingService,
];

const cloudServiceTypeType = catalogType(() => services.flatMap((s) => s.types));

export function serviceNames(): string[] {
  return services.map((s) => s.name);
}

export function allServices(): readonly ServiceDefinition[] {
  return services;
}

export function serviceByName(name: string): ServiceDefinition {
  const service = services.find((s) => s.name === name);
  if (!service) throw new Error(`unknown service "${name}"; valid services are: ${serviceNames().join(', ')}`);
  return service;
}

/** Every type cloudtap stores: the services' types and the catalog of them (`CloudServiceType`). */
export function allResourceTypes(): ResourceType[] {
  return [...services.flatMap((s) => s.types), cloudServiceTypeType];
}

/** Types collected once per account by the account task (the regions), not per region. */
export function accountLevelTypes(): ResourceType[] {
  return services.flatMap((s) => s.types).filter((t) => t.level === 'account');
}

export function resourceTypeByKey(key: string): ResourceType | undefined {
  return allResourceTypes().find((t) => typeKey(t) === key);
}

/** The service a type key belongs to. */
export function serviceOfType(key: string): ServiceDefinition | undefined {
  return services.find((s) => s.types.some((t) => typeKey(t) === key));
}

/** Whether a service exists in a region (declared, not coded per type). */
export function serviceRunsIn(service: ServiceDefinition, region: string, homeRegion: string): boolean {
  if (service.scope.kind === 'global') return region === (service.scope.homeRegion ?? homeRegion);
  return !service.scope.regions || service.scope.regions.includes(region);
}

/** Every SDK client the services declare, by name. Two services declaring one name is a mistake caught at start. */
export function clientCatalog(): ClientCatalog {
  const catalog: Record<string, { service: string; create: ClientFactory }> = {};
  for (const service of services) {
    for (const [name, create] of Object.entries(service.clients)) {
      const taken = catalog[name];
      if (taken) throw new Error(`services ${taken.service} and ${service.name} both declare the SDK client "${name}"; give one of them another name`);
      catalog[name] = { service: service.name, create };
    }
  }
  if (allMetricRules().length > 0) catalog[METRICS_CLIENT.name] ??= { service: METRICS_CLIENT.service, create: METRICS_CLIENT.create };
  return catalog;
}

/** Where plan and the Region type learn an account's regions: the one service that offers a directory. */
export function regionDirectory(): RegionDirectory {
  const directories = services.map((s) => s.regionDirectory).filter((d): d is RegionDirectory => !!d);
  if (directories.length !== 1) throw new Error(`exactly one service must offer the region directory; ${directories.length} do`);
  return directories[0] as RegionDirectory;
}

/** The Tap rules that evaluate a resource type. */
export function rulesFor(resourceType: string): TapRule[] {
  return services.flatMap((s) => s.rules).filter((r) => r.resourceType === resourceType);
}

/** The metric rules of every service. */
export function allMetricRules(): MetricRule[] {
  return services.flatMap((s) => s.metricRules ?? []);
}

export function allCounters(): Counter[] {
  return services.flatMap((s) => s.counters ?? []);
}

/** AWS's names (`AWS::EC2::Instance`) of every collected type, for observations that are kept only when they touch one. */
export function collectedAwsTypeNames(): ReadonlySet<string> {
  return new Set(allResourceTypes().map((t) => t.cloudTrailResourceType).filter((name): name is string => !!name));
}

/** Every IAM action the collect function needs, derived from the calls the types declare. */
export function collectIamActions(): string[] {
  return [...new Set([...allResourceTypes().flatMap(typeActions), ...(allMetricRules().length > 0 ? METRIC_ACTIONS : [])])].sort();
}
