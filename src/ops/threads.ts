/**
 * Starting a worker thread from a module of ours, whether the bot runs compiled (`.js`, as in the
 * container) or from source through tsx (`.ts`: the worker registers tsx first).
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts `moduleUrl` in a worker thread. For a TypeScript module the worker first registers tsx's
 * loader (a worker does not inherit the parent's), resolved from here so any working directory works.
 */
export function startModuleWorker(moduleUrl: URL, options: WorkerOptions = {}): Worker {
  if (!moduleUrl.pathname.endsWith('.ts')) return new Worker(moduleUrl, options);
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(moduleUrl.href)}); })`;
  return new Worker(boot, { ...options, eval: true });
}

/** The URL of a sibling module, with the extension the caller itself runs under (.ts or .js). */
export function siblingModule(callerUrl: string, basename: string): URL {
  const extension = callerUrl.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./${basename}${extension}`, callerUrl);
}
