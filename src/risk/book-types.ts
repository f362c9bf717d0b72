import type { Logger } from 'pino';
import type { Clock } from '../domain/clock.js';
import type { FeeSchedule } from '../domain/fees.js';
import type { Centis, Micros } from '../domain/money.js';
import type { EpochMs, Side } from '../domain/types.js';

export interface ExposureBookOptions {
  /** Maps a market to its event when the RFQ does not say. @default the ticker before its last dash */
  readonly eventOf?: (marketTicker: string) => string | undefined;
  readonly clock?: Clock;
  /** Whose midnight starts a new P&L day (IANA zone). @default 'UTC' */
  readonly dayTimeZone?: string;
  readonly log?: Logger;
  /**
   * How many trade ids, order links and per-order totals the fill ledger remembers: enough that
   * a fill listed again after its push (or a restart) still counts once. @default 200000
   */
  readonly ledgerMemory?: number;
}

/**
 * A fill of ours as the exchange reports it (`GET /portfolio/fills`, the websocket `fill`
 * channel): what the book turns into position, realised P&L and fees.
 */
export interface BookFill {
  /** Shared by the push and the listing: a fill seen on both counts once. */
  readonly tradeId: string;
  readonly orderId: string;
  readonly marketTicker: string;
  /** The outcome we bought. */
  readonly side: Side;
  readonly contracts: Centis;
  /** What we paid per contract of `side`. */
  readonly price: Micros;
  readonly fee: Micros;
  readonly tradedAt: EpochMs;
}

export type FillBooking =
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'invalid'; readonly reason: string }
  | {
      readonly kind: 'booked';
      /** P&L realised by netting against the opposite side (fees not included). */
      readonly realized: Micros;
      readonly fee: Micros;
      /** The book's id of the quote whose order filled, when the order is linked to one. */
      readonly quoteId?: string;
      /** The market's net position after the fill. */
      readonly position: Centis;
      /** False for a fill traded before the current day: position only, not today's P&L. */
      readonly today: boolean;
    };

/** What a quote's order did once nothing more of it can fill. */
export interface QuoteFillResult {
  /** Contracts filled on the quote's order. */
  readonly filled: Centis;
  /** What was counted as pending fill: the accepted size, or the offered size with a remainder resting. */
  readonly reserved: Centis;
}

export interface QuoteOpenOptions {
  /** The market's fee schedule (maker fees count as risk). @default quadratic ×1 */
  readonly fees?: FeeSchedule;
  /** Overrides the event the RFQ names. */
  readonly eventTicker?: string;
  /** @default quote.sentAt */
  readonly at?: EpochMs;
  /** Sent with `rest_remainder`: an accept reserves the whole offered size of its side. */
  readonly restRemainder?: boolean;
}

export type FinishedState = 'executed' | 'lapsed' | 'deleted';
