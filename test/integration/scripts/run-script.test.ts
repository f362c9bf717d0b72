import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
const ENTRIES = join(ROOT, 'node_modules', '.cache', 'kalshi-rfq-maker', 'entries');

/** `node scripts/run.mjs ARGS` from the repository's root; resolves with the exit code and output. */
async function runScript(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, ['scripts/run.mjs', ...args], { cwd: ROOT }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
}

describe('scripts/run.mjs (what npm start runs)', () => {
  it('runs the TypeScript entry with the arguments after it, as if run directly', async () => {
    const { code, stdout } = await runScript(['src/main.ts', '--config', 'config.yaml', '--check-config']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/config\.yaml: ok/);
  });

  it('passes the exit code through and maps stack traces to the sources', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'run-script-'));
    const entry = join(dir, 'entry.ts');
    writeFileSync(
      entry,
      'const where: string = new Error("here").stack ?? "";\nconsole.log(where.split("\\n")[1]);\nprocess.exitCode = 3;\n',
    );
    const { code, stdout } = await runScript([entry]);
    expect(code).toBe(3);
    expect(stdout).toMatch(new RegExp(`\\(${entry.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:1:\\d+\\)`));
  });

  it('reuses the bundle of an earlier start while no source changed, and bundles again when one did', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'run-script-'));
    const entry = join(dir, 'entry.ts');
    writeFileSync(join(dir, 'part.ts'), 'export const word: string = "first";\n');
    writeFileSync(entry, "import { word } from './part.js';\nconsole.log(word);\n");
    expect((await runScript([entry])).stdout).toBe('first\n');
    // The bundle that start made, found through its manifest: mark it, and see the mark run.
    const manifests = readdirSync(ENTRIES).filter(
      (name) => name.startsWith('entry-') && name.endsWith('.json'),
    );
    const mine = manifests
      .map(
        (name) =>
          JSON.parse(readFileSync(join(ENTRIES, name), 'utf8')) as {
            file: string;
            inputs: { path: string }[];
          },
      )
      .find((manifest) => manifest.inputs.some((input) => input.path === entry));
    expect(mine).toBeDefined();
    writeFileSync(mine!.file, 'console.log("reused");\n');
    expect((await runScript([entry])).stdout).toBe('reused\n');
    // An imported source changes: a new bundle.
    writeFileSync(join(dir, 'part.ts'), 'export const word: string = "second";\n');
    const later = new Date(Date.now() + 5_000);
    utimesSync(join(dir, 'part.ts'), later, later);
    expect((await runScript([entry])).stdout).toBe('second\n');
  });

  it('names the file, line and column of a source that does not compile, and exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'run-script-'));
    const entry = join(dir, 'broken.ts');
    writeFileSync(entry, 'export const = 1;\n');
    const { code, stderr } = await runScript([entry]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/cannot compile .*broken\.ts: .*broken\.ts:1:14: Expected identifier/);
  });
});
