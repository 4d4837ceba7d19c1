import { ec2Service } from './ec2';
import { cloudTrailService } from './cloudtrail';
import type { ResourceRecord, ResourceType } from './resource-type';
import type { RegionFacts, TapRule } from '../events/rule';
import type { AccountRule } from '../events/account-rule';
import { typeKey } from './resource-type';

/** Where a service exists. Regional services run once per region; global ones once per account. */
export type ServiceScope = { kind: 'regional'; regions?: string[] } | { kind: 'global'; homeRegion: string };

export interface ServiceDefinition {
  name: string;
  scope: ServiceScope;
  types: ResourceType[];
  /** Tap rules beside the types they evaluate. */
  rules: TapRule[];
  /** Rules over a whole account, evaluated by Finalize. */
  accountRules?: AccountRule[];
  /** Facts a task learns from one type's records (e.g. instance roles) for the rules of its other types. */
  facts?: { from: string; create(): RegionFacts & { observe(record: ResourceRecord): void } };
}

/** Adding a service means adding its folder and one line here. */
const services: ServiceDefinition[] = [ec2Service, cloudTrailService];

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

export function allResourceTypes(): ResourceType[] {
  return services.flatMap((s) => s.types);
}

export function resourceTypeByKey(key: string): ResourceType | undefined {
  return allResourceTypes().find((t) => typeKey(t) === key);
}

/** Whether a service exists in a region (declared, not coded per type). */
export function serviceRunsIn(service: ServiceDefinition, region: string): boolean {
  if (service.scope.kind === 'global') return region === service.scope.homeRegion;
  return !service.scope.regions || service.scope.regions.includes(region);
}

/** Every IAM action the collect function needs, derived from the calls the types declare. */
export function collectIamActions(): string[] {
  const actions = new Set<string>();
  for (const type of allResourceTypes()) {
    actions.add(type.list.action);
    for (const action of type.enrich?.actions ?? []) actions.add(action);
  }
  return [...actions].sort();
}
