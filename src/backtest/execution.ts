/**
 * Execution with the exchange-truth rules (docs/simulator.md "Exchange truth"), pure: our leg —
 * buy the accepted side at our bid for the contracts the requester took — meets the market as
 * the recording last saw it at execution time. If the market has moved through our price, a
 * post-only leg is cancelled (the quote still reports executed, nothing fills); otherwise our leg
 * takes that liquidity as taker (better price, taker fee) and the requester's leg fills the rest
 * at our bid, with us as maker. Remainders never rest in a backtest.
 */
import { type FeeSchedule, makerFee, takerFee } from '../domain/fees.js';
import { type Centis, type Micros, ONE_DOLLAR } from '../domain/money.js';
import type { OrderBook, Side } from '../domain/types.js';

export interface ExecutionInput {
  readonly side: Side;
  /** Our bid on the accepted side. */
  readonly bid: Micros;
  /** Contracts the requester took. */
  readonly contracts: Centis;
  readonly postOnly: boolean;
  readonly fees: FeeSchedule;
  /** The latest recorded book of the market, if any. */
  readonly book?: OrderBook | undefined;
  /** Without a book: the latest recorded YES mid, and the bid and ask around it when known. */
  readonly mid?: Micros | undefined;
  readonly markBid?: Micros | undefined;
  readonly markAsk?: Micros | undefined;
}

export interface ExecutionFill {
  readonly price: Micros;
  readonly contracts: Centis;
  readonly fee: Micros;
  readonly isTaker: boolean;
}

export type ExecutionOutcome =
  | { readonly kind: 'filled'; readonly fills: readonly ExecutionFill[] }
  | { readonly kind: 'post-only-cancel'; readonly reason: string };

/** One sell of our side we would cross: its price (what we would pay) and size (undefined: unknown). */
interface Offer {
  readonly price: Micros;
  readonly count: Centis | undefined;
}

/** Offers to sell `side` at or below `bid`, best first: the other side's bids seen from ours. */
function crossingOffers(input: ExecutionInput): Offer[] {
  const { side, bid, book } = input;
  if (book) {
    const other = side === 'yes' ? book.no : book.yes;
    const offers: Offer[] = [];
    for (let i = other.length - 1; i >= 0; i--) {
      const level = other[i]!;
      const price = ONE_DOLLAR - level.price;
      if (level.count > 0 && price <= bid) offers.push({ price, count: level.count });
    }
    return offers.sort((a, b) => a.price - b.price);
  }
  // No book recorded: the mark's ask of our side, else its mid standing for it (strictly below).
  const ask =
    side === 'yes' ? input.markAsk : input.markBid !== undefined ? ONE_DOLLAR - input.markBid : undefined;
  if (ask !== undefined) return ask > 0 && ask <= bid ? [{ price: ask, count: undefined }] : [];
  if (input.mid === undefined) return [];
  const value = side === 'yes' ? input.mid : ONE_DOLLAR - input.mid;
  return value < bid ? [{ price: value, count: undefined }] : [];
}

export function execute(input: ExecutionInput): ExecutionOutcome {
  const offers = input.contracts > 0 ? crossingOffers(input) : [];
  if (offers.length > 0 && input.postOnly) {
    const best = offers[0]!;
    return {
      kind: 'post-only-cancel',
      reason: `the market moved through our ${input.side} bid ${input.bid}: offered at ${best.price} micros`,
    };
  }
  const fills: ExecutionFill[] = [];
  let left = input.contracts;
  for (const offer of offers) {
    if (left === 0) break;
    const k = offer.count === undefined ? left : Math.min(left, offer.count);
    fills.push({
      price: offer.price,
      contracts: k,
      fee: takerFee(offer.price, k, input.fees),
      isTaker: true,
    });
    left -= k;
  }
  if (left > 0) {
    fills.push({
      price: input.bid,
      contracts: left,
      fee: makerFee(input.bid, left, input.fees),
      isTaker: false,
    });
  }
  return { kind: 'filled', fills };
}
