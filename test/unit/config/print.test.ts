import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  type Config,
  configHash,
  EXCHANGE_URLS,
  formatConfigProblems,
  loadConfigText,
  printableConfig,
  redactedRoutes,
} from '../../../src/config/index.js';
import { makeTestKey } from '../../helpers/keys.js';

const SHIPPED = readFileSync(fileURLToPath(new URL('../../../config.yaml', import.meta.url)), 'utf8');
const key = makeTestKey();
const TOKEN = 'ops-token-0123456789abcdef';

const FEED_ROUTE = [
  'strategies:',
  '  routes:',
  '    - name: feed',
  '      strategy: fair-value-feed',
  '      options:',
  '        source: "https://feeds.example/fv.json?region=us&token=feed-secret-1"',
  '        apiKey: plugin-key-2',
  '        spread: "0.03"',
].join('\n');

function load(text: string, env: Record<string, string> = {}): Config {
  const result = loadConfigText(text, { env });
  if (!result.ok) throw new Error(formatConfigProblems(result.problems));
  return result.config;
}

describe('configHash', () => {
  it('is 12 hex digits, stable, and changes with a setting but not with a secret value', () => {
    const demo = (env: Record<string, string>) =>
      load(SHIPPED, { KALSHI_ENV: 'demo', KALSHI_PRIVATE_KEY_PEM: key.privatePem, OPS_TOKEN: TOKEN, ...env });
    const a = configHash(demo({ KALSHI_API_KEY_ID: key.keyId }));
    expect(a).toMatch(/^[0-9a-f]{12}$/);
    expect(configHash(demo({ KALSHI_API_KEY_ID: key.keyId }))).toBe(a);
    expect(configHash(demo({ KALSHI_API_KEY_ID: 'another-key-id' }))).toBe(a);
    expect(configHash(load(SHIPPED))).not.toBe(a);
  });
});

describe('printableConfig (--print-config)', () => {
  it('prints the resolved config as YAML under a header with its hash; no secret anywhere', () => {
    const config = load(`${SHIPPED.replace(/^strategies:[\s\S]*?(?=^quoting:)/m, `${FEED_ROUTE}\n\n`)}`, {
      KALSHI_ENV: 'demo',
      KALSHI_API_KEY_ID: key.keyId,
      KALSHI_PRIVATE_KEY_PEM: key.privatePem,
      OPS_TOKEN: TOKEN,
    });
    const text = printableConfig(config);
    expect(text.split('\n').slice(0, 2)).toEqual([
      '# kalshi-rfq-maker: the resolved config, secrets redacted',
      `# config hash ${configHash(config)}, environment demo`,
    ]);
    for (const secret of [key.keyId, TOKEN, 'PRIVATE KEY', 'feed-secret-1', 'plugin-key-2']) {
      expect(text).not.toContain(secret);
    }
    const printed = parse(text) as {
      exchange: { environment: string; baseUrl: string };
      risk: { maxTotalExposure: string };
      strategies: { routes: { options: Record<string, string> }[] };
      secrets: Record<string, string>;
    };
    expect(printed.exchange.environment).toBe('demo');
    expect(printed.exchange.baseUrl).toBe(EXCHANGE_URLS.demo.restUrl);
    expect(printed.risk.maxTotalExposure).toBe('5000.00');
    expect(printed.strategies.routes[0]!.options).toEqual({
      source: 'https://feeds.example/fv.json?region=us&token=[REDACTED]',
      apiKey: '[REDACTED]',
      spread: '0.03',
    });
    expect(printed.secrets).toEqual({
      apiKeyId: '[REDACTED]',
      privateKeyPem: '[REDACTED]',
      opsToken: '[REDACTED]',
      opsMetricsToken: 'unset',
      redisPassword: 'unset',
    });
  });

  it('the startup log gets the strategy options redacted the same way', () => {
    const config = load(FEED_ROUTE);
    expect(redactedRoutes(config)).toEqual([
      {
        route: 'feed',
        strategy: 'fair-value-feed',
        options: {
          source: 'https://feeds.example/fv.json?region=us&token=[REDACTED]',
          apiKey: '[REDACTED]',
          spread: '0.03',
        },
      },
    ]);
  });
});
