/**
 * Our TypeScript turned into one plain JS module that `import()` and `new Worker()` take without a
 * loader: worker entries (threads.ts), TypeScript strategy plugins (strategy/loader.ts) and the
 * npm scripts' entry points (scripts/run.mjs, through a compiled copy of this file). A
 * registered loader (tsx) would run a hooks thread per registering thread, each with its own heap:
 * about 20 MB and 0.2 s of CPU apiece.
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
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { OutputFile, Plugin } from 'esbuild';

export interface BundleOptions {
  /**
   * `inline`: packages are bundled in too, except native add-ons and optional peers
   * (KEPT_EXTERNAL), which stay bare imports: the bundle must sit beside the packages (in the
   * bot's node_modules). A process then loads one file instead of ~400: half the CPU of starting
   * the bot (0.35 s against 0.66 s to print its config) and ~15 MB less RSS. `resolved`: each
   * package import is resolved from the importing source file (its own node_modules first) and
   * written as an absolute file URL, so the bundle may sit anywhere (plugins).
   */
  readonly packages: 'inline' | 'resolved';
  /** Folder the bundle is written to, by content hash: packageCacheDir or writableCacheDir. */
  readonly dir: string;
  /** An inline source map (positions in the sources under --enable-source-maps). */
  readonly sourcemap?: boolean;
}

/**
 * Bundles `entry` and the sources it imports into one ESM file named `<stem>-<hash>.mjs` in
 * `options.dir`; returns its path. Node built-ins stay imports, packages as `options.packages`
 * says. Rejects with the compiler's first errors (file:line:column: text) when the sources do
 * not compile.
 */
export async function bundleModule(entry: string, options: BundleOptions): Promise<string> {
  const key = JSON.stringify([entry, options.packages, options.dir, options.sourcemap === true]);
  const name = basename(entry, extname(entry));
  const manifest = join(
    options.dir,
    `${name}-${createHash('sha256').update(key).digest('hex').slice(0, 16)}.json`,
  );
  // Sources unchanged since this process, or an earlier one, bundled them: the same file (a test
  // suite or a backtest loads the same plugins hundreds of times, and each esbuild start is a
  // process spawn; a restart needs no esbuild at all).
  const previous = built.get(key) ?? readManifest(manifest);
  if (previous !== undefined && unchanged(previous.inputs) && existsSync(previous.file)) {
    built.set(key, previous);
    return previous.file;
  }
  const { build, stop } = await import('esbuild');
  const plugins = [ownModuleUrl()];
  if (options.packages === 'resolved') plugins.push(packagesResolvedFromImporter());
  buildsRunning++;
  const result = await build({
    entryPoints: [entry],
    ...nodeModuleOptions(),
    ...(options.packages === 'inline' ? inlinePackages() : {}),
    sourcemap: options.sourcemap === true ? 'external' : false,
    sourcesContent: false,
    outdir: options.dir,
    write: false,
    metafile: true,
    absWorkingDir: process.cwd(),
    logLevel: 'silent',
    plugins,
  })
    .catch((error: unknown) => {
      throw compileError(error);
    })
    .finally(() => {
      // esbuild's service process (~18 MB) would otherwise live as long as the bot; the next
      // build starts another.
      if (--buildsRunning === 0) void stop();
    });
  const code = withInlineMap(result.outputFiles);
  if (code === undefined) throw new Error(`esbuild produced nothing for ${entry}`);
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
  const file = join(options.dir, `${name}-${hash}.mjs`);
  mkdirSync(options.dir, { recursive: true });
  writeReplacing(file, code);
  pruneStale(options.dir, name, file);
  const inputs = Object.keys(result.metafile.inputs).map((input) => stamp(resolve(process.cwd(), input)));
  built.set(key, { file, inputs });
  writeReplacing(manifest, JSON.stringify({ file, inputs }));
  return file;
}

/** Another process may write the same file at the same time: each renames its own copy over it. */
function writeReplacing(path: string, content: string): void {
  const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  writeFileSync(temporary, content);
  renameSync(temporary, path);
}

/** What every bundle of ours is built as (scripts/bundle-dist.mjs builds with them too). */
export function nodeModuleOptions(): {
  bundle: true;
  platform: 'node';
  format: 'esm';
  target: string;
  conditions: string[];
} {
  // Node's own conditions (import, node, default): not esbuild's extra "module".
  return { bundle: true, platform: 'node', format: 'esm', target: 'node20', conditions: [] };
}

/**
 * `source` with `import.meta.url`, `.dirname` and `.filename` replaced by the given JS
 * expressions: bundled into another file, each module still finds its siblings and assets.
 */
export function withOwnImportMeta(
  source: string,
  meta: { readonly url: string; readonly dirname: string; readonly filename: string },
): string {
  return source
    .replace(/\bimport\.meta\.url\b/g, meta.url)
    .replace(/\bimport\.meta\.dirname\b/g, meta.dirname)
    .replace(/\bimport\.meta\.filename\b/g, meta.filename);
}

function readManifest(path: string): Built | undefined {
  try {
    const read = JSON.parse(readFileSync(path, 'utf8')) as Built;
    return typeof read.file === 'string' && Array.isArray(read.inputs) ? read : undefined;
  } catch {
    return undefined; // none yet
  }
}

/** A bundle and every source in it, as it was when bundled. */
interface Built {
  readonly file: string;
  readonly inputs: readonly SourceStamp[];
}

/** What this process bundled or found bundled (see the manifests beside the bundles). */
const built = new Map<string, Built>();

interface SourceStamp {
  readonly path: string;
  readonly mtimeMs: number;
  readonly size: number;
}

function stamp(path: string): SourceStamp {
  const info = statSync(path);
  return { path, mtimeMs: info.mtimeMs, size: info.size };
}

function unchanged(inputs: readonly SourceStamp[]): boolean {
  try {
    return inputs.every((input) => {
      const now = statSync(input.path);
      return now.mtimeMs === input.mtimeMs && now.size === input.size;
    });
  } catch {
    return false; // a source is gone
  }
}

let buildsRunning = 0;

/**
 * The bundle, with its source map (if any) inline and the map's sources as absolute file URLs
 * (esbuild writes them relative to the bundle, which Node then shows unnormalised).
 */
function withInlineMap(outputFiles: readonly OutputFile[]): string | undefined {
  const code = outputFiles.find((file) => file.path.endsWith('.js'));
  const map = outputFiles.find((file) => file.path.endsWith('.js.map'));
  if (code === undefined || map === undefined) return code?.text;
  const json = JSON.parse(map.text) as { sources: string[] };
  json.sources = json.sources.map((source) => pathToFileURL(resolve(dirname(map.path), source)).href);
  const text = code.text.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
  return `${text}//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(json)).toString('base64')}\n`;
}

/** Left out of `inline` bundles: native add-ons, and packages loaded by name only if installed. */
const KEPT_EXTERNAL = ['better-sqlite3', 'bufferutil', 'utf-8-validate', 'pino-pretty', 'esbuild', 'tsx'];

/** What bundled CommonJS packages expect of their scope (an ES module has none of it). */
const CJS_GLOBALS = [
  "import { createRequire as __bundleCreateRequire } from 'node:module';",
  "import { fileURLToPath as __bundleFileUrlToPath } from 'node:url';",
  "import { dirname as __bundleDirname } from 'node:path';",
  'const require = __bundleCreateRequire(import.meta.url);',
  'const __filename = __bundleFileUrlToPath(import.meta.url);',
  'const __dirname = __bundleDirname(__filename);',
].join('\n');

/** esbuild's options that take the packages into a bundle (scripts/bundle-dist.mjs uses them too). */
export function inlinePackages(): { external: string[]; banner: { js: string } } {
  return { external: [...KEPT_EXTERNAL], banner: { js: CJS_GLOBALS } };
}

/** Where bundles of one kind are kept beside the packages: `node_modules/.cache/kalshi-rfq-maker/<kind>`. */
export function packageCacheDir(kind: string): string {
  return join(nodeModulesOf(import.meta.resolve('esbuild')), '.cache', 'kalshi-rfq-maker', kind);
}

/**
 * packageCacheDir where it can be written, else a folder under the temporary one (the container's
 * user does not own node_modules).
 */
export function writableCacheDir(kind: string): string {
  const beside = packageCacheDir(kind);
  try {
    mkdirSync(beside, { recursive: true });
    const probe = join(beside, `.probe-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
    return beside;
  } catch {
    const uid = process.getuid?.() ?? 'user';
    return join(tmpdir(), `kalshi-rfq-maker-${uid}`, kind);
  }
}

/** The compiler's failure as one line per error (at most three), positions relative to the cwd. */
function compileError(error: unknown): Error {
  const errors = (error as { errors?: readonly EsbuildMessage[] }).errors;
  if (!Array.isArray(errors) || errors.length === 0)
    return error instanceof Error ? error : new Error(String(error));
  const lines = errors.slice(0, 3).map((message) => {
    const at = message.location;
    return at ? `${at.file}:${at.line}:${at.column + 1}: ${message.text}` : message.text;
  });
  if (errors.length > 3) lines.push(`(and ${errors.length - 3} more)`);
  return new Error(`does not compile: ${lines.join('; ')}`, { cause: error });
}

interface EsbuildMessage {
  readonly text: string;
  readonly location: { readonly file: string; readonly line: number; readonly column: number } | null;
}

/** Each module keeps its own import.meta.url / dirname / filename (siblings and assets are found from them). */
function ownModuleUrl(): Plugin {
  return {
    name: 'own-module-url',
    setup(build) {
      build.onLoad({ filter: /\.[cm]?ts$/ }, (args) => ({
        contents: withOwnImportMeta(readFileSync(args.path, 'utf8'), {
          url: JSON.stringify(pathToFileURL(args.path).href),
          dirname: JSON.stringify(dirname(args.path)),
          filename: JSON.stringify(args.path),
        }),
        loader: 'ts',
      }));
    },
  };
}

/** Package imports resolved as Node would from the importing file, kept as imports of that file's URL. */
function packagesResolvedFromImporter(): Plugin {
  return {
    name: 'packages-resolved-from-importer',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        // Built-ins esbuild keeps as they are (platform node).
        if (args.pluginData === RESOLVING || isBuiltin(args.path)) return undefined;
        const found = await build.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: RESOLVING,
        });
        if (found.errors.length > 0) return { errors: found.errors };
        return { path: pathToFileURL(found.path).href, external: true };
      });
    },
  };
}

const RESOLVING = Symbol('resolving');

/** Bundles (and manifests) of earlier sources pile up as the code changes: those untouched for a week go. */
function pruneStale(dir: string, name: string, keep: string): void {
  const weekAgo = Date.now() - 7 * 24 * 3_600_000;
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (path === keep || !isBundleOf(name, entry)) continue;
    try {
      if (statSync(path).mtimeMs < weekAgo) rmSync(path, { force: true });
    } catch {
      // Another process pruned it first.
    }
  }
}

/** A bundle of `name`, or the manifest of one. */
function isBundleOf(name: string, entry: string): boolean {
  return entry.startsWith(`${name}-`) && /^-[0-9a-f]{16}\.(mjs|json)$/.test(entry.slice(name.length));
}

/** The node_modules directory holding a resolved package file. */
function nodeModulesOf(resolvedUrl: string): string {
  const path = fileURLToPath(resolvedUrl);
  const at = path.lastIndexOf(`${sep}node_modules${sep}`);
  if (at < 0) throw new Error(`${path} is not inside a node_modules directory`);
  return path.slice(0, at + `${sep}node_modules`.length);
}
