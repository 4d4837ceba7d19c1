import { DescribeVolumesCommand, type DescribeVolumesCommandOutput, type Volume } from '@aws-sdk/client-ec2';
import { defineResourceType, tagMap, type CollectContext, type ResourceRecord } from '../resource-type';
import { regionalArn } from '../arn';
import { isoTime } from '../record-values';
import { EC2_RELATIONS } from './relations';

export const volumeType = defineResourceType<Volume, DescribeVolumesCommandOutput>({
  service: 'EC2',
  name: 'Volume',
  info: {
    group: 'EC2',
    displayName: 'EBS Volume',
    labels: ['Compute', 'Storage'],
    primaryFields: ['volume_id', 'state', 'size'],
    displayFields: ['volume_id', 'name', 'state', 'size', 'volume_type', 'encrypted', 'availability_zone', 'attachments'],
  },
  list: {
    client: 'ec2',
    action: 'ec2:DescribeVolumes',
    maxResults: 500,
    command: (page) => new DescribeVolumesCommand({ MaxResults: page.maxResults, NextToken: page.token }),
    items: (output) => output.Volumes ?? [],
    nextToken: (output) => output.NextToken,
  },
  describe: { command: (ids) => new DescribeVolumesCommand({ VolumeIds: ids }), idPrefix: 'vol-', notFoundCode: 'InvalidVolume.NotFound' },
  relations: EC2_RELATIONS.volume,
  preprocess: (raw, context) => preprocessVolume(raw, context),
  volatileFields: [],
  cloudTrailResourceType: 'AWS::EC2::Volume',
});

export function preprocessVolume(raw: Volume, context: Pick<CollectContext, 'accountId' | 'region'>): ResourceRecord {
  const tags = tagMap(raw.Tags);
  const id = raw.VolumeId ?? '';
  return {
    id,
    name: tags.Name,
    arn: raw.VolumeArn ?? regionalArn(context, 'ec2', `volume/${id}`),
    tags,
    data: {
      volume_id: id,
      size: raw.Size ?? null,
      volume_type: raw.VolumeType ?? null,
      iops: raw.Iops ?? null,
      throughput: raw.Throughput ?? null,
      encrypted: raw.Encrypted ?? false,
      kms_key_id: raw.KmsKeyId ?? null,
      state: raw.State ?? null,
      availability_zone: raw.AvailabilityZone ?? null,
      multi_attach_enabled: raw.MultiAttachEnabled ?? false,
      attachments: (raw.Attachments ?? []).map((a) => ({
        instance_id: a.InstanceId ?? null,
        device: a.Device ?? null,
        state: a.State ?? null,
        delete_on_termination: a.DeleteOnTermination ?? null,
      })),
      // A volume created empty reports an empty SnapshotId.
      snapshot_id: raw.SnapshotId || null,
      create_time: isoTime(raw.CreateTime),
    },
  };
}
