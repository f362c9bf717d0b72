import type { Logger } from 'pino';
import type { Clock } from '../domain/clock.js';
import type { FeeSchedule } from '../domain/fees.js';
import type { Centis, Micros } from '../domain/money.js';
import type { EpochMs, Market, OrderBook, Rfq, Side } from '../domain/types.js';

/**
 * What a strategy wants to quote. Prices are integer micros (`dollars('0.45')` is 450_000).
 * A side of `0` declines that side; both sides `0` is not a quote (return a skip instead).
 * The runner snaps prices to the market's grid in the safe direction (bids down) and rejects
 * anything outside (0, 1), summing above $1, or not a safe integer.
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

/** A decision not to quote, with the reason logged. */
export interface Skip {
  readonly skip: string;
}

export type PriceDecision = QuoteIntent | Skip;

export function isSkip(decision: PriceDecision): decision is Skip {
  return typeof (decision as Skip).skip === 'string';
}

/** A quote of ours that is live at the exchange, as a strategy sees it. */
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

export interface QuoteEvent {
  readonly type: QuoteEventType;
  readonly quote: LiveQuote;
  readonly at: EpochMs;
  readonly reason?: string;
}

/** Read-only market data and our own positions. Strategies never send orders. */
export interface MarketData {
  market(ticker: string): Promise<Market>;
  orderBook(ticker: string): Promise<OrderBook>;
  /** Fee schedule of the market's series/event (maker fees reduce our edge). */
  fees(ticker: string): Promise<FeeSchedule>;
  /** Our signed position in a market: positive long YES, negative long NO. */
  position(ticker: string): Centis;
  /** Our net signed position over an event's markets. */
  eventPosition(eventTicker: string): Centis;
}

export interface StrategyContext<Options> {
  /** Validated options from config. */
  readonly options: Options;
  readonly log: Logger;
  readonly clock: Clock;
  /** Aborted when the call's time limit passes or the bot shuts down. */
  readonly signal: AbortSignal;
  readonly data: MarketData;
}

/** Validates and normalises options; a zod schema fits, and so does any `{ parse }` object. */
export interface OptionsSchema<Options> {
  parse(input: unknown): Options;
}

export interface Strategy<Options = unknown> {
  /** Unique, kebab-case; config routes refer to it. */
  readonly name: string;
  /** The plugin interface version this strategy was written for. */
  readonly apiVersion: 1;
  readonly description?: string;
  readonly options: OptionsSchema<Options>;
  setup?(ctx: StrategyContext<Options>): Promise<void>;
  price(rfq: Rfq, ctx: StrategyContext<Options>): PriceDecision | Promise<PriceDecision>;
  /** Called before every confirm; `false` lets the accept lapse. @default agrees */
  lastLook?(quote: LiveQuote, ctx: StrategyContext<Options>): boolean | Promise<boolean>;
  /** Current fair value of YES for a market, for the sweeper's drift check. */
  fairValue?(
    marketTicker: string,
    ctx: StrategyContext<Options>,
  ): Micros | undefined | Promise<Micros | undefined>;
  onEvent?(event: QuoteEvent, ctx: StrategyContext<Options>): void;
  teardown?(ctx: StrategyContext<Options>): Promise<void>;
}

/** Identity at run time; gives plugin authors type inference and a checked shape. */
export function defineStrategy<Options>(strategy: Strategy<Options>): Strategy<Options> {
  return strategy;
}

/** A decision not to quote, with the reason the runner logs. @example return skip('book too wide'); */
export function skip(reason: string): Skip {
  return { skip: reason };
}
