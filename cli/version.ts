import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'cloudtap';

/**
 * The version in cloudtap's own package.json, found by walking up from this module: from the sources (cli/) and
 * from the bundle (dist/) alike, whatever the working directory. Read at run time, so it is never a stale copy.
 */
export async function packageVersion(from: string = import.meta.url): Promise<string> {
  let dir = dirname(fileURLToPath(from));
  for (;;) {
    const manifest = await readManifest(join(dir, 'package.json'));
    if (manifest?.name === PACKAGE_NAME && typeof manifest.version === 'string') return manifest.version;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json named ${PACKAGE_NAME} above ${dirname(fileURLToPath(from))}: the installation is incomplete; reinstall cloudtap`);
    dir = parent;
  }
}

async function readManifest(path: string): Promise<{ name?: unknown; version?: unknown } | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as { name?: unknown; version?: unknown };
  } catch {
    // absent or not ours: keep walking up
    return undefined;
  }
}
