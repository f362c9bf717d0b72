import { readdir, readFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../../src');

/** Every relative import of the .ts files under `src/<folder>`, as paths relative to src/. */
async function importsOf(folder: string): Promise<{ file: string; target: string }[]> {
  const found: { file: string; target: string }[] = [];
  for (const name of await readdir(resolve(SRC, folder), { recursive: true })) {
    if (!name.endsWith('.ts')) continue;
    const path = resolve(SRC, folder, name);
    const source = await readFile(path, 'utf8');
    for (const match of source.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
      const target = relative(SRC, resolve(dirname(path), match[1] ?? ''));
      found.push({ file: relative(SRC, path), target });
    }
  }
  return found;
}

describe('layering', () => {
  it('domain/ imports nothing of ours outside domain/', async () => {
    const outside = (await importsOf('domain')).filter(({ target }) => !target.startsWith('domain/'));
    expect(outside).toEqual([]);
  });

  it('risk/ takes the quoting types from domain/, not from the strategy plugin module', async () => {
    const plugin = (await importsOf('risk')).filter(({ target }) => target.startsWith('strategy/'));
    expect(plugin).toEqual([]);
  });
});
