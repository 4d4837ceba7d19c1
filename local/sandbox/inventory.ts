/**
 * The listings of one region at one epoch, one per EC2 resource type, exactly as the Describe
 * calls page them. The server and the truth both read resources through these, so what the
 * truth lists is what the API returns. Each listing is made on first use.
 */
import type { Address, Image, InstanceStatus, Instance, NetworkInterface, SecurityGroup, Snapshot, Subnet, Volume, Vpc } from '@aws-sdk/client-ec2';
import { describeAddress } from './addresses';
import { arrayCollection, type Collection } from './collection';
import { imageShape } from './images';
import { instanceCollection, instanceStatusCollection } from './instances';
import { subnetShape, vpcShape } from './network';
import { networkInterfaceCollection } from './network-interfaces';
import type { RegionModel } from './region-model';
import { securityGroupShape } from './security-groups';
import { volumeCollection } from './volumes';

export class RegionInventory {
  private readonly made = new Map<string, unknown>();

  constructor(readonly model: RegionModel, readonly epoch: number) {}

  private once<T>(name: string, make: () => T): T {
    if (!this.made.has(name)) this.made.set(name, make());
    return this.made.get(name) as T;
  }

  get instances(): Collection<Instance> {
    return this.once('instances', () => instanceCollection(this.model, this.epoch));
  }

  get instanceStatuses(): Collection<InstanceStatus> {
    return this.once('instanceStatuses', () => instanceStatusCollection(this.model, this.epoch));
  }

  get volumes(): Collection<Volume> {
    return this.once('volumes', () => volumeCollection(this.model, this.epoch));
  }

  get snapshots(): Collection<Snapshot> {
    return this.once('snapshots', () => arrayCollection(this.model.snapshots, (snapshot) => snapshot.SnapshotId));
  }

  /** Images the account owns (DescribeImages Owners=self). */
  get ownedImages(): Collection<Image> {
    const model = this.model;
    return this.once('ownedImages', () => arrayCollection(model.images.owned.map((image) => imageShape(image, model.imageSnapshotId(image.id))), (image) => image.ImageId));
  }

  /** Public Amazon images that some instances run. */
  get publicImages(): Collection<Image> {
    const model = this.model;
    return this.once('publicImages', () => arrayCollection(model.images.public.map((image) => imageShape(image, model.imageSnapshotId(image.id))), (image) => image.ImageId));
  }

  get vpcs(): Collection<Vpc> {
    const { network, accountId, dice } = this.model;
    return this.once('vpcs', () => arrayCollection(network.vpcs.map((vpc, index) => vpcShape(vpc, accountId, dice, index)), (vpc) => vpc.VpcId));
  }

  get subnets(): Collection<Subnet> {
    const { network, accountId, regionName, baseInstances } = this.model;
    const appSubnets = Math.max(1, network.publicSubnets.length + network.privateSubnets.length);
    // A fixed estimate of used addresses, so subnets do not change from epoch to epoch.
    const used = (defaultForAz: boolean) => (defaultForAz ? 0 : Math.round(baseInstances / appSubnets));
    return this.once('subnets', () => arrayCollection(
      network.subnets.map((subnet) => subnetShape(subnet, network, accountId, regionName, used(subnet.defaultForAz))), (subnet) => subnet.SubnetId));
  }

  get securityGroups(): Collection<SecurityGroup> {
    const { model, epoch } = this;
    return this.once('securityGroups', () => arrayCollection(model.securityGroups.map((group, index) => securityGroupShape(
      group, model.timeline.grantsAt(index, epoch), model.securityGroups, model.network, model.accountId, model.regionName)), (group) => group.GroupId));
  }

  get networkInterfaces(): Collection<NetworkInterface> {
    return this.once('networkInterfaces', () => networkInterfaceCollection(this.model, this.epoch));
  }

  get addresses(): Collection<Address> {
    const { model, epoch } = this;
    return this.once('addresses', () => arrayCollection(model.addresses.map((address) => describeAddress(model, address, epoch)), (address) => address.AllocationId));
  }
}
