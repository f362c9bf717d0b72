import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  EXCHANGE_URLS,
  formatConfigProblems,
  loadConfig,
  resolveExchangeUrls,
  wsUrlFor,
} from '../../../src/config/index.js';
import { makeTestKey } from '../../helpers/keys.js';

const SHIPPED = resolve(fileURLToPath(new URL('../../..', import.meta.url)), 'config.yaml');
const key = makeTestKey();

function shippedWith(env: Record<string, string>) {
  const result = loadConfig({
    path: SHIPPED,
    env: { KALSHI_API_KEY_ID: key.keyId, KALSHI_PRIVATE_KEY_PATH: key.privatePemPath, ...env },
  });
  if (!result.ok) throw new Error(formatConfigProblems(result.problems));
  return result.config.exchange;
}

describe('the websocket URL', () => {
  it('derives ws from http and wss from https, keeping any path before /trade-api/v2', () => {
    expect(wsUrlFor('http://127.0.0.1:8080/trade-api/v2')).toBe('ws://127.0.0.1:8080/trade-api/ws/v2');
    expect(wsUrlFor('https://proxy.example.com/kalshi/trade-api/v2')).toBe(
      'wss://proxy.example.com/kalshi/trade-api/ws/v2',
    );
  });

  it('follows KALSHI_BASE_URL on demo instead of staying on the demo host', () => {
    const exchange = shippedWith({
      KALSHI_ENV: 'demo',
      KALSHI_BASE_URL: 'http://127.0.0.1:8080/trade-api/v2',
    });
    expect(exchange.baseUrl).toBe('http://127.0.0.1:8080/trade-api/v2');
    expect(exchange.wsUrl).toBe('ws://127.0.0.1:8080/trade-api/ws/v2');
  });

  it('follows KALSHI_BASE_URL on production and on the simulator environment', () => {
    const production = shippedWith({
      KALSHI_ENV: 'production',
      KALSHI_CONFIRM_PRODUCTION: 'true',
      KALSHI_BASE_URL: 'https://gateway.internal/trade-api/v2',
    });
    expect(production.wsUrl).toBe('wss://gateway.internal/trade-api/ws/v2');
    const simulator = shippedWith({ KALSHI_BASE_URL: 'http://127.0.0.1:9000/trade-api/v2' });
    expect(simulator.wsUrl).toBe('ws://127.0.0.1:9000/trade-api/ws/v2');
  });

  it('takes KALSHI_WS_URL over the derived one', () => {
    const exchange = shippedWith({
      KALSHI_ENV: 'demo',
      KALSHI_BASE_URL: 'http://127.0.0.1:8080/trade-api/v2',
      KALSHI_WS_URL: 'ws://127.0.0.1:8081/trade-api/ws/v2',
    });
    expect(exchange.wsUrl).toBe('ws://127.0.0.1:8081/trade-api/ws/v2');
  });

  it("keeps the environment's own hosts when nothing is overridden", () => {
    expect(shippedWith({ KALSHI_ENV: 'demo' }).wsUrl).toBe(EXCHANGE_URLS.demo.wsUrl);
    expect(shippedWith({ KALSHI_ENV: 'production', KALSHI_CONFIRM_PRODUCTION: 'true' }).wsUrl).toBe(
      EXCHANGE_URLS.production.wsUrl,
    );
    expect(shippedWith({}).wsUrl).toBeUndefined();
  });

  it('resolveExchangeUrls applies the same rule', () => {
    expect(
      resolveExchangeUrls({ environment: 'demo', baseUrl: 'https://mirror.example/trade-api/v2' }),
    ).toEqual({
      restUrl: 'https://mirror.example/trade-api/v2',
      wsUrl: 'wss://mirror.example/trade-api/ws/v2',
    });
    expect(resolveExchangeUrls({ environment: 'production' })).toEqual(EXCHANGE_URLS.production);
    expect(resolveExchangeUrls({ environment: 'simulator' })).toBeUndefined();
  });
});
