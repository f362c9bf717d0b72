/**
 * The exposure book of an instance in a cluster: its own quotes and positions as always, plus
 * every other instance's live reservations in each snapshot — so the guard, the last look,
 * metrics and readiness all see the account as a whole. Every change to one of our own quotes
 * is handed to the reservations (published to the others).
 */
import { type Clock, systemClock } from '../domain/clock.js';
import { type Centis, notional } from '../domain/money.js';
import type { LiveQuote } from '../domain/quoting.js';
import type { EpochMs, EventPosition, MarketPosition, Side } from '../domain/types.js';
import {
  type ExecutionDetails,
  ExposureBook,
  type ExposureBookOptions,
  type QuoteOpenOptions,
} from '../risk/exposure.js';
import { applyFill } from '../risk/position.js';
import { explainByPending, type PositionDiscrepancy } from '../risk/reconcile.js';
import type { ExposureSnapshot, PositionExposure, QuoteExposure } from '../risk/snapshot.js';
import { FILL_OVERLAP_MS, type RemoteReservation } from './reservations.js';

/** Where the book's changes go and where the others' reservations come from. */
export interface ExposureShare {
  changed(localId: string, exposure: QuoteExposure | undefined, executedAt?: number): void;
  remote(): readonly RemoteReservation[];
}

export class ClusterExposureBook extends ExposureBook {
  #share: ExposureShare | undefined;
  readonly #clock: Clock;
  /** Others' fills our positions already hold (found at reconciliation): no longer counted. */
  readonly #absorbed = new Set<string>();
  /** When positions were last read from the exchange (they include fills of every instance before). */
  positionsAt = 0;

  constructor(options: ExposureBookOptions = {}) {
    super(options);
    this.#clock = options.clock ?? systemClock;
  }

  /** Connects the book to the cluster (after the connection exists). */
  share(share: ExposureShare): void {
    this.#share = share;
  }

  override snapshot(): ExposureSnapshot {
    const local = super.snapshot();
    const remote = this.#share?.remote() ?? [];
    if (remote.length === 0) return local;
    const quotes = new Map(local.quotes);
    const positions = new Map(local.positions);
    const marketEvents = new Map(local.marketEvents);
    for (const r of remote) {
      if (this.#absorbed.has(r.field)) continue;
      const e = r.exposure;
      if (!marketEvents.has(e.marketTicker)) marketEvents.set(e.marketTicker, e.eventTicker);
      if (r.executedAt === undefined) quotes.set(`r:${r.field}`, { ...e, quoteId: `r:${r.field}` });
      // A fill of another instance is position (not a live quote) until our positions show it.
      else if (r.executedAt + FILL_OVERLAP_MS >= this.positionsAt && e.accepted) {
        positions.set(e.marketTicker, withFill(positions.get(e.marketTicker), e));
      }
    }
    return Object.freeze({ ...local, quotes, positions, marketEvents });
  }

  override loadPositions(positions: readonly MarketPosition[], events: readonly EventPosition[] = []): void {
    this.positionsAt = this.clockNow();
    super.loadPositions(positions, events);
  }

  /**
   * The exchange's positions carry every instance's fills: a difference on a market where
   * another instance trades is expected, not a mismatch (the numbers are adopted either way).
   */
  override reconcile(exchange: readonly MarketPosition[]): PositionDiscrepancy[] {
    const loadedAt = this.#clock.now();
    const remote = this.#share?.remote() ?? [];
    const live = new Set(remote.map((r) => r.field));
    for (const field of this.#absorbed) if (!live.has(field)) this.#absorbed.delete(field);
    // A difference explained by accepted quotes (ours or another instance's) is their execution.
    const theirs = new Map(exchange.map((p) => [p.ticker, p.position]));
    const byMarket = new Map<string, QuoteExposure[]>();
    for (const r of remote) {
      if (!r.exposure.accepted || this.#absorbed.has(r.field)) continue;
      const list = byMarket.get(r.exposure.marketTicker) ?? [];
      list.push({
        ...r.exposure,
        quoteId: `r:${r.field}`,
        state: r.executedAt ? 'confirmed' : r.exposure.state,
      });
      byMarket.set(r.exposure.marketTicker, list);
    }
    for (const [market, list] of byMarket) {
      const difference = (theirs.get(market) ?? 0) - this.position(market);
      if (difference === 0) continue;
      const own = this.liveQuotes().filter((q) => q.marketTicker === market && q.accepted);
      for (const id of explainByPending(difference, [...list, ...own]) ?? []) {
        if (id.startsWith('r:')) this.#absorbed.add(id.slice(2));
        else this.quoteExecuted(id);
      }
    }
    const found = super.reconcile(exchange);
    this.positionsAt = loadedAt;
    // The numbers are adopted either way; where another instance trades a difference is expected.
    const traded = new Set(remote.map((r) => r.exposure.marketTicker));
    return found.filter((d) => !traded.has(d.marketTicker));
  }

  override quoteOpened(quote: LiveQuote, options: QuoteOpenOptions = {}): boolean {
    const changed = super.quoteOpened(quote, options);
    if (changed) this.#publish(quote.quoteId);
    return changed;
  }

  override renameQuote(fromId: string, toId: string): boolean {
    const changed = super.renameQuote(fromId, toId);
    if (changed) {
      this.#share?.changed(fromId, undefined);
      this.#publish(toId);
    }
    return changed;
  }

  override quoteAccepted(quoteId: string, side: Side, contracts?: Centis, at?: EpochMs): boolean {
    const changed = super.quoteAccepted(quoteId, side, contracts, at);
    if (changed) this.#publish(quoteId);
    return changed;
  }

  override quoteConfirmed(quoteId: string): boolean {
    const changed = super.quoteConfirmed(quoteId);
    if (changed) this.#publish(quoteId);
    return changed;
  }

  override quoteExecuted(quoteId: string, details: ExecutionDetails = {}): boolean {
    const before = this.liveQuote(quoteId);
    const changed = super.quoteExecuted(quoteId, details);
    // Until the others reload positions, they count our fill as this filled reservation.
    if (changed && before) this.#share?.changed(quoteId, filled(before, details), this.clockNow());
    return changed;
  }

  override quoteLapsed(quoteId: string): boolean {
    const changed = super.quoteLapsed(quoteId);
    if (changed) this.#share?.changed(quoteId, undefined);
    return changed;
  }

  override quoteRemoved(quoteId: string): boolean {
    const changed = super.quoteRemoved(quoteId);
    if (changed) this.#share?.changed(quoteId, undefined);
    return changed;
  }

  #publish(quoteId: string): void {
    const quote = this.liveQuote(quoteId);
    if (quote) this.#share?.changed(quoteId, quote);
  }

  private clockNow(): number {
    return this.#clock.now();
  }
}

/** A position with another instance's fill added, netted as the exchange nets it. */
function withFill(position: PositionExposure | undefined, quote: QuoteExposure): PositionExposure {
  const accepted = quote.accepted!;
  const base = position ?? {
    marketTicker: quote.marketTicker,
    eventTicker: quote.eventTicker,
    contracts: 0,
    cost: 0,
    episodeRealized: 0,
    unrealized: 0,
  };
  const premium = notional(accepted.bid, accepted.contracts, 'ceil');
  const fee = accepted.cost - premium;
  const outcome = applyFill(
    { contracts: base.contracts, cost: base.cost },
    accepted.side,
    accepted.contracts,
    premium,
  );
  return {
    ...base,
    contracts: outcome.position.contracts,
    cost: outcome.position.cost,
    episodeRealized: base.episodeRealized + outcome.realized - Math.max(0, fee),
  };
}

/** An executed quote as a filled reservation: confirmed, on the side and size that traded. */
function filled(quote: QuoteExposure, details: ExecutionDetails): QuoteExposure {
  if (quote.accepted && (!details.side || details.side === quote.accepted.side)) {
    return { ...quote, state: 'confirmed' };
  }
  const side = details.side ?? 'yes';
  const offered = side === 'yes' ? quote.yes : quote.no;
  const contracts = details.contracts ?? offered.contracts;
  return {
    ...quote,
    state: 'confirmed',
    accepted: { side, bid: offered.bid, contracts, cost: offered.cost },
  };
}
