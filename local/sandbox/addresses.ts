/**
 * Elastic IP addresses: a few per region, most associated with a base instance (the association
 * ends when that instance terminates), some never associated at all.
 */
import type { Address } from '@aws-sdk/client-ec2';
import type { Dice } from './random';
import type { RegionModel } from './region-model';
import { instanceStateAt, planInstance } from './instances';

export interface AddressPlan {
  index: number;
  allocationId: string;
  associationId: string;
  publicIp: string;
  /** The base instance the address is associated with, if any. */
  instance?: number;
  name?: string;
}

export function planAddresses(dice: Dice, model: Pick<RegionModel, 'ids' | 'baseInstances' | 'publicIpBase'>): AddressPlan[] {
  const count = Math.min(40, Math.max(2, Math.round(model.baseInstances * 0.04)));
  const taken = new Set<number>();
  return Array.from({ length: count }, (_, index): AddressPlan => {
    const candidate = model.baseInstances > 0 ? dice.between(0, model.baseInstances - 1, index, 1) : undefined;
    const associate = candidate !== undefined && dice.chance(0.65, index, 2) && !taken.has(candidate);
    if (associate) taken.add(candidate);
    return {
      index,
      allocationId: model.ids.allocation.encode(index),
      associationId: model.ids.association.encode(index),
      publicIp: `${model.publicIpBase}.250.${index >> 8}.${index & 255}`,
      ...(associate ? { instance: candidate } : {}),
      ...(dice.chance(0.5, index, 3) ? { name: `eip-${index + 1}` } : {}),
    };
  });
}

export function describeAddress(model: RegionModel, address: AddressPlan, epoch: number): Address {
  const shape: Address = {
    AllocationId: address.allocationId,
    Domain: 'vpc',
    Tags: address.name ? [{ Key: 'Name', Value: address.name }] : [],
    PublicIpv4Pool: 'amazon',
    NetworkBorderGroup: model.regionName,
    PublicIp: address.publicIp,
  };
  const state = address.instance === undefined ? undefined : instanceStateAt(model, address.instance, epoch);
  if (address.instance !== undefined && (state === 'running' || state === 'stopped')) {
    const plan = planInstance(model, address.instance);
    shape.AssociationId = address.associationId;
    shape.InstanceId = plan.id;
    shape.NetworkInterfaceId = plan.networkInterfaceId;
    shape.NetworkInterfaceOwnerId = model.accountId;
    shape.PrivateIpAddress = plan.privateIp;
  }
  return shape;
}
