import { DescribeSnapshotsCommand, type DescribeSnapshotsCommandOutput, type Snapshot } from '@aws-sdk/client-ec2';
import { defineResourceType, tagMap, type CollectContext, type ResourceRecord } from '../resource-type';
import { regionalArn } from '../arn';
import { isoTime } from '../record-values';
import { EC2_RELATIONS } from './relations';

/** EBS snapshots the account owns (public and shared snapshots of others are not inventory). */
export const snapshotType = defineResourceType<Snapshot, DescribeSnapshotsCommandOutput>({
  service: 'EC2',
  name: 'Snapshot',
  info: {
    group: 'EC2',
    displayName: 'EBS Snapshot',
    labels: ['Compute', 'Storage', 'Backup'],
    primaryFields: ['snapshot_id', 'state', 'volume_id'],
    displayFields: ['snapshot_id', 'name', 'state', 'volume_id', 'volume_size', 'encrypted', 'start_time', 'description'],
  },
  list: {
    client: 'ec2',
    action: 'ec2:DescribeSnapshots',
    maxResults: 1000,
    command: (page) => new DescribeSnapshotsCommand({ OwnerIds: ['self'], MaxResults: page.maxResults, NextToken: page.token }),
    items: (output) => output.Snapshots ?? [],
    nextToken: (output) => output.NextToken,
  },
  relations: EC2_RELATIONS.snapshot,
  preprocess: (raw, context) => preprocessSnapshot(raw, context),
  // Progress moves on every run while a snapshot is pending; once it completes, `state` changes (hashed) and
  // the record is rewritten with its final progress, so excluding it always loses nothing.
  volatileFields: ['progress'],
  cloudTrailResourceType: 'AWS::EC2::Snapshot',
});

export function preprocessSnapshot(raw: Snapshot, context: Pick<CollectContext, 'accountId' | 'region'>): ResourceRecord {
  const tags = tagMap(raw.Tags);
  const id = raw.SnapshotId ?? '';
  return {
    id,
    name: tags.Name,
    arn: regionalArn(context, 'ec2', `snapshot/${id}`, { withAccount: false }),
    tags,
    data: {
      snapshot_id: id,
      volume_id: raw.VolumeId ?? null,
      volume_size: raw.VolumeSize ?? null,
      state: raw.State ?? null,
      state_message: raw.StateMessage || null,
      encrypted: raw.Encrypted ?? false,
      kms_key_id: raw.KmsKeyId ?? null,
      start_time: isoTime(raw.StartTime),
      description: raw.Description || null,
      progress: raw.Progress ?? null,
      storage_tier: raw.StorageTier ?? null,
      owner_id: raw.OwnerId ?? null,
    },
  };
}
