import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { bundleEntriesInPlace } from '../../../scripts/bundle-dist.mjs';
import { packageCacheDir } from '../../../src/ops/bundle.js';

/** A compiled tree as tsc leaves it: an entry, a module that finds a file beside itself, a package. */
function compiledTree(): string {
  // Inside the repository, so the package resolves while bundling (as in the build stage).
  mkdirSync(packageCacheDir('test-dist'), { recursive: true });
  const root = mkdtempSync(join(packageCacheDir('test-dist'), 'tree-'));
  onTestFinished(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'src', 'lib'), { recursive: true });
  writeFileSync(join(root, 'package.json'), JSON.stringify({ type: 'module' }));
  writeFileSync(
    join(root, 'src', 'entry.js'),
    [
      "import { parse } from 'yaml';",
      "import { asset } from './lib/asset.js';",
      "console.log(JSON.stringify({ parsed: parse('a: 1'), asset: asset() }));",
    ].join('\n'),
  );
  writeFileSync(
    join(root, 'src', 'lib', 'asset.js'),
    [
      "import { readFileSync } from 'node:fs';",
      'export const asset = () => ({',
      "  text: readFileSync(new URL('./asset.txt', import.meta.url), 'utf8').trim(),",
      "  dirname: import.meta.dirname.endsWith('lib'),",
      "  filename: import.meta.filename.endsWith('asset.js'),",
      '});',
    ].join('\n'),
  );
  writeFileSync(join(root, 'src', 'lib', 'asset.txt'), 'found beside its module\n');
  return root;
}

describe('scripts/bundle-dist.mjs (npm run build)', () => {
  it('replaces an entry by a bundle that runs where the tree is copied, each module finding its own files', async () => {
    const root = compiledTree();
    await bundleEntriesInPlace(root, ['src/entry.js']);
    const bundle = readFileSync(join(root, 'src', 'entry.js'), 'utf8');
    expect(bundle).not.toMatch(/from ["']yaml["']|from ["']\.\/lib\/asset\.js["']/);

    // Copied elsewhere, with no node_modules: as the container's stage copies dist/src to /app.
    const elsewhere = mkdtempSync(join(tmpdir(), 'dist-copy-'));
    onTestFinished(() => rmSync(elsewhere, { recursive: true, force: true }));
    cpSync(root, elsewhere, { recursive: true });
    const { stdout } = await promisify(execFile)(process.execPath, [join(elsewhere, 'src', 'entry.js')]);
    expect(JSON.parse(stdout)).toEqual({
      parsed: { a: 1 },
      asset: { text: 'found beside its module', dirname: true, filename: true },
    });
  });
});
