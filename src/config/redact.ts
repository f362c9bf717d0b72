/**
 * The effective config in a form fit for logs and `--print-config`: secrets hidden (the secret
 * values, and any value under a secret-looking name or in a URL query), money back in decimal
 * strings; and a short hash of it that the startup line carries.
 */
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import { formatCount, formatDollarsMinimal } from '../domain/money.js';
import { createRedactor, REDACTED, type Redactor, redactValue } from '../domain/redact.js';
import type { ConfigPath } from './problems.js';
import { configSchema } from './schema.js';
import type { Config } from './types.js';
import { metaAt } from './walk.js';

function render(value: unknown, path: ConfigPath): unknown {
  if (typeof value === 'number') {
    const unit = metaAt(configSchema, path)?.unit;
    if (unit === 'dollars') return formatDollarsMinimal(value);
    if (unit === 'contracts') return formatCount(value).replace(/\.00$/, '');
    return value;
  }
  if (Array.isArray(value)) return value.map((item, index) => render(item, [...path, index]));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key, render(inner, [...path, key])]),
    );
  }
  return value;
}

/** Redacts every printed text of this config: the rules of `domain/redact.ts` plus its secret values. */
export function configRedactor(config: Config): Redactor {
  return createRedactor(Object.values(config.secrets).filter((value) => typeof value === 'string'));
}

const KNOWN_SECRETS = ['apiKeyId', 'privateKeyPem', 'opsToken', 'opsMetricsToken', 'redisPassword'] as const;

/** A plain copy for logs and `--print-config`: secrets show only as set or not. */
export function redactedConfig(config: Config): Record<string, unknown> {
  const { secrets, ...rest } = config;
  const shown = redactValue(render(rest, []), configRedactor(config)) as Record<string, unknown>;
  const status: Record<string, string> = {};
  for (const name of new Set([...KNOWN_SECRETS, ...Object.keys(secrets)])) {
    status[name] = (secrets as unknown as Record<string, unknown>)[name] ? REDACTED : 'unset';
  }
  return { ...shown, secrets: status };
}

/** Each route's strategy and options, redacted: what the startup log shows of the strategies. */
export function redactedRoutes(config: Config): readonly Record<string, unknown>[] {
  const redact = configRedactor(config);
  return config.strategies.routes.map((route) => ({
    route: route.name,
    strategy: route.strategy,
    options: redactValue(route.options ?? {}, redact),
  }));
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, inner]) => inner !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonicalJson(inner)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The first 12 hex digits of the SHA-256 of the redacted config in canonical JSON: equal
 * hashes mean equal settings. Secrets count only as set or not, so the hash reveals none.
 */
export function configHash(config: Config): string {
  return createHash('sha256')
    .update(canonicalJson(redactedConfig(config)))
    .digest('hex')
    .slice(0, 12);
}

/** What `--print-config` prints: a header naming the hash, then the redacted config as YAML. */
export function printableConfig(config: Config): string {
  const header =
    `# kalshi-rfq-maker: the resolved config, secrets redacted\n` +
    `# config hash ${configHash(config)}, environment ${config.exchange.environment}\n`;
  return configRedactor(config)(header + stringify(redactedConfig(config), { lineWidth: 0 }));
}
