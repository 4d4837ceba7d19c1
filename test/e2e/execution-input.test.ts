import { describe, it, expect } from '@jest/globals';
import { runWorkflowLocally, ExecutionFailedError } from '../../local/runner';
import { openWorkspace } from '../../cli/workspace';
import { tempDir } from '../support/cli';

/** StartExecution input goes through the same validation: a bad one fails the execution and writes nothing. */
describe('execution input', () => {
  it.each([
    [{ services: ['EC2', 'nosuch'] }, 'services[1]: unknown service "nosuch"; valid services are: EC2'],
    [{ regions: ['eu_west_1'] }, 'regions[0]: "eu_west_1" is not a region name'],
    [{ schemaVersion: 7 }, 'schemaVersion: must be 1'],
  ])('%j fails the execution with InvalidInput naming the field', async (input, message) => {
    const workspace = await openWorkspace({ dataDir: await tempDir() });
    try {
      const error = await runWorkflowLocally({ input }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ExecutionFailedError);
      expect((error as ExecutionFailedError).error).toBe('InvalidInput');
      expect((error as ExecutionFailedError).cause).toContain(message);
      for (const table of Object.values(workspace.tables)) {
        const items = await workspace.db.client.scan({ TableName: table });
        expect(items.Items).toEqual([]);
      }
    } finally {
      await workspace.close();
    }
  });
});
