import type { Centis, Micros } from './money.js';
import type { EpochMs, Rfq, Side } from './types.js';

/**
 * What a strategy wants to quote. Prices are integer micros (`dollars('0.45')` is 450_000).
 * A side of `0` declines that side; both sides `0` is not a quote (return a skip instead).
 * The runner snaps prices to the market's grid in the safe direction (bids down) and rejects
 * anything outside (0, 1), summing above $1, or not a safe integer.
 * @example { yesBid: dollars('0.45'), noBid: dollars('0.50'), fairValue: dollars('0.475') }
 */
export interface QuoteIntent {
  /** What we pay per contract for YES if the requester hits our YES side. */
  readonly yesBid: Micros;
  /** What we pay per contract for NO if the requester hits our NO side. */
  readonly noBid: Micros;
  /**
   * Our fair value of YES at pricing time. Enables the risk guard's min-edge check and the
   * sweeper's "fair value moved" check; omit it and both are skipped for this quote.
   */
  readonly fairValue?: Micros;
  /** How long the quote may stay live before the sweeper pulls it. @default quoting.ttlMs */
  readonly ttlMs?: number;
  /** Free text kept with the quote in logs. */
  readonly note?: string;
}

/** A quote of ours that is live at the exchange, as strategies, risk and the quote manager see it. */
export interface LiveQuote {
  readonly rfq: Rfq;
  readonly quoteId: string;
  readonly yesBid: Micros;
  readonly noBid: Micros;
  /** Contracts offered per side (equal for contract-sized RFQs). */
  readonly yesContracts: Centis;
  readonly noContracts: Centis;
  readonly fairValue?: Micros;
  readonly sentAt: EpochMs;
  /** Present once a requester accepted. */
  readonly acceptedSide?: Side;
  readonly acceptedContracts?: Centis;
  readonly acceptedAt?: EpochMs;
}

export type QuoteEventType =
  | 'created'
  | 'accepted'
  | 'confirmed'
  | 'executed'
  | 'deleted'
  | 'expired'
  | 'cancelled';

/** A step in a live quote's life, delivered to the strategy that priced it. */
export interface QuoteEvent {
  readonly type: QuoteEventType;
  readonly quote: LiveQuote;
  readonly at: EpochMs;
  readonly reason?: string;
}
