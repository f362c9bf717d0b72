import { randomUUID } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import { bundleModule, writableCacheDir } from '../ops/bundle.js';
import { describeThrown, StrategyLoadError } from './errors.js';
import type { Strategy } from './types.js';
// Loaded before any plugin, so the plugins' copies of it take the bot's zod (see zod.ts).
import './zod.js';

/** The plugin API version this bot implements. */
export const STRATEGY_API_VERSION = 1;

/** Strategies by name, as config routes refer to them. */
export type StrategyRegistry = ReadonlyMap<string, Strategy<unknown>>;

export interface LoadStrategiesOptions {
  /** The plugin directory (`strategies/`, or `dist/strategies` in the container). Omit for built-ins only. */
  readonly dir?: string;
  /** Strategies registered in code; they share the name space with the plugins. */
  readonly builtins?: readonly Strategy<unknown>[];
  readonly logger: Logger;
}

const KEBAB = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** Extensions in order of preference when one stem has several: the TypeScript source wins. */
const EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'] as const;
const TYPESCRIPT = new Set(['.ts', '.mts']);

/** Whether a plugin file is compiled before it is imported (see pluginModuleUrl). */
export function isTypeScriptPlugin(file: string): boolean {
  return TYPESCRIPT.has(extname(file));
}
const HOOKS = ['setup', 'lastLook', 'fairValue', 'onEvent', 'teardown'] as const;

/** Files in a plugin directory that are never plugins. */
function isIgnored(name: string): boolean {
  return (
    name.startsWith('.') ||
    name.startsWith('_') ||
    name === 'node_modules' ||
    /\.d\.[cm]?ts$/.test(name) ||
    /\.(test|spec)\.[cm]?[jt]s$/.test(name)
  );
}

async function kindOf(path: string): Promise<'file' | 'dir' | undefined> {
  try {
    const info = await stat(path); // follows symlinks
    return info.isFile() ? 'file' : info.isDirectory() ? 'dir' : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The plugin files of a directory, sorted: every `*.ts|*.mts|*.js|*.mjs` file and every
 * `folder/index.*`. Skipped: dotfiles, `_`-prefixed helpers, `*.d.ts`, `*.test.*`, `*.spec.*`,
 * anything else (README.md, maps). When `x.ts` and `x.js` both exist the `.ts` source is loaded
 * (a stale compiled file must never shadow the code you edited) and a warning names the other.
 */
export async function discoverPluginFiles(dir: string, logger?: Logger): Promise<string[]> {
  const root = resolve(dir);
  let names: string[];
  try {
    names = (await readdir(root)).sort();
  } catch (error) {
    throw new StrategyLoadError(
      'dir_unreadable',
      root,
      `cannot read the strategy directory: ${describeThrown(error)}`,
      undefined,
      {
        cause: error,
      },
    );
  }
  const byStem = new Map<string, string[]>();
  for (const name of names) {
    if (isIgnored(name)) continue;
    const path = join(root, name);
    const kind = await kindOf(path);
    if (kind === 'dir') {
      for (const ext of EXTENSIONS) {
        const index = join(path, `index${ext}`);
        if ((await kindOf(index)) === 'file') {
          byStem.set(name, [...(byStem.get(name) ?? []), index]);
        }
      }
      continue;
    }
    const ext = extname(name);
    if (kind !== 'file' || !(EXTENSIONS as readonly string[]).includes(ext)) continue;
    const stem = name.slice(0, -ext.length);
    byStem.set(stem, [...(byStem.get(stem) ?? []), path]);
  }
  const files: string[] = [];
  for (const candidates of byStem.values()) {
    const rank = (file: string) => (EXTENSIONS as readonly string[]).indexOf(extname(file));
    const [chosen, ...ignored] = [...candidates].sort((a, b) => rank(a) - rank(b));
    if (chosen === undefined) continue;
    if (ignored.length > 0) {
      logger?.warn(
        { file: chosen, ignored },
        'several files define the same plugin; loading the TypeScript source',
      );
    }
    files.push(chosen);
  }
  return files.sort();
}

/** Checks that a value is a usable strategy; `file` names its origin in errors. */
export function validateStrategy(value: unknown, file: string): Strategy<unknown> {
  if (typeof value !== 'object' || value === null) {
    const found = typeof value === 'function' ? 'a function' : String(value);
    throw new StrategyLoadError(
      'invalid_shape',
      file,
      `exports ${found} where a strategy object was expected (use defineStrategy({ ... }))`,
    );
  }
  const candidate = value as Record<string, unknown>;
  const name = candidate['name'];
  if (typeof name !== 'string' || !KEBAB.test(name)) {
    throw new StrategyLoadError(
      'invalid_name',
      file,
      `strategy name ${JSON.stringify(name)} is not a non-empty kebab-case string (e.g. "my-strategy")`,
    );
  }
  const apiVersion = candidate['apiVersion'];
  if (apiVersion !== STRATEGY_API_VERSION) {
    throw new StrategyLoadError(
      'unsupported_api_version',
      file,
      apiVersion === undefined
        ? `declares no apiVersion; add apiVersion: ${STRATEGY_API_VERSION}`
        : `declares apiVersion ${JSON.stringify(apiVersion)}; this bot supports ${STRATEGY_API_VERSION}`,
      name,
    );
  }
  if (typeof candidate['price'] !== 'function') {
    throw new StrategyLoadError('invalid_shape', file, 'has no price(rfq, ctx) function', name);
  }
  const options = candidate['options'];
  if (
    typeof options !== 'object' ||
    options === null ||
    typeof (options as Record<string, unknown>)['parse'] !== 'function'
  ) {
    throw new StrategyLoadError(
      'invalid_shape',
      file,
      'has no options schema with a parse function (use z.strictObject({ ... }), or z.strictObject({}) for none)',
      name,
    );
  }
  for (const hook of HOOKS) {
    if (candidate[hook] !== undefined && typeof candidate[hook] !== 'function') {
      throw new StrategyLoadError('invalid_shape', file, `has a ${hook} that is not a function`, name);
    }
  }
  if (candidate['description'] !== undefined && typeof candidate['description'] !== 'string') {
    throw new StrategyLoadError('invalid_shape', file, 'has a description that is not a string', name);
  }
  return value as Strategy<unknown>;
}

/** The strategies a module exports: its default export and any named export with an apiVersion. */
export function exportedStrategies(namespace: Record<string, unknown>): unknown[] {
  let exports = namespace;
  const fallback = namespace['default'];
  // A .ts file outside an ESM package is compiled as CommonJS; its exports arrive under default.
  if (
    typeof fallback === 'object' &&
    fallback !== null &&
    (fallback as Record<string, unknown>)['__esModule']
  ) {
    exports = fallback as Record<string, unknown>;
  }
  const found: unknown[] = [];
  const add = (value: unknown) => {
    if (!found.includes(value)) found.push(value);
  };
  if (exports['default'] !== undefined) add(exports['default']);
  for (const [key, value] of Object.entries(exports)) {
    if (key === 'default' || key === '__esModule') continue;
    if (typeof value === 'object' && value !== null && 'apiVersion' in value) add(value);
  }
  return found;
}

/**
 * The URL a plugin is imported from. TypeScript is compiled by esbuild into one JS module (the
 * sources it imports bundled in, packages resolved from the plugin's folder), so no loader thread
 * runs in the bot or its workers; JavaScript is imported as it is.
 */
export async function pluginModuleUrl(file: string, load: string): Promise<string> {
  if (!isTypeScriptPlugin(file)) return pathToFileURL(file).href;
  pluginDir ??= writableCacheDir('plugins');
  const compiled = await bundleModule(file, { packages: 'resolved', dir: pluginDir, sourcemap: true });
  // A query per load: each load gets fresh instances of the plugin and of the sources bundled in it.
  return `${pathToFileURL(compiled).href}?load=${load}`;
}

let pluginDir: string | undefined;

/** The file each loaded plugin strategy came from, and the module URL a worker loads its own copy from. */
const pluginFiles = new WeakMap<object, { readonly file: string; readonly module: string }>();

/** The plugin file a strategy was loaded from; undefined for one registered in code. */
export function pluginFileOf(strategy: Strategy<unknown>): string | undefined {
  return pluginFiles.get(strategy)?.file;
}

/** The module URL a strategy was imported from (see pluginModuleUrl); undefined for one registered in code. */
export function pluginModuleOf(strategy: Strategy<unknown>): string | undefined {
  return pluginFiles.get(strategy)?.module;
}

/**
 * Loads every plugin in `dir` plus the built-ins, validates them and returns them by name.
 * TypeScript plugins are compiled on load (no build step, see pluginModuleUrl); JavaScript
 * ones are imported natively. A module exports its strategy as `default` and/or as named exports made
 * with `defineStrategy` (any named export object with an `apiVersion`); several per file are
 * allowed. Every failure is a `StrategyLoadError` naming the file and the problem.
 */
export async function loadStrategies(
  options: LoadStrategiesOptions,
): Promise<Map<string, Strategy<unknown>>> {
  const log = options.logger.child({ module: 'strategy-loader' });
  const registry = new Map<string, Strategy<unknown>>();
  const origin = new Map<string, string>();
  const register = (strategy: Strategy<unknown>, file: string) => {
    const previous = origin.get(strategy.name);
    if (previous !== undefined) {
      throw new StrategyLoadError(
        'duplicate_name',
        file,
        `duplicates the name already used by ${previous === 'builtin' ? 'a built-in strategy' : `file ${previous}`}; strategy names must be unique`,
        strategy.name,
      );
    }
    registry.set(strategy.name, strategy);
    origin.set(strategy.name, file);
    log.info({ strategy: strategy.name, file }, 'strategy loaded');
  };

  for (const builtin of options.builtins ?? []) register(validateStrategy(builtin, 'builtin'), 'builtin');
  if (options.dir === undefined) return registry;

  const files = await discoverPluginFiles(options.dir, log);
  const load = randomUUID().slice(0, 8);
  for (const file of files) {
    let namespace: Record<string, unknown>;
    let module: string;
    try {
      module = await pluginModuleUrl(file, load);
      namespace = (await import(module)) as Record<string, unknown>;
    } catch (error) {
      const kind = error instanceof Error ? `${error.name}: ` : '';
      throw new StrategyLoadError(
        'import_failed',
        file,
        `failed to load: ${kind}${describeThrown(error)}`,
        undefined,
        {
          cause: error,
        },
      );
    }
    const strategies = exportedStrategies(namespace);
    if (strategies.length === 0) {
      throw new StrategyLoadError(
        'no_strategy_export',
        file,
        'exports no strategy; write `export default defineStrategy({ name, apiVersion: 1, options, price })`',
      );
    }
    for (const value of strategies) {
      const strategy = validateStrategy(value, file);
      register(strategy, file);
      pluginFiles.set(strategy, { file, module });
    }
  }
  if (files.length === 0) log.warn({ dir: resolve(options.dir) }, 'no strategy plugins found');
  return registry;
}
