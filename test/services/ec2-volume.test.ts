import { describe, it, expect } from '@jest/globals';
import type { RegionFacts } from '../../src/services/rule';

/** The region's instances as the Instance listing learned them: the role is the instance's, not the volume's. */
const instanceRoles: Record<string, string> = { 'i-0abc1234def567890': 'web_server', 'i-0000000000000000a': 'web_server', 'i-0000000000000000b': 'web_server' };
const facts: RegionFacts = { get: (fact, id) => (fact === 'instanceRole' ? instanceRoles[id] ?? null : null) };
import { DescribeVolumesCommand, type Volume } from '@aws-sdk/client-ec2';
import { preprocessVolume, volumeType } from '../../src/services/ec2/volume';
import { unattachedVolumeRule, unencryptedVolumeRule } from '../../src/services/ec2/volume-rules';
import { collectType, mockedContext } from './collect-type';

const context = { accountId: '111111111111', region: 'eu-west-1' };

/** A DescribeVolumes item as the SDK deserializes it: the root volume of a running instance. */
const rootVolume: Volume = {
  Attachments: [{
    AttachTime: new Date('2025-11-02T08:00:12.000Z'), Device: '/dev/xvda', InstanceId: 'i-0abc1234def567890',
    State: 'attached', VolumeId: 'vol-0a1b2c3d4e5f60718', DeleteOnTermination: true,
  }],
  AvailabilityZone: 'eu-west-1b',
  CreateTime: new Date('2025-11-02T08:00:05.123Z'),
  Encrypted: false,
  Size: 100,
  SnapshotId: 'snap-0fedcba9876543210',
  State: 'in-use',
  VolumeId: 'vol-0a1b2c3d4e5f60718',
  Iops: 3000,
  Tags: [{ Key: 'Name', Value: 'web-1-root' }, { Key: 'Role', Value: 'web_server' }],
  VolumeType: 'gp3',
  MultiAttachEnabled: false,
  Throughput: 125,
};

/** A created-empty, never attached, encrypted volume: no attachments, empty SnapshotId, no tags, no throughput. */
const spareVolume: Volume = {
  Attachments: [],
  AvailabilityZone: 'eu-west-1a',
  CreateTime: new Date('2026-01-10T12:00:00.000Z'),
  Encrypted: true,
  KmsKeyId: 'arn:aws:kms:eu-west-1:111111111111:key/0a1b2c3d-1111-2222-3333-444455556666',
  Size: 8,
  SnapshotId: '',
  State: 'available',
  VolumeId: 'vol-0123456789abcdef0',
  Iops: 100,
  VolumeType: 'gp2',
  MultiAttachEnabled: false,
};

describe('EC2.Volume preprocess', () => {
  it('flattens size, type, performance, encryption, state, zone and attachments', () => {
    expect(preprocessVolume(rootVolume, context)).toEqual({
      id: 'vol-0a1b2c3d4e5f60718',
      name: 'web-1-root',
      arn: 'arn:aws:ec2:eu-west-1:111111111111:volume/vol-0a1b2c3d4e5f60718',
      tags: { Name: 'web-1-root', Role: 'web_server' },
      data: {
        volume_id: 'vol-0a1b2c3d4e5f60718', size: 100, volume_type: 'gp3', iops: 3000, throughput: 125,
        encrypted: false, kms_key_id: null, state: 'in-use', availability_zone: 'eu-west-1b', multi_attach_enabled: false,
        attachments: [{ instance_id: 'i-0abc1234def567890', device: '/dev/xvda', state: 'attached', delete_on_termination: true }],
        snapshot_id: 'snap-0fedcba9876543210', create_time: '2025-11-02T08:00:05.123Z',
      },
    });
  });

  it('an empty volume has no snapshot, no attachments and no name', () => {
    const record = preprocessVolume(spareVolume, context);
    expect(record.name).toBeUndefined();
    expect(record.data).toMatchObject({
      snapshot_id: null, attachments: [], throughput: null, encrypted: true,
      kms_key_id: 'arn:aws:kms:eu-west-1:111111111111:key/0a1b2c3d-1111-2222-3333-444455556666',
    });
  });

  it('uses the ARN AWS reports when there is one, and the partition of the region otherwise', () => {
    expect(preprocessVolume({ ...spareVolume, VolumeArn: 'arn:aws:ec2:eu-west-1:111111111111:volume/vol-0123456789abcdef0' }, context).arn)
      .toBe('arn:aws:ec2:eu-west-1:111111111111:volume/vol-0123456789abcdef0');
    expect(preprocessVolume(spareVolume, { accountId: '111111111111', region: 'cn-north-1' }).arn)
      .toBe('arn:aws-cn:ec2:cn-north-1:111111111111:volume/vol-0123456789abcdef0');
  });

  it('a sparse item (only an id) still yields a complete record', () => {
    expect(preprocessVolume({ VolumeId: 'vol-1' }, context).data).toEqual({
      volume_id: 'vol-1', size: null, volume_type: null, iops: null, throughput: null, encrypted: false, kms_key_id: null,
      state: null, availability_zone: null, multi_attach_enabled: false, attachments: [], snapshot_id: null, create_time: null,
    });
  });

  it('is listed 500 at a time, the largest page DescribeVolumes allows', async () => {
    const { context: mocked, ec2 } = mockedContext();
    ec2.on(DescribeVolumesCommand).resolvesOnce({ Volumes: [rootVolume], NextToken: 'page-2' }).resolvesOnce({ Volumes: [spareVolume] });
    const pages = await collectType(volumeType, mocked);
    expect(pages.map((p) => p.map((r) => r.id))).toEqual([['vol-0a1b2c3d4e5f60718'], ['vol-0123456789abcdef0']]);
    expect(ec2.commandCalls(DescribeVolumesCommand).map((c) => c.args[0].input)).toEqual([
      { MaxResults: 500, NextToken: undefined }, { MaxResults: 500, NextToken: 'page-2' },
    ]);
  });
});

describe('UnattachedVolume rule', () => {
  it('an available volume is a MINOR event on the volume', () => {
    expect(unattachedVolumeRule.evaluate(preprocessVolume(spareVolume, context), facts)).toEqual([{
      severity: 3, typeNames: [{ type: 'ID', name: 'vol-0123456789abcdef0' }], group: null,
      text: 'MINOR – volume vol-0123456789abcdef0 (8 GiB gp2) is not attached to any instance',
    }]);
  });

  it('groups by the volume\'s Role tag', () => {
    const tagged = preprocessVolume({ ...spareVolume, Tags: [{ Key: 'Role', Value: 'db_server' }] }, context);
    expect(unattachedVolumeRule.evaluate(tagged, facts)[0]?.group).toBe('db_server');
  });

  it('an attached, creating or deleting volume holds no condition', () => {
    for (const State of ['in-use', 'creating', 'deleting'] as const) {
      expect(unattachedVolumeRule.evaluate(preprocessVolume({ ...rootVolume, State }, context), facts)).toEqual([]);
    }
  });

  it('clears with an OK text', () => {
    expect(unattachedVolumeRule.clearText([{ type: 'ID', name: 'vol-1' }])).toBe('OK – volume vol-1 is attached or deleted');
  });
});

describe('UnencryptedVolume rule', () => {
  it('an attached unencrypted volume nests under its instance, named role:instance as InstanceState names it', () => {
    expect(unencryptedVolumeRule.evaluate(preprocessVolume(rootVolume, context), facts)).toEqual([{
      severity: 3,
      typeNames: [{ type: 'ID', name: 'web_server:i-0abc1234def567890' }, { type: 'Volume', name: 'vol-0a1b2c3d4e5f60718' }],
      group: 'web_server',
      text: 'MINOR – volume vol-0a1b2c3d4e5f60718 (100 GiB gp3) attached to i-0abc1234def567890 (web_server) is not encrypted',
    }]);
  });

  it('an instance of unknown role is unknown:<id> and the group is null', () => {
    const [finding] = unencryptedVolumeRule.evaluate(preprocessVolume({ ...rootVolume, Attachments: [{ InstanceId: 'i-0fffffffffffffff0', State: 'attached' }] }, context), facts);
    expect(finding?.typeNames[0]).toEqual({ type: 'ID', name: 'unknown:i-0fffffffffffffff0' });
    expect(finding?.group).toBeNull();
  });

  it('a detached unencrypted volume is pinpointed on its own', () => {
    const detached = preprocessVolume({ ...spareVolume, Encrypted: false, KmsKeyId: undefined }, context);
    expect(unencryptedVolumeRule.evaluate(detached, facts)).toEqual([{
      severity: 3, typeNames: [{ type: 'ID', name: 'vol-0123456789abcdef0' }], group: null,
      text: 'MINOR – volume vol-0123456789abcdef0 (8 GiB gp2) is not encrypted',
    }]);
  });

  it('a multi-attach volume nests under each of its instances', () => {
    const shared = preprocessVolume({
      ...rootVolume, VolumeType: 'io2', MultiAttachEnabled: true,
      Attachments: [
        { InstanceId: 'i-0000000000000000a', Device: '/dev/sdf', State: 'attached' },
        { InstanceId: 'i-0000000000000000b', Device: '/dev/sdf', State: 'attached' },
      ],
    }, context);
    expect(unencryptedVolumeRule.evaluate(shared, facts).map((f) => f.typeNames[0]?.name)).toEqual(['web_server:i-0000000000000000a', 'web_server:i-0000000000000000b']);
  });

  it('an encrypted volume holds no condition', () => {
    expect(unencryptedVolumeRule.evaluate(preprocessVolume(spareVolume, context), facts)).toEqual([]);
    expect(unencryptedVolumeRule.evaluate(preprocessVolume({ ...rootVolume, Encrypted: true }, context), facts)).toEqual([]);
  });

  it('clears with an OK text that names the element', () => {
    expect(unencryptedVolumeRule.clearText([{ type: 'ID', name: 'web_server:i-1' }, { type: 'Volume', name: 'vol-1' }]))
      .toBe('OK – volume vol-1 is no longer attached unencrypted to web_server:i-1');
    expect(unencryptedVolumeRule.clearText([{ type: 'ID', name: 'vol-1' }])).toBe('OK – volume vol-1 is encrypted, attached or deleted');
  });
});
