import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pino, { type Logger } from 'pino';
import { onTestFinished } from 'vitest';
import { App, type AppOverrides } from '../../src/app/app.js';
import { type Config, configOrThrow } from '../../src/config/index.js';
import type { Quote } from '../../src/domain/types.js';
import type { SimTestUser, TestSimulator } from './simulator.js';

export const STRATEGIES_DIR = resolve(import.meta.dirname, '../../strategies');

type Raw = Record<string, unknown>;

/** Deep-merges plain objects (arrays and scalars replace). */
export function merge(base: Raw, patch: Raw): Raw {
  const out: Raw = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    const current = out[key];
    out[key] =
      value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object'
        ? merge(current as Raw, value as Raw)
        : value;
  }
  return out;
}

/**
 * A config for a bot quoting against a test simulator (as a standalone simulator: base URL
 * plus the user's keys from the environment), fast intervals, generous limits.
 */
export function botConfig(ts: TestSimulator, user: SimTestUser, patch: Raw = {}, inDir?: string): Config {
  const { raw, dir } = botRawConfig(ts, patch, inDir);
  return configOrThrow(raw, { env: botEnv(user), baseDir: dir });
}

/** The environment that carries a user's keys (as a deployment would). */
export function botEnv(user: SimTestUser): Record<string, string> {
  return {
    KALSHI_API_KEY_ID: user.keyId,
    KALSHI_PRIVATE_KEY_PEM: user.key.privatePem,
    OPS_TOKEN: TEST_OPS_TOKEN,
  };
}

/** The bearer token of the test bots' POST /kill and /resume. */
export const TEST_OPS_TOKEN = 'test-ops-token-0123456789';

/** The raw (YAML-shaped) config of a test bot, and the folder its relative paths live in. */
export function botRawConfig(ts: TestSimulator, patch: Raw = {}, inDir?: string): { raw: Raw; dir: string } {
  const dir = inDir ?? mkdtempSync(join(tmpdir(), 'bot-'));
  const raw: Raw = {
    exchange: {
      environment: 'simulator',
      baseUrl: ts.sim.apiBase,
      tier: 'auto',
      hvmMarkets: ['KXMVE*', 'KXBTCD*', 'KXINX*'],
    },
    poller: { intervalMs: 100 },
    strategies: {
      dir: STRATEGIES_DIR,
      routes: [{ name: 'all', strategy: 'fixed-spread', options: { spread: '0.04', maxBookSpread: '0.50' } }],
      // One worker thread: the worker path is still exercised, at half the start-up CPU per bot.
      workers: { size: 1 },
    },
    quoting: { ttlMs: 60_000, acceptPollIntervalMs: 100, sweepIntervalMs: 200, shutdownTimeoutMs: 10_000 },
    risk: {
      maxContractsPerQuote: '100000',
      maxDollarsPerQuote: '100000',
      maxOpenQuotes: 1000,
      maxOpenQuotesPerMarket: 1000,
      maxOpenQuotesPerEvent: 1000,
      maxPositionPerMarket: { contracts: '1000000', dollars: '1000000' },
      maxPositionPerEvent: { contracts: '1000000', dollars: '1000000' },
      maxTotalExposure: '1000000',
      maxDailyLoss: '100000',
      minEdge: '0',
      killSwitch: { file: join(dir, 'KILL'), maxDrawdown: '100000' },
      reconcileCron: '*/5 * * * * *',
    },
    ops: { port: 0 },
    logging: { level: 'silent', summaryIntervalMs: 60_000 },
  };
  return { raw: merge(raw, patch), dir };
}

export interface StartedBot {
  readonly app: App;
  readonly config: Config;
}

/** Starts a bot in-process; stopped (quotes deleted) when the test finishes unless already stopped. */
export async function startBot(
  ts: TestSimulator,
  user: SimTestUser,
  patch: Raw = {},
  overrides: AppOverrides = {},
): Promise<StartedBot> {
  const config = botConfig(ts, user, patch);
  const app = new App(config, { logger: testLogger(), signals: false, opsServer: false, ...overrides });
  onTestFinished(async () => {
    await app.stop('test finished');
  });
  await app.start();
  return { app, config };
}

export function testLogger(): Logger {
  const level = process.env['TEST_LOG_LEVEL'];
  return level ? pino({ level }) : pino({ level: 'silent' });
}

/** Our quotes as the simulator sees them. */
export async function simQuotes(ts: TestSimulator, user: SimTestUser, status?: string): Promise<SimQuote[]> {
  const query = status ? `?status=${status}` : '';
  const { body } = await ts.admin<{ quotes: SimQuote[] }>('GET', `/_sim/users/${user.userId}/quotes${query}`);
  return body.quotes;
}

export interface SimQuote {
  readonly id: string;
  readonly rfq_id: string;
  readonly status: string;
  readonly yes_bid_dollars: string;
  readonly no_bid_dollars: string;
  readonly market_ticker: string;
  readonly [key: string]: unknown;
}

export type { Quote };
