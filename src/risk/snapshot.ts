import { DEFAULT_FEE_SCHEDULE, type FeeSchedule, makerFee } from '../domain/fees.js';
import { type Centis, type Micros, notional } from '../domain/money.js';
import type { EpochMs, Side } from '../domain/types.js';

/**
 * The exposure the guard reads: an immutable snapshot taken from `ExposureBook.snapshot()`.
 * Plain data, so tests and the guard can build one without a book.
 */
export interface ExposureSnapshot {
  readonly at: EpochMs;
  /**
   * Filled positions by market ticker: markets we hold, quote, or traded since they were last
   * flat with no live quote (a flat, quiet market is left out: it adds nothing).
   */
  readonly positions: ReadonlyMap<string, PositionExposure>;
  /** Our live quotes (open, accepted, confirmed) by quote id. */
  readonly quotes: ReadonlyMap<string, QuoteExposure>;
  /** Market ticker → event ticker for every market the book knows. */
  readonly marketEvents: ReadonlyMap<string, string>;
  readonly pnl: DailyPnl;
}

export interface PositionExposure {
  readonly marketTicker: string;
  readonly eventTicker: string;
  /** Signed net position: positive long YES, negative long NO. */
  readonly contracts: Centis;
  /** What the open contracts cost (average cost after netting); never negative. */
  readonly cost: Micros;
  /**
   * Realised P&L (fees included) in this market since it was last flat with no live quote.
   * Part of the market's dollars at risk: netting a position moves money between cost and
   * realised, and the worst case must not change when an accepted quote executes.
   */
  readonly episodeRealized: Micros;
  /** Last fair value of YES used for marking, if any. */
  readonly fairValue?: Micros;
  /** Marked value minus cost (0 when no fair value is known). */
  readonly unrealized: Micros;
}

/** One side of a quote: what we pay if that side is hit. */
export interface QuoteSideExposure {
  readonly bid: Micros;
  readonly contracts: Centis;
  /** bid × contracts (rounded up) + maker fee: the most this side can lose. */
  readonly cost: Micros;
}

/** `executed`: the exchange says it executed, and its fills are not all in (see `filled`). */
export type LiveQuoteState = 'open' | 'accepted' | 'confirmed' | 'executed';

export interface QuoteExposure {
  readonly quoteId: string;
  readonly rfqId: string;
  readonly marketTicker: string;
  readonly eventTicker: string;
  readonly state: LiveQuoteState;
  readonly yes: QuoteSideExposure;
  readonly no: QuoteSideExposure;
  /**
   * Present once accepted: the side hit and what may still fill on it (counted as filled in its
   * direction until the quote's order ends). The accepted size, or the offered size when the
   * remainder rests on the book, less what has filled (`filled`).
   */
  readonly accepted?: { readonly side: Side } & QuoteSideExposure;
  /** Contracts the exchange has filled on this quote's order so far (booked as position). */
  readonly filled?: Centis;
  /** The exchange's order id of our leg, once reported (fills name it). */
  readonly orderId?: string;
  /** Sent with `rest_remainder`: the unaccepted part of the accepted side can fill later too. */
  readonly restsRemainder?: boolean;
  readonly fees: FeeSchedule;
  readonly openedAt: EpochMs;
  readonly acceptedAt?: EpochMs;
}

export interface DailyPnl {
  /** The trading day (YYYY-MM-DD in the book's day time zone). */
  readonly day: string;
  /** Realised today, net of fees (`realized + fees` is what netting realised). */
  readonly realized: Micros;
  /** Fees paid on today's fills. */
  readonly fees: Micros;
  /** Change in marked-to-fair-value P&L of open positions since the day started. */
  readonly unrealized: Micros;
  /** realized + unrealized: what `maxDailyLoss` is checked against. */
  readonly total: Micros;
  /** Highest `total` seen today (never below 0): the drawdown reference. */
  readonly peak: Micros;
}

/** What one side of a quote puts at risk: the premium paid (rounded up) plus the maker fee. */
export function sideCost(bid: Micros, contracts: Centis, fees: FeeSchedule = DEFAULT_FEE_SCHEDULE): Micros {
  if (bid <= 0 || contracts <= 0) return 0;
  return notional(bid, contracts, 'ceil') + makerFee(bid, contracts, fees);
}

export function sideExposure(bid: Micros, contracts: Centis, fees: FeeSchedule): QuoteSideExposure {
  const offered = bid > 0 ? contracts : 0;
  return Object.freeze({ bid, contracts: offered, cost: sideCost(bid, offered, fees) });
}

/**
 * Kalshi market tickers are `SERIES-EVENT…-MARKET`: the event ticker is everything before the
 * last dash. Used only when neither the RFQ nor a lookup names the event.
 */
export function deriveEventTicker(marketTicker: string): string {
  const dash = marketTicker.lastIndexOf('-');
  return dash > 0 ? marketTicker.slice(0, dash) : marketTicker;
}

export const EMPTY_PNL: DailyPnl = Object.freeze({
  day: '',
  realized: 0,
  fees: 0,
  unrealized: 0,
  total: 0,
  peak: 0,
});

/** A snapshot with nothing in it: for tests and for the guard before the book has loaded. */
export function emptyExposure(at: EpochMs = 0, pnl: DailyPnl = EMPTY_PNL): ExposureSnapshot {
  return Object.freeze({
    at,
    positions: new Map(),
    quotes: new Map(),
    marketEvents: new Map(),
    pnl,
  });
}
