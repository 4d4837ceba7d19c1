/**
 * One region of one synthetic account: its static layout (zones, VPCs, subnets, security groups,
 * images, addresses) planned from a hash of (seed, account, region), and its timeline of epoch
 * steps. Resources are computed from it on demand by the per-type modules.
 */
import type { Snapshot } from '@aws-sdk/client-ec2';
import { accountIndex } from './accounts';
import { roleProfile } from './catalog';
import { planAddresses, type AddressPlan } from './addresses';
import { IdCodec } from './ids';
import { planImages, type Architecture, type ImageCatalog, type ImagePlan } from './images';
import { hasDataVolume, planInstance, startsStopped } from './instances';
import { planNetwork, type NetworkPlan } from './network';
import { Dice, hashText } from './random';
import { DEFAULT_REGIONS, type RegionInfo } from './regions';
import { planSecurityGroups, type SecurityGroupPlan } from './security-groups';
import { planSnapshots } from './snapshots';
import { RegionTimeline } from './timeline';
import { standaloneVolumeZone } from './volumes';

/** First octets for public IPs, one per (account, region), avoiding private and documentation ranges. */
const PUBLIC_FIRST_OCTETS = Array.from({ length: 220 }, (_, i) => i + 3).filter((octet) => ![10, 100, 127, 169, 172, 192, 198, 203].includes(octet));

function idCodecs(dice: Dice) {
  const codec = (prefix: string, kind: number) => new IdCodec(prefix, dice.key ^ (kind * 0x10001));
  return {
    instance: codec('i', 11),
    reservation: codec('r', 12),
    rootVolume: codec('vol', 13),
    dataVolume: codec('vol', 14),
    standaloneVolume: codec('vol', 15),
    networkInterface: codec('eni', 16),
    leftoverInterface: codec('eni', 17),
    snapshot: codec('snap', 18),
    publicSnapshot: codec('snap', 19),
    allocation: codec('eipalloc', 20),
    association: codec('eipassoc', 21),
  };
}

export type RegionIds = ReturnType<typeof idCodecs>;

export class RegionModel {
  readonly regionName: string;
  readonly dice: Dice;
  readonly instanceDice: Dice;
  readonly volumeDice: Dice;
  readonly snapshotDice: Dice;
  readonly ids: RegionIds;
  readonly network: NetworkPlan;
  readonly securityGroups: SecurityGroupPlan[];
  readonly images: ImageCatalog;
  readonly addresses: AddressPlan[];
  readonly timeline: RegionTimeline;
  readonly kmsKeyArn: string;
  /** First octet of the region's public IPs. */
  readonly publicIpBase: number;
  private readonly addressByInstance = new Map<number, AddressPlan>();
  private readonly imagesById = new Map<string, ImagePlan>();
  private readonly imagesByArchitecture: Record<Architecture, { owned: ImagePlan[]; available: ImagePlan[] }>;
  private snapshotList?: Snapshot[];

  /** `stoppedEpochs`: the spec's `stopAt`, epochs at which every instance is stopped (instanceStateAt). */
  constructor(seed: number, readonly baseInstances: number, readonly accountId: string, readonly region: RegionInfo, readonly stoppedEpochs: ReadonlySet<number> = new Set()) {
    this.regionName = region.name;
    this.dice = new Dice(hashText(`${seed}|${accountId}|${region.name}`));
    this.instanceDice = this.dice.child('instances');
    this.volumeDice = this.dice.child('volumes');
    this.snapshotDice = this.dice.child('snapshots');
    this.ids = idCodecs(this.dice);
    this.network = planNetwork(region, this.dice.child('network'), baseInstances);
    this.securityGroups = planSecurityGroups(this.network, this.dice.child('security-groups'));
    this.images = planImages(this.dice.child('images'), accountId, baseInstances);
    for (const image of [...this.images.owned, ...this.images.public]) this.imagesById.set(image.id, image);
    const ofArchitecture = (images: ImagePlan[], architecture: Architecture) => images.filter((image) => image.architecture === architecture);
    this.imagesByArchitecture = {
      x86_64: { owned: ofArchitecture(this.images.owned, 'x86_64'), available: ofArchitecture(this.images.public, 'x86_64') },
      arm64: { owned: ofArchitecture(this.images.owned, 'arm64'), available: ofArchitecture(this.images.public, 'arm64') },
    };
    const regionIndex = Math.max(0, DEFAULT_REGIONS.findIndex((info) => info.name === region.name));
    this.publicIpBase = PUBLIC_FIRST_OCTETS[(Math.max(0, accountIndex(accountId)) * DEFAULT_REGIONS.length + regionIndex) % PUBLIC_FIRST_OCTETS.length] ?? 3;
    this.addresses = planAddresses(this.dice.child('addresses'), this);
    for (const address of this.addresses) if (address.instance !== undefined) this.addressByInstance.set(address.instance, address);
    this.kmsKeyArn = `arn:aws:kms:${region.name}:${accountId}:key/${this.uuid('kms')}`;
    this.timeline = new RegionTimeline(this.dice.key, {
      baseInstances,
      baseStandaloneVolumes: baseInstances > 0 ? Math.round(baseInstances * 0.03) + 1 : 1,
      securityGroups: this.securityGroups,
      hasDataVolume: (instance) => hasDataVolume(this, instance),
      startsStopped: (instance) => startsStopped(this, instance),
      launchRoleTag: (instance) => {
        const plan = planInstance(this, instance);
        return plan.roleSource === 'tag' && plan.launchRole ? plan.launchRole : undefined;
      },
      namePrefix: (instance) => roleProfile(planInstance(this, instance).launchRole).namePrefix,
      zoneOfInstance: (instance) => this.network.subnets[planInstance(this, instance).subnet]?.zone.name ?? '',
      zoneOfStandaloneVolume: (volume) => standaloneVolumeZone(this, volume).name,
    });
  }

  /** Images an instance of this architecture can run: the account's own, and Amazon's public ones. */
  imagesFor(architecture: Architecture): { owned: ImagePlan[]; available: ImagePlan[] } {
    return this.imagesByArchitecture[architecture];
  }

  imageById(id: string): ImagePlan | undefined {
    return this.imagesById.get(id);
  }

  /** The snapshot an image's root volume was created from (Amazon's for public images). */
  imageSnapshotId(imageId: string): string {
    const image = this.imagesById.get(imageId);
    if (image?.rootSnapshot !== undefined) return this.ids.snapshot.encode(image.rootSnapshot);
    return this.ids.publicSnapshot.encode(Math.max(0, this.images.public.findIndex((candidate) => candidate.id === imageId)));
  }

  addressOfInstance(instance: number): AddressPlan | undefined {
    return this.addressByInstance.get(instance);
  }

  /** The automatic public IP of an instance in a public subnet. */
  autoPublicIp(instance: number): string {
    const n = instance + 1;
    return `${this.publicIpBase}.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
  }

  get snapshots(): Snapshot[] {
    this.snapshotList ??= planSnapshots(this);
    return this.snapshotList;
  }

  /** A UUID-shaped id, deterministic in (kind, a, b). */
  uuid(kind: string, a = 0, b = 0): string {
    return this.dice.uuid(hashText(kind), a, b);
  }
}
