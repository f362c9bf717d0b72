/**
 * Loading: YAML (with positions) → `${VAR}` substitution → zod validation → secrets from the
 * environment/files → paths made absolute → deep freeze. Every problem is collected and
 * returned at once; nothing here logs or exits.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Env } from './env.js';
import { resolveExchangeUrls } from './environments.js';
import { issueToProblems, sortProblems } from './issues.js';
import { ConfigError, type ConfigPath, type ConfigProblem, describeFound, formatPath } from './problems.js';
import { configSchema, type ParsedConfig } from './schema.js';
import { resolveSecrets } from './secrets.js';
import type { Config, ConfigSecrets } from './types.js';
import { FORBIDDEN_KEYS } from './yaml-guards.js';
import { type ConfigSource, parseYaml, sourceless } from './yaml-source.js';

/** Values given on the command line, which win over the file. */
export interface ConfigOverrides {
  /** `--dry-run`. */
  readonly dryRun?: boolean;
}

export interface LoadConfigOptions {
  /** Path of the YAML file; problems name it as given. */
  readonly path: string;
  /** Variables for `${VAR}` and secrets. @default process.env */
  readonly env?: Env;
  readonly overrides?: ConfigOverrides;
}

export type LoadConfigResult =
  | {
      readonly ok: true;
      readonly config: Config;
      /** Maps key paths to file positions, e.g. for a strategy's option errors. */
      readonly source: ConfigSource;
    }
  | { readonly ok: false; readonly problems: readonly ConfigProblem[] };

export interface ConfigTextOptions {
  /** Name used in problems. @default "config.yaml" */
  readonly file?: string;
  /** @default {} (nothing from the process environment) */
  readonly env?: Env;
  /** Where relative paths resolve. @default process.cwd() */
  readonly baseDir?: string;
  readonly overrides?: ConfigOverrides;
}

/** Reads, validates and freezes a config file; the only I/O is reading it and the key file. */
export function loadConfig(options: LoadConfigOptions): LoadConfigResult {
  let text: string;
  try {
    text = readFileSync(options.path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    return {
      ok: false,
      problems: [{ file: options.path, path: '', message: `cannot read the config file (${code})` }],
    };
  }
  return loadConfigText(text, {
    file: options.path,
    env: options.env ?? process.env,
    baseDir: dirname(resolve(options.path)),
    ...(options.overrides ? { overrides: options.overrides } : {}),
  });
}

/** Like `loadConfig`, throwing a `ConfigError` that lists every problem. */
export function loadConfigOrThrow(options: LoadConfigOptions): Config {
  const result = loadConfig(options);
  if (!result.ok) throw new ConfigError(result.problems);
  return result.config;
}

export function loadConfigText(text: string, options: ConfigTextOptions = {}): LoadConfigResult {
  const file = options.file ?? 'config.yaml';
  const env = options.env ?? {};
  const parsed = parseYaml(text, file, env);
  if (parsed.data === undefined && parsed.problems.length > 0) {
    return { ok: false, problems: sortProblems(parsed.problems) };
  }
  return validate(parsed.data, parsed.source, parsed.problems, env, options);
}

/**
 * Validates a plain object as if it were the YAML file (no positions): for tests and tools
 * that build a config in code. Throws nothing; see `configOrThrow`.
 */
export function configFromObject(raw: unknown, options: ConfigTextOptions = {}): LoadConfigResult {
  const env = options.env ?? {};
  return validate(raw, sourceless(options.file ?? '<object>'), [], env, options);
}

/** `configFromObject`, throwing a `ConfigError`. */
export function configOrThrow(raw: unknown, options: ConfigTextOptions = {}): Config {
  const result = configFromObject(raw, options);
  if (!result.ok) throw new ConfigError(result.problems);
  return result.config;
}

function validate(
  rawData: unknown,
  source: ConfigSource,
  earlier: readonly ConfigProblem[],
  env: Env,
  options: ConfigTextOptions,
): LoadConfigResult {
  const problems: ConfigProblem[] = [...earlier];
  const data = rawData ?? {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    const at = source.locate([]);
    problems.push({
      file: source.file,
      ...(at ? { line: at.line, column: at.column } : {}),
      path: '',
      message: `expected a map of settings at the top level, found ${describeFound(data)}`,
    });
    return { ok: false, problems: sortProblems(problems) };
  }

  const forbidden = forbiddenKeysIn(data, [], source);
  if (forbidden.length > 0) return { ok: false, problems: sortProblems([...problems, ...forbidden]) };

  const result = configSchema.safeParse(data);
  if (!result.success) {
    for (const issue of result.error.issues) problems.push(...issueToProblems(issue, data, source));
  }
  const baseDir = options.baseDir ?? process.cwd();
  const resolved = resolveSecrets(data, env, baseDir, source);
  problems.push(...resolved.problems);
  if (!result.success || problems.length > 0) return { ok: false, problems: sortProblems(problems) };

  const config = finish(result.data, resolved.secrets, resolved.privateKeyPath, baseDir, options.overrides);
  return { ok: true, config, source };
}

/** Own keys that reach the prototype chain, at any depth (objects built in code or from JSON). */
function forbiddenKeysIn(value: unknown, path: ConfigPath, source: ConfigSource): ConfigProblem[] {
  if (value === null || typeof value !== 'object') return [];
  const problems: ConfigProblem[] = [];
  for (const key of Object.keys(value)) {
    const inner = (value as Record<string, unknown>)[key];
    if (FORBIDDEN_KEYS.has(key)) {
      const at = source.locateKey(path, key);
      problems.push({
        file: source.file,
        ...(at ? { line: at.line, column: at.column } : {}),
        path: formatPath([...path, key]),
        message: `the key "${key}" is refused anywhere in the config (it could tamper with object prototypes)`,
      });
    } else {
      problems.push(...forbiddenKeysIn(inner, [...path, Array.isArray(value) ? Number(key) : key], source));
    }
  }
  return problems;
}

function absolute(baseDir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

function finish(
  parsed: ParsedConfig,
  secrets: ConfigSecrets,
  privateKeyPath: string | undefined,
  baseDir: string,
  overrides: ConfigOverrides | undefined,
): Config {
  const { apiKeyId: _keyIdLivesInSecrets, privateKeyPath: _path, ...exchange } = parsed.exchange;
  const urls = resolveExchangeUrls(exchange);
  const config = {
    ...parsed,
    exchange: {
      ...exchange,
      ...(urls ? { baseUrl: urls.restUrl, wsUrl: urls.wsUrl } : {}),
      ...(privateKeyPath ? { privateKeyPath } : {}),
    },
    strategies: { ...parsed.strategies, dir: absolute(baseDir, parsed.strategies.dir) },
    risk: {
      ...parsed.risk,
      killSwitch: { ...parsed.risk.killSwitch, file: absolute(baseDir, parsed.risk.killSwitch.file) },
    },
    journal: { ...parsed.journal, path: absolute(baseDir, parsed.journal.path) },
    dryRun: overrides?.dryRun ?? parsed.dryRun,
  };
  Object.defineProperty(config, 'secrets', { value: sealSecrets(secrets), enumerable: false });
  return deepFreeze(config) as unknown as Config;
}

const REDACTED = '[REDACTED]';

/** Frozen, and printing it (JSON, console.log, pino) shows only which secrets are set. */
export function sealSecrets(secrets: ConfigSecrets): ConfigSecrets {
  const sealed = { ...secrets };
  const shown = () =>
    Object.fromEntries(Object.entries(secrets).map(([key, value]) => [key, value ? REDACTED : undefined]));
  Object.defineProperty(sealed, 'toJSON', { value: shown, enumerable: false });
  Object.defineProperty(sealed, Symbol.for('nodejs.util.inspect.custom'), {
    value: shown,
    enumerable: false,
  });
  return Object.freeze(sealed);
}

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key]);
  }
  return value;
}
