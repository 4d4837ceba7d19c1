import type { Relation, ResourceRecord } from '../resource-type';

/** A data field holding one id (or null). */
const field = (name: string) => (record: ResourceRecord): (string | null)[] => [typeof record.data[name] === 'string' ? (record.data[name] as string) : null];
/** A data field holding a list of ids, or of objects with an id field. */
const list = (name: string, key?: string) => (record: ResourceRecord): (string | null)[] =>
  ((record.data[name] as unknown[] | undefined) ?? []).map((v) => (key ? ((v as Record<string, unknown> | null)?.[key] as string | null) ?? null : (v as string)));
/** A KMS key ARN → its key id. */
const keyId = (name: string) => (record: ResourceRecord): (string | null)[] => [/:key\/(.+)$/.exec(String(record.data[name] ?? ''))?.[1] ?? null];

/** The edges of EC2's types, declared beside each other so that both ends agree on the relation names. */
export const EC2_RELATIONS = {
  instance: [
    { name: 'vpc', type: 'EC2.Vpc', ids: field('vpc_id') },
    { name: 'subnet', type: 'EC2.Subnet', ids: field('subnet_id') },
    { name: 'security_group', type: 'EC2.SecurityGroup', ids: list('security_groups', 'id') },
    { name: 'volume', type: 'EC2.Volume', ids: list('volume_ids') },
    { name: 'network_interface', type: 'EC2.NetworkInterface', ids: list('network_interface_ids') },
    { name: 'image', type: 'EC2.Image', ids: field('ami_id') },
  ],
  volume: [
    { name: 'instance', type: 'EC2.Instance', ids: list('attachments', 'instance_id') },
    { name: 'snapshot', type: 'EC2.Snapshot', ids: field('snapshot_id') },
    { name: 'kms_key', type: 'KMS.Key', ids: keyId('kms_key_id') },
  ],
  snapshot: [
    { name: 'volume', type: 'EC2.Volume', ids: field('volume_id') },
    { name: 'kms_key', type: 'KMS.Key', ids: keyId('kms_key_id') },
  ],
  subnet: [{ name: 'vpc', type: 'EC2.Vpc', ids: field('vpc_id') }],
  securityGroup: [{ name: 'vpc', type: 'EC2.Vpc', ids: field('vpc_id') }],
  networkInterface: [
    { name: 'subnet', type: 'EC2.Subnet', ids: field('subnet_id') },
    { name: 'security_group', type: 'EC2.SecurityGroup', ids: list('security_groups', 'id') },
    { name: 'instance', type: 'EC2.Instance', ids: (record) => [((record.data.attachment as { instance_id?: string | null } | null)?.instance_id) ?? null] },
  ],
  address: [
    { name: 'instance', type: 'EC2.Instance', ids: field('instance_id') },
    { name: 'network_interface', type: 'EC2.NetworkInterface', ids: field('network_interface_id') },
  ],
  image: [{ name: 'snapshot', type: 'EC2.Snapshot', ids: list('block_devices', 'snapshot_id') }],
} satisfies Record<string, Relation[]>;
