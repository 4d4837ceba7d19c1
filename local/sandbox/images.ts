/**
 * AMIs: a few golden images the account built itself (DescribeImages Owners=self) and two
 * public Amazon Linux images that some instances run but that the account does not own.
 */
import type { Image } from '@aws-sdk/client-ec2';
import { AMAZON_OWNER_ID, SERVER_ROLES } from './catalog';
import { timeBeforeStart } from './clock';
import { IdCodec } from './ids';
import type { Dice } from './random';

export type Architecture = 'x86_64' | 'arm64';

export interface ImagePlan {
  id: string;
  name: string;
  description: string;
  architecture: Architecture;
  creationDate: Date;
  ownerId: string;
  owned: boolean;
  /** Index of the image's root snapshot in the region's snapshot list (owned images only). */
  rootSnapshot?: number;
  rootSize: number;
}

export interface ImageCatalog {
  owned: ImagePlan[];
  public: ImagePlan[];
}

function ownedImageCount(baseInstances: number): number {
  return Math.min(20, Math.max(2, 2 + Math.round(baseInstances / 100)));
}

export function planImages(dice: Dice, accountId: string, baseInstances: number): ImageCatalog {
  const ids = new IdCodec('ami', dice.key ^ 0x04);
  const owned = Array.from({ length: ownedImageCount(baseInstances) }, (_, k): ImagePlan => {
    const purpose = SERVER_ROLES[k % SERVER_ROLES.length] ?? 'web_server';
    const creationDate = timeBeforeStart(dice.unit(k, 1), 240);
    const architecture: Architecture = dice.chance(0.25, k, 2) ? 'arm64' : 'x86_64';
    return {
      id: ids.encode(k), name: `${purpose.replace('_', '-')}-golden-${creationDate.toISOString().slice(0, 10)}-${architecture}`,
      description: `Golden image for ${purpose} built by the image pipeline`, architecture, creationDate, ownerId: accountId,
      owned: true, rootSnapshot: k, rootSize: 8 * dice.between(1, 4, k, 3),
    };
  });
  const publicIds = new IdCodec('ami', dice.key ^ 0x05);
  const publicImages = (['x86_64', 'arm64'] as const).map((architecture, k): ImagePlan => ({
    id: publicIds.encode(k), name: `al2023-ami-2023.6.20251201.0-kernel-6.1-${architecture}`,
    description: 'Amazon Linux 2023 AMI 2023.6.20251201.0', architecture,
    creationDate: timeBeforeStart(0.05, 60), ownerId: AMAZON_OWNER_ID, owned: false, rootSize: 8,
  }));
  return { owned, public: publicImages };
}

export function imageShape(image: ImagePlan, rootSnapshotId: string | undefined): Image {
  const shape: Image = {
    PlatformDetails: 'Linux/UNIX',
    UsageOperation: 'RunInstances',
    BlockDeviceMappings: [{
      DeviceName: '/dev/xvda',
      Ebs: { DeleteOnTermination: true, SnapshotId: rootSnapshotId, VolumeSize: image.rootSize, VolumeType: 'gp3', Encrypted: false },
    }],
    Description: image.description,
    EnaSupport: true,
    Hypervisor: 'xen',
    Name: image.name,
    RootDeviceName: '/dev/xvda',
    RootDeviceType: 'ebs',
    SriovNetSupport: 'simple',
    Tags: image.owned ? [{ Key: 'Name', Value: image.name }, { Key: 'BuiltBy', Value: 'image-pipeline' }] : [],
    VirtualizationType: 'hvm',
    BootMode: 'uefi-preferred',
    ImdsSupport: 'v2.0',
    ImageId: image.id,
    ImageLocation: image.owned ? `${image.ownerId}/${image.name}` : `amazon/${image.name}`,
    State: 'available',
    OwnerId: image.ownerId,
    CreationDate: image.creationDate.toISOString(),
    Public: !image.owned,
    ProductCodes: [],
    Architecture: image.architecture,
    ImageType: 'machine',
  };
  if (!image.owned) shape.ImageOwnerAlias = 'amazon';
  return shape;
}
