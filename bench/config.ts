/**
 * The bot's config in the benchmark: the shipped defaults (config.yaml) with the exchange
 * pointed at the benchmark's simulator and the risk limits opened wide, so that the numbers
 * measure the engine's speed rather than where a risk limit happens to refuse.
 */
import { fileURLToPath } from 'node:url';
import { type Config, configOrThrow } from '../src/config/index.js';
import { riskBlock } from '../test/helpers/config.js';
import type { SimInfo } from './sim-types.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface BotSettings {
  readonly pollIntervalMs: number;
  /** Learn of RFQs and accepts from the websocket too (the shipped default). @default true */
  readonly push?: boolean;
  /** Most live quotes (the 10k-RFQ scenario caps them at 1,000). */
  readonly maxOpenQuotes: number;
  /** Quote time-to-live. @default the shipped 15 s */
  readonly ttlMs?: number;
  /** Time limit of one strategy call. @default the shipped 250 ms */
  readonly strategyTimeoutMs?: number;
  /** Where strategies run: the shipped worker threads, or the bot's own thread. @default 'worker' */
  readonly isolation?: 'worker' | 'in-process';
  /**
   * The journal file (a fresh temporary one per bot process), or false for none. The shipped
   * default records; the benchmark never writes into the working tree's data/.
   */
  readonly journalPath?: string | false;
  /**
   * Markets whose RFQs are tracked but never quoted (a route whose trading window never opens):
   * the scale scenarios' standing book of open RFQs.
   */
  readonly closedMarkets?: readonly string[];
  /** Most pages of open RFQs per listing. @default the shipped 200 (20,000 RFQs) */
  readonly maxPages?: number;
}

/** A cron minute that is never reached in a benchmark: midnight of the 1st of January. */
const NEVER = '0 0 1 1 *';

/** The routes of config.yaml: inventory skew on combos, fixed spread elsewhere. */
const ROUTES = [
  {
    name: 'combos',
    match: { markets: ['KXMVE*'] },
    strategy: 'inventory-skew',
    // The benchmark's accepts build positions of thousands of contracts within a minute; with
    // the shipped skew and widening the combo route would soon stop quoting (by design).
    options: {
      baseSpread: '0.04',
      skewPerContract: '0',
      widenPerContract: '0',
      maxPosition: '100000000',
      eventWeight: '0.5',
    },
  },
  {
    name: 'default',
    match: {},
    strategy: 'fixed-spread',
    options: { spread: '0.04', maxBookSpread: '0.20', fallbackToLastPrice: true },
  },
];

export function benchConfig(sim: SimInfo, settings: BotSettings): Config {
  const isolation = settings.isolation ?? 'worker';
  const raw = {
    exchange: {
      environment: 'simulator',
      baseUrl: sim.apiBase,
      tier: 'auto',
      endpointCosts: 'auto',
      hvmMarkets: ['KXMVE*', 'KXBTCD*', 'KXINX*'],
      // BENCH_STREAM_BOOKS=0: books read over REST per RFQ, as before they were streamed (an A/B).
      marketCache: { streamBooks: process.env['BENCH_STREAM_BOOKS'] !== '0' },
    },
    poller: {
      intervalMs: settings.pollIntervalMs,
      websocket: settings.push !== false,
      ...(settings.maxPages ? { maxPages: settings.maxPages } : {}),
    },
    strategies: {
      dir: './strategies',
      routes: [
        ...(settings.closedMarkets?.length
          ? [
              {
                name: 'standing-book',
                match: { markets: [...settings.closedMarkets] },
                strategy: 'fixed-spread',
                options: ROUTES[1]!.options,
                windows: [{ cron: NEVER }],
              },
            ]
          : []),
        ...ROUTES,
      ].map((route) => ({ ...route, isolation })),
      ...(settings.strategyTimeoutMs
        ? {
            timeoutMs: settings.strategyTimeoutMs,
            // A worker may not be declared stuck while a call may still legitimately run.
            workers: { hardTimeoutMs: Math.max(1_000, settings.strategyTimeoutMs) },
          }
        : {}),
    },
    quoting: { acceptPollIntervalMs: 250, ...(settings.ttlMs ? { ttlMs: settings.ttlMs } : {}) },
    risk: riskBlock({
      maxDollarsPerQuote: '1000000',
      maxOpenQuotes: settings.maxOpenQuotes,
      maxOpenQuotesPerMarket: 100_000,
      maxOpenQuotesPerEvent: 100_000,
      maxPositionPerMarket: { contracts: '100000000', dollars: '100000000' },
      maxPositionPerEvent: { contracts: '100000000', dollars: '100000000' },
      maxTotalExposure: '1000000000',
      maxDailyLoss: '100000000',
      killSwitch: { file: '/nonexistent/kalshi-rfq-maker-bench/KILL', maxDrawdown: '100000000' },
    }),
    journal:
      settings.journalPath === false || settings.journalPath === undefined
        ? { enabled: false }
        : {
            enabled: true,
            path: settings.journalPath,
            // BENCH_JOURNAL_DEFER_MS=0: commits on every tick, pricing or not (an A/B).
            ...(process.env['BENCH_JOURNAL_DEFER_MS'] !== undefined
              ? { maxDeferMs: Number(process.env['BENCH_JOURNAL_DEFER_MS']) }
              : {}),
          },
    ops: { port: 0 },
    logging: { level: 'info', format: 'json' },
  };
  return configOrThrow(raw, {
    file: '<bench>',
    baseDir: ROOT,
    env: { KALSHI_API_KEY_ID: sim.keyId, KALSHI_PRIVATE_KEY_PEM: sim.privateKeyPem },
  });
}
