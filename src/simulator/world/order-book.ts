import { type Centis, type Micros, ONE_DOLLAR } from '../../domain/money.js';
import type { BookLevel, EpochMs, Side } from '../../domain/types.js';

/** A real user's resting order as the book holds it (the order record lives in the exchange). */
export interface RestingEntry {
  readonly orderId: string;
  readonly ownerId: string;
  /** The outcome the order buys; `price` is its bid for that outcome. */
  readonly side: Side;
  readonly price: Micros;
  remaining: Centis;
  /** When it started resting (time priority, and the 5-second combo fee rule). */
  readonly since: EpochMs;
  readonly seq: number;
}

/** Synthetic liquidity at one price: the simulator's stand-in for everybody else's orders. */
export interface SyntheticLevel {
  readonly side: Side;
  readonly price: Micros;
  count: Centis;
  readonly since: EpochMs;
  readonly seq: number;
}

/** Resting liquidity an incoming order would trade with. */
export type Liquidity =
  | { readonly kind: 'synthetic'; readonly level: SyntheticLevel }
  | { readonly kind: 'order'; readonly entry: RestingEntry };

export function liquidityPrice(liq: Liquidity): Micros {
  return liq.kind === 'synthetic' ? liq.level.price : liq.entry.price;
}

export function liquiditySince(liq: Liquidity): EpochMs {
  return liq.kind === 'synthetic' ? liq.level.since : liq.entry.since;
}

export function liquidityCount(liq: Liquidity): Centis {
  return liq.kind === 'synthetic' ? liq.level.count : liq.entry.remaining;
}

const other = (side: Side): Side => (side === 'yes' ? 'no' : 'yes');

/**
 * One market's order book: bids for YES and bids for NO (Kalshi's two-sided book), each
 * synthetic levels around the fair value plus real resting orders. A bid for YES at p and a
 * bid for NO at q cross when p + q ≥ $1; priority is price (higher bid first), then time.
 */
export class MarketBook {
  private readonly synthetic: Record<Side, SyntheticLevel[]> = { yes: [], no: [] };
  private readonly resting: Record<Side, RestingEntry[]> = { yes: [], no: [] };
  private seq = 0;

  /**
   * @param changed called after every mutation (the one place book changes are observable:
   *   the world's `onBookChanged`, hence the `orderbook_delta` channel)
   */
  constructor(private readonly changed: () => void = () => {}) {}

  /** Replaces one side's synthetic levels; a price that stays keeps its age (time priority). */
  setSynthetic(side: Side, levels: readonly BookLevel[], now: EpochMs): void {
    const before = new Map(this.synthetic[side].map((l) => [l.price, l]));
    this.synthetic[side] = levels.map((l) => {
      const kept = before.get(l.price);
      return {
        side,
        price: l.price,
        count: l.count,
        since: kept?.since ?? now,
        seq: kept?.seq ?? ++this.seq,
      };
    });
    this.changed();
  }

  /** Fresh synthetic liquidity at one price (an order that arrives now). */
  addSynthetic(side: Side, price: Micros, count: Centis, now: EpochMs): void {
    this.synthetic[side].push({ side, price, count, since: now, seq: ++this.seq });
    this.changed();
  }

  rest(entry: Omit<RestingEntry, 'seq'>): RestingEntry {
    const full: RestingEntry = { ...entry, seq: ++this.seq };
    this.resting[entry.side].push(full);
    this.changed();
    return full;
  }

  remove(orderId: string): void {
    let removed = false;
    for (const side of ['yes', 'no'] as const) {
      const list = this.resting[side];
      const at = list.findIndex((e) => e.orderId === orderId);
      if (at >= 0) {
        list.splice(at, 1);
        removed = true;
      }
    }
    if (removed) this.changed();
  }

  /** Real resting orders, oldest first. */
  entries(): RestingEntry[] {
    return [...this.resting.yes, ...this.resting.no].sort((a, b) => a.seq - b.seq);
  }

  /**
   * What a buy of `side` at `price` would trade with, best first: the other side's bids q with
   * price + q ≥ $1, higher q first, older first at one price. `ownerId`'s own orders are left
   * out (self-trade prevention).
   */
  crossing(side: Side, price: Micros, ownerId?: string): Liquidity[] {
    const opposite = other(side);
    const floor = ONE_DOLLAR - price;
    const found: { liq: Liquidity; price: Micros; since: EpochMs; seq: number }[] = [];
    for (const level of this.synthetic[opposite]) {
      if (level.price >= floor && level.count > 0)
        found.push({
          liq: { kind: 'synthetic', level },
          price: level.price,
          since: level.since,
          seq: level.seq,
        });
    }
    for (const entry of this.resting[opposite]) {
      if (entry.price >= floor && entry.remaining > 0 && entry.ownerId !== ownerId)
        found.push({ liq: { kind: 'order', entry }, price: entry.price, since: entry.since, seq: entry.seq });
    }
    found.sort((a, b) => b.price - a.price || a.since - b.since || a.seq - b.seq);
    return found.map((f) => f.liq);
  }

  /** Takes `count` from a piece of liquidity (synthetic levels that run dry are dropped). */
  take(liq: Liquidity, count: Centis): void {
    if (liq.kind === 'order') {
      liq.entry.remaining -= count;
    } else {
      liq.level.count -= count;
      if (liq.level.count <= 0) {
        const list = this.synthetic[liq.level.side];
        const at = list.indexOf(liq.level);
        if (at >= 0) list.splice(at, 1);
      }
    }
    this.changed();
  }

  /** Drops synthetic liquidity on `side` at or above `minPrice` (swept by a fresh order). */
  sweepSynthetic(side: Side, minPrice: Micros): void {
    this.synthetic[side] = this.synthetic[side].filter((l) => l.price < minPrice);
    this.changed();
  }

  /** Aggregated levels of one side, ascending (best bid last), as the API shows them. */
  levels(side: Side): BookLevel[] {
    const byPrice = new Map<Micros, Centis>();
    for (const l of this.synthetic[side])
      if (l.count > 0) byPrice.set(l.price, (byPrice.get(l.price) ?? 0) + l.count);
    for (const e of this.resting[side])
      if (e.remaining > 0) byPrice.set(e.price, (byPrice.get(e.price) ?? 0) + e.remaining);
    return [...byPrice.entries()].sort((a, b) => a[0] - b[0]).map(([price, count]) => ({ price, count }));
  }
}
