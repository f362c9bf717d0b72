import type { Centis } from '../domain/money.js';
import type { BookFill } from './book-types.js';

/** How many trade ids, order links and per-order totals are remembered (oldest forgotten first). */
export const LEDGER_MEMORY = 200_000;

function remember<K, V>(map: Map<K, V>, key: K, value: V, cap: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > cap) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
}

/**
 * The bookkeeping behind "fills are the record": which trades are booked (a fill pushed on the
 * websocket and listed again by `GET /portfolio/fills` counts once), which order belongs to which
 * of our quotes (the maker's order id, `creator_order_id`), and how much each order has filled so
 * far (a fill can arrive before we learn whose order it is).
 */
export class FillLedger {
  readonly #trades = new Map<string, true>();
  readonly #quoteOfOrder = new Map<string, string>();
  readonly #filledByOrder = new Map<string, Centis>();

  constructor(private readonly cap = LEDGER_MEMORY) {}

  /** Whether the trade is booked already. */
  has(tradeId: string): boolean {
    return this.#trades.has(tradeId);
  }

  /** Records a booked trade and what it filled on its order. */
  book(tradeId: string, orderId: string, contracts: Centis): void {
    remember(this.#trades, tradeId, true, this.cap);
    remember(this.#filledByOrder, orderId, (this.#filledByOrder.get(orderId) ?? 0) + contracts, this.cap);
  }

  /** Marks trades as booked without booking them (already in a position loaded or restored). */
  noteBooked(tradeId: string): void {
    remember(this.#trades, tradeId, true, this.cap);
  }

  link(orderId: string, quoteId: string): void {
    remember(this.#quoteOfOrder, orderId, quoteId, this.cap);
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
