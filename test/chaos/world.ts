/**
 * The world a chaos scenario (or the soak) runs in: a fresh simulator with one keyed user, the
 * bot in-process against it (as a standalone deployment would run: base URL plus keys), admin
 * helpers to create RFQs and accept our quotes as the requester, and a traffic driver.
 * Nothing here registers vitest hooks: the chaos runner and the soak are plain tsx scripts.
 */
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { App, type AppOverrides } from '../../src/app/app.js';
import { riskLimitsFrom } from '../../src/app/options-from-config.js';
import { type Config, configOrThrow } from '../../src/config/index.js';
import type { LifecycleConfig } from '../../src/simulator/index.js';
import { botEnv, type SimQuote } from '../helpers/bot.js';
import { merge, type Raw, type RiskBlock, testRawConfig } from '../helpers/config.js';
import type { TestKey } from '../helpers/keys.js';
import {
  type SimTestUser,
  type StartTestSimulatorOptions,
  startTestSimulator,
} from '../helpers/simulator.js';

/** Short windows so accepts, confirms and lapses happen within a scenario. */
export const CHAOS_LIFECYCLE: Partial<LifecycleConfig> = {
  confirmWindowMs: 5_000,
  executionDelayMs: 300,
  hvConfirmWindowMs: 3_000,
  hvExecutionDelayMs: 300,
};

/**
 * The chaos bot: fast loops, the exchange's real windows, a short request time-out, and limits
 * tight enough that the guard refuses quotes on the busy markets (so "no limit exceeded" is
 * tested, not vacuous), yet roomy enough for the recovery probes on other markets.
 */
export const CHAOS_BOT_PATCH: Raw = {
  exchange: { requestTimeoutMs: 1_500, confirmWindowMs: 5_000, hvmConfirmWindowMs: 3_000 },
  // The shipped config's read rhythm (poller 1 s, sweep 1 s there): test speeds would use the whole read budget.
  poller: { intervalMs: 500 },
  // The shipped pool (the test helpers' default is one worker).
  strategies: { workers: { size: 2 } },
  quoting: {
    ttlMs: 20_000,
    acceptPollIntervalMs: 250,
    sweepIntervalMs: 1_000,
    shutdownTimeoutMs: 10_000,
    fillSettleMs: 500,
    fillSyncIntervalMs: 2_000,
    fullListingIntervalMs: 2_000,
  },
  risk: {
    maxContractsPerQuote: '80',
    maxDollarsPerQuote: '60',
    maxOpenQuotes: 40,
    maxOpenQuotesPerMarket: 4,
    maxOpenQuotesPerEvent: 16,
    maxPositionPerMarket: { contracts: '120', dollars: '90' },
    maxPositionPerEvent: { contracts: '400', dollars: '300' },
    maxTotalExposure: '900',
    maxDailyLoss: '500',
  } satisfies RiskBlock,
};

/** A pino logger that keeps the last lines in memory (evidence for a failure) and prints nothing. */
export function ringLogger(
  level: string,
  keep = Number(process.env['CHAOS_KEEP'] ?? 300),
): { logger: Logger; lines: string[]; anotherQuoter: () => number } {
  const lines: string[] = [];
  let anotherQuoter = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) {
        if (line.length === 0) continue;
        if (line.includes('another process may be quoting with this API key')) anotherQuoter++;
        lines.push(line);
        if (lines.length > keep) lines.splice(0, lines.length - keep);
      }
      done();
    },
  });
  return { logger: pino({ level }, sink), lines, anotherQuoter: () => anotherQuoter };
}

export interface SimMarket {
  readonly ticker: string;
  readonly event_ticker: string;
  readonly status: string;
  readonly high_volatility: boolean;
}

/** The loopback admin API of a simulator, in this process or another. */
export type AdminCall = <T = Record<string, unknown>>(
  method: string,
  path: string,
  body?: unknown,
) => Promise<{ status: number; body: T }>;

/** Our user at the simulator: its key (the bot signs with it) and the ref the admin API takes. */
export interface ChaosUser {
  readonly keyId: string;
  readonly key: TestKey;
  /** Any ref `/_sim/users/{ref}` accepts (user id or key id). */
  readonly userId: string;
}

export interface World {
  readonly admin: AdminCall;
  /** REST base, `.../trade-api/v2`. */
  readonly apiBase: string;
  readonly user: ChaosUser;
  readonly markets: ReadonlyMap<string, SimMarket>;
  /** Markets the fault-phase traffic concentrates on (limits bind there). */
  readonly busy: readonly string[];
  /** Markets of other events for the recovery probes. */
  readonly probe: readonly string[];
  stop(): Promise<void>;
}

export interface WorldOptions extends Omit<StartTestSimulatorOptions, 'userCount' | 'teardown'> {}

/** Picks the busy and probe markets from the seeded world. */
export async function describeWorld(
  admin: AdminCall,
  rest: Omit<World, 'markets' | 'busy' | 'probe' | 'admin'>,
): Promise<World> {
  const { body } = await admin<{ markets: SimMarket[] }>('GET', '/_sim/markets');
  const markets = new Map(body.markets.map((m) => [m.ticker, m]));
  const active = body.markets.filter((m) => m.status === 'active');
  // Two events for the busy markets (one standard, one high-volatility), others for probes.
  const singles = active.filter((m) => !m.ticker.startsWith('KXMVE'));
  const byEvent = new Map<string, SimMarket[]>();
  for (const m of singles) byEvent.set(m.event_ticker, [...(byEvent.get(m.event_ticker) ?? []), m]);
  const events = [...byEvent.values()].filter((list) => list.length >= 2);
  const standard = events.find((list) => list.every((m) => !m.high_volatility));
  const volatile = events.find((list) => list.some((m) => m.high_volatility));
  if (!standard || !volatile) throw new Error('the seeded world lacks the events the chaos suite needs');
  const combo = active.find((m) => m.ticker.startsWith('KXMVE'));
  const busy = [
    ...standard.slice(0, 2),
    ...volatile.filter((m) => m.high_volatility).slice(0, 2),
    ...(combo ? [combo] : []),
  ].map((m) => m.ticker);
  const busyEvents = new Set(busy.map((t) => markets.get(t)!.event_ticker));
  // One probe market per other event, so probes never compete for an event's limits.
  const probe = [...byEvent.values()]
    .filter((list) => !busyEvents.has(list[0]!.event_ticker))
    .map((list) => list[0]!.ticker)
    .slice(0, 4);
  return { ...rest, admin, markets, busy, probe };
}

/** A fresh in-process simulator with one keyed user, no takers, frozen prices, the chaos life cycle. */
export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const ts = await startTestSimulator({
    userCount: 1,
    teardown: 'manual',
    lifecycle: CHAOS_LIFECYCLE,
    ...options,
  });
  const user = ts.users[0]!;
  return describeWorld(ts.admin, {
    apiBase: ts.sim.apiBase,
    user: { keyId: user.keyId, key: user.key, userId: user.userId },
    stop: () => ts.stop(),
  });
}

/** The raw config of a bot quoting in this world (test helpers' shape), and its folder. */
export function chaosRawConfig(world: World, patch: Raw = {}): { raw: Raw; dir: string } {
  return testRawConfig({ apiBase: world.apiBase, patch: merge(CHAOS_BOT_PATCH, patch) });
}

/** The environment carrying the user's keys (as a deployment would). */
export function chaosEnv(world: World): Record<string, string> {
  return botEnv({ keyId: world.user.keyId, key: world.user.key } as SimTestUser);
}

export interface ChaosBot {
  readonly app: App;
  readonly config: Config;
  readonly logLines: string[];
  /** Times it logged that another process may be quoting with its key (never, with one bot per key). */
  readonly anotherQuoterErrors: () => number;
}

/** Starts the bot in-process against the world's simulator. */
export async function startChaosBot(
  world: World,
  patch: Raw = {},
  overrides: AppOverrides = {},
): Promise<ChaosBot> {
  const config = chaosConfig(world, patch);
  const { logger, lines, anotherQuoter } = ringLogger(process.env['CHAOS_LOG_LEVEL'] ?? 'warn');
  const app = new App(config, { logger, signals: false, opsServer: false, ...overrides });
  await app.start();
  return { app, config, logLines: lines, anotherQuoterErrors: anotherQuoter };
}

/** The chaos bot's config with a scenario's patch. */
export function chaosConfig(world: World, patch: Raw = {}): Config {
  const { raw, dir } = chaosRawConfig(world, patch);
  return configOrThrow(raw, { env: chaosEnv(world), baseDir: dir });
}

export function limitsOf(config: Config) {
  return riskLimitsFrom(config);
}

/** Creates RFQs (by synthetic requesters) on a market; returns their ids. */
export async function createRfqs(
  world: World,
  marketTicker: string,
  count: number,
  contracts: number,
): Promise<string[]> {
  const res = await world.admin<{ ids: string[] }>('POST', '/_sim/rfqs', {
    market_ticker: marketTicker,
    count,
    contracts,
  });
  if (res.status !== 201)
    throw new Error(`creating RFQs failed: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.ids;
}

/** Every quote of ours the simulator holds, optionally of one status. */
export async function ourQuotes(world: World, status?: string): Promise<SimQuote[]> {
  const out: SimQuote[] = [];
  let cursor = '';
  for (let page = 0; page < 100; page++) {
    const query = new URLSearchParams({ limit: '1000' });
    if (status) query.set('status', status);
    if (cursor) query.set('cursor', cursor);
    const { body } = await world.admin<{ quotes: SimQuote[]; cursor?: string }>(
      'GET',
      `/_sim/users/${world.user.userId}/quotes?${query}`,
    );
    out.push(...body.quotes);
    cursor = body.cursor ?? '';
    if (!cursor) break;
  }
  return out;
}

/**
 * Accepts one of our quotes as its requester, on a side we bid on; with `partial`, for that share
 * (0–1) of the offered whole contracts (at least one).
 */
export async function acceptQuote(world: World, quote: SimQuote, partial?: number): Promise<boolean> {
  const yes = quote.yes_bid_dollars !== '0.0000' && Number(quote.yes_bid_dollars) > 0;
  const no = Number(quote.no_bid_dollars) > 0;
  if (!yes && !no) return false;
  const side = yes && no ? (Math.random() < 0.5 ? 'yes' : 'no') : yes ? 'yes' : 'no';
  const offered = Math.floor(Number(quote[side === 'yes' ? 'yes_contracts_fp' : 'no_contracts_fp'] ?? 0));
  const contracts =
    partial !== undefined && offered >= 2 ? Math.max(1, Math.floor(offered * partial)) : undefined;
  const res = await world.admin('POST', `/_sim/quotes/${quote.id}/accept`, {
    accepted_side: side,
    ...(contracts !== undefined && contracts < offered ? { contracts } : {}),
  });
  return res.status === 200;
}

/**
 * Waits until the exchange has answered every API request it received: nothing the bot sent can
 * still take effect (a create held by a slow fault, say). False if that takes over `timeoutMs`.
 */
export async function exchangeSettled(world: World, timeoutMs = 15_000): Promise<boolean> {
  const settled = await until(async () => {
    const { body } = await world.admin<{ requests_in_flight: number }>('GET', '/_sim/stats');
    return body.requests_in_flight === 0;
  }, timeoutMs);
  return settled === true;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function until<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
  intervalMs = 50,
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) return undefined;
    await sleep(intervalMs);
  }
}
