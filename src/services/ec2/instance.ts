import {
  DescribeInstanceAttributeCommand, DescribeInstancesCommand,
  type DescribeInstanceAttributeCommandOutput, type DescribeInstancesCommandOutput, type Instance,
} from '@aws-sdk/client-ec2';
import { defineResourceType, tagMap, type CollectContext, type ResourceRecord } from '../resource-type';
import { mapWithConcurrency } from '../../util/concurrency';

/** An instance as DescribeInstances returns it, with its reservation's id (which the Tap metadata carries). */
export type RawInstance = Instance & { ReservationId?: string };

/** Tag that names an instance's server role; user data `role=` lines are the fallback. */
export const ROLE_TAG = 'Role';
const USER_DATA_CALLS_IN_FLIGHT = 8;

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
  enrich: {
    actions: ['ec2:DescribeInstanceAttribute'],
    apply: resolveRolesFromUserData,
  },
  preprocess: (raw, context) => preprocessInstance(raw, context),
  volatileFields: [],
});

export function preprocessInstance(raw: RawInstance, context: Pick<CollectContext, 'accountId' | 'region'>): ResourceRecord {
  const tags = tagMap(raw.Tags);
  const id = raw.InstanceId ?? '';
  return {
    id,
    name: tags.Name,
    arn: `arn:aws:ec2:${context.region}:${context.accountId}:instance/${id}`,
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

/**
 * The server role of an instance without a Role tag comes from a `role=` line of its user data.
 * EC2 has no batch call for user data, so this is the one per-resource call; only the role is kept —
 * user data often holds secrets and is never stored, logged or traced.
 */
async function resolveRolesFromUserData(records: ResourceRecord[], context: CollectContext): Promise<void> {
  const untagged = records.filter((r) => r.data.role === null && r.data.state !== 'terminated');
  await mapWithConcurrency(untagged, USER_DATA_CALLS_IN_FLIGHT, async (record) => {
    const output: DescribeInstanceAttributeCommandOutput = await context.clients.ec2.send(
      new DescribeInstanceAttributeCommand({ InstanceId: record.id, Attribute: 'userData' }),
    );
    const role = roleFromUserData(output.UserData?.Value);
    if (role) {
      record.data.role = role;
      record.data.role_source = 'user-data';
    }
  });
}

/** Finds `role=<name>` in base64 user data (shell `role=x`, `export ROLE=x` and `role: x` forms). */
export function roleFromUserData(base64: string | undefined): string | null {
  if (!base64) return null;
  const text = Buffer.from(base64, 'base64').toString('utf8');
  const match = /^\s*(?:export\s+)?role\s*[=:]\s*["']?([A-Za-z0-9_.-]+)/im.exec(text);
  return match?.[1] ?? null;
}
