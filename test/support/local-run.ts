import { collectLocally, type LocalCollectionOptions } from '../../cli/commands/run';
import { openWorkspace, type Workspace } from '../../cli/workspace';
import { parseSandboxSpec } from '../../local/sandbox/spec';
import { parseCollectionRequest } from '../../src/dto/collection-request';
import type { RunSummary } from '../../src/dto/run-summary';
import { ResourceStore, type StoredResource } from '../../src/store/resource-store';
import { tempDir } from './cli';
import { serviceNames } from '../../src/services/registry';
import { overlayEnvironment } from '../../cli/environment';
import { SNAPSHOT_ENV } from '../../src/sql/schema';

/**
 * A data directory of its own and a way to run collections into it, in-process, as `cloudtap run` does. The runs
 * export no snapshot for SQL unless `snapshots` (the SQL tests' subject; elsewhere it would only add CI time).
 */
export async function localStore(settings: { snapshots?: boolean } = {}) {
  const dataDir = await tempDir();
  return {
    dataDir,
    async run(spec: string, request: Record<string, unknown> = {}, options: Pick<LocalCollectionOptions, 'thresholds' | 'onStateEvent'> = {}): Promise<RunSummary> {
      const restore = settings.snapshots ? () => {} : overlayEnvironment({ [SNAPSHOT_ENV.directory]: '' });
      try {
        return await collectLocally(parseCollectionRequest(request, serviceNames()), { spec: parseSandboxSpec(spec), dataDir, ...options });
      } finally {
        restore();
      }
    },
    /** Opens the store for reading; close it before the next run. */
    open: (): Promise<Workspace> => openWorkspace({ dataDir }),
    async resources(): Promise<StoredResource[]> {
      const workspace = await openWorkspace({ dataDir });
      try {
        const all: StoredResource[] = [];
        for await (const r of new ResourceStore(workspace.db).scan()) all.push(r);
        return all;
      } finally {
        await workspace.close();
      }
    },
  };
}
