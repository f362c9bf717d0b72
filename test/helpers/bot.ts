import pino, { type Logger } from 'pino';
import { expect, onTestFinished } from 'vitest';
import { App, type AppOverrides } from '../../src/app/app.js';
import { type Config, configOrThrow } from '../../src/config/index.js';
import type { Quote } from '../../src/domain/types.js';
import { createLogger, type LogLevel } from '../../src/ops/logger.js';
import { type Raw, testRawConfig } from './config.js';
import { duplicateJsonKeys } from './json-keys.js';
import { type SimTestUser, type TestSimulator, waitFor } from './simulator.js';

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
  return testRawConfig({ apiBase: ts.sim.apiBase, patch, ...(inDir !== undefined ? { dir: inDir } : {}) });
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
  /** The folder for the config's relative paths (journal, kill file): reuse it to restart a bot. */
  inDir?: string,
): Promise<StartedBot> {
  const config = botConfig(ts, user, patch, inDir);
  const app = new App(config, { logger: testLogger(), signals: false, opsServer: false, ...overrides });
  onTestFinished(async () => {
    await app.stop('test finished');
  });
  await app.start();
  return { app, config };
}

/**
 * The bot's own logger (`createLogger`, JSON) whose lines (parsed) land in an array, for waiting
 * on what the bot logs. A line with a key twice (JSON.parse would keep the last silently) fails
 * the test at its end.
 */
export function capturingLogger(level: LogLevel = 'debug'): { logger: Logger; lines: LoggedLine[] } {
  const lines: LoggedLine[] = [];
  const repeated: string[] = [];
  const logger = createLogger({
    level,
    format: 'json',
    destination: {
      write: (line: string) => {
        if (duplicateJsonKeys(line).length > 0) repeated.push(line);
        lines.push(JSON.parse(line) as LoggedLine);
      },
    },
  });
  onTestFinished(() => expect(repeated, 'log lines with a key twice').toEqual([]));
  return { logger, lines };
}

export interface LoggedLine {
  readonly level: number;
  readonly msg?: string;
  readonly [key: string]: unknown;
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

/** Waits until the simulator lists exactly `count` open quotes of `user`. */
export async function waitForOpenQuotes(
  ts: TestSimulator,
  user: SimTestUser,
  count: number,
  options: { readonly timeoutMs?: number; readonly intervalMs?: number; readonly what?: string } = {},
): Promise<void> {
  await waitFor(async () => (await simQuotes(ts, user, 'open')).length === count, {
    what: `${count} open quotes`,
    ...options,
  });
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

/** A counter or gauge of the bot's metrics, summed over the label values that match `labels`. */
export async function metricValue(
  metric: { get(): Promise<{ values: { labels: Record<string, unknown>; value: number }[] }> },
  labels: Record<string, string> = {},
): Promise<number> {
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([key, value]) => v.labels[key] === value))
    .reduce((sum, v) => sum + v.value, 0);
}

/**
 * Resolves once `count` more full cycles, each begun after the call, have completed: the proof that
 * the bot has looked at the exchange's RFQs again since (what a fixed sleep would only hope for).
 * A cycle in flight at the call does not count: it may have read the exchange before.
 */
export async function pollCyclesPass(app: App, count: number): Promise<void> {
  const target = app.poller.cyclesStarted + count;
  await waitFor(() => app.poller.lastCompletedCycle >= target, { what: `${count} more poll cycles` });
}

/** Asks for a full listing now (with push live the next is 30 s away) and waits for one begun after the call. */
export async function freshListing(app: App): Promise<void> {
  const target = app.poller.cyclesStarted + 1;
  app.poller.requestCycle();
  await waitFor(() => app.poller.lastCompletedCycle >= target, { what: 'a listing begun after the call' });
}

export type { Quote };
