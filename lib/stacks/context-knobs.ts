import type { Node } from 'constructs';
import {
  ACCOUNT_ID_PATTERN, MAX_CONCURRENCY, ROLE_ARN_PATTERN, SCHEMA_VERSION, organizationOf, parseCollectionRequest,
} from '../../src/dto/collection-request';
import { InvalidInputError } from '../../src/dto/validation';
import { parseThresholds, type Threshold } from '../../src/stack-inputs';
import { parseMetricThresholds, type MetricThreshold } from '../../src/stack-inputs';
import { DEFAULT_HEARTBEAT, parseHeartbeat, type HeartbeatKnobs } from '../../src/stack-inputs';
import { DEFAULT_ACCOUNT_CONCURRENCY, DEFAULT_CONCURRENCY, DEFAULT_MEMBER_ROLE_NAME, EXTERNAL_ID_PATTERN, OU_ID_PATTERN } from '../../src/stack-inputs';
import { DEFAULT_NORMALIZE_CONCURRENCY, DEFAULT_SCHEDULE_EXPRESSION, type CollectorStackProps, type OrganizationCollection } from './collector-stack';
import type { MemberRoleStackProps } from './member-stack';
import { DEFAULT_ATHENA_SCAN_LIMIT_BYTES, DEFAULT_SNAPSHOT_RETENTION_DAYS, MIN_ATHENA_SCAN_LIMIT_BYTES } from './snapshots';
import type { OrgStackProps, StackSetCallAs } from './org-stack';
import { serviceNames } from '../../src/stack-inputs';
import { parseFlapping, parseRoutes, parseSilences, type Route, type Silence } from '../../src/stack-inputs';

/**
 * The deployment knobs, read from CDK context (`cdk.json` "context", or `cdk deploy -c knob=value`).
 * On the command line every value is a string, so numbers, booleans and lists are also accepted in string form.
 */
export const CONTEXT_KNOBS = {
  stackName: 'Cloudtap',
  maxConcurrency: DEFAULT_CONCURRENCY,
  maxAccountConcurrency: DEFAULT_ACCOUNT_CONCURRENCY,
  scheduleExpression: DEFAULT_SCHEDULE_EXPRESSION,
  schedule: true,
  memberRoleArns: [] as string[],
  services: [] as string[],
  regions: [] as string[],
  thresholds: [] as Threshold[],
  metricThresholds: [] as MetricThreshold[],
  routes: [] as Route[],
  silences: [] as Silence[],
  flapping: {} as Record<string, number>,
  heartbeat: DEFAULT_HEARTBEAT as HeartbeatKnobs,
  realtime: true,
  normalizeConcurrency: DEFAULT_NORMALIZE_CONCURRENCY,
  alarmEmail: '',
  alarmTopicArn: '',
  organization: false as boolean | { include?: string[]; exclude?: string[] },
  organizationId: '',
  memberRoleName: DEFAULT_MEMBER_ROLE_NAME,
  memberExternalId: '',
  organizationUnits: [] as string[],
  stackSetCallAs: 'SELF' as StackSetCallAs,
  collectorAccountId: '',
  memberStack: false,
  snapshots: true,
  snapshotRetentionDays: DEFAULT_SNAPSHOT_RETENTION_DAYS,
  athenaScanLimitBytes: DEFAULT_ATHENA_SCAN_LIMIT_BYTES,
  adaptiveRetries: false,
} as const;

export type ContextKnob = keyof typeof CONTEXT_KNOBS;

export interface CollectorDeployment {
  stackName: string;
  props: CollectorStackProps;
}

/** Everything the app deploys: the collector, and the member stack and the organization's StackSet when asked for. */
export interface CloudtapDeployment {
  collector: CollectorDeployment;
  /** `memberStack`: the member stack on its own, for `cdk deploy <stackName>MemberRole` in a member account. */
  member?: { stackName: string; props: MemberRoleStackProps };
  /** `organizationUnits`: the StackSet that deploys the member stack to them. */
  organization?: { stackName: string; props: OrgStackProps };
}

/** A context knob with a value cloudtap cannot deploy: names the knob, what is wrong, and what is valid. */
export class ContextKnobError extends Error {
  override readonly name = 'ContextKnobError';

  constructor(readonly knob: ContextKnob, problem: string, valid: string) {
    super(`context knob "${knob}": ${problem}; ${valid} (set it in cdk.json "context" or with -c ${knob}=…)`);
  }
}

/** A CloudFormation stack name: letters, digits and hyphens, starting with a letter, at most 128 characters. */
const STACK_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;
const RATE_PATTERN = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const CRON_PATTERN = /^cron\(\S+( \S+){5}\)$/;
/** Deliberately plain: SNS checks the address itself, this catches a pasted name or a missing domain before a deploy. */
const EMAIL_PATTERN = /^[^\s@,;]+@[^\s@,;]+\.[^\s@,;]+$/;
/** A standard SNS topic (CloudWatch alarms cannot publish to FIFO topics), in any partition. */
const TOPIC_ARN_PATTERN = /^arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-\d:\d{12}:[A-Za-z0-9_-]{1,256}$/;
/** Lambda keeps 100 of an account's default 1,000 concurrent executions unreserved. */
const MAX_RESERVED_CONCURRENCY = 900;
/** What DescribeOrganization returns as `Id`. */
const ORGANIZATION_ID_PATTERN = /^o-[a-z0-9]{10,32}$/;
/** IAM's role names. */
const ROLE_NAME_PATTERN = /^[\w+=,.@-]{1,64}$/;
/** Ten years of daily snapshots: beyond that, an archive is the better home. */
const MAX_SNAPSHOT_RETENTION_DAYS = 3650;
/** STS's ExternalId. */

export function readCollectorDeployment(node: Node): CollectorDeployment {
  const knob = <K extends ContextKnob>(name: K): unknown => node.tryGetContext(name) ?? CONTEXT_KNOBS[name];

  const stackName = knob('stackName');
  if (typeof stackName !== 'string' || !STACK_NAME_PATTERN.test(stackName)) {
    throw new ContextKnobError('stackName', `${JSON.stringify(stackName)} is not a CloudFormation stack name`,
      'use letters, digits and hyphens, starting with a letter (at most 128 characters), e.g. Cloudtap');
  }

  const memberRoleArns = [...new Set(list('memberRoleArns', knob('memberRoleArns')))];
  for (const arn of memberRoleArns) {
    if (!ROLE_ARN_PATTERN.test(arn)) {
      throw new ContextKnobError('memberRoleArns', `${JSON.stringify(arn)} is not an IAM role ARN`,
        'use arn:aws:iam::<12-digit account id>:role/<name>, as a list or comma-separated');
    }
  }
  const { services = [], regions = [] } = scheduledSelection(list('services', knob('services')), list('regions', knob('regions')));
  const organization = organizationCollection(knob('organization'), knob('organizationId'));
  if (organization && memberRoleArns.length) {
    throw new ContextKnobError('memberRoleArns', 'is set while organization is on, and a run collects either listed accounts or an organization\'s',
      'leave memberRoleArns empty (every account of the organization is reached through memberRoleName), or turn organization off');
  }
  const memberRoleName = roleName(knob('memberRoleName'));
  const memberExternalId = externalId(knob('memberExternalId'));

  return {
    stackName,
    props: {
      defaultConcurrency: integer('maxConcurrency', knob('maxConcurrency'), 1, MAX_CONCURRENCY),
      ...(knob('maxAccountConcurrency') !== DEFAULT_ACCOUNT_CONCURRENCY
        ? { defaultAccountConcurrency: integer('maxAccountConcurrency', knob('maxAccountConcurrency'), 1, MAX_CONCURRENCY) } : {}),
      scheduleExpression: scheduleExpression(knob('scheduleExpression')),
      scheduleEnabled: boolean('schedule', knob('schedule')),
      memberRoleArns,
      services,
      regions,
      thresholds: thresholds(knob('thresholds')),
      ...notifyKnobs(knob('routes'), knob('silences'), knob('flapping')),
      ...metricThresholds(knob('metricThresholds')),
      ...heartbeatKnobs(knob('heartbeat')),
      realtime: boolean('realtime', knob('realtime')),
      normalizeConcurrency: integer('normalizeConcurrency', knob('normalizeConcurrency'), 1, MAX_RESERVED_CONCURRENCY),
      ...optional('alarmEmail', alarmEmail(knob('alarmEmail'))),
      ...optional('alarmTopicArn', alarmTopicArn(knob('alarmTopicArn'))),
      ...(organization ? { organization, memberRoleName } : {}),
      ...optional('memberExternalId', memberExternalId),
      ...snapshotKnobs(knob('snapshots'), knob('snapshotRetentionDays'), knob('athenaScanLimitBytes')),
      ...(boolean('adaptiveRetries', knob('adaptiveRetries')) ? { adaptiveRetries: true } : {}),
    },
  };
}

/** `snapshots`, `snapshotRetentionDays`, `athenaScanLimitBytes`: in the props only when they differ from the stack's defaults. */
function snapshotKnobs(enabled: unknown, retentionDays: unknown, scanLimit: unknown): Pick<CollectorStackProps, 'snapshots' | 'snapshotRetentionDays' | 'athenaScanLimitBytes'> {
  const on = boolean('snapshots', enabled);
  const days = integer('snapshotRetentionDays', retentionDays, 1, MAX_SNAPSHOT_RETENTION_DAYS);
  const bytes = typeof scanLimit === 'string' && /^\s*\d+\s*$/.test(scanLimit) ? Number(scanLimit) : scanLimit;
  if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes < MIN_ATHENA_SCAN_LIMIT_BYTES) {
    throw new ContextKnobError('athenaScanLimitBytes', `${JSON.stringify(scanLimit)} is not a whole number of bytes of at least ${MIN_ATHENA_SCAN_LIMIT_BYTES} (Athena's minimum, 10 MB)`,
      `use e.g. ${DEFAULT_ATHENA_SCAN_LIMIT_BYTES} (10 GB)`);
  }
  return {
    ...(on ? {} : { snapshots: false }),
    ...(days !== DEFAULT_SNAPSHOT_RETENTION_DAYS ? { snapshotRetentionDays: days } : {}),
    ...(bytes !== DEFAULT_ATHENA_SCAN_LIMIT_BYTES ? { athenaScanLimitBytes: bytes } : {}),
  };
}

/**
 * The collector, plus the member stack (`memberStack`) and the organization's StackSet (`organizationUnits`):
 * what bin/app.ts synthesizes.
 */
export function readDeployment(node: Node): CloudtapDeployment {
  const knob = <K extends ContextKnob>(name: K): unknown => node.tryGetContext(name) ?? CONTEXT_KNOBS[name];
  const collector = readCollectorDeployment(node);
  const { props } = collector;
  const collectorAccountId = accountId(knob('collectorAccountId'));
  const organizationalUnitIds = [...new Set(list('organizationUnits', knob('organizationUnits')))];
  for (const id of organizationalUnitIds) {
    if (!OU_ID_PATTERN.test(id)) {
      throw new ContextKnobError('organizationUnits', `${JSON.stringify(id)} is not an OU or root id`,
        'use ids such as ou-ab12-cdef3456 or r-ab12 (aws organizations list-roots, list-organizational-units-for-parent), as a list or comma-separated');
    }
  }
  if (organizationalUnitIds.length && !props.organization) {
    throw new ContextKnobError('organizationUnits', 'is set while organization is off, and the StackSet deploys the member role for organization mode',
      'turn organization on (-c organization=true -c organizationId=o-…) or leave organizationUnits empty');
  }
  const callAs = knob('stackSetCallAs');
  if (callAs !== 'SELF' && callAs !== 'DELEGATED_ADMIN') {
    throw new ContextKnobError('stackSetCallAs', `${JSON.stringify(callAs)} is neither SELF nor DELEGATED_ADMIN`,
      'use SELF in the management account, DELEGATED_ADMIN in a delegated administrator account for CloudFormation StackSets');
  }
  const member: MemberRoleStackProps = {
    collectorStackName: collector.stackName,
    roleName: props.memberRoleName ?? roleName(knob('memberRoleName')),
    realtime: props.realtime ?? true,
    ...optional('externalId', props.memberExternalId),
  };
  return {
    collector,
    ...(boolean('memberStack', knob('memberStack'))
      ? { member: { stackName: `${collector.stackName}MemberRole`, props: { ...member, ...optional('collectorAccountId', collectorAccountId) } } }
      : {}),
    ...(organizationalUnitIds.length
      ? {
        organization: {
          stackName: `${collector.stackName}Org`,
          props: { member, organizationalUnitIds, callAs, ...optional('collectorAccountId', collectorAccountId) },
        },
      }
      : {}),
  };
}

/** `organization`: off, on for the whole organization, or `{include, exclude}` (a JSON string from `-c`), validated as get-tasks will. */
function organizationCollection(value: unknown, idValue: unknown): OrganizationCollection | undefined {
  const valid = 'use true for the whole organization, false, or {"include": ["ou-ab12-cdef3456"], "exclude": ["123456789012"]}';
  let parsed = value;
  if (typeof value === 'string' && value.trim().startsWith('{')) {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new ContextKnobError('organization', `${JSON.stringify(value)} is not JSON`, valid);
    }
  } else if (value === 'true' || value === 'false' || typeof value === 'boolean') {
    parsed = boolean('organization', value) ? {} : undefined;
  }
  if (parsed === undefined) return undefined;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ContextKnobError('organization', `${JSON.stringify(value)} is neither a boolean nor an object`, valid);
  const unknown = Object.keys(parsed).filter((key) => key !== 'include' && key !== 'exclude');
  if (unknown.length) {
    throw new ContextKnobError('organization', `has ${unknown.map((key) => JSON.stringify(key)).join(', ')}, which it does not take`,
      `${valid}; the role's name and external id are the knobs memberRoleName and memberExternalId`);
  }
  let target;
  try {
    target = organizationOf(parseCollectionRequest({ schemaVersion: SCHEMA_VERSION, accounts: { organization: parsed } }, serviceNames()));
  } catch (error) {
    if (error instanceof InvalidInputError) throw new ContextKnobError('organization', error.message, valid);
    throw error;
  }
  const id = typeof idValue === 'string' ? idValue.trim() : idValue;
  if (id === '' || id === null) {
    throw new ContextKnobError('organizationId', 'is missing while organization is on',
      'give your organization\'s id, o- and 10 to 32 lowercase letters or digits (aws organizations describe-organization --query Organization.Id)');
  }
  if (typeof id !== 'string' || !ORGANIZATION_ID_PATTERN.test(id)) {
    throw new ContextKnobError('organizationId', `${JSON.stringify(idValue)} is not an organization id`,
      'use o- and 10 to 32 lowercase letters or digits, e.g. o-a1b2c3d4e5 (aws organizations describe-organization --query Organization.Id)');
  }
  return { id, ...(target?.include ? { include: target.include } : {}), ...(target?.exclude ? { exclude: target.exclude } : {}) };
}

function roleName(value: unknown): string {
  if (typeof value !== 'string' || !ROLE_NAME_PATTERN.test(value.trim())) {
    throw new ContextKnobError('memberRoleName', `${JSON.stringify(value)} is not an IAM role name`, `use 1 to 64 letters, digits or +=,.@_-, e.g. ${DEFAULT_MEMBER_ROLE_NAME}`);
  }
  return value.trim();
}

function externalId(value: unknown): string | undefined {
  if (value === '' || value === null) return undefined;
  if (typeof value !== 'string' || !EXTERNAL_ID_PATTERN.test(value)) {
    throw new ContextKnobError('memberExternalId', `${JSON.stringify(value)} is not an external id STS accepts`, 'use 2 to 256 letters, digits or +=,.@:/_- (every task of an account carries it), or leave it empty for none');
  }
  return value;
}

function accountId(value: unknown): string | undefined {
  if (value === '' || value === null) return undefined;
  const id = typeof value === 'number' ? String(value) : value;
  if (typeof id !== 'string' || !ACCOUNT_ID_PATTERN.test(id.trim())) {
    throw new ContextKnobError('collectorAccountId', `${JSON.stringify(value)} is not an account id`, 'use the 12 digits of the account the collector runs in, or leave it empty for the account the stack is deployed in');
  }
  return id.trim();
}

/** Thresholds as a list, or as a JSON string from `-c thresholds='[…]'`; validated like a local thresholds file. */
/** `routes`, `silences`, `flapping`: lists / an object, or their JSON from `-c`; validated as `cloudtap run --routes` is. */
function notifyKnobs(routes: unknown, silences: unknown, flapping: unknown): Pick<CollectorStackProps, 'routes' | 'silences' | 'flapping'> {
  const parse = <T>(name: 'routes' | 'silences' | 'flapping', value: unknown, parser: (json: unknown, source: string) => T): T => {
    let parsed = value;
    if (typeof value === 'string') {
      try {
        parsed = JSON.parse(value);
      } catch {
        throw new ContextKnobError(name, `${JSON.stringify(value)} is not JSON`, 'see README, "Notifications: routes, silences, flapping"');
      }
    }
    try {
      return parser(parsed, name);
    } catch (error) {
      if (error instanceof InvalidInputError) throw new ContextKnobError(name, error.message, 'see README, "Notifications: routes, silences, flapping"');
      throw error;
    }
  };
  const routeList = parse('routes', routes, parseRoutes);
  const silenceList = parse('silences', silences, parseSilences);
  const limits = parse('flapping', flapping, parseFlapping);
  const flappingGiven = typeof flapping === 'string' ? !['', '{}'].includes(flapping.trim()) : typeof flapping === 'object' && flapping !== null && Object.keys(flapping).length > 0;
  return {
    ...(routeList.length > 0 ? { routes: routeList } : {}),
    ...(silenceList.length > 0 ? { silences: silenceList } : {}),
    ...(flappingGiven ? { flapping: limits } : {}),
  };
}

function thresholds(value: unknown): Threshold[] {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new ContextKnobError('thresholds', `${JSON.stringify(value)} is not JSON`, 'use a JSON list such as [{"name":"ssh-open","rule":"OpenIngress","match":{"type":"Port","name":"22"},"above":0,"severity":1}]');
    }
  }
  try {
    return parseThresholds(parsed, 'thresholds');
  } catch (error) {
    if (error instanceof InvalidInputError) throw new ContextKnobError('thresholds', error.message, 'see README, "Thresholds"');
    throw error;
  }
}

/** `heartbeat`: `{silentAfterSchedules, staleAfterRuns}`, or a JSON string from `-c heartbeat='{…}'`; in the props only when not the defaults. */
function heartbeatKnobs(value: unknown): Pick<CollectorStackProps, 'heartbeat'> {
  const valid = `use e.g. {"silentAfterSchedules": ${DEFAULT_HEARTBEAT.silentAfterSchedules}, "staleAfterRuns": ${DEFAULT_HEARTBEAT.staleAfterRuns}} (see README, "Heartbeats")`;
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new ContextKnobError('heartbeat', `${JSON.stringify(value)} is not JSON`, valid);
    }
  }
  let knobs: HeartbeatKnobs;
  try {
    knobs = parseHeartbeat(parsed, 'heartbeat');
  } catch (error) {
    if (error instanceof InvalidInputError) throw new ContextKnobError('heartbeat', error.message, valid);
    throw error;
  }
  const isDefault = knobs.silentAfterSchedules === DEFAULT_HEARTBEAT.silentAfterSchedules && knobs.staleAfterRuns === DEFAULT_HEARTBEAT.staleAfterRuns;
  return isDefault ? {} : { heartbeat: knobs };
}

/** `metricThresholds`: a list, or a JSON string from `-c metricThresholds='[…]'`; in the props only when not empty. */
function metricThresholds(value: unknown): Pick<CollectorStackProps, 'metricThresholds'> {
  const valid = 'use a JSON list such as [{"rule":"CPU","group":"web_server","warning":85,"critical":95}] (see README, "Metric events")';
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new ContextKnobError('metricThresholds', `${JSON.stringify(value)} is not JSON`, valid);
    }
  }
  try {
    const list = parseMetricThresholds(parsed, 'metricThresholds');
    return list.length > 0 ? { metricThresholds: list } : {};
  } catch (error) {
    if (error instanceof InvalidInputError) throw new ContextKnobError('metricThresholds', error.message, valid);
    throw error;
  }
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value ? ({ [key]: value } as Record<K, string>) : {};
}

function alarmEmail(value: unknown): string | undefined {
  if (value === '' || value === null) return undefined;
  if (typeof value !== 'string' || !EMAIL_PATTERN.test(value.trim())) {
    throw new ContextKnobError('alarmEmail', `${JSON.stringify(value)} is not an e-mail address`, 'use one address, e.g. ops@example.com, or leave it empty for no subscription');
  }
  return value.trim();
}

function alarmTopicArn(value: unknown): string | undefined {
  if (value === '' || value === null) return undefined;
  if (typeof value === 'string' && value.trim().endsWith('.fifo')) {
    throw new ContextKnobError('alarmTopicArn', `${value.trim()} is a FIFO topic, which CloudWatch alarms cannot publish to`, 'use a standard topic in the stack\'s region, or leave it empty for a topic of the stack');
  }
  if (typeof value !== 'string' || !TOPIC_ARN_PATTERN.test(value.trim())) {
    throw new ContextKnobError('alarmTopicArn', `${JSON.stringify(value)} is not an SNS topic ARN`, 'use arn:aws:sns:<region>:<12-digit account id>:<topic name>, or leave it empty for a topic of the stack');
  }
  return value.trim();
}

function integer(name: ContextKnob, value: unknown, min: number, max: number): number {
  const number = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
    throw new ContextKnobError(name, `${JSON.stringify(value)} is not a whole number from ${min} to ${max}`, `use e.g. ${CONTEXT_KNOBS[name]}`);
  }
  return number;
}

function boolean(name: ContextKnob, value: unknown): boolean {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new ContextKnobError(name, `${JSON.stringify(value)} is not a boolean`, 'use true or false');
}

function list(name: ContextKnob, value: unknown): string[] {
  if (typeof value === 'string') return value.split(',').map((item) => item.trim()).filter(Boolean);
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value.map((item) => item.trim()).filter(Boolean);
  throw new ContextKnobError(name, `${JSON.stringify(value)} is not a list of strings`, 'use a JSON array of strings or a comma-separated string');
}

function scheduleExpression(value: unknown): string {
  const valid = 'use rate(<n> minute|minutes|hour|hours|day|days), e.g. rate(6 hours), or cron(<6 fields>), e.g. cron(0 */6 * * ? *)';
  if (typeof value !== 'string') throw new ContextKnobError('scheduleExpression', `${JSON.stringify(value)} is not a string`, valid);
  const rate = RATE_PATTERN.exec(value);
  if (rate) {
    const amount = Number(rate[1]);
    const singular = !rate[2]!.endsWith('s');
    if (amount < 1) throw new ContextKnobError('scheduleExpression', `${value} has a zero interval`, valid);
    // EventBridge rejects rate(1 hours) and rate(2 hour).
    if (singular !== (amount === 1)) {
      throw new ContextKnobError('scheduleExpression', `${value} mixes a ${amount === 1 ? 'singular amount with a plural' : 'plural amount with a singular'} unit`,
        'EventBridge wants rate(1 hour) but rate(6 hours)');
    }
    return value;
  }
  if (CRON_PATTERN.test(value)) return value;
  throw new ContextKnobError('scheduleExpression', `${JSON.stringify(value)} is neither a rate(…) nor a cron(…) expression`, valid);
}

/** The scheduled run's input must pass the validation get-tasks applies, or every scheduled run would fail; service names come back canonical. */
function scheduledSelection(services: string[], regions: string[]): { services?: string[]; regions?: string[] } {
  try {
    return parseCollectionRequest({ schemaVersion: SCHEMA_VERSION, ...(services.length ? { services } : {}), ...(regions.length ? { regions } : {}) }, serviceNames());
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    const knob: ContextKnob = error.field.startsWith('services') ? 'services' : 'regions';
    throw new ContextKnobError(knob, error.message, 'leave it empty to collect everything');
  }
}
