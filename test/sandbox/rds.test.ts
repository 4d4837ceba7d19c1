import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DescribeDBInstancesCommand, RDSClient, paginateDescribeDBClusters, paginateDescribeDBInstances, paginateDescribeDBSnapshots,
} from '@aws-sdk/client-rds';
import { sandboxAccountIds } from '../../local/sandbox/accounts';
import { startSandbox, type RunningSandbox } from '../../local/sandbox/server';
import { enabledRegions, parseSandboxSpec, type SandboxSpec } from '../../local/sandbox/spec';
import { rdsTruth } from '../../local/sandbox/truth/rds';
import { PRIMARY_CREDENTIALS, failureOf, type Credentials, credentialsFor } from './sdk';

function rdsClient(sandbox: RunningSandbox, region: string, credentials: Credentials = PRIMARY_CREDENTIALS): RDSClient {
  return new RDSClient({ region, endpoint: sandbox.url, credentials, maxAttempts: 1 });
}

async function all<Page, Item>(pages: AsyncIterable<Page>, items: (page: Page) => Item[] | undefined): Promise<Item[]> {
  const found: Item[] = [];
  for await (const page of pages) found.push(...(items(page) ?? []));
  return found;
}

describe.each([
  'seed=3&accounts=2&regions=2&instances=30',
  'seed=8&regions=1&instances=400&epoch=30',
])('RDS in the sandbox of spec %s', (text) => {
  let sandbox: RunningSandbox;
  let spec: SandboxSpec;
  beforeAll(async () => {
    spec = parseSandboxSpec(text);
    sandbox = await startSandbox(spec);
  });
  afterAll(() => sandbox.close());

  it('pages through every DB instance, cluster and snapshot of the truth, and nothing else, at the smallest page size', async () => {
    for (const accountId of sandboxAccountIds(spec)) {
      const truth = rdsTruth.truth(spec, accountId, enabledRegions(spec));
      const credentials = await credentialsFor(sandbox, accountId);
      for (const region of enabledRegions(spec)) {
        const config = { client: rdsClient(sandbox, region, credentials), pageSize: 20 };
        const listed = {
          'RDS.DBInstance': (await all(paginateDescribeDBInstances(config, {}), (p) => p.DBInstances)).map((i) => i.DBInstanceIdentifier),
          'RDS.DBCluster': (await all(paginateDescribeDBClusters(config, {}), (p) => p.DBClusters)).map((c) => c.DBClusterIdentifier),
          'RDS.DBSnapshot': (await all(paginateDescribeDBSnapshots(config, {}), (p) => p.DBSnapshots)).map((s) => s.DBSnapshotIdentifier),
        };
        for (const [type, ids] of Object.entries(listed)) {
          const expected = truth.resources.filter((r) => r.region === region && r.type === type).map((r) => r.id).sort();
          expect({ type, ids: [...ids].sort() }).toEqual({ type, ids: expected });
          expect(new Set(ids).size).toBe(ids.length);
        }
      }
    }
  });

  it('plants every condition the RDS rules find in every account and region', () => {
    for (const accountId of sandboxAccountIds(spec)) {
      const { conditions } = rdsTruth.truth(spec, accountId, enabledRegions(spec));
      for (const region of enabledRegions(spec)) {
        const rules = new Set(conditions.filter((c) => c.region === region).map((c) => c.rule));
        expect([...rules].sort()).toEqual(['DbBackupsOff', 'DbPubliclyAccessible', 'DbStorageUnencrypted']);
      }
    }
  });

  it('carries the planted settings over the wire: public endpoint, encryption, retention, subnets and cluster members', async () => {
    const [region = ''] = enabledRegions(spec);
    const { resources } = rdsTruth.truth(spec, '111111111111', [region]);
    const instances = await all(paginateDescribeDBInstances({ client: rdsClient(sandbox, region) }, {}), (p) => p.DBInstances);
    for (const instance of instances) {
      const truth = resources.find((r) => r.type === 'RDS.DBInstance' && r.id === instance.DBInstanceIdentifier);
      expect(truth?.attributes).toMatchObject({
        publiclyAccessible: instance.PubliclyAccessible, storageEncrypted: instance.StorageEncrypted,
        backupRetentionPeriod: instance.BackupRetentionPeriod, clusterId: instance.DBClusterIdentifier ?? null,
      });
      expect(instance.DBSubnetGroup?.Subnets?.[0]?.SubnetIdentifier).toMatch(/^subnet-/);
      expect(instance.VpcSecurityGroups?.[0]?.VpcSecurityGroupId).toMatch(/^sg-/);
      expect(instance.InstanceCreateTime).toBeInstanceOf(Date);
    }
  });
});

describe('RDS errors in the sandbox', () => {
  let sandbox: RunningSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox(parseSandboxSpec('seed=3&regions=2&fail=*:RDS.DescribeDBSnapshots:AccessDenied'));
  });
  afterAll(() => sandbox.close());

  it('answers an injected AccessDenied on the named operation only', async () => {
    const client = rdsClient(sandbox, 'us-east-1');
    const error = await failureOf(all(paginateDescribeDBSnapshots({ client }, {}), (p) => p.DBSnapshots));
    expect(error.name).toBe('AccessDenied');
    expect(error.$metadata?.httpStatusCode).toBe(403);
    await expect(client.send(new DescribeDBInstancesCommand({}))).resolves.toMatchObject({ DBInstances: expect.any(Array) });
  });

  it('answers an unknown identifier with DBInstanceNotFound, and an id filter with just the instances that exist', async () => {
    const client = rdsClient(sandbox, 'us-east-1');
    const error = await failureOf(client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'no-such-db' })));
    expect(error.name).toBe('DBInstanceNotFoundFault');
    const [first] = (await client.send(new DescribeDBInstancesCommand({}))).DBInstances ?? [];
    const filtered = await client.send(new DescribeDBInstancesCommand({ Filters: [{ Name: 'db-instance-id', Values: [first?.DBInstanceIdentifier ?? '', 'no-such-db'] }] }));
    expect(filtered.DBInstances?.map((i) => i.DBInstanceIdentifier)).toEqual([first?.DBInstanceIdentifier]);
  });

  it('refuses a page size outside 20 to 100, like RDS', async () => {
    const error = await failureOf(rdsClient(sandbox, 'us-east-1').send(new DescribeDBInstancesCommand({ MaxRecords: 101 })));
    expect(error.name).toBe('InvalidParameterValue');
  });
});
