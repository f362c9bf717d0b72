/**
 * Starting a worker thread from a module of ours, whether the bot runs compiled (`.js`, as in the
 * container) or from source (`.ts`).
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { bundleModule, packageCacheDir } from './bundle.js';

/**
 * The script a worker runs for `moduleUrl`. Compiled JS runs as is. From source, a worker that
 * registered tsx would send every module it loads through tsx's hooks (about 0.3 s of CPU per
 * thread, paid again by each replacement); instead the module and the sources it imports are
 * bundled once per process into one plain JS file with esbuild (bundle.ts), the packages
 * in it too (one file to load instead of hundreds). Where that cannot be done (no esbuild,
 * nowhere to write), the worker registers tsx.
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
  // Beside the packages, so the bundle's imports of them resolve as the sources' do.
  const file = await bundleModule(fileURLToPath(moduleUrl), {
    packages: 'inline',
    dir: packageCacheDir('workers'),
  });
  return { url: pathToFileURL(file), eval: false };
}
