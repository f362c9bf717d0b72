import type { Centis } from '../domain/money.js';
import { RecentMap, RecentSet } from '../domain/recent.js';
import type { BookFill } from './book-types.js';

/** How many trade ids, order links and per-order totals are remembered (oldest forgotten first). */
export const LEDGER_MEMORY = 200_000;

/**
 * The bookkeeping behind "fills are the record": which trades are booked (a fill pushed on the
 * websocket and listed again by `GET /portfolio/fills` counts once), which order belongs to which
 * of our quotes (the maker's order id, `creator_order_id`), and how much each order has filled so
 * far (a fill can arrive before we learn whose order it is).
 */
export class FillLedger {
  readonly #trades: RecentSet<string>;
  readonly #quoteOfOrder: RecentMap<string, string>;
  readonly #filledByOrder: RecentMap<string, Centis>;

  constructor(cap = LEDGER_MEMORY) {
    this.#trades = new RecentSet(cap);
    this.#quoteOfOrder = new RecentMap(cap);
    this.#filledByOrder = new RecentMap(cap);
  }

  /** Whether the trade is booked already. */
  has(tradeId: string): boolean {
    return this.#trades.has(tradeId);
  }

  /** Records a booked trade and what it filled on its order. */
  book(tradeId: string, orderId: string, contracts: Centis): void {
    this.#trades.add(tradeId);
    this.#filledByOrder.set(orderId, (this.#filledByOrder.get(orderId) ?? 0) + contracts);
  }

  /** Marks trades as booked without booking them (already in a position loaded or restored). */
  noteBooked(tradeId: string): void {
    this.#trades.add(tradeId);
  }

  link(orderId: string, quoteId: string): void {
    this.#quoteOfOrder.set(orderId, quoteId);
  }

  quoteOf(orderId: string): string | undefined {
    return this.#quoteOfOrder.get(orderId);
  }

  /** Contracts booked on an order so far. */
  filled(orderId: string): Centis {
    return this.#filledByOrder.get(orderId) ?? 0;
  }

  get size(): number {
    return this.#trades.size;
  }
}

/** Why a fill cannot be booked (a broken report must not corrupt positions), or undefined. */
export function fillProblem(fill: BookFill): string | undefined {
  if (!fill.tradeId) return 'no trade id';
  if (!fill.marketTicker) return 'no market';
  if (fill.side !== 'yes' && fill.side !== 'no') return `side ${String(fill.side)}`;
  if (!Number.isSafeInteger(fill.contracts) || fill.contracts <= 0) return `size ${fill.contracts}`;
  if (!Number.isSafeInteger(fill.price) || fill.price < 0 || fill.price > 1_000_000)
    return `price ${fill.price}`;
  if (!Number.isSafeInteger(fill.fee) || fill.fee < 0) return `fee ${fill.fee}`;
  return undefined;
}
