/**
 * The synthetic account model: a pure, deterministic function of (seed, account id, region,
 * epoch). Region models and account-level trails are cached per (seed, size, account); the
 * epoch is an argument of every query, so one model serves every epoch.
 */
import { sandboxAccountIds } from './accounts';
import { hashText, Dice } from './random';
import { RegionModel } from './region-model';
import { regionInfo } from './regions';
import { enabledRegions, type SandboxSpec } from './spec';
import { TrailTimeline, planTrails, type TrailPlan } from './trails';
import { remember } from './bounded-cache';

export { epochTime } from './clock';

type ModelSpec = Pick<SandboxSpec, 'seed' | 'regions' | 'instances' | 'stopAt'>;

const MAX_CACHED_MODELS = 256;
const regionModels = new Map<string, RegionModel>();
const accountModels = new Map<string, AccountModel>();
const built = { accountModels: 0, regionModels: 0 };

/**
 * How many account and region models this process has built (cache misses included): an account's models are built
 * when it is first called, so a sandbox of 10,000 accounts costs what its callers touch.
 */
export function modelsBuilt(): { accountModels: number; regionModels: number } {
  return { ...built };
}

export class AccountModel {
  readonly enabledRegions: string[];
  readonly trails: TrailPlan[];
  readonly trailTimeline: TrailTimeline;
  readonly dice: Dice;

  constructor(readonly spec: ModelSpec, readonly accountId: string) {
    this.enabledRegions = enabledRegions(spec);
    this.dice = new Dice(hashText(`${spec.seed}|${accountId}`));
    this.trails = planTrails(this.dice.child('trails'), accountId, this.enabledRegions);
    this.trailTimeline = new TrailTimeline(this.dice.child('trail-timeline'), this.trails.length);
  }

  /** The model of an enabled region, or undefined for any other region. */
  region(name: string): RegionModel | undefined {
    const info = regionInfo(name);
    if (!info || !this.enabledRegions.includes(name)) return undefined;
    const { seed, instances, stopAt = [] } = this.spec;
    return remember(regionModels, `${seed}|${instances}|${stopAt.join(',')}|${this.accountId}|${name}`, () => {
      built.regionModels++;
      return new RegionModel(seed, instances, this.accountId, info, new Set(stopAt));
    }, MAX_CACHED_MODELS);
  }

  regions(): RegionModel[] {
    return this.enabledRegions.flatMap((name) => this.region(name) ?? []);
  }
}

export function sandboxAccount(spec: ModelSpec, accountId: string): AccountModel {
  return remember(accountModels, `${spec.seed}|${spec.regions}|${spec.instances}|${(spec.stopAt ?? []).join(',')}|${accountId}`, () => {
    built.accountModels++;
    return new AccountModel(spec, accountId);
  }, MAX_CACHED_MODELS);
}

export function sandboxAccounts(spec: ModelSpec & Pick<SandboxSpec, 'accounts'>): AccountModel[] {
  return sandboxAccountIds(spec).map((accountId) => sandboxAccount(spec, accountId));
}
