import { describe, it, expect } from '@jest/globals';
import { DescribeImagesCommand, DescribeSnapshotsCommand, type Image, type Snapshot } from '@aws-sdk/client-ec2';
import { preprocessSnapshot, snapshotType } from '../../src/services/ec2/snapshot';
import { imageType, preprocessImage } from '../../src/services/ec2/image';
import { collectType, mockedContext } from './collect-type';

const context = { accountId: '111111111111', region: 'eu-west-1' };

/** DescribeSnapshots items as the SDK deserializes them: one in progress, one completed. */
const pendingSnapshot: Snapshot = {
  Description: 'nightly backup of web-1',
  Encrypted: false,
  OwnerId: '111111111111',
  Progress: '42%',
  SnapshotId: 'snap-0aa11bb22cc33dd44',
  StartTime: new Date('2026-01-12T02:00:00.000Z'),
  State: 'pending',
  VolumeId: 'vol-0a1b2c3d4e5f60718',
  VolumeSize: 100,
  StorageTier: 'standard',
  Tags: [{ Key: 'Name', Value: 'web-1-nightly' }],
};
const completedSnapshot: Snapshot = {
  Description: '',
  Encrypted: true,
  KmsKeyId: 'arn:aws:kms:eu-west-1:111111111111:key/0a1b2c3d-1111-2222-3333-444455556666',
  OwnerId: '111111111111',
  Progress: '100%',
  SnapshotId: 'snap-0ee55ff66aa77bb88',
  StartTime: new Date('2025-12-01T02:00:00.000Z'),
  State: 'completed',
  VolumeId: 'vol-ffffffff',
  VolumeSize: 8,
};

/** A DescribeImages item as the SDK deserializes it: an EBS-backed golden image with an instance-store device. */
const goldenImage: Image = {
  Architecture: 'x86_64',
  CreationDate: '2025-10-01T09:30:00.000Z',
  ImageId: 'ami-0123456789abcdef0',
  ImageLocation: '111111111111/golden-web-2025-10-01',
  ImageType: 'machine',
  Public: false,
  OwnerId: '111111111111',
  PlatformDetails: 'Linux/UNIX',
  UsageOperation: 'RunInstances',
  State: 'available',
  BlockDeviceMappings: [
    { DeviceName: '/dev/xvda', Ebs: { DeleteOnTermination: true, SnapshotId: 'snap-0ee55ff66aa77bb88', VolumeSize: 8, VolumeType: 'gp3', Encrypted: true } },
    { DeviceName: '/dev/sdb', VirtualName: 'ephemeral0' },
  ],
  Description: 'web server golden image',
  EnaSupport: true,
  Hypervisor: 'xen',
  Name: 'golden-web-2025-10-01',
  RootDeviceName: '/dev/xvda',
  RootDeviceType: 'ebs',
  SriovNetSupport: 'simple',
  VirtualizationType: 'hvm',
  BootMode: 'uefi-preferred',
  Tags: [{ Key: 'Team', Value: 'platform' }],
};

describe('EC2.Snapshot', () => {
  it('carries volume, size, state, encryption, start time, description and progress', () => {
    expect(preprocessSnapshot(pendingSnapshot, context)).toEqual({
      id: 'snap-0aa11bb22cc33dd44',
      name: 'web-1-nightly',
      // Snapshot ARNs name no account.
      arn: 'arn:aws:ec2:eu-west-1::snapshot/snap-0aa11bb22cc33dd44',
      tags: { Name: 'web-1-nightly' },
      data: {
        snapshot_id: 'snap-0aa11bb22cc33dd44', volume_id: 'vol-0a1b2c3d4e5f60718', volume_size: 100, state: 'pending',
        state_message: null, encrypted: false, kms_key_id: null, start_time: '2026-01-12T02:00:00.000Z',
        description: 'nightly backup of web-1', progress: '42%', storage_tier: 'standard', owner_id: '111111111111',
      },
    });
  });

  it('an empty description and missing tags are null, not empty strings', () => {
    const record = preprocessSnapshot(completedSnapshot, context);
    expect(record.name).toBeUndefined();
    expect(record.data).toMatchObject({ description: null, encrypted: true, state: 'completed', progress: '100%', storage_tier: null });
  });

  it('progress is volatile: it moves while pending without the snapshot changing', () => {
    expect(snapshotType.volatileFields).toEqual(['progress']);
  });

  it('lists only the account\'s own snapshots, 1000 a page', async () => {
    const { context: mocked, ec2 } = mockedContext();
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [pendingSnapshot, completedSnapshot] });
    const [page] = await collectType(snapshotType, mocked);
    expect(page).toHaveLength(2);
    expect(ec2.commandCalls(DescribeSnapshotsCommand)[0]?.args[0].input).toEqual({ OwnerIds: ['self'], MaxResults: 1000, NextToken: undefined });
  });
});

describe('EC2.Image', () => {
  it('carries name, state, architecture, platform, root device, block devices, creation date and public flag', () => {
    expect(preprocessImage(goldenImage, context)).toEqual({
      id: 'ami-0123456789abcdef0',
      name: 'golden-web-2025-10-01',
      arn: 'arn:aws:ec2:eu-west-1::image/ami-0123456789abcdef0',
      tags: { Team: 'platform' },
      data: {
        image_id: 'ami-0123456789abcdef0', image_name: 'golden-web-2025-10-01', description: 'web server golden image',
        state: 'available', architecture: 'x86_64', platform: 'Linux/UNIX', image_type: 'machine', virtualization_type: 'hvm',
        root_device_type: 'ebs', root_device_name: '/dev/xvda',
        block_devices: [
          { device: '/dev/xvda', snapshot_id: 'snap-0ee55ff66aa77bb88', volume_size: 8, volume_type: 'gp3', encrypted: true, delete_on_termination: true, virtual_name: null },
          { device: '/dev/sdb', snapshot_id: null, volume_size: null, volume_type: null, encrypted: null, delete_on_termination: null, virtual_name: 'ephemeral0' },
        ],
        creation_date: '2025-10-01T09:30:00.000Z', deprecation_time: null, public: false, owner_id: '111111111111',
      },
    });
  });

  it('a Windows image without PlatformDetails still names its platform', () => {
    expect(preprocessImage({ ImageId: 'ami-1', Platform: 'Windows' }, context).data).toMatchObject({ platform: 'Windows', block_devices: [], public: false, image_name: null });
  });

  it('lists the account\'s own images, disabled ones too, 1000 a page', async () => {
    const { context: mocked, ec2 } = mockedContext();
    ec2.on(DescribeImagesCommand).resolves({ Images: [goldenImage] });
    await collectType(imageType, mocked);
    expect(ec2.commandCalls(DescribeImagesCommand)[0]?.args[0].input).toEqual({ Owners: ['self'], IncludeDisabled: true, MaxResults: 1000, NextToken: undefined });
  });
});
