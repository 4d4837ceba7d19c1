import {
  DescribeInstanceAttributeCommand, DescribeInstancesCommand, DescribeInstanceStatusCommand,
  type DescribeInstanceAttributeCommandOutput, type DescribeInstancesCommandOutput, type DescribeInstanceStatusCommandOutput,
  type Instance, type InstanceStatus, type EC2Client,
} from '@aws-sdk/client-ec2';
import { defineResourceType, tagMap, type CollectContext, type ListCall, type ResourceRecord } from '../resource-type';
import { regionalArn } from '../arn';
import { listPages } from '../pages';
import { mapWithConcurrency } from '../../util/concurrency';
import { CallFailures } from '../call-failures';
import { EC2_RELATIONS } from './relations';

/** An instance as DescribeInstances returns it, with its reservation's id (which the Tap metadata carries). */
export type RawInstance = Instance & { ReservationId?: string };

/** Tag that names an instance's server role; user data `role=` lines are the fallback. */
export const ROLE_TAG = 'Role';
const USER_DATA_CALLS_IN_FLIGHT = 8;
/** What user data tells: the role, and where it came from. */
const USER_DATA_FIELDS = ['role', 'role_source'];

/** Instances whose role comes from user data: those without a Role tag that still exist. */
function needsUserData(record: ResourceRecord): boolean {
  return record.tags[ROLE_TAG] === undefined && record.data.state !== 'terminated';
}

/** A terminated instance without a Role tag keeps the role its user data gave it while it ran. */
function keepsUserDataRole(record: ResourceRecord): boolean {
  return record.tags[ROLE_TAG] === undefined && record.data.state === 'terminated';
}

export const instanceType = defineResourceType<RawInstance, DescribeInstancesCommandOutput>({
  service: 'EC2',
  name: 'Instance',
  info: {
    group: 'EC2',
    displayName: 'EC2 Instance',
    labels: ['Compute', 'Server'],
    primaryFields: ['instance_id', 'role', 'state'],
    displayFields: ['instance_id', 'name', 'role', 'state', 'instance_type', 'availability_zone', 'local_ipv4', 'public_ipv4', 'launch_time'],
  },
  list: {
    client: 'ec2',
    action: 'ec2:DescribeInstances',
    maxResults: 1000,
    command: (page) => new DescribeInstancesCommand({ MaxResults: page.maxResults, NextToken: page.token }),
    items: (output) => (output.Reservations ?? []).flatMap((reservation) =>
      (reservation.Instances ?? []).map((instance) => ({ ...instance, ReservationId: reservation.ReservationId }))),
    nextToken: (output) => output.NextToken,
  },
  describe: { command: (ids) => new DescribeInstancesCommand({ InstanceIds: ids }), idPrefix: 'i-', notFoundCode: 'InvalidInstanceID.NotFound' },
  enrich: [
    {
      // Status checks change without the listing changing: read every listing (one call per 1,000 instances).
      actions: ['ec2:DescribeInstanceStatus'],
      apply: (records, context) => markImpaired(records, context),
    },
    {
      // User data can change only while an instance is stopped: read once, and again when an instance seen stopped
      // runs again, or when its state transition time moved (stopped and started between two runs).
      actions: ['ec2:DescribeInstanceAttribute'],
      perResource: {
        fields: USER_DATA_FIELDS,
        applies: needsUserData,
        keeps: keepsUserDataRole,
        needed: (record, stored) => (stored.data.state === 'stopped' && record.data.state !== 'stopped')
          || record.data.state_transition_time !== stored.data.state_transition_time,
      },
      apply: (records, context) => resolveRolesFromUserData(records, context),
    },
  ],
  relations: EC2_RELATIONS.instance,
  preprocess: (raw, context) => preprocessInstance(raw, context),
  // `impaired` stays in the hash: it changes only when the instance's health does (like `state`), and that
  // change belongs in the instance's history; leaving it out would also leave a stale value in the inventory.
  volatileFields: [],
  cloudTrailResourceType: 'AWS::EC2::Instance',
});

export function preprocessInstance(raw: RawInstance, context: Pick<CollectContext, 'accountId' | 'region'>): ResourceRecord {
  const tags = tagMap(raw.Tags);
  const id = raw.InstanceId ?? '';
  return {
    id,
    name: tags.Name,
    arn: regionalArn(context, 'ec2', `instance/${id}`),
    tags,
    data: {
      // The metadata fields the Tap EC2 agent extracts.
      ami_id: raw.ImageId ?? null,
      instance_id: id,
      instance_type: raw.InstanceType ?? null,
      local_hostname: raw.PrivateDnsName || null,
      public_hostname: raw.PublicDnsName || null,
      local_ipv4: raw.PrivateIpAddress ?? null,
      public_ipv4: raw.PublicIpAddress ?? null,
      reservation_id: raw.ReservationId ?? null,
      security_groups: (raw.SecurityGroups ?? []).map((g) => ({ id: g.GroupId ?? null, name: g.GroupName ?? null })),
      product_codes: (raw.ProductCodes ?? []).map((p) => ({ id: p.ProductCodeId ?? null, type: p.ProductCodeType ?? null })),
      role: tags[ROLE_TAG] ?? null,
      role_source: tags[ROLE_TAG] !== undefined ? 'tag' : null,
      state: raw.State?.Name ?? null,
      state_reason: raw.StateReason?.Message ?? null,
      // When the instance last changed state (stopped, terminated): EC2 only says so in this text.
      state_transition_time: transitionTime(raw.StateTransitionReason),
      // Instance or system status check failing; set by the DescribeInstanceStatus enrichment.
      impaired: false,
      launch_time: raw.LaunchTime ? new Date(raw.LaunchTime).toISOString() : null,
      availability_zone: raw.Placement?.AvailabilityZone ?? null,
      vpc_id: raw.VpcId ?? null,
      subnet_id: raw.SubnetId ?? null,
      key_name: raw.KeyName ?? null,
      platform: raw.PlatformDetails ?? null,
      architecture: raw.Architecture ?? null,
      iam_instance_profile: raw.IamInstanceProfile?.Arn ?? null,
      monitoring: raw.Monitoring?.State ?? null,
      volume_ids: (raw.BlockDeviceMappings ?? []).map((b) => b.Ebs?.VolumeId).filter((v): v is string => !!v),
      network_interface_ids: (raw.NetworkInterfaces ?? []).map((n) => n.NetworkInterfaceId).filter((v): v is string => !!v),
    },
  };
}

/** `User initiated (2026-01-01 03:00:00 GMT)` → ISO time; null when the reason carries none. */
export function transitionTime(reason: string | undefined): string | null {
  const match = /\((\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d) GMT\)/.exec(reason ?? '');
  return match ? `${match[1]}T${match[2]}.000Z` : null;
}

/**
 * The server role of an instance without a Role tag comes from a `role=` line of its user data.
 * EC2 has no batch call for user data, so this is the one per-resource call; only the role is kept —
 * user data often holds secrets and is never stored, logged or traced.
 */
async function resolveRolesFromUserData(records: ResourceRecord[], context: CollectContext): Promise<void> {
  const failures = new CallFailures();
  await mapWithConcurrency(records.filter(needsUserData), USER_DATA_CALLS_IN_FLIGHT, async (record) => {
    let output: DescribeInstanceAttributeCommandOutput;
    try {
      output = await context.clients.get<EC2Client>('ec2').send(new DescribeInstanceAttributeCommand({ InstanceId: record.id, Attribute: 'userData' }));
    } catch (error) {
      // Many organizations deny user data on purpose: the instance is still collected, its role unknown.
      failures.add(record, USER_DATA_FIELDS, 'ec2:DescribeInstanceAttribute', error);
      return;
    }
    const role = roleFromUserData(output.UserData?.Value);
    if (role) {
      record.data.role = role;
      record.data.role_source = 'user-data';
    }
  });
  failures.report(context);
}

/** Finds `role=<name>` in base64 user data (shell `role=x`, `export ROLE=x` and `role: x` forms). */
export function roleFromUserData(base64: string | undefined): string | null {
  if (!base64) return null;
  const text = Buffer.from(base64, 'base64').toString('utf8');
  const match = /^\s*(?:export\s+)?role\s*[=:]\s*["']?([A-Za-z0-9_.-]+)/im.exec(text);
  return match?.[1] ?? null;
}

/** DescribeInstanceStatus takes at most 100 explicit instance ids per call. */
export const STATUS_IDS_PER_CALL = 100;
/** Status checks run only on these states; instances in any other state cannot be impaired. */
const CHECKED_STATES = new Set(['pending', 'running']);

/** The status of every instance of the region, paged by the framework's pager at the largest page size. */
const regionStatusListing: ListCall<InstanceStatus, DescribeInstanceStatusCommandOutput> = {
  client: 'ec2',
  action: 'ec2:DescribeInstanceStatus',
  maxResults: 1000,
  command: (page) => new DescribeInstanceStatusCommand({ IncludeAllInstances: true, MaxResults: page.maxResults, NextToken: page.token }),
  items: (output) => output.InstanceStatuses ?? [],
  nextToken: (output) => output.NextToken,
};

/** The status of some instances by id (MaxResults cannot be combined with InstanceIds). */
function statusOfIds(ids: string[]): ListCall<InstanceStatus, DescribeInstanceStatusCommandOutput> {
  return {
    ...regionStatusListing,
    maxResults: undefined,
    command: (page) => new DescribeInstanceStatusCommand({ InstanceIds: ids, IncludeAllInstances: true, NextToken: page.token }),
  };
}

/** One region-wide status listing per instance listing: the framework passes one context object to every page of a listing. */
const regionImpairedByListing = new WeakMap<CollectContext, Promise<Set<string>>>();

/**
 * Sets `impaired` on a page of instances with the fewest DescribeInstanceStatus calls: a page with at most 100
 * instances to check costs one call by ids; a larger one costs at least two that way, while the region-wide
 * listing (1000 statuses a call) is made once for the whole instance listing and serves every page.
 */
async function markImpaired(records: ResourceRecord[], context: CollectContext): Promise<void> {
  const checked = records.filter((r) => typeof r.data.state === 'string' && CHECKED_STATES.has(r.data.state));
  if (checked.length === 0) return;
  let impaired: Set<string>;
  try {
    const regionWide = regionImpairedByListing.get(context);
    if (regionWide) {
      impaired = await regionWide;
    } else if (checked.length <= STATUS_IDS_PER_CALL) {
      impaired = await impairedIn(statusOfIds(checked.map((r) => r.id)), context);
    } else {
      const listing = impairedIn(regionStatusListing, context);
      regionImpairedByListing.set(context, listing);
      impaired = await listing;
    }
  } catch (error) {
    // The instances are listed: they are stored and reconciled, their health unknown.
    const failures = new CallFailures();
    for (const record of checked) failures.add(record, ['impaired'], 'ec2:DescribeInstanceStatus', error);
    failures.report(context);
    return;
  }
  for (const record of checked) record.data.impaired = impaired.has(record.id);
}

async function impairedIn(call: ListCall<InstanceStatus, DescribeInstanceStatusCommandOutput>, context: CollectContext): Promise<Set<string>> {
  const impaired = new Set<string>();
  for await (const statuses of listPages(call, context.clients)) {
    for (const status of statuses) {
      if (status.InstanceId && (status.InstanceStatus?.Status === 'impaired' || status.SystemStatus?.Status === 'impaired')) impaired.add(status.InstanceId);
    }
  }
  return impaired;
}
