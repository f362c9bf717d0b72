/**
 * The parts the bot reaches the exchange with, built together once it is connected: the action
 * queue (the gate every call passes), the signed client, the market data cache (and what keeps
 * its markets fresh) and the watcher of our own quotes.
 */
import type { Config } from '../config/index.js';
import type { EpochMs } from '../domain/types.js';
import { contextReadPriority, type RequestGate } from '../kalshi/gate.js';
import { ENDPOINTS, type FetchLike, KalshiClient, type KalshiCredentials } from '../kalshi/index.js';
import { LiveBooks } from '../market/live-books.js';
import { MarketDataCache } from '../market/market-cache.js';
import { MARKETS_PER_READ, MarketWarmer } from '../market/market-warmer.js';
import { OwnQuoteWatcher } from '../quotes/own-quote-watcher.js';
import { ActionQueue } from '../throttle/action-queue.js';
import type { App } from './app.js';
import type { JournalWiring } from './journal-wiring.js';
import { initialLimits, retryPolicyFrom } from './options-from-config.js';
import type { ExchangeParts } from './parts.js';

/** The app's parts the exchange parts report to; `manager` is read once the watcher runs. */
export type ExchangeHost = Pick<
  App,
  'logger' | 'clock' | 'metrics' | 'cluster' | 'exposure' | 'store' | 'manager'
>;

export interface ExchangeInputs {
  readonly config: Config;
  readonly baseUrl: string;
  readonly credentials: KalshiCredentials | undefined;
  /** Benchmarks only: the client's gate instead of the action queue. */
  readonly gate: RequestGate | undefined;
  readonly fetch: FetchLike | undefined;
  /** A create_quote attempt ended in a way that may still land (no answer, 5xx). */
  readonly onUncertainCreate: (at: EpochMs) => void;
  /** The journal's hooks, once wired (none without a journal or a recording). */
  readonly journalWiring: () => JournalWiring | undefined;
}

export function buildExchangeParts(host: ExchangeHost, inputs: ExchangeInputs): ExchangeParts {
  const { config } = inputs;
  const queue = new ActionQueue({
    limits: initialLimits(config),
    safetyFactor: config.exchange.budgetSafety,
    reserve: { read: 0, write: config.exchange.confirmReserveTokens },
    logger: host.logger.child({ module: 'action-queue' }),
    hooks: {
      onAdmit: (spec) => host.metrics.spendTokens(spec.bucket, spec.cost),
    },
    ...(host.cluster ? { shared: host.cluster.budget } : {}),
  });
  const client = new KalshiClient({
    baseUrl: inputs.baseUrl,
    credentials: inputs.credentials,
    gate: inputs.gate ?? queue,
    pathStyle: config.exchange.pathStyle,
    timeoutMs: config.exchange.requestTimeoutMs,
    maxResponseBytes: config.exchange.maxResponseBytes,
    httpClient: config.exchange.httpClient,
    retry: retryPolicyFrom(config),
    signPublicReads: config.exchange.signPublicReads,
    logger: host.logger,
    clock: host.clock,
    ...(inputs.fetch ? { fetch: inputs.fetch } : {}),
    onResponse: (info) => {
      if (info.endpoint === 'create_quote' && info.retry === 'may-have-landed') {
        inputs.onUncertainCreate(host.clock.now());
      }
      host.metrics.observeRequest(info.endpoint, info.status ?? 'network', info.durationMs);
    },
  });
  const warmth = config.exchange.marketCache;
  // Streamed on the push's socket: without the push, books are read per RFQ as before.
  const books =
    warmth.streamBooks && config.poller.websocket && inputs.credentials !== undefined
      ? new LiveBooks({
          clock: host.clock,
          windowMs: warmth.keepWarmMs > 0 ? warmth.keepWarmMs : DEFAULT_BOOK_WINDOW_MS,
          maxMarkets: warmth.keepWarmMax,
          resyncMs: warmth.bookResyncMs,
          logger: host.logger.child({ module: 'live-books' }),
        })
      : undefined;
  if (books) host.metrics.observeBooks(() => books.stats);
  const data = new MarketDataCache({
    reads: client,
    positions: host.exposure,
    clock: host.clock,
    marketTtlMs: warmth.marketTtlMs,
    ...(books ? { liveBooks: books } : {}),
    // First called after this function returns, when `warmer` below exists.
    onMarketAsked: (ticker) => warmer?.asked(ticker),
    logger: host.logger.child({ module: 'market-data' }),
    onBook: (ticker, book) => inputs.journalWiring()?.bookRead(ticker, book),
    onMarket: (market) => inputs.journalWiring()?.marketRead(market),
    onFees: (ticker, fees, event) => inputs.journalWiring()?.feesRead(ticker, fees, event),
    urgent: () => contextReadPriority() === 'confirm',
  });
  const warmer =
    warmth.keepWarmMs > 0
      ? new MarketWarmer({
          markets: data,
          read: async (tickers) => (await client.marketsPage({ tickers, limit: MARKETS_PER_READ })).items,
          clock: host.clock,
          marketTtlMs: warmth.marketTtlMs,
          windowMs: warmth.keepWarmMs,
          maxMarkets: warmth.keepWarmMax,
          logger: host.logger.child({ module: 'market-warmer' }),
        })
      : undefined;
  const watcher = buildWatcher(host, config, queue, client);
  return Object.freeze({ queue, client, data, warmer, books, watcher });
}

/** How long a streamed book outlives its last ask when keepWarmMs is 0. */
const DEFAULT_BOOK_WINDOW_MS = 60_000;

/** Built with the client: the stop lists our open quotes through it even if startup quit early. */
function buildWatcher(
  host: ExchangeHost,
  config: Config,
  queue: ActionQueue,
  client: KalshiClient,
): OwnQuoteWatcher {
  return new OwnQuoteWatcher({
    // In a cluster, quotes another instance owns are not ours to adopt, confirm or delete.
    source: host.cluster ? host.cluster.ownQuotes(client) : client,
    logger: host.logger.child({ module: 'own-quote-watcher' }),
    clock: host.clock,
    intervalMs: config.quoting.acceptPollIntervalMs,
    fullSweepIntervalMs: config.quoting.fullListingIntervalMs,
    minGapMs: () => watchGapMs(queue, client),
    hasActivity: () => host.store.hasActivity(),
    onQuote: (quote, seenAt) => host.manager.exchangeReported(quote, seenAt),
    onOpenQuotes: (quotes, listedAt) => host.manager.reconcileOpen(quotes, listedAt),
  });
}

/**
 * While the read rate is slowed after 429s the watcher takes at most half of it, so pricing
 * reads still get through; at full rate the configured interval alone applies.
 */
function watchGapMs(queue: ActionQueue, client: KalshiClient): number {
  const budget = queue.budget('read');
  if (budget.slowdown >= 1) return 0;
  const cost = client.costs.costOf(ENDPOINTS.get_quotes);
  return Math.ceil((2 * cost * 1000) / Math.max(budget.refillRate, 1e-3));
}
