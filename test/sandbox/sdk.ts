/** Real AWS SDK clients pointed at a running sandbox, and helpers that page through everything. */
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import {
  DescribeAddressesCommand, EC2Client, paginateDescribeImages, paginateDescribeInstanceStatus, paginateDescribeInstances,
  paginateDescribeNetworkInterfaces, paginateDescribeSecurityGroups, paginateDescribeSnapshots, paginateDescribeSubnets,
  paginateDescribeVolumes, paginateDescribeVpcs, type Address, type Image, type Instance, type InstanceStatus, type NetworkInterface,
  type SecurityGroup, type Snapshot, type Subnet, type Volume, type Vpc,
} from '@aws-sdk/client-ec2';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { RunningSandbox } from '../../local/sandbox/server';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export const PRIMARY_CREDENTIALS: Credentials = { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'x' };

/** One attempt only: the tests look at the errors themselves, not at the SDK's retries. */
export function ec2Client(sandbox: RunningSandbox, region: string, credentials = PRIMARY_CREDENTIALS): EC2Client {
  return new EC2Client({ region, endpoint: sandbox.url, credentials, maxAttempts: 1 });
}

export function cloudTrailClient(sandbox: RunningSandbox, region: string, credentials = PRIMARY_CREDENTIALS): CloudTrailClient {
  return new CloudTrailClient({ region, endpoint: sandbox.url, credentials, maxAttempts: 1 });
}

export function stsClient(sandbox: RunningSandbox, credentials = PRIMARY_CREDENTIALS): STSClient {
  return new STSClient({ region: 'us-east-1', endpoint: sandbox.url, credentials, maxAttempts: 1 });
}

/** Organizations is global: the SDK signs for the client's region, which must be one the sandbox enables. */
export function organizationsClient(sandbox: RunningSandbox, credentials = PRIMARY_CREDENTIALS): OrganizationsClient {
  return new OrganizationsClient({ region: 'us-east-1', endpoint: sandbox.url, credentials, maxAttempts: 1 });
}

export interface Ec2Resources {
  instances: Instance[];
  reservationOf: Map<string, string>;
  statuses: InstanceStatus[];
  volumes: Volume[];
  snapshots: Snapshot[];
  images: Image[];
  vpcs: Vpc[];
  subnets: Subnet[];
  securityGroups: SecurityGroup[];
  networkInterfaces: NetworkInterface[];
  addresses: Address[];
}

async function all<Page, Item>(pages: AsyncIterable<Page>, items: (page: Page) => Item[] | undefined): Promise<Item[]> {
  const found: Item[] = [];
  for await (const page of pages) found.push(...(items(page) ?? []));
  return found;
}

/** Everything a collector would list in one region, through the SDK's own paginators. */
export async function listEc2(client: EC2Client, pageSize?: number): Promise<Ec2Resources> {
  const config = pageSize ? { client, pageSize } : { client };
  const reservations = await all(paginateDescribeInstances(config, {}), (page) => page.Reservations);
  const reservationOf = new Map<string, string>();
  for (const reservation of reservations) for (const instance of reservation.Instances ?? []) reservationOf.set(instance.InstanceId ?? '', reservation.ReservationId ?? '');
  return {
    instances: reservations.flatMap((reservation) => reservation.Instances ?? []),
    reservationOf,
    statuses: await all(paginateDescribeInstanceStatus(config, { IncludeAllInstances: true }), (page) => page.InstanceStatuses),
    volumes: await all(paginateDescribeVolumes(config, {}), (page) => page.Volumes),
    snapshots: await all(paginateDescribeSnapshots(config, { OwnerIds: ['self'] }), (page) => page.Snapshots),
    images: await all(paginateDescribeImages(config, { Owners: ['self'] }), (page) => page.Images),
    vpcs: await all(paginateDescribeVpcs(config, {}), (page) => page.Vpcs),
    subnets: await all(paginateDescribeSubnets(config, {}), (page) => page.Subnets),
    securityGroups: await all(paginateDescribeSecurityGroups(config, {}), (page) => page.SecurityGroups),
    networkInterfaces: await all(paginateDescribeNetworkInterfaces(config, {}), (page) => page.NetworkInterfaces),
    addresses: (await client.send(new DescribeAddressesCommand({}))).Addresses ?? [],
  };
}

/** The error an SDK call fails with (the test fails if it succeeds). */
export async function failureOf(call: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await call;
  } catch (error) {
    return error as Error & { $metadata?: { httpStatusCode?: number } };
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** The credentials of a sandbox account: the primary one's, or a member's through AssumeRole (with the spec's ExternalId). */
export async function credentialsFor(sandbox: RunningSandbox, accountId: string): Promise<Credentials> {
  if (accountId === '111111111111') return PRIMARY_CREDENTIALS;
  const assumed = await stsClient(sandbox).send(new AssumeRoleCommand({
    RoleArn: `arn:aws:iam::${accountId}:role/cloudtap-collector`, RoleSessionName: 'test', ExternalId: sandbox.spec.externalId,
  }));
  const { AccessKeyId = '', SecretAccessKey = '', SessionToken = '' } = assumed.Credentials ?? {};
  return { accessKeyId: AccessKeyId, secretAccessKey: SecretAccessKey, sessionToken: SessionToken };
}
