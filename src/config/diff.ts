/**
 * What changed between two loaded configs, and whether a running bot can take it. The
 * classification comes from the schema's `reload` metadata (the nearest annotated ancestor);
 * secrets and anything unannotated need a restart.
 */
import type { Reload } from './fields.js';
import { type ConfigPath, formatPath } from './problems.js';
import { configSchema } from './schema.js';
import type { Config, ConfigSecrets } from './types.js';
import { reloadAt } from './walk.js';

export interface ConfigChange {
  /** Dotted key path, e.g. `risk.maxOpenQuotes` or `strategies.routes[0].options.spread`. */
  readonly path: string;
  readonly reload: Reload;
}

export interface ConfigDiff {
  readonly changes: readonly ConfigChange[];
  /** Paths a running bot can apply. */
  readonly hot: readonly string[];
  /** Paths that need a restart: a reload containing any of them must be refused. */
  readonly restartRequired: readonly string[];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function collect(a: unknown, b: unknown, path: ConfigPath, out: ConfigPath[]): void {
  if (Object.is(a, b)) return;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) {
      out.push(path);
      return;
    }
    a.forEach((item, index) => {
      collect(item, b[index], [...path, index], out);
    });
    return;
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) collect(a[key], b[key], [...path, key], out);
    return;
  }
  out.push(path);
}

const SECRET_KEYS: readonly (keyof ConfigSecrets)[] = [
  'apiKeyId',
  'privateKeyPem',
  'opsToken',
  'opsMetricsToken',
];

export function diffConfig(previous: Config, next: Config): ConfigDiff {
  const paths: ConfigPath[] = [];
  const { secrets: _a, ...left } = previous;
  const { secrets: _b, ...right } = next;
  collect(left, right, [], paths);
  const changes: ConfigChange[] = paths.map((path) => ({
    path: formatPath(path),
    reload: reloadAt(configSchema, path),
  }));
  for (const key of SECRET_KEYS) {
    if (previous.secrets[key] !== next.secrets[key])
      changes.push({ path: `secrets.${key}`, reload: 'restart' });
  }
  return {
    changes,
    hot: changes.filter((c) => c.reload === 'hot').map((c) => c.path),
    restartRequired: changes.filter((c) => c.reload === 'restart').map((c) => c.path),
  };
}

/**
 * Why a reload is refused, or `undefined` when it can be applied:
 * `exchange.environment changed: needs a restart; the reload was refused`.
 */
export function restartRequiredMessage(diff: ConfigDiff): string | undefined {
  const paths = diff.restartRequired;
  if (paths.length === 0) return undefined;
  const list =
    paths.length === 1 ? paths[0] : `${paths.slice(0, -1).join(', ')} and ${paths[paths.length - 1]}`;
  return `${list} changed: ${paths.length === 1 ? 'needs' : 'need'} a restart; the reload was refused`;
}
