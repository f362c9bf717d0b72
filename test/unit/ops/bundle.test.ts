import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { bundleModule, packageCacheDir } from '../../../src/ops/bundle.js';

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

  it('inline: packages go in the bundle, native add-ons stay imports, CommonJS code finds require and __dirname', async () => {
    // Inside the repository, so its packages resolve from the entry as from our sources.
    mkdirSync(packageCacheDir('test-inline'), { recursive: true });
    const dir = mkdtempSync(join(packageCacheDir('test-inline'), 'src-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'scope.cjs'), 'module.exports = { dir: __dirname, require: typeof require };\n');
    const entry = join(dir, 'entry.ts');
    writeFileSync(
      entry,
      [
        "import Database from 'better-sqlite3';",
        "import pino from 'pino';",
        "import { parse } from 'yaml';",
        "import scope from './scope.cjs';",
        "export const parsed: unknown = parse('a: 1');",
        "export const logs: boolean = typeof pino({ level: 'silent' }).info === 'function';",
        "export const row: unknown = new Database(':memory:').prepare('select 2 as two').get();",
        'export { scope };',
      ].join('\n'),
    );
    const file = await bundleModule(entry, { packages: 'inline', dir: join(dir, 'out') });
    const code = readFileSync(file, 'utf8');
    expect(code).not.toMatch(/from ["'](yaml|pino)["']/);
    expect(code).toMatch(/from ["']better-sqlite3["']/);
    const loaded = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    expect(loaded).toMatchObject({
      parsed: { a: 1 },
      logs: true,
      row: { two: 2 },
      scope: { dir: dirname(file), require: 'function' },
    });
  });

  it("rejects a source that does not compile with the compiler's file:line:column", async () => {
    const { entry, sibling, out } = sources();
    writeFileSync(sibling, 'export const = 1;\n');
    await expect(bundleModule(entry, { packages: 'resolved', dir: out })).rejects.toThrow(
      /does not compile: .*sibling\.ts:1:14: Expected identifier/,
    );
  });
});
