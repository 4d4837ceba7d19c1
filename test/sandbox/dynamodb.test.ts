import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DescribeContinuousBackupsCommand, DescribeTableCommand, DynamoDBClient, ListTablesCommand, ListTagsOfResourceCommand, paginateListTables,
} from '@aws-sdk/client-dynamodb';
import { sandboxAccountIds } from '../../local/sandbox/accounts';
import { startSandbox, type RunningSandbox } from '../../local/sandbox/server';
import { enabledRegions, parseSandboxSpec, type SandboxSpec } from '../../local/sandbox/spec';
import { dynamoDbTruth } from '../../local/sandbox/truth/dynamodb';
import { PRIMARY_CREDENTIALS, failureOf, type Credentials, credentialsFor } from './sdk';

function dynamoDbClient(sandbox: RunningSandbox, region: string, credentials: Credentials = PRIMARY_CREDENTIALS): DynamoDBClient {
  return new DynamoDBClient({ region, endpoint: sandbox.url, credentials, maxAttempts: 1 });
}

async function tableNames(client: DynamoDBClient, pageSize: number): Promise<string[]> {
  const names: string[] = [];
  for await (const page of paginateListTables({ client, pageSize }, {})) names.push(...(page.TableNames ?? []));
  return names;
}

describe.each([
  'seed=3&accounts=2&regions=2&instances=30',
  'seed=8&regions=1&instances=900&epoch=200',
])('DynamoDB in the sandbox of spec %s', (text) => {
  let sandbox: RunningSandbox;
  let spec: SandboxSpec;
  beforeAll(async () => {
    spec = parseSandboxSpec(text);
    sandbox = await startSandbox(spec);
  });
  afterAll(() => sandbox.close());

  it('lists every table of the truth, and nothing else, in name order through ExclusiveStartTableName pages', async () => {
    for (const accountId of sandboxAccountIds(spec)) {
      const truth = dynamoDbTruth.truth(spec, accountId, enabledRegions(spec));
      const credentials = await credentialsFor(sandbox, accountId);
      for (const region of enabledRegions(spec)) {
        const names = await tableNames(dynamoDbClient(sandbox, region, credentials), 7);
        expect(names).toEqual([...names].sort());
        expect(names).toEqual(truth.resources.filter((r) => r.region === region).map((r) => r.id).sort());
      }
    }
  });

  it('describes each table, its point-in-time recovery and its tags as the truth says', async () => {
    const [region = ''] = enabledRegions(spec);
    const { resources, conditions } = dynamoDbTruth.truth(spec, '111111111111', [region]);
    const client = dynamoDbClient(sandbox, region);
    for (const table of resources) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: table.id }));
      expect(Table?.TableName).toBe(table.id);
      expect(Table?.CreationDateTime).toBeInstanceOf(Date);
      expect(Table?.SSEDescription?.KMSMasterKeyArn ?? null).toBe(table.attributes.kmsKeyArn);
      const backups = await client.send(new DescribeContinuousBackupsCommand({ TableName: table.id }));
      const pitr = backups.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus;
      expect(pitr === 'ENABLED').toBe(table.attributes.pointInTimeRecovery);
      expect(conditions.some((c) => c.id === table.id && c.rule === 'TablePitrOff')).toBe(pitr === 'DISABLED');
      const { Tags } = await client.send(new ListTagsOfResourceCommand({ ResourceArn: Table?.TableArn }));
      expect(Object.fromEntries((Tags ?? []).map((t) => [t.Key, t.Value]))).toEqual(table.tags);
    }
  });

  it('plants a table without point-in-time recovery in every account and region', () => {
    for (const accountId of sandboxAccountIds(spec)) {
      const { conditions } = dynamoDbTruth.truth(spec, accountId, enabledRegions(spec));
      for (const region of enabledRegions(spec)) expect(conditions.filter((c) => c.region === region && c.rule === 'TablePitrOff').length).toBeGreaterThan(0);
    }
  });
});

describe('DynamoDB errors in the sandbox', () => {
  let sandbox: RunningSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox(parseSandboxSpec('seed=3&regions=2&fail=*:DynamoDB.DescribeContinuousBackups:AccessDeniedException'));
  });
  afterAll(() => sandbox.close());

  it('answers an injected AccessDeniedException on the named operation only', async () => {
    const client = dynamoDbClient(sandbox, 'us-east-1');
    const [name] = (await client.send(new ListTablesCommand({}))).TableNames ?? [];
    const error = await failureOf(client.send(new DescribeContinuousBackupsCommand({ TableName: name })));
    expect(error.name).toBe('AccessDeniedException');
    await expect(client.send(new DescribeTableCommand({ TableName: name }))).resolves.toMatchObject({ Table: { TableName: name } });
  });

  it('answers a table that does not exist with ResourceNotFoundException', async () => {
    const error = await failureOf(dynamoDbClient(sandbox, 'us-east-1').send(new DescribeTableCommand({ TableName: 'no-such-table' })));
    expect(error.name).toBe('ResourceNotFoundException');
  });

  it('refuses a Limit above 100, like DynamoDB', async () => {
    const error = await failureOf(dynamoDbClient(sandbox, 'us-east-1').send(new ListTablesCommand({ Limit: 101 })));
    expect(error.name).toBe('ValidationException');
  });
});
