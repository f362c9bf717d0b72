import { describe, expect, it } from 'vitest';
import {
  type Config,
  configFromObject,
  diffConfig,
  formatConfigProblems,
  restartRequiredMessage,
} from '../../../src/config/index.js';
import { makeTestKey } from '../../helpers/keys.js';

function config(raw: Record<string, unknown>, env: Record<string, string> = {}): Config {
  const result = configFromObject(raw, { env, baseDir: '/srv/bot' });
  if (!result.ok) throw new Error(formatConfigProblems(result.problems));
  return result.config;
}

const routes = [
  { name: 'main', strategy: 'fixed-spread', options: { spread: '0.04' } },
  { name: 'rest', strategy: 'inventory-skew', options: { baseSpread: '0.04' } },
];

describe('diffConfig', () => {
  it('finds nothing between equal configs', () => {
    const diff = diffConfig(config({ strategies: { routes } }), config({ strategies: { routes } }));
    expect(diff.changes).toEqual([]);
    expect(restartRequiredMessage(diff)).toBeUndefined();
  });

  it('classifies route options, risk limits, quoting tolerances, filters and log level as hot', () => {
    const before = config({ strategies: { routes } });
    const after = config({
      strategies: { routes: [{ ...routes[0], options: { spread: '0.05' } }, routes[1]] },
      risk: { maxOpenQuotes: 10, windows: [{ cron: '* 9-16 * * 1-5', timezone: 'America/New_York' }] },
      quoting: { ttlMs: 5000, fairValueTolerance: '0.05' },
      poller: { filters: { tickerGlobs: ['KX*'] } },
      logging: { level: 'debug' },
    });
    const diff = diffConfig(before, after);
    expect(diff.restartRequired).toEqual([]);
    expect(new Set(diff.hot)).toEqual(
      new Set([
        'strategies.routes[0].options.spread',
        'quoting.ttlMs',
        'quoting.fairValueTolerance',
        'risk.maxOpenQuotes',
        'risk.windows',
        'poller.filters.tickerGlobs',
        'logging.level',
      ]),
    );
    expect(restartRequiredMessage(diff)).toBeUndefined();
  });

  it('adding a route is hot', () => {
    const diff = diffConfig(
      config({ strategies: { routes: [routes[0]] } }),
      config({ strategies: { routes } }),
    );
    expect(diff.changes).toEqual([{ path: 'strategies.routes', reload: 'hot' }]);
  });

  it('refuses exchange, simulator, ops, strategies.dir, poller interval and dryRun changes', () => {
    const diff = diffConfig(
      config({}),
      config({
        exchange: { environment: 'simulator', tier: 'advanced' },
        simulator: { seed: 7 },
        ops: { port: 9999 },
        strategies: { dir: './other' },
        poller: { intervalMs: 500 },
        dryRun: true,
      }),
    );
    expect(new Set(diff.restartRequired)).toEqual(
      new Set([
        'exchange.tier',
        'simulator.seed',
        'ops.port',
        'strategies.dir',
        'poller.intervalMs',
        'dryRun',
      ]),
    );
    expect(diff.hot).toEqual([]);
    expect(restartRequiredMessage(diff)).toMatch(/ changed: need a restart; the reload was refused$/);
  });

  it('words a single refusal as documented', () => {
    const diff = diffConfig(config({}), config({ exchange: { environment: 'demo' } }, keys()));
    expect(diff.restartRequired).toEqual([
      'exchange.environment',
      'exchange.baseUrl',
      'exchange.wsUrl',
      'secrets.apiKeyId',
      'secrets.privateKeyPem',
    ]);
    const single = diffConfig(config({}), config({ exchange: { subaccount: 3 } }));
    expect(restartRequiredMessage(single)).toBe(
      'exchange.subaccount changed: needs a restart; the reload was refused',
    );
  });

  it('sees secret changes without showing them', () => {
    const a = config({}, { OPS_TOKEN: 'first-token-0123456789' });
    const b = config({}, { OPS_TOKEN: 'second-token-0123456789' });
    const diff = diffConfig(a, b);
    expect(diff.changes).toEqual([{ path: 'secrets.opsToken', reload: 'restart' }]);
    expect(restartRequiredMessage(diff)).toBe(
      'secrets.opsToken changed: needs a restart; the reload was refused',
    );
  });
});

function keys(): Record<string, string> {
  const key = makeTestKey();
  return { KALSHI_API_KEY_ID: key.keyId, KALSHI_PRIVATE_KEY_PEM: key.privatePem };
}
