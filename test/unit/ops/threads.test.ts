import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startModuleWorker, workerScript } from '../../../src/ops/threads.js';

/** A TypeScript worker module that imports a sibling; both report their own import.meta.url. */
function fixture(): { main: URL; sibling: URL } {
  const dir = mkdtempSync(join(tmpdir(), 'threads-'));
  writeFileSync(
    join(dir, 'sibling.ts'),
    'export const siblingUrl: string = import.meta.url;\nexport const twice = (n: number): number => n * 2;\n',
  );
  writeFileSync(
    join(dir, 'fixture-main.ts'),
    [
      "import { parentPort } from 'node:worker_threads';",
      "import { siblingUrl, twice } from './sibling.js';",
      'const own: string = import.meta.url;',
      'parentPort?.postMessage({ own, siblingUrl, answer: twice(21), execArgv: process.execArgv });',
      '',
    ].join('\n'),
  );
  return {
    main: pathToFileURL(join(dir, 'fixture-main.ts')),
    sibling: pathToFileURL(join(dir, 'sibling.ts')),
  };
}

describe('worker threads from TypeScript sources', () => {
  it('runs a bundle of the module in plain JS, each module keeping its own import.meta.url', async () => {
    const { main, sibling } = fixture();
    const script = await workerScript(main);
    expect(script.eval).toBe(false);
    expect(String(script.url)).toMatch(
      /node_modules\/\.cache\/kalshi-rfq-maker\/workers\/fixture-main-[0-9a-f]{16}\.mjs$/,
    );
    // Only the banner that gives bundled CommonJS packages their require and __dirname reads it.
    const ownLines = readFileSync(new URL(script.url), 'utf8')
      .split('\n')
      .filter((line) => !line.includes('__bundle'));
    expect(ownLines.join('\n')).not.toMatch(/import\.meta\.url/);
    // One bundle per module per process.
    expect(await workerScript(main)).toBe(script);

    const worker = await startModuleWorker(main);
    const reply = await new Promise<Record<string, unknown>>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(reply).toEqual({
      own: main.href,
      siblingUrl: sibling.href,
      answer: 42,
      execArgv: expect.not.arrayContaining(['tsx']),
    });
  });

  it('removes bundles of the same module untouched for a week, and keeps the rest', async () => {
    const { main } = fixture();
    const dir = fileURLToPath(new URL('.', (await workerScript(fixture().main)).url));
    const stale = join(dir, 'fixture-main-0000000000000000.mjs');
    const recent = join(dir, 'fixture-main-1111111111111111.mjs');
    for (const file of [stale, recent]) writeFileSync(file, '');
    const eightDaysAgo = new Date(Date.now() - 8 * 24 * 3_600_000);
    utimesSync(stale, eightDaysAgo, eightDaysAgo);
    await workerScript(main); // a new bundle is written: the old ones are looked at
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(recent)).toBe(true);
    rmSync(recent);
  });

  it('runs compiled JavaScript as it is', async () => {
    const url = new URL('file:///opt/bot/src/journal/writer-worker.js');
    expect(await workerScript(url)).toEqual({ url, eval: false });
  });
});
