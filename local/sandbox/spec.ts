/**
 * The sandbox spec: a query string (`seed=2&regions=3&instances=10`) that fully determines
 * the synthetic account(s) and how the server misbehaves (latency, throttling, failures).
 */
import { PRIMARY_ACCOUNT_ID, isSandboxAccount, sandboxAccountId } from './accounts';
import { drawnInactiveAccounts } from './organization';
import { DEFAULT_REGIONS, OPT_IN_REGION_NAMES, isRealRegionName } from './regions';
// A cycle (the modules import spec types): the list is read only inside functions, never while modules load.
import { SANDBOX_SERVICE_MODULES } from './services/index';
import { METRIC_PLANTINGS, METRIC_PLANTING_DEFAULTS, METRIC_PLANTING_PAIRS, type MetricPlanting } from './services/cloudwatch-model';

/** The services server.ts answers itself; the others are service modules (services/index.ts). */
export type BuiltInSandboxService = 'EC2' | 'CloudTrail' | 'STS';
/** A built-in service or a service module's name ('S3', 'ELBv2', …): validated against both by parseSandboxSpec. */
export type SandboxService = BuiltInSandboxService | (string & {});

/** What `fail=` rules may name: a service and its operations (a SandboxServiceModule is one). */
export interface SandboxServiceOperations {
  name: string;
  operations: readonly string[];
}

/** Every operation the sandbox answers, per service; `fail` entries may name one of them. */
export const SANDBOX_OPERATIONS = {
  EC2: [
    'DescribeRegions', 'DescribeAvailabilityZones', 'DescribeInstances', 'DescribeInstanceStatus',
    'DescribeInstanceAttribute', 'DescribeVolumes', 'DescribeSnapshots', 'DescribeImages', 'DescribeVpcs',
    'DescribeSubnets', 'DescribeSecurityGroups', 'DescribeNetworkInterfaces', 'DescribeAddresses',
  ],
  CloudTrail: ['DescribeTrails', 'ListTrails', 'GetTrailStatus', 'GetEventSelectors', 'LookupEvents'],
  STS: ['GetCallerIdentity', 'AssumeRole'],
} as const satisfies Record<BuiltInSandboxService, readonly string[]>;

export type Ec2Operation = (typeof SANDBOX_OPERATIONS.EC2)[number];
export type CloudTrailOperation = (typeof SANDBOX_OPERATIONS.CloudTrail)[number];
export type StsOperation = (typeof SANDBOX_OPERATIONS.STS)[number];

/** `region:Service:ErrorCode` or `region:Service.Operation:ErrorCode`; region `*` matches every region. */
export interface FailRule {
  region: string;
  service: SandboxService;
  /** Absent: every operation of the service fails. */
  operation?: string;
  code: string;
}

export interface SandboxSpec {
  seed: number;
  /** Number of enabled regions, taken in order from SANDBOX_REGION_NAMES. */
  regions: number;
  /** Instances per region at epoch 0. */
  instances: number;
  epoch: number;
  latencyMs: number;
  /** Fraction (0..1) of calls answered with the service's throttling error. */
  throttle: number;
  fail: FailRule[];
  /** Regions that exist but are not opted in. */
  optIn: string[];
  /** Number of synthetic accounts: the primary one plus accounts-1 reached by AssumeRole. */
  accounts: number;
  /** When set, AssumeRole into the non-primary accounts requires this ExternalId. */
  externalId?: string;
  /** Whether the accounts form an AWS Organization whose management account is the primary one (`organization=none`: they do not). */
  organization: boolean;
  /** Member accounts whose status is SUSPENDED; absent: drawn from the seed (about 2 %, at least one from 5 accounts). */
  suspended?: string[];
  /** Member accounts whose status is PENDING_CLOSURE; absent: drawn from the seed (at least one from 10 accounts). */
  pendingClosure?: string[];
  /** Member accounts AssumeRole is refused into (AccessDenied): their role is missing or does not trust the caller. */
  deny: string[];
  /** Member accounts whose role can be assumed but whose policy denies every read call (the service's access-denied error). */
  readDenied: string[];
  /** A member account registered as a delegated administrator: it may call the Organizations List and Describe operations. */
  delegatedAdmin?: string;
  /**
   * Fleet-wide outages: at these epochs every instance that exists (and is not terminating) is stopped, all at once; at
   * the next epoch each is again in the state its timeline gives. For notification grouping: 200 instances stopping at once.
   */
  stopAt?: number[];
  /** CloudWatch's planted metric conditions (services/cloudwatch-model.ts): the fractions given by `metrics=`; the others keep their defaults. */
  metrics?: Partial<Record<MetricPlanting, number>>;
}

/** The real region names `regions=N` enables, in order. */
export const SANDBOX_REGION_NAMES: readonly string[] = DEFAULT_REGIONS.map((region) => region.name);
export { OPT_IN_REGION_NAMES };

export const MAX_INSTANCES_PER_REGION = 200_000;
export const MAX_ACCOUNTS = 10_000;

export const DEFAULT_SANDBOX_SPEC: Readonly<SandboxSpec> = Object.freeze({
  seed: 1,
  regions: 4,
  instances: 25,
  epoch: 0,
  latencyMs: 0,
  throttle: 0,
  fail: [],
  optIn: [],
  accounts: 1,
  organization: true,
  deny: [],
  readDenied: [],
});

const SPEC_KEYS = [
  'seed', 'regions', 'instances', 'epoch', 'latencyMs', 'throttle', 'fail', 'optIn', 'accounts', 'externalId',
  'organization', 'suspended', 'pendingClosure', 'deny', 'readDenied', 'delegatedAdmin', 'metrics', 'stopAt',
] as const;
type SpecKey = (typeof SPEC_KEYS)[number];

function specError(key: string, problem: string, got: string): Error {
  return new Error(`sandbox spec: "${key}" ${problem}, got "${got}"`);
}

function parseWholeNumber(key: SpecKey, raw: string, min: number, max: number): number {
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `from ${min} to ${max}`;
    throw specError(key, `must be a whole number ${range}`, raw);
  }
  return value;
}

function parseDecimal(key: SpecKey, raw: string, min: number, max: number, what: string): number {
  const value = /^\d+(\.\d+)?$|^\.\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isFinite(value) || value < min || value > max) throw specError(key, `must be ${what}`, raw);
  return value;
}

function listItems(raw: string): string[] {
  return raw.split(',').map((item) => item.trim()).filter((item) => item.length > 0);
}

const BUILT_IN_SERVICES: readonly SandboxServiceOperations[] = (Object.keys(SANDBOX_OPERATIONS) as BuiltInSandboxService[])
  .map((name) => ({ name, operations: SANDBOX_OPERATIONS[name] }));

/** The built-in services and every registered service module. */
export function sandboxServices(modules: readonly SandboxServiceOperations[] = SANDBOX_SERVICE_MODULES): SandboxServiceOperations[] {
  return [...BUILT_IN_SERVICES, ...modules];
}

function parseFailRule(entry: string, services: readonly SandboxServiceOperations[]): FailRule {
  const parts = entry.split(':');
  const usage = 'entries must look like region:Service:ErrorCode or region:Service.Operation:ErrorCode ' +
    `(region a real region name or *, Service one of ${services.map((known) => known.name).join(', ')})`;
  if (parts.length !== 3) throw specError('fail', usage, entry);
  const [region = '', target = '', code = ''] = parts;
  if (region !== '*' && !isRealRegionName(region)) throw specError('fail', `region must be * or a real region name (${usage})`, entry);
  const [serviceName = '', operation, ...extra] = target.split('.');
  const known = services.find((candidate) => candidate.name === serviceName);
  if (!known || extra.length > 0) throw specError('fail', usage, entry);
  const service = known.name;
  if (operation !== undefined && !known.operations.includes(operation)) {
    throw specError('fail', `operation must be one of ${known.operations.map((op) => `${service}.${op}`).join(', ')}`, entry);
  }
  if (!/^[A-Za-z][A-Za-z0-9.]*$/.test(code)) throw specError('fail', `error code must be an AWS error code such as UnauthorizedOperation (${usage})`, entry);
  return operation === undefined ? { region, service, code } : { region, service, operation, code };
}

function parseOptIn(raw: string, enabledCount: number): string[] {
  const enabled = SANDBOX_REGION_NAMES.slice(0, enabledCount);
  const names = [...new Set(listItems(raw))];
  for (const name of names) {
    if (!isRealRegionName(name)) {
      throw specError('optIn', `must list real region names, e.g. ${OPT_IN_REGION_NAMES.slice(0, 3).join(', ')}`, name);
    }
    if (enabled.includes(name)) {
      throw specError('optIn', `must not name an enabled region (regions=${enabledCount} enables ${enabled.join(', ')})`, name);
    }
  }
  return names;
}

/** Accounts a key names: member accounts of the spec (not the primary one), by id, each once. */
function parseMemberAccounts(key: SpecKey, raw: string, accounts: number, allowNone = false): string[] {
  if (allowNone && raw === 'none') return [];
  const ids = [...new Set(listItems(raw))];
  if (ids.length === 0) throw specError(key, `must list member account ids${allowNone ? ' or be none' : ''}, e.g. 222222222222`, raw);
  const members = accounts === 1 ? 'none: accounts=1 has only the management account'
    : accounts === 2 ? '222222222222' : `222222222222 … ${sandboxAccountId(accounts - 1)}`;
  for (const id of ids) {
    if (id === PRIMARY_ACCOUNT_ID) throw specError(key, `must name member accounts, not the management account ${PRIMARY_ACCOUNT_ID} (reached with the caller's own credentials)`, id);
    if (!/^\d{12}$/.test(id) || !isSandboxAccount({ accounts }, id)) {
      throw specError(key, `must name member accounts of this sandbox by their 12-digit id (accounts=${accounts}: ${members})`, id);
    }
  }
  return ids;
}

function overlap(a: readonly string[], b: readonly string[]): string | undefined {
  return a.find((id) => b.includes(id));
}

/** The organization keys: whether there is one, its inactive accounts, the knobs that refuse a member, its delegated administrator. */
function parseOrganizationKeys(spec: SandboxSpec, get: (key: SpecKey) => string | undefined): void {
  const organization = get('organization');
  if (organization !== undefined) {
    if (organization !== 'all' && organization !== 'none') throw specError('organization', 'must be all (an organization, the default) or none (accounts outside any organization)', organization);
    spec.organization = organization === 'all';
  }
  for (const key of ['suspended', 'pendingClosure', 'delegatedAdmin'] as const) {
    const given = get(key);
    if (given !== undefined && !spec.organization) throw specError(key, 'needs an organization (leave out organization=none)', given);
  }
  const suspended = get('suspended');
  if (suspended !== undefined) spec.suspended = parseMemberAccounts('suspended', suspended, spec.accounts, true);
  const pendingClosure = get('pendingClosure');
  if (pendingClosure !== undefined) {
    spec.pendingClosure = parseMemberAccounts('pendingClosure', pendingClosure, spec.accounts, true);
    const both = overlap(spec.pendingClosure, spec.suspended ?? drawnInactiveAccounts(spec).suspended);
    if (both) throw specError('pendingClosure', `must not name a SUSPENDED account (${both}; see suspended=)`, pendingClosure);
  }
  const deny = get('deny');
  if (deny !== undefined) spec.deny = parseMemberAccounts('deny', deny, spec.accounts);
  const readDenied = get('readDenied');
  if (readDenied !== undefined) {
    spec.readDenied = parseMemberAccounts('readDenied', readDenied, spec.accounts);
    const both = overlap(spec.readDenied, spec.deny);
    if (both) throw specError('readDenied', `must not name an account deny= already refuses AssumeRole into (${both})`, readDenied);
  }
  const delegatedAdmin = get('delegatedAdmin');
  if (delegatedAdmin !== undefined) {
    const [id = ''] = parseMemberAccounts('delegatedAdmin', delegatedAdmin, spec.accounts);
    if (listItems(delegatedAdmin).length !== 1) throw specError('delegatedAdmin', 'must name one member account', delegatedAdmin);
    const drawn = drawnInactiveAccounts(spec);
    const status = (spec.suspended ?? drawn.suspended).includes(id) ? 'SUSPENDED' : (spec.pendingClosure ?? drawn.pendingClosure).includes(id) ? 'PENDING_CLOSURE' : undefined;
    if (status) throw specError('delegatedAdmin', `must name an ACTIVE member account, and ${id} is ${status} in this organization (pick another, or list the inactive accounts yourself with suspended= and pendingClosure=)`, delegatedAdmin);
    spec.delegatedAdmin = id;
  }
}

/** `metrics=hotCpu:0.2,agentless:0` (fractions by planted class) or `metrics=none` (plant nothing, every instance has the agent). */
function parseMetrics(raw: string): Partial<Record<MetricPlanting, number>> {
  const usage = `entries must look like class:fraction, class one of ${METRIC_PLANTINGS.join(', ')}, fraction from 0 to 1 (or metrics=none)`;
  if (raw === 'none') return Object.fromEntries(METRIC_PLANTINGS.map((name) => [name, 0]));
  const metrics: Partial<Record<MetricPlanting, number>> = {};
  for (const entry of listItems(raw)) {
    const [name = '', value = '', ...extra] = entry.split(':');
    const planting = METRIC_PLANTINGS.find((candidate) => candidate === name);
    if (!planting || extra.length > 0) throw specError('metrics', usage, entry);
    if (metrics[planting] !== undefined) throw specError('metrics', `names ${planting} twice`, raw);
    metrics[planting] = parseDecimal('metrics', value, 0, 1, `a fraction from 0 to 1 for ${planting} (${usage})`);
  }
  if (Object.keys(metrics).length === 0) throw specError('metrics', usage, raw);
  return metrics;
}

/** A percent-decoded part of the spec; a stray `%` names where it is instead of URIError's bare "URI malformed". */
function decodeSpecPart(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new Error(`sandbox spec: ${what} has a "%" that is not followed by two hex digits, got "${text}"; write a literal % as %25`);
  }
}

/**
 * Parses a spec query string; every key is optional. Throws an Error naming the key that is wrong. `fail` rules may
 * name the built-in services and `services` (by default every module in services/index.ts).
 */
export function parseSandboxSpec(text: string, options: { services?: readonly SandboxServiceOperations[] } = {}): SandboxSpec {
  const raw = new Map<SpecKey, string>();
  const query = text.trim().replace(/^\?/, '');
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const separator = pair.indexOf('=');
    const rawKey = separator < 0 ? pair : pair.slice(0, separator);
    const key = decodeSpecPart(rawKey, `key "${rawKey}"`);
    const value = separator < 0 ? '' : decodeSpecPart(pair.slice(separator + 1).replace(/\+/g, ' '), `"${key}"`);
    const known = SPEC_KEYS.find((name) => name === key);
    if (!known) throw new Error(`sandbox spec: unknown key "${key}"; valid keys are ${SPEC_KEYS.join(', ')}`);
    if (raw.has(known)) throw specError(known, 'is given twice', value);
    raw.set(known, value);
  }

  const spec: SandboxSpec = { ...DEFAULT_SANDBOX_SPEC, fail: [], optIn: [], deny: [], readDenied: [] };
  const get = (key: SpecKey) => raw.get(key);
  const seed = get('seed');
  if (seed !== undefined) spec.seed = parseWholeNumber('seed', seed, 0, 2 ** 32 - 1);
  const regions = get('regions');
  if (regions !== undefined) spec.regions = parseWholeNumber('regions', regions, 1, SANDBOX_REGION_NAMES.length);
  const instances = get('instances');
  if (instances !== undefined) spec.instances = parseWholeNumber('instances', instances, 0, MAX_INSTANCES_PER_REGION);
  const epoch = get('epoch');
  if (epoch !== undefined) spec.epoch = parseWholeNumber('epoch', epoch, 0, 100_000);
  const stopAt = get('stopAt');
  if (stopAt !== undefined) {
    const epochs = listItems(stopAt).map((item) => parseWholeNumber('stopAt', item, 0, 100_000));
    if (epochs.length === 0) throw specError('stopAt', 'must list epochs, e.g. stopAt=1 or stopAt=1,3', stopAt);
    spec.stopAt = [...new Set(epochs)].sort((a, b) => a - b);
  }
  const latency = get('latencyMs');
  if (latency !== undefined) spec.latencyMs = parseDecimal('latencyMs', latency, 0, 60_000, 'a number of milliseconds from 0 to 60000');
  const throttle = get('throttle');
  if (throttle !== undefined) spec.throttle = parseDecimal('throttle', throttle, 0, 1, 'a fraction from 0 to 1, e.g. 0.1');
  const fail = get('fail');
  if (fail !== undefined) {
    const services = sandboxServices(options.services);
    spec.fail = listItems(fail).map((entry) => parseFailRule(entry, services));
  }
  const optIn = get('optIn');
  if (optIn !== undefined) spec.optIn = parseOptIn(optIn, spec.regions);
  const accounts = get('accounts');
  if (accounts !== undefined) spec.accounts = parseWholeNumber('accounts', accounts, 1, MAX_ACCOUNTS);
  const externalId = get('externalId');
  if (externalId !== undefined) {
    if (!/^[\w+=,.@:/-]{2,1224}$/.test(externalId)) {
      throw specError('externalId', 'must be 2 to 1224 characters of letters, digits and +=,.@:/-', externalId);
    }
    spec.externalId = externalId;
  }
  parseOrganizationKeys(spec, get);
  const metrics = get('metrics');
  if (metrics !== undefined) {
    spec.metrics = parseMetrics(metrics);
    for (const pair of METRIC_PLANTING_PAIRS) {
      const sum = pair.reduce((total, name) => total + (spec.metrics?.[name] ?? METRIC_PLANTING_DEFAULTS[name]), 0);
      if (sum > 1) throw specError('metrics', `${pair.join(' + ')} must not exceed 1 (one draw decides between them; defaults count when not given)`, metrics);
    }
  }
  return spec;
}

function formatFailRule(rule: FailRule): string {
  return `${rule.region}:${rule.service}${rule.operation ? `.${rule.operation}` : ''}:${rule.code}`;
}

function formatMetrics(metrics: Partial<Record<MetricPlanting, number>>): string {
  if (METRIC_PLANTINGS.every((name) => metrics[name] === 0)) return 'none';
  return METRIC_PLANTINGS.filter((name) => metrics[name] !== undefined).map((name) => `${name}:${metrics[name]}`).join(',');
}

/** The canonical query string of a spec: only keys that differ from the defaults, in a fixed order. */
export function formatSandboxSpec(spec: SandboxSpec): string {
  const values: Record<SpecKey, string | undefined> = {
    seed: String(spec.seed),
    regions: String(spec.regions),
    instances: String(spec.instances),
    epoch: String(spec.epoch),
    latencyMs: String(spec.latencyMs),
    throttle: String(spec.throttle),
    fail: spec.fail.length > 0 ? spec.fail.map(formatFailRule).join(',') : undefined,
    optIn: spec.optIn.length > 0 ? spec.optIn.join(',') : undefined,
    accounts: String(spec.accounts),
    externalId: spec.externalId,
    organization: spec.organization ? undefined : 'none',
    suspended: spec.suspended && (spec.suspended.length > 0 ? spec.suspended.join(',') : 'none'),
    pendingClosure: spec.pendingClosure && (spec.pendingClosure.length > 0 ? spec.pendingClosure.join(',') : 'none'),
    deny: spec.deny.length > 0 ? spec.deny.join(',') : undefined,
    readDenied: spec.readDenied.length > 0 ? spec.readDenied.join(',') : undefined,
    delegatedAdmin: spec.delegatedAdmin,
    metrics: spec.metrics && formatMetrics(spec.metrics),
    stopAt: spec.stopAt?.join(','),
  };
  const defaults = DEFAULT_SANDBOX_SPEC as SandboxSpec;
  const numeric = new Set<SpecKey>(['seed', 'regions', 'instances', 'epoch', 'latencyMs', 'throttle', 'accounts']);
  return SPEC_KEYS
    .filter((key) => values[key] !== undefined && (!numeric.has(key) || values[key] !== String(defaults[key as keyof SandboxSpec])))
    .map((key) => `${key}=${encodeURIComponent(values[key] ?? '').replace(/%2C/g, ',').replace(/%3A/g, ':')}`)
    .join('&');
}

/** The enabled region names of a spec, in order. */
export function enabledRegions(spec: Pick<SandboxSpec, 'regions'>): string[] {
  return SANDBOX_REGION_NAMES.slice(0, spec.regions);
}
