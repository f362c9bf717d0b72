#!/usr/bin/env node
/**
 * Runs one of our TypeScript entry points from source without a loader:
 *
 *   node scripts/run.mjs src/main.ts [args...]
 *
 * The entry and the sources it imports are bundled with esbuild into one JS module beside the
 * packages (node_modules/.cache/kalshi-rfq-maker/entries, by content hash), which this process
 * then imports; a later start whose sources are unchanged imports that bundle without esbuild.
 * tsx's loader (`--import tsx`) cost each start ~0.5 s more CPU and its hooks thread ~35 MB of
 * RSS for the whole run. Stack traces map to the sources.
 *
 * The same bundling as src/ops/bundle.ts (which this script cannot import: it is TypeScript).
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIR = join(ROOT, 'node_modules', '.cache', 'kalshi-rfq-maker', 'entries');

/** Each module keeps its own import.meta.url / dirname / filename (siblings and assets are found from them). */
const ownModuleUrl = {
  name: 'own-module-url',
  setup(build) {
    build.onLoad({ filter: /\.[cm]?ts$/ }, (args) => ({
      contents: readFileSync(args.path, 'utf8')
        .replace(/\bimport\.meta\.url\b/g, JSON.stringify(pathToFileURL(args.path).href))
        .replace(/\bimport\.meta\.dirname\b/g, JSON.stringify(dirname(args.path)))
        .replace(/\bimport\.meta\.filename\b/g, JSON.stringify(args.path)),
      loader: 'ts',
    }));
  },
};

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

const file = unchangedBundle(entry) ?? (await bundle(entry));
process.off('SIGINT', stopEarly);
process.off('SIGTERM', stopEarly);
// The entry sees the arguments as if it had been run directly.
process.argv = [process.argv[0], entry, ...args];
process.setSourceMapsEnabled(true);
await import(pathToFileURL(file).href);

async function bundle(path) {
  const { build, stop } = await import('esbuild');
  const result = await build({
    entryPoints: [path],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: [],
    packages: 'external',
    sourcemap: 'external',
    sourcesContent: false,
    outdir: DIR,
    write: false,
    metafile: true,
    absWorkingDir: ROOT,
    logLevel: 'silent',
    plugins: [ownModuleUrl],
  }).catch((error) => {
    const first = error.errors?.[0];
    const at = first?.location
      ? `${first.location.file}:${first.location.line}:${first.location.column + 1}: `
      : '';
    process.stderr.write(`cannot compile ${entryArg}: ${at}${first?.text ?? error.message}\n`);
    process.exit(1);
  });
  // Its service process would otherwise live as long as the program.
  await stop();
  const code = withInlineMap(result.outputFiles);
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
  const name = basename(path, extname(path));
  const target = join(DIR, `${name}-${hash}.mjs`);
  mkdirSync(DIR, { recursive: true });
  const temporary = `${target}.${process.pid}`;
  writeFileSync(temporary, code);
  renameSync(temporary, target);
  pruneStale(name, target);
  // What it was built from, for the next start (unchangedBundle).
  const inputs = Object.keys(result.metafile.inputs).map((input) => stamp(resolve(ROOT, input)));
  writeFileSync(manifestOf(path), JSON.stringify({ file: target, inputs }));
  return target;
}

/**
 * The bundle an earlier start made of `path`, if none of its sources changed since (same size
 * and modification time): a start then skips esbuild (~0.2 s of CPU).
 */
function unchangedBundle(path) {
  try {
    const { file, inputs } = JSON.parse(readFileSync(manifestOf(path), 'utf8'));
    if (!existsSync(file)) return undefined;
    const same = inputs.every(([source, mtimeMs, size]) => {
      const now = statSync(source);
      return now.mtimeMs === mtimeMs && now.size === size;
    });
    return same ? file : undefined;
  } catch {
    return undefined; // none yet, or a source is gone
  }
}

function manifestOf(path) {
  return join(
    DIR,
    `${basename(path, extname(path))}-${createHash('sha256').update(path).digest('hex').slice(0, 16)}.json`,
  );
}

function stamp(path) {
  const info = statSync(path);
  return [path, info.mtimeMs, info.size];
}

/**
 * The bundle with its source map inline, the map's sources as absolute file URLs (esbuild writes
 * them relative to the bundle, which Node then shows unnormalised: `…/entries/../../src/x.ts`).
 */
function withInlineMap(outputFiles) {
  const code = outputFiles.find((file) => file.path.endsWith('.js'));
  const map = outputFiles.find((file) => file.path.endsWith('.js.map'));
  const json = JSON.parse(map.text);
  json.sources = json.sources.map((source) => pathToFileURL(resolve(dirname(map.path), source)).href);
  const text = code.text.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
  return `${text}//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(json)).toString('base64')}\n`;
}

/** Bundles of earlier sources (and manifests of entries) untouched for a week go. */
function pruneStale(name, keep) {
  const weekAgo = Date.now() - 7 * 24 * 3_600_000;
  for (const entryName of readdirSync(DIR)) {
    const path = join(DIR, entryName);
    if (path === keep || !new RegExp(`^${name}-[0-9a-f]{16}\\.(mjs|json)$`).test(entryName)) continue;
    try {
      if (statSync(path).mtimeMs < weekAgo) rmSync(path, { force: true });
    } catch {
      // Another process pruned it first.
    }
  }
}
