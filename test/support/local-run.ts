import { collectLocally, type LocalCollectionOptions } from '../../cli/commands/run';
import { openWorkspace, type Workspace } from '../../cli/workspace';
import { parseSandboxSpec } from '../../local/sandbox/spec';
import { parseCollectionRequest } from '../../src/dto/collection-request';
import type { RunSummary } from '../../src/dto/run-summary';
import { ResourceStore, type StoredResource } from '../../src/store/resource-store';
import { tempDir } from './cli';
import { serviceNames } from '../../src/services/registry';

/** A data directory of its own and a way to run collections into it, in-process, as `cloudtap run` does. */
export async function localStore() {
  const dataDir = await tempDir();
  return {
    dataDir,
    run: (spec: string, request: Record<string, unknown> = {}, options: Pick<LocalCollectionOptions, 'thresholds' | 'onStateEvent'> = {}): Promise<RunSummary> =>
      collectLocally(parseCollectionRequest(request, serviceNames()), { spec: parseSandboxSpec(spec), dataDir, ...options }),
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
