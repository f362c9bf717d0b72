/**
 * Keeps the markets the bot prices fresh with batched reads. A market's metadata (status, price
 * grid) is cached for `marketTtlMs`; an RFQ on a market whose copy expired reads it alone on its
 * way to a quote: one request and its parsing on the bot's thread, and 10 read tokens. Markets
 * asked for within `windowMs` are read again, up to 100 a request (`GET /markets?tickers=`),
 * before their copy expires, so the RFQs that follow read only the book.
 */
import type { Logger } from 'pino';
import { type Clock, repeatEvery, type Timer } from '../domain/clock.js';
import { RecentMap } from '../domain/recent.js';
import type { Market } from '../domain/types.js';

/** Tickers one read of `GET /markets` may name. */
export const MARKETS_PER_READ = 100;

/** The parts of the market data cache the warmer refreshes. */
export interface WarmableMarkets {
  marketFreshForMs(ticker: string): number;
  putMarkets(markets: readonly Market[]): void;
}

export interface MarketWarmerOptions {
  readonly markets: WarmableMarkets;
  /** One batch read: the markets of `tickers` (at most MARKETS_PER_READ) the exchange lists. */
  readonly read: (tickers: readonly string[]) => Promise<readonly Market[]>;
  readonly clock: Clock;
  /** How long the cache keeps a market fresh; the warmer looks every half of it. */
  readonly marketTtlMs: number;
  /** Markets asked for within this long are kept fresh. */
  readonly windowMs: number;
  /** At most this many markets a look (the soonest to expire). */
  readonly maxMarkets: number;
  readonly logger: Logger;
}

export class MarketWarmer {
  readonly #options: MarketWarmerOptions;
  /**
   * When each market was last asked for, the latest asked last; past twice `maxMarkets` the
   * longest unasked is let go, so a look's work stays bounded however many markets a minute brings.
   */
  readonly #askedAt: RecentMap<string, number>;
  #timer: Timer | undefined;
  #stopped = false;
  #running = false;
  #failing = false;

  constructor(options: MarketWarmerOptions) {
    this.#options = options;
    this.#askedAt = new RecentMap(2 * options.maxMarkets);
  }

  /** A market was asked for (MarketDataCache's onMarketAsked). */
  asked(ticker: string): void {
    this.#askedAt.set(ticker, this.#options.clock.now());
  }

  start(): void {
    if (this.#timer !== undefined) return;
    this.#stopped = false;
    const everyMs = Math.max(1, Math.floor(this.#options.marketTtlMs / 2));
    this.#timer = repeatEvery(this.#options.clock, everyMs, () => void this.refresh(), { unref: true });
  }

  /** No look after this; a refresh in flight ends after its current batch, quietly. */
  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  /** Markets kept fresh now (asked for within the window). */
  get size(): number {
    return this.#askedAt.size;
  }

  /**
   * Reads again, in batches, the markets asked for within the window that were not read since
   * the last look. One refresh at a time: a slow one makes the next look skip.
   */
  async refresh(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      const due = this.#due();
      for (let at = 0; at < due.length && !this.#stopped; at += MARKETS_PER_READ) {
        const tickers = due.slice(at, at + MARKETS_PER_READ);
        this.#options.markets.putMarkets(await this.#options.read(tickers));
      }
      if (this.#failing) this.#options.logger.info('market refresh works again');
      this.#failing = false;
    } catch (error) {
      // Pricing reads each market it needs as before; the next look tries again. Once stopped,
      // the queue refusing the read is the shutdown, not a failure.
      if (this.#stopped) return;
      if (!this.#failing) this.#options.logger.warn({ err: error }, 'market refresh failed');
      this.#failing = true;
    } finally {
      this.#running = false;
    }
  }

  #due(): string[] {
    const { clock, markets, windowMs, marketTtlMs, maxMarkets } = this.#options;
    const askedSince = clock.now() - windowMs;
    // Looks are half a TTL apart: anything not read since the last look is read again, so no
    // copy runs out between looks (a hundredth of a request a market each look).
    const horizonMs = marketTtlMs;
    this.#askedAt.forgetWhile((askedAt) => askedAt < askedSince);
    const due: { ticker: string; freshForMs: number }[] = [];
    for (const ticker of this.#askedAt.keys()) {
      const freshForMs = markets.marketFreshForMs(ticker);
      if (freshForMs < horizonMs) due.push({ ticker, freshForMs });
    }
    due.sort((a, b) => a.freshForMs - b.freshForMs);
    return due.slice(0, maxMarkets).map((d) => d.ticker);
  }
}
