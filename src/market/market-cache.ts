import type { Logger } from 'pino';
import type { Clock } from '../domain/clock.js';
import { type FeeSchedule, FULL_MULTIPLIER } from '../domain/fees.js';
import type { MarketData } from '../domain/market-data.js';
import type { Centis } from '../domain/money.js';
import type { EventInfo, Market, OrderBook } from '../domain/types.js';
import { TtlCache } from './ttl-cache.js';

/** Fees assumed when the exchange cannot tell: the highest maker rate known (combo makers). */
export const UNKNOWN_SERIES_FEES: FeeSchedule = Object.freeze({
  type: 'quadratic_with_combo_maker_fees',
  multiplierPpm: FULL_MULTIPLIER,
});

/** The exchange reads market data needs. The Kalshi client provides them. */
export interface MarketReads {
  getMarket(ticker: string): Promise<Market>;
  getOrderBook(ticker: string): Promise<OrderBook>;
  getEvent(eventTicker: string, options: { readonly withNestedMarkets: false }): Promise<EventInfo>;
  getSeriesFees(seriesTicker: string): Promise<FeeSchedule>;
}

/** Warm-ups of reference data in flight at once; more are left to the pricing that needs them. */
const MAX_WARMING = 8;

export interface PositionReads {
  position(ticker: string): Centis;
  eventPosition(eventTicker: string): Centis;
}

export interface MarketDataCacheOptions {
  readonly reads: MarketReads;
  readonly positions: PositionReads;
  readonly clock: Clock;
  /** Market metadata (status, grid) changes rarely. @default 10000 */
  readonly marketTtlMs?: number;
  /** Books move: keep them briefly, enough to share one read among a burst of RFQs. @default 500 */
  readonly bookTtlMs?: number;
  /** Events and series fee schedules. @default 300000 */
  readonly referenceTtlMs?: number;
  readonly logger?: Logger;
  /** Each book read from the exchange (not from the cache): the journal's marks. */
  readonly onBook?: (ticker: string, book: OrderBook) => void;
  /**
   * Books the exchange streams (LiveBooks): a whole one is served without a request; undefined
   * means read it. Asking is what starts the streaming.
   */
  readonly liveBooks?: { read(ticker: string): OrderBook | undefined };
  /** Each time a market is asked for, cached or not: what MarketWarmer keeps fresh. */
  readonly onMarketAsked?: (ticker: string) => void;
  /** Each market read from the exchange (not from the cache): the journal's market data. */
  readonly onMarket?: (market: Market) => void;
  /** Every fee schedule answered, with the event it came from: the journal records changes. */
  readonly onFees?: (ticker: string, fees: FeeSchedule, event: EventInfo) => void;
  /**
   * Whether the current read is urgent (last look, on behalf of a confirm): it starts its own
   * request rather than wait on one of ordinary priority that may still be queued.
   */
  readonly urgent?: () => boolean;
}

/**
 * Read-through caches over the exchange's market data, shared by every strategy call, the
 * router (event and series of a market) and the guard. One read in flight per key.
 */
export class MarketDataCache implements MarketData {
  readonly #reads: MarketReads;
  readonly #positions: PositionReads;
  readonly #markets: TtlCache<Market>;
  readonly #books: TtlCache<OrderBook>;
  readonly #events: TtlCache<EventInfo>;
  readonly #series: TtlCache<FeeSchedule>;
  readonly #log: Logger | undefined;
  readonly #onBook: ((ticker: string, book: OrderBook) => void) | undefined;
  readonly #liveBooks: { read(ticker: string): OrderBook | undefined } | undefined;
  readonly #urgent: (() => boolean) | undefined;
  /** Streamed books already reported to onBook (a streamed book is a new object after each change). */
  readonly #reportedLive = new WeakSet<OrderBook>();
  #warming = 0;
  readonly #onMarketAsked: ((ticker: string) => void) | undefined;
  readonly #onMarket: ((market: Market) => void) | undefined;
  readonly #onFees: ((ticker: string, fees: FeeSchedule, event: EventInfo) => void) | undefined;

  constructor(options: MarketDataCacheOptions) {
    this.#reads = options.reads;
    this.#log = options.logger;
    this.#onBook = options.onBook;
    this.#liveBooks = options.liveBooks;
    this.#onMarket = options.onMarket;
    this.#onFees = options.onFees;
    this.#positions = options.positions;
    const { clock, urgent } = options;
    this.#urgent = urgent;
    this.#onMarketAsked = options.onMarketAsked;
    this.#markets = new TtlCache(options.marketTtlMs ?? 10_000, clock, undefined, urgent);
    this.#books = new TtlCache(options.bookTtlMs ?? 500, clock, undefined, urgent);
    const referenceTtl = options.referenceTtlMs ?? 300_000;
    this.#events = new TtlCache(referenceTtl, clock, undefined, urgent);
    this.#series = new TtlCache(referenceTtl, clock, undefined, urgent);
  }

  market(ticker: string): Promise<Market> {
    this.#onMarketAsked?.(ticker);
    return this.#markets.get(ticker, async () => {
      const market = await this.#reads.getMarket(ticker);
      this.#onMarket?.(market);
      return market;
    });
  }

  /** Milliseconds the cached market stays fresh (0: a `market` call would read it). */
  marketFreshForMs(ticker: string): number {
    return this.#markets.freshForMs(ticker);
  }

  /** Markets read in a batch: fresh from now, as if each had been read alone. */
  putMarkets(markets: readonly Market[]): void {
    for (const market of markets) {
      this.#markets.set(market.ticker, market);
      this.#onMarket?.(market);
    }
  }

  /** The last market read, without a request: for hot paths that accept staleness. */
  cachedMarket(ticker: string): Market | undefined {
    return this.#markets.peek(ticker);
  }

  /**
   * A streamed book when the stream holds it whole, else a REST read. Ordinary reads keep what
   * they were served for the book lifetime either way, so a price is made from one state of the
   * book however many RFQs share it (and a recording replays it); last look takes the newest,
   * which ordinary reads then share, as after an urgent REST read.
   */
  orderBook(ticker: string): Promise<OrderBook> {
    const live = this.#liveBooks?.read(ticker);
    if (live && this.#urgent?.()) {
      // Ordinary reads get it too from now on: what was last journaled is what the cache serves.
      this.#books.set(ticker, live);
      return Promise.resolve(this.#servedLive(ticker, live));
    }
    return this.#books.get(ticker, async () => {
      if (live) return this.#servedLive(ticker, live);
      const book = await this.#reads.getOrderBook(ticker);
      this.#onBook?.(ticker, book);
      return book;
    });
  }

  /** A streamed state is journaled the first time it is served (each change is a new object). */
  #servedLive(ticker: string, live: OrderBook): OrderBook {
    if (this.#onBook && !this.#reportedLive.has(live)) {
      this.#reportedLive.add(live);
      this.#onBook(ticker, live);
    }
    return live;
  }

  event(eventTicker: string): Promise<EventInfo> {
    // Only the series and the fee override are used. With its markets nested, one combo event
    // was 440 KB of JSON (100 markets), 10-20 ms of parsing on the bot's thread.
    return this.#events.get(eventTicker, () =>
      this.#reads.getEvent(eventTicker, { withNestedMarkets: false }),
    );
  }

  /**
   * Starts the reads a first RFQ on a market will need (market, event, series fees) at once and
   * side by side, rather than one after the other inside its pricing: called when an RFQ is new.
   * Nothing is read that is cached; at most a few warm-ups run at a time (a listing of thousands
   * of RFQs must not queue thousands of reads ahead of pricing, which loads them anyway).
   */
  warm(ticker: string, eventTicker?: string): void {
    const cold = !this.#markets.has(ticker) || (eventTicker !== undefined && !this.#events.has(eventTicker));
    if (!cold || this.#warming >= MAX_WARMING) return;
    this.#warming++;
    const reads: Promise<unknown>[] = [this.fees(ticker)];
    if (eventTicker !== undefined) reads.push(this.event(eventTicker));
    void Promise.allSettled(reads).then(() => {
      this.#warming--;
    });
  }

  cachedEvent(eventTicker: string): EventInfo | undefined {
    return this.#events.peek(eventTicker);
  }

  /** The event's fee override, else its series' schedule. */
  async fees(ticker: string): Promise<FeeSchedule> {
    const market = await this.market(ticker);
    const event = await this.event(market.eventTicker);
    const fees = await this.#feesOf(event);
    this.#onFees?.(ticker, fees, event);
    return fees;
  }

  #feesOf(event: EventInfo): Promise<FeeSchedule> {
    if (event.feeOverride) return Promise.resolve(event.feeOverride);
    if (!event.seriesTicker) return Promise.resolve(UNKNOWN_SERIES_FEES);
    return this.#series.get(event.seriesTicker, () =>
      this.#reads.getSeriesFees(event.seriesTicker).catch((error: unknown) => {
        if ((error as { status?: unknown }).status !== 404) throw error;
        // A series the exchange does not list: assume the highest maker fee rather than none.
        this.#log?.warn({ seriesTicker: event.seriesTicker }, 'series not found; assuming combo maker fees');
        return UNKNOWN_SERIES_FEES;
      }),
    );
  }

  position(ticker: string): Centis {
    return this.#positions.position(ticker);
  }

  eventPosition(eventTicker: string): Centis {
    return this.#positions.eventPosition(eventTicker);
  }

  /**
   * The market's data changed at its source: the next read loads it again (what was read stays
   * visible to `cachedMarket` until then).
   */
  expireMarket(ticker: string): void {
    this.#markets.expire(ticker);
    this.#books.expire(ticker);
  }

  /** Forget a market (e.g. after a grid or status change was reported). */
  invalidateMarket(ticker: string): void {
    this.#markets.invalidate(ticker);
    this.#books.invalidate(ticker);
  }
}
