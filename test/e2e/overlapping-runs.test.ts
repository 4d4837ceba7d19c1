import { describe, expect, it } from '@jest/globals';
import { startSandboxTarget } from '../../cli/sandbox-target';
import { openWorkspace } from '../../cli/workspace';
import { runWorkflowLocally } from '../../local/runner';
import { parseSandboxSpec } from '../../local/sandbox/spec';
import { parseCollectionRequest } from '../../src/dto/collection-request';
import type { Database } from '../../src/store/dynamo';
import { EventStore } from '../../src/store/event-store';
import { ResourceStore } from '../../src/store/resource-store';
import { localStore } from '../support/local-run';
import { tempDir } from '../support/cli';
import { serviceNames } from '../../src/services/registry';

const SPEC = 'seed=41&regions=2&instances=80';

/** Every current record as `partition id hash`, and every event as `id state`: what an operator reads. */
async function inventoryOf(db: Database) {
  const records: string[] = [];
  let deleted = 0;
  let history = 0;
  const resources = new ResourceStore(db);
  for await (const r of resources.scan()) {
    if (r.deletedAt) deleted++;
    else if (r.type !== 'CloudTrail.Event') records.push(`${r.pk} ${r.resourceId} ${r.hash}`);
    history += (await resources.history(r.pk, r.resourceId)).length;
  }
  const events: string[] = [];
  for await (const e of new EventStore(db).scan()) events.push(`${e.id} ${e.state}`);
  return { records: records.sort(), events: events.sort(), deleted, history };
}

describe('overlapping runs', () => {
  it('two runs of the same account at once leave the inventory and events one run leaves, and the next run finds nothing to do', async () => {
    const alone = await localStore();
    await alone.run(SPEC);
    const reference = await alone.open();
    const expected = await inventoryOf(reference.db).finally(() => reference.close());
    expect(expected.records.length).toBeGreaterThan(300);
    expect(expected.events.length).toBeGreaterThan(20);

    const workspace = await openWorkspace({ dataDir: await tempDir() });
    const sandbox = await startSandboxTarget(parseSandboxSpec(SPEC));
    try {
      const request = parseCollectionRequest({}, serviceNames());
      // Both read an empty store, so each tries to create every record and open every event: the store's
      // conditions decide, and the losing writes must read as "already there", not as failures.
      const [a, b] = await Promise.all([runWorkflowLocally({ input: request }), runWorkflowLocally({ input: request })]);
      for (const run of [a, b]) {
        expect(run.status).toBe('succeeded');
        expect(run.failures).toEqual([]);
        expect(run.resources.deleted).toBe(0);
      }
      // Each event is opened once: the other run finds it open (or loses the conditional write) and does not count it.
      expect(a.events.opened + b.events.opened).toBe(expected.events.length);
      const after = await runWorkflowLocally({ input: request });
      expect(after.resources).toMatchObject({ created: 0, updated: 0, deleted: 0 });
      expect(after.events).toMatchObject({ opened: 0, cleared: 0 });

      const overlapped = await inventoryOf(workspace.db);
      expect(overlapped.records).toEqual(expected.records);
      expect(overlapped.events).toEqual(expected.events);
      expect(overlapped.deleted).toBe(0);
      expect(overlapped.history).toBe(0);
    } finally {
      await sandbox.close();
      await workspace.close();
    }
  });
});
