import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');

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

  it('names the file, line and column of a source that does not compile, and exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'run-script-'));
    const entry = join(dir, 'broken.ts');
    writeFileSync(entry, 'export const = 1;\n');
    const { code, stderr } = await runScript([entry]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/cannot compile .*broken\.ts: .*broken\.ts:1:14: Expected identifier/);
  });
});
