/**
 * The sandbox's AWS Organization: the primary account is its management account; every account sits in the root or in
 * one OU of a small tree whose names come from the seed; a few member accounts are SUSPENDED or PENDING_CLOSURE. A
 * pure function of (seed, accounts and the organization keys of the spec). An account's facts are computed when asked
 * for: 10,000 accounts cost a few small arrays until a listing pages through them.
 */
import type { Account, AccountJoinedMethod, AccountStatus, DelegatedAdministrator, OrganizationalUnit } from '@aws-sdk/client-organizations';
import { PRIMARY_ACCOUNT_ID, accountIndex, sandboxAccountId } from './accounts';
import { SANDBOX_CLOCK_START_MS } from './clock';
import { Dice, hashText } from './random';
import type { SandboxSpec } from './spec';
import { remember } from './bounded-cache';

export type OrganizationSpec = Pick<SandboxSpec, 'seed' | 'accounts' | 'organization' | 'suspended' | 'pendingClosure' | 'delegatedAdmin'>;

export interface SandboxOrganizationalUnit {
  id: string;
  arn: string;
  name: string;
  /** The root's or the parent OU's id. */
  parentId: string;
  /** The entity path, as the API's `Path`: `o-…/r-…/ou-…/`. */
  path: string;
  /** The names from the root down: `Root/Workloads/Prod`. */
  namePath: string;
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** The organization was created this long before the sandbox's clock starts; accounts joined one every few hours since. */
const ORGANIZATION_AGE_DAYS = 2000;

/**
 * The OU tree: three top-level OUs, two under the third, one under each of those (two levels below a top-level OU).
 * `weight`: how many accounts an OU draws relative to the root's 1.
 */
const TREE: readonly { names: readonly string[]; parent: number | null; weight: number }[] = [
  { names: ['Security', 'Audit', 'Governance'], parent: null, weight: 1 },
  { names: ['Infrastructure', 'Shared Services', 'Platform'], parent: null, weight: 2 },
  { names: ['Workloads', 'Applications', 'Products'], parent: null, weight: 1 },
  { names: ['Prod', 'Production'], parent: 2, weight: 3 },
  { names: ['NonProd', 'Staging', 'Development'], parent: 2, weight: 2 },
  { names: ['Payments', 'Checkout', 'Search', 'Data'], parent: 3, weight: 4 },
  { names: ['Sandbox', 'Experiments', 'Labs'], parent: 4, weight: 2 },
];
const ROOT_WEIGHT = 1;

/** Enough members: about 2 % SUSPENDED (at least one from 5 accounts), 0.5 % PENDING_CLOSURE (at least one from 10). */
function inactiveCounts(accounts: number): { suspended: number; pendingClosure: number } {
  return {
    suspended: accounts >= 5 ? Math.max(1, Math.round(accounts * 0.02)) : 0,
    pendingClosure: accounts >= 10 ? Math.max(1, Math.round(accounts * 0.005)) : 0,
  };
}

/** The member accounts the seed makes SUSPENDED and PENDING_CLOSURE (what `suspended=` and `pendingClosure=` replace), in id order. */
export function drawnInactiveAccounts(spec: Pick<SandboxSpec, 'seed' | 'accounts' | 'organization'>): { suspended: string[]; pendingClosure: string[] } {
  if (!spec.organization || spec.accounts < 2) return { suspended: [], pendingClosure: [] };
  const counts = inactiveCounts(spec.accounts);
  const dice = new Dice(hashText(`${spec.seed}|${spec.accounts}|organization|inactive`));
  const picked: number[] = [];
  const members = spec.accounts - 1;
  for (let draw = 0; picked.length < Math.min(members, counts.suspended + counts.pendingClosure); draw++) {
    const index = 1 + Math.floor(dice.unit(draw) * members);
    if (!picked.includes(index)) picked.push(index);
  }
  const ids = (indexes: number[]) => [...indexes].sort((a, b) => a - b).map(sandboxAccountId);
  return { suspended: ids(picked.slice(0, counts.suspended)), pendingClosure: ids(picked.slice(counts.suspended)) };
}

interface Inactive {
  suspended: ReadonlySet<string>;
  pendingClosure: ReadonlySet<string>;
}

const MAX_CACHED = 16;
const inactiveCache = new Map<string, Inactive>();
const organizations = new Map<string, SandboxOrganization>();

function inactiveOf(spec: OrganizationSpec): Inactive {
  const key = `${spec.seed}|${spec.accounts}|${spec.organization}|${spec.suspended?.join(',') ?? '*'}|${spec.pendingClosure?.join(',') ?? '*'}`;
  return remember(inactiveCache, key, () => {
    const drawn = drawnInactiveAccounts(spec);
    return { suspended: new Set(spec.suspended ?? drawn.suspended), pendingClosure: new Set(spec.pendingClosure ?? drawn.pendingClosure) };
  }, MAX_CACHED);
}

/** An account's status in the organization (ACTIVE outside one); only the spec's accounts are asked about. */
export function accountStatus(spec: OrganizationSpec, accountId: string): AccountStatus {
  const inactive = inactiveOf(spec);
  if (inactive.suspended.has(accountId)) return 'SUSPENDED';
  if (inactive.pendingClosure.has(accountId)) return 'PENDING_CLOSURE';
  return 'ACTIVE';
}

/** The organization of a spec; undefined with `organization=none`. */
export function sandboxOrganization(spec: OrganizationSpec): SandboxOrganization | undefined {
  if (!spec.organization) return undefined;
  const key = `${spec.seed}|${spec.accounts}|${spec.suspended?.join(',') ?? '*'}|${spec.pendingClosure?.join(',') ?? '*'}|${spec.delegatedAdmin ?? ''}`;
  return remember(organizations, key, () => new SandboxOrganization(spec), MAX_CACHED);
}

export class SandboxOrganization {
  readonly id: string;
  readonly arn: string;
  readonly rootId: string;
  readonly rootArn: string;
  readonly managementAccountId = PRIMARY_ACCOUNT_ID;
  readonly delegatedAdmin?: string;
  /** Parents first: the top-level OUs, then the OUs below them. */
  readonly units: readonly SandboxOrganizationalUnit[];
  readonly createdAt: Date;
  private readonly dice: Dice;
  private readonly unitsById = new Map<string, SandboxOrganizationalUnit>();
  /** Slot 0 is the root, slot k the OU units[k-1]. */
  private readonly parentSlot: Uint8Array;
  private readonly accountsBySlot: number[][];

  constructor(private readonly spec: OrganizationSpec) {
    this.dice = new Dice(hashText(`${spec.seed}|organization`));
    this.id = `o-${this.dice.hex(10, 1)}`;
    const rootSuffix = this.dice.hex(4, 2);
    this.rootId = `r-${rootSuffix}`;
    this.arn = `arn:aws:organizations::${PRIMARY_ACCOUNT_ID}:organization/${this.id}`;
    this.rootArn = `arn:aws:organizations::${PRIMARY_ACCOUNT_ID}:root/${this.id}/${this.rootId}`;
    this.createdAt = new Date(SANDBOX_CLOCK_START_MS - ORGANIZATION_AGE_DAYS * DAY_MS + Math.floor(this.dice.unit(3) * DAY_MS));
    if (spec.delegatedAdmin) this.delegatedAdmin = spec.delegatedAdmin;

    const units: SandboxOrganizationalUnit[] = [];
    TREE.forEach((node, k) => {
      const parent = node.parent === null ? undefined : units[node.parent];
      const id = `ou-${rootSuffix}-${this.dice.hex(8, 4, k)}`;
      const name = this.dice.pick(node.names, 5, k);
      units.push({
        id, name, arn: `arn:aws:organizations::${PRIMARY_ACCOUNT_ID}:ou/${this.id}/${id}`,
        parentId: parent?.id ?? this.rootId,
        path: `${parent?.path ?? `${this.id}/${this.rootId}/`}${id}/`,
        namePath: `${parent?.namePath ?? 'Root'}/${name}`,
      });
    });
    this.units = units;
    for (const unit of units) this.unitsById.set(unit.id, unit);

    const weights = [ROOT_WEIGHT, ...TREE.map((node) => node.weight)];
    const slots = weights.map((_, slot) => slot);
    this.parentSlot = new Uint8Array(spec.accounts);
    this.accountsBySlot = slots.map(() => []);
    for (let index = 0; index < spec.accounts; index++) {
      // The management account sits in the root, as in most organizations.
      const slot = index === 0 ? 0 : this.dice.pickWeighted(slots, weights, 6, index);
      this.parentSlot[index] = slot;
      this.accountsBySlot[slot]?.push(index);
    }
  }

  /** Whether the id names this organization's root or one of its OUs. */
  isParent(id: string): boolean {
    return id === this.rootId || this.unitsById.has(id);
  }

  unit(id: string): SandboxOrganizationalUnit | undefined {
    return this.unitsById.get(id);
  }

  /** The OUs directly below the root or an OU, in tree order. */
  childUnits(parentId: string): SandboxOrganizationalUnit[] {
    return this.units.filter((unit) => unit.parentId === parentId);
  }

  /** The indexes of the accounts directly in the root or an OU, in the order they joined. */
  accountsIn(parentId: string): readonly number[] {
    return this.accountsBySlot[this.slotOf(parentId)] ?? [];
  }

  /** The index of one of this organization's accounts, or -1. */
  indexOf(accountId: string): number {
    const index = accountIndex(accountId);
    return index >= 0 && index < this.spec.accounts ? index : -1;
  }

  /** The root's or the OU's id an account sits in. */
  parentOf(index: number): string {
    const slot = this.parentSlot[index] ?? 0;
    return slot === 0 ? this.rootId : (this.units[slot - 1] as SandboxOrganizationalUnit).id;
  }

  /** `Root/Workloads/Prod`: the names from the root down to a parent. */
  namePath(parentId: string): string {
    return this.unit(parentId)?.namePath ?? 'Root';
  }

  /** `o-…/r-…/ou-…/`: the entity path of a parent. */
  entityPath(parentId: string): string {
    return this.unit(parentId)?.path ?? `${this.id}/${this.rootId}/`;
  }

  status(index: number): AccountStatus {
    return accountStatus(this.spec, sandboxAccountId(index));
  }

  /** The account as DescribeAccount and the List operations answer it. */
  account(index: number): Account & { Id: string; Status: AccountStatus } {
    const id = sandboxAccountId(index);
    const parentId = this.parentOf(index);
    const parentName = this.unit(parentId)?.name ?? 'root';
    const name = index === 0 ? 'management' : `${parentName.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${String(index + 1).padStart(4, '0')}`;
    const status = this.status(index);
    const joinedMethod: AccountJoinedMethod = index === 0 || this.dice.chance(0.15, 7, index) ? 'INVITED' : 'CREATED';
    return {
      Id: id, Arn: `arn:aws:organizations::${PRIMARY_ACCOUNT_ID}:account/${this.id}/${id}`, Email: `aws+${name}@example.com`, Name: name,
      Status: status, State: status, Paths: [`${this.entityPath(parentId)}${id}/`],
      JoinedMethod: joinedMethod, JoinedTimestamp: this.joinedAt(index),
    };
  }

  /** One account every few hours since the organization was created (the management account at its creation). */
  joinedAt(index: number): Date {
    return new Date(this.createdAt.getTime() + index * 4 * HOUR_MS + (index === 0 ? 0 : Math.floor(this.dice.unit(8, index) * 3 * HOUR_MS)));
  }

  organizationalUnit(unit: SandboxOrganizationalUnit): OrganizationalUnit {
    return { Id: unit.id, Arn: unit.arn, Name: unit.name, Path: unit.path };
  }

  /** The delegated administrator, as ListDelegatedAdministrators answers it (none without `delegatedAdmin=`). */
  delegatedAdministrators(): DelegatedAdministrator[] {
    const index = this.delegatedAdmin ? this.indexOf(this.delegatedAdmin) : -1;
    if (index < 0) return [];
    const account = this.account(index);
    const joined = account.JoinedTimestamp as Date;
    return [{ ...account, DelegationEnabledDate: new Date(Math.min(SANDBOX_CLOCK_START_MS - DAY_MS, joined.getTime() + 30 * DAY_MS)) }];
  }

  private slotOf(parentId: string): number {
    if (parentId === this.rootId) return 0;
    const k = this.units.findIndex((unit) => unit.id === parentId);
    return k < 0 ? -1 : k + 1;
  }
}
