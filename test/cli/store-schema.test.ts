import { describe, it, expect } from '@jest/globals';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { createTableInput, ensureTables, startEmbeddedDynamoDb } from '../../local/embedded-dynamodb';
import { TABLES, localTableNames } from '../../src/store/tables';

describe('a store made by another version of cloudtap', () => {
  it('is refused by name, its tables left as they are, instead of failing on the first query of an index it lacks', async () => {
    const store = await startEmbeddedDynamoDb();
    const client = new DynamoDBClient({ endpoint: store.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    try {
      const names = localTableNames('cloudtap');
      // The runs table as an earlier version made it: runs indexed by start time, not by sequence number.
      const earlier = { ...TABLES.runs, globalIndexes: [{ name: 'byStartedAt', partitionKey: { name: 'kind', type: 'S' as const }, sortKey: { name: 'startedAt', type: 'S' as const } }] };
      await client.send(new CreateTableCommand(createTableInput(earlier, names.runs)));
      await expect(ensureTables(store.endpoint, names)).rejects.toThrow(/table cloudtap-runs was made by another version of cloudtap .*byStartedAt.*this version needs: .*bySeq/);
      await expect(ensureTables(store.endpoint, names)).rejects.toHaveProperty('name', 'StoreSchemaMismatch');
      // A fresh store passes, and a second time too (nothing to create).
      const fresh = localTableNames('fresh');
      await ensureTables(store.endpoint, fresh);
      await ensureTables(store.endpoint, fresh);
      const tables = (await client.send(new ListTablesCommand({}))).TableNames ?? [];
      expect(tables.filter((t) => t.startsWith('fresh-')).sort()).toEqual(Object.values(fresh).sort());
    } finally {
      client.destroy();
      await store.close();
    }
  });
});
