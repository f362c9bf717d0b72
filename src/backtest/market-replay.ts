/**
 * The market as the recording saw it, as of the replay clock: the exchange reads the bot's
 * market-data cache makes (`MarketReads`), answered from recorded `market`, `book` and `mark`
 * events instead of HTTP. Only the past is visible here; the taker models' look at later mids goes
 * through the lookahead window, never through this.
 */
import { DEFAULT_FEE_SCHEDULE, type FeeSchedule } from '../domain/fees.js';
import { LINEAR_CENT_GRID } from '../domain/grid.js';
import { type Micros, ONE_DOLLAR } from '../domain/money.js';
import type { EventInfo, Market, OrderBook, Side } from '../domain/types.js';
import type { BookRead, MarketInfo, MarketMark } from '../journal/events.js';
import { NotFoundError } from '../kalshi/index.js';
import type { MarketReads } from '../market/market-cache.js';
import { bestYesAsk, bestYesBid } from '../strategy/pricing.js';

interface TickerState {
  info: MarketInfo | undefined;
  book: OrderBook | undefined;
  bookAt: number;
  mid: Micros | undefined;
  midAt: number;
  markBid: Micros | undefined;
  markAsk: Micros | undefined;
  settled: Side | undefined;
  /** The market as last served, until the recording changes it: one object for every read. */
  served: Market | undefined;
}

/** The event a market belongs to when the recording never said: the ticker up to its last dash. */
export function eventOfTicker(ticker: string): string {
  const cut = ticker.lastIndexOf('-');
  return cut > 0 ? ticker.slice(0, cut) : ticker;
}

/** The series of an event when the recording never said: the event up to its first dash. */
export function seriesOfEvent(eventTicker: string): string {
  const cut = eventTicker.indexOf('-');
  return cut > 0 ? eventTicker.slice(0, cut) : eventTicker;
}

function notFound(what: string, endpoint: string): NotFoundError {
  return new NotFoundError(
    `${what} is not in the recording`,
    { endpoint, method: 'GET', path: `/${endpoint}` },
    {
      status: 404,
    },
  );
}

export class RecordedMarket implements MarketReads {
  readonly #tickers = new Map<string, TickerState>();
  /** Fees and series by event, from the markets recorded in it. */
  readonly #events = new Map<string, { series: string | undefined; fees: FeeSchedule | undefined }>();
  #changed: (ticker: string) => void = () => undefined;

  /** Told of every change to a market's recorded data (a cache in front of this one refreshes then). */
  onChange(listener: (ticker: string) => void): void {
    this.#changed = listener;
  }

  #state(ticker: string): TickerState {
    let state = this.#tickers.get(ticker);
    if (!state) {
      state = {
        info: undefined,
        book: undefined,
        bookAt: 0,
        mid: undefined,
        midAt: 0,
        markBid: undefined,
        markAsk: undefined,
        settled: undefined,
        served: undefined,
      };
      this.#tickers.set(ticker, state);
    }
    return state;
  }

  market(event: MarketInfo): void {
    const state = this.#state(event.marketTicker);
    // A later record without fees keeps the fees known before.
    const fees = event.fees ?? state.info?.fees;
    state.info = fees === undefined ? event : { ...event, fees };
    state.served = undefined;
    this.#changed(event.marketTicker);
    const known = this.#events.get(event.eventTicker);
    this.#events.set(event.eventTicker, {
      series: event.seriesTicker ?? known?.series,
      fees: fees ?? known?.fees,
    });
  }

  book(event: BookRead): void {
    const state = this.#state(event.marketTicker);
    state.book = { ticker: event.marketTicker, yes: event.yes, no: event.no };
    state.bookAt = event.at;
    state.served = undefined;
    this.#changed(event.marketTicker);
  }

  mark(event: MarketMark): void {
    const state = this.#state(event.marketTicker);
    state.mid = event.mid;
    state.midAt = event.at;
    state.markBid = event.yesBid;
    state.markAsk = event.yesAsk;
    // With a book, the market served takes its bid and ask from it, not from marks: it stands
    // (the same object, so its reads are not copied and frozen again).
    if (state.book === undefined) state.served = undefined;
    this.#changed(event.marketTicker);
  }

  settle(ticker: string, result: Side): void {
    const state = this.#state(ticker);
    state.settled = result;
    state.served = undefined;
    this.#changed(ticker);
  }

  /** The last mid recorded for the market (a mark, else the mid of its last book); $1 or 0 once settled. */
  mid(ticker: string): Micros | undefined {
    const state = this.#tickers.get(ticker);
    if (!state) return undefined;
    if (state.settled !== undefined) return state.settled === 'yes' ? ONE_DOLLAR : 0;
    if (state.mid !== undefined && state.midAt >= state.bookAt) return state.mid;
    const book = state.book;
    if (book) {
      const bid = bestYesBid(book);
      const ask = bestYesAsk(book);
      if (bid !== undefined && ask !== undefined) return Math.floor((bid + ask) / 2);
    }
    return state.mid;
  }

  settlement(ticker: string): Side | undefined {
    return this.#tickers.get(ticker)?.settled;
  }

  /** The latest recorded book, if any (not the empty stand-in strategies get). */
  recordedBook(ticker: string): OrderBook | undefined {
    return this.#tickers.get(ticker)?.book;
  }

  /** The last recorded YES bid and ask around the mid, when a mark carried them. */
  markQuote(ticker: string): { readonly yesBid?: Micros; readonly yesAsk?: Micros } {
    const state = this.#tickers.get(ticker);
    return {
      ...(state?.markBid !== undefined ? { yesBid: state.markBid } : {}),
      ...(state?.markAsk !== undefined ? { yesAsk: state.markAsk } : {}),
    };
  }

  fees(ticker: string): FeeSchedule {
    return this.#tickers.get(ticker)?.info?.fees ?? DEFAULT_FEE_SCHEDULE;
  }

  known(ticker: string): boolean {
    return this.#tickers.has(ticker);
  }

  async getMarket(ticker: string): Promise<Market> {
    const state = this.#tickers.get(ticker);
    if (state?.served !== undefined) return state.served;
    const market = this.#marketOf(ticker, state);
    if (state !== undefined) state.served = market;
    return market;
  }

  #marketOf(ticker: string, state: TickerState | undefined): Market {
    const info = state?.info;
    const book = state?.book;
    const yesBid = book ? (bestYesBid(book) ?? 0) : (state?.markBid ?? 0);
    const yesAsk = book ? (bestYesAsk(book) ?? 0) : (state?.markAsk ?? 0);
    return {
      ticker,
      eventTicker: info?.eventTicker ?? eventOfTicker(ticker),
      status: state?.settled !== undefined ? 'determined' : (info?.status ?? 'active'),
      marketType: 'binary',
      yesBid,
      yesAsk,
      noBid: yesAsk > 0 ? ONE_DOLLAR - yesAsk : 0,
      noAsk: yesBid > 0 ? ONE_DOLLAR - yesBid : 0,
      lastPrice: info?.lastPrice ?? 0,
      volume: 0,
      openInterest: 0,
      priceLevelStructure: info ? 'custom' : 'linear_cent',
      priceGrid: info?.priceGrid ?? LINEAR_CENT_GRID,
      ...(info?.closeTime !== undefined ? { closeTime: info.closeTime } : {}),
    };
  }

  async getOrderBook(ticker: string): Promise<OrderBook> {
    return this.#tickers.get(ticker)?.book ?? { ticker, yes: [], no: [] };
  }

  async getEvent(eventTicker: string): Promise<EventInfo> {
    const known = this.#events.get(eventTicker);
    return {
      eventTicker,
      seriesTicker: known?.series ?? seriesOfEvent(eventTicker),
      title: eventTicker,
      mutuallyExclusive: false,
      // The recorded schedule is per market; serving it as the event's keeps the bot's lookup.
      ...(known?.fees !== undefined ? { feeOverride: known.fees } : {}),
      marketTickers: [],
    };
  }

  async getSeriesFees(seriesTicker: string): Promise<FeeSchedule> {
    if (seriesTicker === '') throw notFound('series', 'get_series');
    return DEFAULT_FEE_SCHEDULE;
  }
}
