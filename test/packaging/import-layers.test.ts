import { describe, expect, it } from '@jest/globals';
import { readdirSync } from 'node:fs';
import { ESLint } from 'eslint';

/** What the layer rule (eslint.config.js, part of `npm test`) says about one import written in one file. */
async function verdict(filePath: string, source: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: process.cwd() });
  const [result] = await eslint.lintText(`import { x } from '${source}';\nexport const y = x;\n`, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('the import layers', () => {
  it.each([
    ['src/services/s3/bucket.ts', '../kms/key', 'a service never imports another service'],
    ['src/services/s3/bucket.ts', '../registry', 'a service never imports another service or the registry'],
    ['src/services/s3/bucket.ts', '../../store/resource-store', 'a service never reaches into the engine or the store'],
    ['src/services/ec2/instance.ts', '../../collect/sync-partition', 'a service never reaches into the engine or the store'],
    ['src/services/resource-type.ts', '../events/event-sync', 'the service contract never reaches into the engine'],
    ['src/collect/collect-task.ts', '../services/ec2/instance', 'the engine and the store never name a service'],
    ['src/realtime/ingest.ts', '../services/s3', 'the engine and the store never name a service'],
    ['src/store/resource-store.ts', '../services/registry', 'the store never knows the services'],
    ['src/store/resource-store.ts', '../collect/sync-partition', 'the store never imports the engine'],
    ['src/dto/task.ts', '../services/registry', 'a DTO imports only other DTOs and util'],
    ['src/events/event-sync.ts', '../../local/runner', 'src never imports local/'],
    ['src/plan/get-tasks.ts', '../../cli/main', 'src never imports local/, cli/'],
    ['lib/stacks/collector-stack.ts', '../../src/realtime/ingest', 'the stack takes what it needs from src/stack-inputs.ts'],
  ])('refuses %s importing %s', async (file, source, message) => {
    const messages = await verdict(file, source);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain(message);
  });

  it.each([
    ['src/services/s3/bucket.ts', '../resource-type'],
    ['src/services/s3/bucket.ts', '../../util/concurrency'],
    ['src/services/registry.ts', './s3'],
    ['src/collect/collect-task.ts', '../services/registry'],
    ['src/collect/collect-task.ts', '../store/resource-store'],
    ['src/store/resource-store.ts', '../services/resource-type'],
    ['src/dto/task.ts', '../util/concurrency'],
    ['lib/stacks/collector-stack.ts', '../../src/stack-inputs'],
    ['lib/stacks/context-knobs.ts', '../../src/dto/collection-request'],
  ])('lets %s import %s', async (file, source) => {
    expect(await verdict(file, source)).toEqual([]);
  });

  it('knows every module of src/services/ as the framework and every folder as a service', async () => {
    const entries = readdirSync('src/services', { withFileTypes: true });
    for (const entry of entries) {
      const name = entry.name.replace(/\.ts$/, '');
      const messages = await verdict('src/collect/collect-task.ts', `../services/${name}`);
      expect({ name, refused: messages.length > 0 }).toEqual({ name, refused: entry.isDirectory() });
    }
    expect(entries.filter((e) => e.isDirectory()).length).toBeGreaterThanOrEqual(2);
  });
});
