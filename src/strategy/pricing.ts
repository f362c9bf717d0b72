import { DEFAULT_FEE_SCHEDULE, type FeeSchedule, makerFee, makerFeeBps } from '../domain/fees.js';
import {
  CENTIS_PER_CONTRACT,
  type Centis,
  divBig,
  formatDollarsMinimal,
  type Micros,
  mulDiv,
  ONE_DOLLAR,
} from '../domain/money.js';
import type { Market, OrderBook, QuotePrices, Rfq } from '../domain/types.js';

/**
 * Pure pricing helpers for strategy authors. Every price is integer micros
 * (`1_000_000` = $1); nothing here uses floating point.
 */

/** The best (highest) YES bid in the book, ignoring empty levels. */
export function bestYesBid(book: OrderBook): Micros | undefined {
  return bestBid(book.yes);
}

/** The best (highest) NO bid in the book. */
export function bestNoBid(book: OrderBook): Micros | undefined {
  return bestBid(book.no);
}

/** The best YES ask: a NO bid at p is an offer to sell YES at 1 − p. */
export function bestYesAsk(book: OrderBook): Micros | undefined {
  const no = bestNoBid(book);
  return no === undefined ? undefined : ONE_DOLLAR - no;
}

function bestBid(levels: OrderBook['yes']): Micros | undefined {
  // Levels ascend by price: the best bid is the last level that still has contracts.
  for (let i = levels.length - 1; i >= 0; i--) {
    const level = levels[i];
    if (level !== undefined && level.count > 0) return level.price;
  }
  return undefined;
}

/** Mid of the YES bid and ask, rounded down to a micro; undefined when a side is empty. */
export function bookMid(book: OrderBook): Micros | undefined {
  const bid = bestYesBid(book);
  const ask = bestYesAsk(book);
  if (bid === undefined || ask === undefined) return undefined;
  return Math.floor((bid + ask) / 2);
}

/** YES ask − YES bid; negative when the book is crossed; undefined when a side is empty. */
export function bookSpread(book: OrderBook): Micros | undefined {
  const bid = bestYesBid(book);
  const ask = bestYesAsk(book);
  return bid === undefined || ask === undefined ? undefined : ask - bid;
}

/** Half of a spread, rounded up (a wider quote is the safe side). */
export function halfSpread(spread: Micros): Micros {
  return Math.ceil(spread / 2);
}

/**
 * A two-sided quote around a fair value of YES: `yesBid = fair − half`,
 * `noBid = (1 − fair) − half`. A side that would be zero or negative is `0` (declined).
 * @example twoSided(dollars('0.50'), dollars('0.02')) // { yesBid: 480_000, noBid: 480_000 }
 */
export function twoSided(fair: Micros, half: Micros): QuotePrices {
  return {
    yesBid: Math.max(0, fair - half),
    noBid: Math.max(0, ONE_DOLLAR - fair - half),
  };
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** Clamps a probability into the open interval (0, 1): [1, 999_999] micros. */
export function clampFair(fair: Micros): Micros {
  return clamp(fair, 1, ONE_DOLLAR - 1);
}

/** Options of {@link referencePrice}. */
export interface ReferencePriceOptions {
  /** Skip when the book's spread is wider than this. @default no limit */
  readonly maxBookSpread?: Micros;
  /** Use the market's last trade when the book is one-sided or empty. @default true */
  readonly fallbackToLastPrice?: boolean;
}

export type ReferencePrice =
  | { readonly fair: Micros; readonly source: 'mid' | 'last' }
  | { readonly skip: string };

/**
 * A reference fair value for YES: the book mid; else, if allowed, the last trade price.
 * Returns `{ skip }` with a reason when neither is usable.
 */
export function referencePrice(
  book: OrderBook,
  market: Market,
  options: ReferencePriceOptions = {},
): ReferencePrice {
  const mid = bookMid(book);
  const spread = bookSpread(book);
  if (mid !== undefined && spread !== undefined) {
    if (spread < 0) return { skip: `order book is crossed (spread ${formatDollarsMinimal(spread)})` };
    if (options.maxBookSpread !== undefined && spread > options.maxBookSpread) {
      return {
        skip: `book spread ${formatDollarsMinimal(spread)} is wider than maxBookSpread ${formatDollarsMinimal(options.maxBookSpread)}`,
      };
    }
    if (mid > 0 && mid < ONE_DOLLAR) return { fair: mid, source: 'mid' };
  }
  if (options.fallbackToLastPrice ?? true) {
    if (market.lastPrice > 0 && market.lastPrice < ONE_DOLLAR)
      return { fair: market.lastPrice, source: 'last' };
    return { skip: 'order book is one-sided or empty and the market has no last price' };
  }
  return { skip: 'order book is one-sided or empty' };
}

/**
 * The maker fee per contract at `price`, in micros, rounded up. Without `count` it is the
 * exact rate·P·(1−P)·multiplier; with it, the trade's fee (rounded up to $0.0001 as the
 * exchange does) spread over the contracts.
 */
export function makerFeePerContract(
  price: Micros,
  schedule: FeeSchedule = DEFAULT_FEE_SCHEDULE,
  count?: Centis,
): Micros {
  if (price <= 0 || price >= ONE_DOLLAR) return 0;
  if (count !== undefined && count > 0)
    return mulDiv(makerFee(price, count, schedule), CENTIS_PER_CONTRACT, count, 'ceil');
  const bps = makerFeeBps(schedule);
  if (bps === 0 || schedule.multiplierPpm === 0) return 0;
  const numerator = BigInt(bps) * BigInt(price) * BigInt(ONE_DOLLAR - price) * BigInt(schedule.multiplierPpm);
  return Number(divBig(numerator, 10_000n * 1_000_000n * 1_000_000n, 'ceil'));
}

/** A price plus its maker fee per contract (a function of its own: tsx names closures, at a cost per call). */
function withFee(price: Micros, schedule: FeeSchedule, count: Centis | undefined): Micros {
  return price + makerFeePerContract(price, schedule, count);
}

/**
 * The highest bid whose price plus maker fee stays within `bid`: quote this to keep the edge
 * you priced after paying the fee. `0` stays `0`.
 */
export function bidNetOfMakerFee(
  bid: Micros,
  schedule: FeeSchedule = DEFAULT_FEE_SCHEDULE,
  count?: Centis,
): Micros {
  if (bid <= 0) return 0;
  let net = bid - makerFeePerContract(bid, schedule, count);
  if (withFee(net, schedule, count) > bid) {
    // Above $0.50 the fee grows as the price falls: every price skipped here costs too much.
    while (net > 0 && withFee(net, schedule, count) > bid) net -= withFee(net, schedule, count) - bid;
    return Math.max(0, net);
  }
  // Below $0.50 price + fee rises with price: binary-search the highest price that fits.
  let high = bid;
  while (net < high) {
    const middle = net + Math.ceil((high - net) / 2);
    if (withFee(middle, schedule, count) <= bid) net = middle;
    else high = middle - 1;
  }
  return Math.max(0, net);
}

/** Both bids net of the maker fee (see {@link bidNetOfMakerFee}). */
export function withMakerFees(
  prices: QuotePrices,
  schedule: FeeSchedule = DEFAULT_FEE_SCHEDULE,
  count?: Centis,
): QuotePrices {
  return {
    yesBid: bidNetOfMakerFee(prices.yesBid, schedule, count),
    noBid: bidNetOfMakerFee(prices.noBid, schedule, count),
  };
}

/** An RFQ's fixed contract count (for per-trade fee rounding); undefined for target-cost RFQs. */
export function rfqContracts(rfq: Rfq): Centis | undefined {
  return rfq.size.kind === 'contracts' ? rfq.size.contracts : undefined;
}
