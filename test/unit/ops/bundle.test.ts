import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { bundleModule } from '../../../src/ops/bundle.js';

const ROOT = resolve(import.meta.dirname, '../../..');

function sources(): { entry: string; sibling: string; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'bundle-'));
  const sibling = join(dir, 'sibling.ts');
  const entry = join(dir, 'entry.ts');
  writeFileSync(sibling, 'export const value: number = 1;\n');
  writeFileSync(entry, "import { value } from './sibling.js';\nexport const answer: number = value * 2;\n");
  return { entry, sibling, out: join(dir, 'out') };
}

describe('bundleModule', () => {
  it('bundles once per process while no source changes, again when an imported one does', async () => {
    const { entry, sibling, out } = sources();
    const options = { packages: 'resolved', dir: out } as const;
    const first = await bundleModule(entry, options);
    expect(readFileSync(first, 'utf8')).toMatch(/value = 1/);

    // Unchanged sources: the same file, not rewritten (a rebuild would restore its content).
    writeFileSync(first, '// left as it is\n');
    expect(await bundleModule(entry, options)).toBe(first);
    expect(readFileSync(first, 'utf8')).toBe('// left as it is\n');

    // The imported file changes (same size, a later mtime): a new bundle.
    writeFileSync(sibling, 'export const value: number = 7;\n');
    const later = new Date(Date.now() + 5_000);
    utimesSync(sibling, later, later);
    const second = await bundleModule(entry, options);
    expect(second).not.toBe(first);
    expect(readFileSync(second, 'utf8')).toMatch(/value = 7/);
  });

  it('reuses a bundle another process made while no source changed (a restart needs no esbuild)', async () => {
    const { entry, out } = sources();
    const options = { packages: 'resolved', dir: out } as const;
    const first = await bundleModule(entry, options);
    writeFileSync(first, '// left as it is\n');
    // A fresh process, with nothing in memory: it finds the manifest and the same file, unrewritten.
    const again = join(dirname(entry), 'again.ts');
    const api = join(ROOT, 'src/ops/bundle.ts');
    writeFileSync(
      again,
      `import { bundleModule } from ${JSON.stringify(api)};\nconsole.log(await bundleModule(${JSON.stringify(entry)}, ${JSON.stringify(options)}));\n`,
    );
    const { stdout } = await promisify(execFile)(process.execPath, ['scripts/run.mjs', again], { cwd: ROOT });
    expect(stdout.trim()).toBe(first);
    expect(readFileSync(first, 'utf8')).toBe('// left as it is\n');
  });

  it("rejects a source that does not compile with the compiler's file:line:column", async () => {
    const { entry, sibling, out } = sources();
    writeFileSync(sibling, 'export const = 1;\n');
    await expect(bundleModule(entry, { packages: 'resolved', dir: out })).rejects.toThrow(
      /does not compile: .*sibling\.ts:1:14: Expected identifier/,
    );
  });
});
