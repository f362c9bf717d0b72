import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
const README = resolve(ROOT, 'strategies/README.md');
const bin = (name: string) => resolve(ROOT, 'node_modules/.bin', name);
const run = promisify(execFile);

interface Example {
  /** Where an author would paste it, relative to the repository. */
  readonly path: string;
  readonly code: string;
  readonly line: number;
}

/**
 * The ```ts blocks of a markdown page. A block goes to the file its preceding line names in
 * backticks (`strategies/x.ts`), else beside the shipped strategies, where `../src/index.js`
 * resolves as it does for a real plugin.
 */
function examplesIn(markdown: string): Example[] {
  const lines = markdown.split('\n');
  const examples: Example[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i] ?? '')) continue;
    const start = i;
    let end = i + 1;
    while (end < lines.length && !/^```\s*$/.test(lines[end] ?? '')) end += 1;
    let before = start - 1;
    while (before >= 0 && (lines[before] ?? '').trim() === '') before -= 1;
    const named = /`((?:strategies|test)\/[\w./-]+\.ts)`/.exec(lines[before] ?? '')?.[1];
    examples.push({
      path: named ?? `strategies/_readme-example-${examples.length + 1}.ts`,
      code: `${lines.slice(start + 1, end).join('\n')}\n`,
      line: start + 1,
    });
    i = end;
  }
  return examples;
}

async function runTool(file: string, args: string[], cwd: string): Promise<{ ok: boolean; output: string }> {
  try {
    const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
    const { stdout, stderr } = await run(file, args, { cwd, env, maxBuffer: 16 * 1024 * 1024 });
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` || failed.message };
  }
}

describe('strategies/README.md examples, as pasted', () => {
  let dir = '';
  let examples: Example[] = [];

  beforeAll(async () => {
    examples = examplesIn(await readFile(README, 'utf8'));
    // Inside the repository (tmp/ is git-ignored) so node_modules and biome.json apply; src/ is
    // linked so `../src/index.js` and `../../../src/testing.js` resolve as in the real tree.
    await mkdir(resolve(ROOT, 'tmp'), { recursive: true });
    dir = await mkdtemp(resolve(ROOT, 'tmp', 'readme-examples-'));
    await symlink(resolve(ROOT, 'src'), join(dir, 'src'), 'dir');
    for (const example of examples) {
      await mkdir(dirname(join(dir, example.path)), { recursive: true });
      await writeFile(join(dir, example.path), example.code);
    }
    const tsconfig = {
      extends: resolve(ROOT, 'tsconfig.json'),
      compilerOptions: { noEmit: true },
      include: [],
      files: examples.map((example) => example.path),
    };
    await writeFile(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
  });

  afterAll(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('include a strategy and its test', () => {
    const paths = examples.map((example) => example.path);
    expect(paths).toContain('strategies/mid-peg.ts');
    expect(paths).toContain('test/unit/strategies/mid-peg.test.ts');
  });

  it('typecheck under the project tsconfig', async () => {
    const result = await runTool(bin('tsc'), ['-p', join(dir, 'tsconfig.json')], dir);
    expect(result.output).toBe('');
    expect(result.ok).toBe(true);
  }, 120_000);

  it('pass biome check (format, lint, import order)', async () => {
    const files = examples.map((example) => join(dir, example.path));
    const result = await runTool(bin('biome'), ['check', '--vcs-use-ignore-file=false', ...files], ROOT);
    expect(result.ok, result.output).toBe(true);
  }, 120_000);

  it('the example test passes', async () => {
    const tests = examples.filter((example) => example.path.endsWith('.test.ts')).map((e) => e.path);
    const result = await runTool(bin('vitest'), ['run', '--root', dir, '--reporter=dot', ...tests], dir);
    expect(result.ok, result.output).toBe(true);
    expect(result.output).toMatch(new RegExp(`Test Files +${tests.length} passed`));
  }, 120_000);
});
