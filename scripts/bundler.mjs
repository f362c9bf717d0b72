/**
 * src/ops/bundle.ts for the plain-JS scripts (run.mjs, bundle-dist.mjs), which run before
 * anything is built: compiled with esbuild into node_modules/.cache/kalshi-rfq-maker/entries once
 * per version of that file (it imports nothing of ours), then imported.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const ENTRIES_DIR = join(ROOT, 'node_modules', '.cache', 'kalshi-rfq-maker', 'entries');

/** The module src/ops/bundle.ts exports. */
export async function loadBundler() {
  return import(pathToFileURL(await compiledBundler()).href);
}

async function compiledBundler() {
  const source = readFileSync(join(ROOT, 'src', 'ops', 'bundle.ts'), 'utf8');
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const target = join(ENTRIES_DIR, `bundler-${hash}.mjs`);
  if (existsSync(target)) return target;
  const { transform, stop } = await import('esbuild');
  const { code } = await transform(source, { loader: 'ts', format: 'esm', target: 'node20' });
  await stop();
  mkdirSync(ENTRIES_DIR, { recursive: true });
  const temporary = `${target}.${process.pid}`;
  writeFileSync(temporary, code);
  renameSync(temporary, target);
  // Copies of its earlier versions go.
  for (const name of readdirSync(ENTRIES_DIR)) {
    if (/^bundler-[0-9a-f]{16}\.mjs$/.test(name) && join(ENTRIES_DIR, name) !== target)
      rmSync(join(ENTRIES_DIR, name), { force: true });
  }
  return target;
}
