/**
 * Starting a worker thread from a module of ours, whether the bot runs compiled (`.js`, as in the
 * container) or from source (`.ts`).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * The script a worker runs for `moduleUrl`. Compiled JS runs as is. From source, a worker that
 * registered tsx would send every module it loads through tsx's hooks (about 0.3 s of CPU per
 * thread, paid again by each replacement); instead the module and the sources it imports are
 * bundled once per process into one plain JS file with esbuild (which tsx brings), packages left
 * external. Where that cannot be done (no esbuild, nowhere to write), the worker registers tsx.
 */
export function workerScript(moduleUrl: URL): Promise<WorkerScript> {
  if (!moduleUrl.pathname.endsWith('.ts')) return Promise.resolve({ url: moduleUrl, eval: false });
  let script = scripts.get(moduleUrl.href);
  if (script === undefined) {
    script = bundle(moduleUrl).catch(() => tsxBoot(moduleUrl));
    scripts.set(moduleUrl.href, script);
  }
  return script;
}

export interface WorkerScript {
  /** A module URL, or code to evaluate when `eval` is true. */
  readonly url: URL | string;
  readonly eval: boolean;
}

/** Starts `moduleUrl` in a worker thread (see workerScript). */
export async function startModuleWorker(moduleUrl: URL, options: WorkerOptions = {}): Promise<Worker> {
  const script = await workerScript(moduleUrl);
  // Plain JS needs none of the parent's flags (its --import tsx would load tsx for nothing, and a
  // worker refuses some, such as --expose-gc, when they are passed on).
  const flags = script.eval ? {} : { execArgv: [] };
  return new Worker(script.url, { ...flags, ...options, eval: script.eval });
}

/** The URL of a sibling module, with the extension the caller itself runs under (.ts or .js). */
export function siblingModule(callerUrl: string, basename: string): URL {
  const extension = callerUrl.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./${basename}${extension}`, callerUrl);
}

const scripts = new Map<string, Promise<WorkerScript>>();

/** Code that registers tsx's loader in the worker, then imports the TypeScript module. */
function tsxBoot(moduleUrl: URL): WorkerScript {
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(moduleUrl.href)}); })`;
  return { url: code, eval: true };
}

async function bundle(moduleUrl: URL): Promise<WorkerScript> {
  const { build } = await import('esbuild');
  const entry = fileURLToPath(moduleUrl);
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    write: false,
    logLevel: 'silent',
    plugins: [
      {
        // Each module keeps its own import.meta.url (sibling modules, assets are found from it).
        name: 'own-module-url',
        setup(build) {
          build.onLoad({ filter: /\.ts$/ }, (args) => ({
            contents: readFileSync(args.path, 'utf8').replace(
              /\bimport\.meta\.url\b/g,
              JSON.stringify(pathToFileURL(args.path).href),
            ),
            loader: 'ts',
          }));
        },
      },
    ],
  });
  const code = result.outputFiles[0]?.text;
  if (code === undefined) throw new Error(`esbuild produced nothing for ${entry}`);
  // Beside the packages, so the bundle's imports of them resolve as the sources' do.
  const dir = join(nodeModulesOf(import.meta.resolve('esbuild')), '.cache', 'kalshi-rfq-maker', 'workers');
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
  const name = basename(entry, '.ts');
  const file = join(dir, `${name}-${hash}.mjs`);
  mkdirSync(dir, { recursive: true });
  // Another process may write the same file at the same time: each renames its own copy over it.
  const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  writeFileSync(temporary, code);
  renameSync(temporary, file);
  pruneStale(dir, name, file);
  return { url: pathToFileURL(file), eval: false };
}

/** Bundles of earlier sources pile up as the code changes: those untouched for a week go. */
function pruneStale(dir: string, name: string, keep: string): void {
  const weekAgo = Date.now() - 7 * 24 * 3_600_000;
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (path === keep || !entry.startsWith(`${name}-`)) continue;
    try {
      if (statSync(path).mtimeMs < weekAgo) rmSync(path, { force: true });
    } catch {
      // Another process pruned it first.
    }
  }
}

/** The node_modules directory holding a resolved package file. */
function nodeModulesOf(resolvedUrl: string): string {
  const path = fileURLToPath(resolvedUrl);
  const at = path.lastIndexOf(`${sep}node_modules${sep}`);
  if (at < 0) throw new Error(`${path} is not inside a node_modules directory`);
  return path.slice(0, at + `${sep}node_modules`.length);
}
