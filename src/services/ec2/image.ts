import { DescribeImagesCommand, type DescribeImagesCommandOutput, type Image } from '@aws-sdk/client-ec2';
import { defineResourceType, tagMap, type CollectContext, type ResourceRecord } from '../resource-type';
import { regionalArn } from '../arn';
import { isoTime } from '../record-values';
import { EC2_RELATIONS } from './relations';

/** AMIs the account owns, disabled ones included (DescribeImages leaves them out unless asked). */
export const imageType = defineResourceType<Image, DescribeImagesCommandOutput>({
  service: 'EC2',
  name: 'Image',
  info: {
    group: 'EC2',
    displayName: 'AMI',
    labels: ['Compute', 'Image'],
    primaryFields: ['image_id', 'image_name', 'state'],
    displayFields: ['image_id', 'image_name', 'state', 'architecture', 'platform', 'root_device_type', 'creation_date', 'public'],
  },
  list: {
    client: 'ec2',
    action: 'ec2:DescribeImages',
    maxResults: 1000,
    command: (page) => new DescribeImagesCommand({ Owners: ['self'], IncludeDisabled: true, MaxResults: page.maxResults, NextToken: page.token }),
    items: (output) => output.Images ?? [],
    nextToken: (output) => output.NextToken,
  },
  relations: EC2_RELATIONS.image,
  preprocess: (raw, context) => preprocessImage(raw, context),
  volatileFields: [],
  cloudTrailResourceType: 'AWS::EC2::Ami',
});

export function preprocessImage(raw: Image, context: Pick<CollectContext, 'accountId' | 'region'>): ResourceRecord {
  const tags = tagMap(raw.Tags);
  const id = raw.ImageId ?? '';
  return {
    id,
    name: raw.Name ?? tags.Name,
    arn: regionalArn(context, 'ec2', `image/${id}`, { withAccount: false }),
    tags,
    data: {
      image_id: id,
      image_name: raw.Name ?? null,
      description: raw.Description || null,
      state: raw.State ?? null,
      architecture: raw.Architecture ?? null,
      // `Platform` is only ever Windows; PlatformDetails names Linux flavours and licensed platforms too.
      platform: raw.PlatformDetails ?? raw.Platform ?? null,
      image_type: raw.ImageType ?? null,
      virtualization_type: raw.VirtualizationType ?? null,
      root_device_type: raw.RootDeviceType ?? null,
      root_device_name: raw.RootDeviceName ?? null,
      block_devices: (raw.BlockDeviceMappings ?? []).map((b) => ({
        device: b.DeviceName ?? null,
        snapshot_id: b.Ebs?.SnapshotId ?? null,
        volume_size: b.Ebs?.VolumeSize ?? null,
        volume_type: b.Ebs?.VolumeType ?? null,
        encrypted: b.Ebs?.Encrypted ?? null,
        delete_on_termination: b.Ebs?.DeleteOnTermination ?? null,
        // Instance-store devices carry a virtual name (ephemeral0) instead of an EBS volume.
        virtual_name: b.VirtualName ?? null,
      })),
      creation_date: isoTime(raw.CreationDate),
      deprecation_time: isoTime(raw.DeprecationTime),
      public: raw.Public ?? false,
      owner_id: raw.OwnerId ?? null,
    },
  };
}
