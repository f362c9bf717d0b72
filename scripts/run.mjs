#!/usr/bin/env node
/**
 * Runs one of our TypeScript entry points from source without a loader:
 *
 *   node scripts/run.mjs src/main.ts [args...]
 *
 * The entry, the sources it imports and the packages (native add-ons aside) are bundled into
 * one JS module beside the packages (node_modules/.cache/kalshi-rfq-maker/entries), which this
 * process then imports; a later start whose sources are unchanged imports that bundle without
 * esbuild. tsx's loader (`--import tsx`) cost each start ~0.5 s more CPU and its hooks thread
 * ~35 MB of RSS for the whole run; loading the packages file by file, another ~0.3 s. Stack
 * traces map to the sources.
 *
 * The bundling is src/ops/bundle.ts's. Being TypeScript, it is itself compiled first, once per
 * version of that file (it imports nothing of ours).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIR = join(ROOT, 'node_modules', '.cache', 'kalshi-rfq-maker', 'entries');

const [entryArg, ...args] = process.argv.slice(2);
if (entryArg === undefined) {
  process.stderr.write('usage: node scripts/run.mjs ENTRY.ts [args...]\n');
  process.exit(2);
}
const entry = resolve(entryArg);

// A stop asked for while bundling (nothing runs yet, nothing is live): end at once, cleanly.
const stopEarly = () => process.exit(0);
process.once('SIGINT', stopEarly);
process.once('SIGTERM', stopEarly);

const { bundleModule } = await import(pathToFileURL(await bundler()).href);
const file = await bundleModule(entry, { packages: 'inline', dir: DIR, sourcemap: true }).catch((error) => {
  process.stderr.write(`cannot compile ${entryArg}: ${error.message}\n`);
  process.exit(1);
});
process.off('SIGINT', stopEarly);
process.off('SIGTERM', stopEarly);
// The entry sees the arguments as if it had been run directly.
process.argv = [process.argv[0], entry, ...args];
process.setSourceMapsEnabled(true);
await import(pathToFileURL(file).href);

/** src/ops/bundle.ts as plain JS, compiled when that file changed since the last start. */
async function bundler() {
  const source = readFileSync(join(ROOT, 'src', 'ops', 'bundle.ts'), 'utf8');
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const target = join(DIR, `bundler-${hash}.mjs`);
  if (existsSync(target)) return target;
  const { transform, stop } = await import('esbuild');
  const { code } = await transform(source, { loader: 'ts', format: 'esm', target: 'node20' });
  await stop();
  mkdirSync(DIR, { recursive: true });
  const temporary = `${target}.${process.pid}`;
  writeFileSync(temporary, code);
  renameSync(temporary, target);
  // Copies of its earlier versions go.
  for (const name of readdirSync(DIR)) {
    if (/^bundler-[0-9a-f]{16}\.mjs$/.test(name) && join(DIR, name) !== target)
      rmSync(join(DIR, name), { force: true });
  }
  return target;
}
