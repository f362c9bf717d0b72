import type { FeeSchedule } from './fees.js';
import type { PriceGrid } from './grid.js';
import type { Centis, Micros } from './money.js';

/** Which of the maker's bids a requester hit (`accepted_side`), or an outcome side. */
export type Side = 'yes' | 'no';

/** Open string unions: known values autocomplete, unknown ones from the exchange are kept. */
export type RfqStatus = 'open' | 'closed' | (string & {});
export type QuoteStatus = 'open' | 'accepted' | 'confirmed' | 'executed' | 'cancelled' | (string & {});
export type MarketStatus =
  | 'initialized'
  | 'active'
  | 'inactive'
  | 'closed'
  | 'determined'
  | 'disputed'
  | 'amended'
  | 'finalized'
  | (string & {});

/** Epoch milliseconds. */
export type EpochMs = number;

/** An RFQ is sized either by contracts or by a dollar target cost. */
export type RfqSize =
  | { readonly kind: 'contracts'; readonly contracts: Centis }
  | { readonly kind: 'targetCost'; readonly targetCost: Micros; readonly excludesFees: boolean };

export interface MveLeg {
  readonly eventTicker: string;
  readonly marketTicker: string;
  readonly side: Side | (string & {});
}

export interface Rfq {
  readonly id: string;
  /** The creator's public communications id. */
  readonly creatorId: string;
  readonly marketTicker: string;
  readonly eventTicker?: string;
  readonly size: RfqSize;
  readonly status: RfqStatus;
  readonly createdAt: EpochMs;
  readonly updatedAt?: EpochMs;
  readonly cancelledAt?: EpochMs;
  readonly restRemainder?: boolean;
  readonly mveCollectionTicker?: string;
  readonly mveSelectedLegs?: readonly MveLeg[];
  readonly cancellationReason?: string;
  /** Response fields this version does not know, kept verbatim (set only when there are some). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export interface Quote {
  readonly id: string;
  readonly rfqId: string;
  readonly creatorId: string;
  readonly rfqCreatorId: string;
  readonly marketTicker: string;
  readonly contracts: Centis;
  readonly yesBid: Micros;
  readonly noBid: Micros;
  /** Contracts offered per side (differ under target-cost sizing). */
  readonly yesContracts?: Centis;
  readonly noContracts?: Centis;
  readonly status: QuoteStatus;
  readonly acceptedSide?: Side;
  readonly createdAt: EpochMs;
  readonly updatedAt: EpochMs;
  readonly acceptedAt?: EpochMs;
  readonly confirmedAt?: EpochMs;
  readonly executedAt?: EpochMs;
  readonly cancelledAt?: EpochMs;
  readonly restRemainder?: boolean;
  readonly postOnly?: boolean;
  readonly cancellationReason?: string;
  readonly rfqTargetCost?: Micros;
  readonly targetCostExcludesFees?: boolean;
  /**
   * The accepted size (`contracts_accepted_fp`): below the offered size on a partial accept.
   * Not in SDK 3.30's Quote model: absent means "not said", never "nothing accepted".
   */
  readonly contractsAccepted?: Centis;
  /** The maker's order id once executed: joins to fills. */
  readonly creatorOrderId?: string;
  readonly rfqCreatorOrderId?: string;
  /** Response fields this version does not know, kept verbatim (set only when there are some). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export interface Market {
  readonly ticker: string;
  readonly eventTicker: string;
  readonly status: MarketStatus;
  readonly marketType: string;
  readonly title?: string;
  readonly yesBid: Micros;
  readonly yesAsk: Micros;
  readonly noBid: Micros;
  readonly noAsk: Micros;
  readonly lastPrice: Micros;
  readonly volume: Centis;
  readonly openInterest: Centis;
  readonly priceLevelStructure: string;
  readonly priceGrid: PriceGrid;
  readonly openTime?: EpochMs;
  readonly closeTime?: EpochMs;
  readonly mveCollectionTicker?: string;
  /** Response fields this version does not know, kept verbatim (set only when there are some). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** One order-book level: a bid at `price` for `count` contracts. */
export interface BookLevel {
  readonly price: Micros;
  readonly count: Centis;
}

/** Bids only on both sides, ascending by price (best bid last), as the exchange sends them. */
export interface OrderBook {
  readonly ticker: string;
  readonly yes: readonly BookLevel[];
  readonly no: readonly BookLevel[];
}

export interface EventInfo {
  readonly eventTicker: string;
  readonly seriesTicker: string;
  readonly title: string;
  readonly mutuallyExclusive: boolean;
  readonly feeOverride?: FeeSchedule;
  readonly marketTickers: readonly string[];
  /** Response fields this version does not know, kept verbatim (set only when there are some). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export interface MarketPosition {
  readonly ticker: string;
  /** Signed: positive is long YES, negative long NO. */
  readonly position: Centis;
  readonly marketExposure: Micros;
  readonly realizedPnl: Micros;
  readonly feesPaid: Micros;
  readonly totalTraded: Micros;
  /** Response fields this version does not know, kept verbatim (set only when there are some). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export interface EventPosition {
  readonly eventTicker: string;
  readonly totalCost: Micros;
  readonly totalCostShares: Centis;
  readonly eventExposure: Micros;
  readonly realizedPnl: Micros;
  readonly feesPaid: Micros;
  /** Response fields this version does not know, kept verbatim (set only when there are some). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export interface Fill {
  readonly fillId: string;
  /**
   * The trade this fill belongs to: what the websocket `fill` message and the REST listing share,
   * so a fill seen on both counts once. (`fill_id` when the exchange sends no `trade_id`.)
   */
  readonly tradeId: string;
  readonly orderId: string;
  /** Present on websocket fills (REST fills dropped it on 2026-03-30). */
  readonly clientOrderId?: string;
  readonly ticker: string;
  readonly outcomeSide: Side;
  readonly bookSide: 'bid' | 'ask' | (string & {});
  readonly count: Centis;
  readonly yesPrice: Micros;
  readonly noPrice: Micros;
  readonly isTaker: boolean;
  readonly fee: Micros;
  readonly createdAt?: EpochMs;
  /** Response fields this version does not know, kept verbatim (set only when there are some). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export type OrderStatus = 'resting' | 'canceled' | 'executed' | (string & {});

/** One of our orders (`GET /portfolio/orders`): e.g. a quote's leg, or its remainder resting on the book. */
export interface Order {
  readonly orderId: string;
  readonly clientOrderId?: string;
  readonly ticker: string;
  /** The outcome the order buys. */
  readonly side: Side;
  readonly status: OrderStatus;
  /** What the order pays per contract of `side`. */
  readonly price: Micros;
  readonly filled: Centis;
  readonly remaining: Centis;
  readonly initial: Centis;
  readonly createdAt?: EpochMs;
  readonly updatedAt?: EpochMs;
  /** Response fields this version does not know, kept verbatim (set only when there are some). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export interface Balance {
  readonly balance: Micros;
  readonly portfolioValue: Micros;
  readonly updatedAt?: EpochMs;
  /** Response fields this version does not know, kept verbatim (set only when there are some). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export interface BucketLimit {
  /** Tokens per second. */
  readonly refillRate: number;
  readonly capacity: number;
}

export interface ApiLimits {
  readonly usageTier: string;
  readonly read: BucketLimit;
  readonly write: BucketLimit;
  /** Response fields this version does not know, kept verbatim (set only when there are some). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export interface ExchangeStatus {
  readonly exchangeActive: boolean;
  readonly tradingActive: boolean;
  readonly estimatedResumeTime?: string;
  /** Response fields this version does not know, kept verbatim (set only when there are some). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** Bids a strategy wants to send. A side of 0 declines that side. */
export interface QuotePrices {
  readonly yesBid: Micros;
  readonly noBid: Micros;
}

/** A series' fee structure (`GET /series/{ticker}`). */
export interface SeriesInfo {
  readonly ticker: string;
  readonly title?: string;
  readonly fees: FeeSchedule;
  /** Response fields this version does not know, kept verbatim (set only when there are some). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** An event with its markets (`GET /events/{ticker}?with_nested_markets=true`). */
export interface EventDetails extends EventInfo {
  /** Empty unless nested markets were asked for. */
  readonly markets: readonly Market[];
}

/** One endpoint whose token cost differs from the default (`GET /account/endpoint_costs`). */
export interface EndpointCost {
  readonly method: string;
  /** The route as the exchange names it. */
  readonly path: string;
  readonly cost: number;
}

export interface EndpointCosts {
  readonly defaultCost: number;
  readonly costs: readonly EndpointCost[];
}
