import { describe, it, expect } from '@jest/globals';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageVersion } from '../../cli/version';
import { tempDir } from '../support/cli';

describe('packageVersion', () => {
  it('walks up from a bundled module (dist/…) to the package.json named cloudtap, past one of another name', async () => {
    const root = await tempDir();
    await writeFile(join(root, 'package.json'), JSON.stringify({ name: 'cloudtap', version: '9.8.7' }));
    await mkdir(join(root, 'dist', 'nested'), { recursive: true });
    await writeFile(join(root, 'dist', 'package.json'), JSON.stringify({ name: 'something-else', version: '0.0.1' }));
    expect(await packageVersion(pathToFileURL(join(root, 'dist', 'nested', 'chunk-ABC.mjs')).href)).toBe('9.8.7');
  });

  it('says the installation is incomplete when there is none', async () => {
    const dir = await tempDir();
    await expect(packageVersion(pathToFileURL(join(dir, 'x.mjs')).href)).rejects.toThrow(/no package.json named cloudtap above .*reinstall cloudtap/);
  });
});
