/** The effective config in a form fit for logs: secrets hidden, money back in decimal strings. */
import { formatCount, formatDollarsMinimal } from '../domain/money.js';
import type { ConfigPath } from './problems.js';
import { configSchema } from './schema.js';
import type { Config } from './types.js';
import { metaAt } from './walk.js';

const REDACTED = '[REDACTED]';

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

/** A plain copy for `log.info({ config: redactedConfig(config) })`: secrets show only as set or not. */
export function redactedConfig(config: Config): Record<string, unknown> {
  const { secrets, ...rest } = config;
  const shown = render(rest, []) as Record<string, unknown>;
  return {
    ...shown,
    secrets: {
      apiKeyId: secrets.apiKeyId ? REDACTED : 'unset',
      privateKeyPem: secrets.privateKeyPem ? REDACTED : 'unset',
      opsToken: secrets.opsToken ? REDACTED : 'unset',
      opsMetricsToken: secrets.opsMetricsToken ? REDACTED : 'unset',
    },
  };
}
