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
 * The bundling is src/ops/bundle.ts's, compiled first by scripts/bundler.mjs.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ENTRIES_DIR, loadBundler } from './bundler.mjs';

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

const { bundleModule } = await loadBundler();
const file = await bundleModule(entry, { packages: 'inline', dir: ENTRIES_DIR, sourcemap: true }).catch(
  (error) => {
    process.stderr.write(`cannot compile ${entryArg}: ${error.message}\n`);
    process.exit(1);
  },
);
process.off('SIGINT', stopEarly);
process.off('SIGTERM', stopEarly);
// The entry sees the arguments as if it had been run directly.
process.argv = [process.argv[0], entry, ...args];
process.setSourceMapsEnabled(true);
await import(pathToFileURL(file).href);
