/**
 * The exposure book of an instance in a cluster: its own quotes and positions as always, plus
 * every other instance's live reservations in each snapshot — so the guard, the last look,
 * metrics and readiness all see the account as a whole. Every change to one of our own quotes
 * is handed to the reservations (published to the others).
 */
import { type Clock, systemClock } from '../domain/clock.js';
import type { Centis } from '../domain/money.js';
import type { LiveQuote } from '../domain/quoting.js';
import type { EpochMs, EventPosition, MarketPosition, Side } from '../domain/types.js';
import {
  type ExecutionDetails,
  ExposureBook,
  type ExposureBookOptions,
  type QuoteOpenOptions,
} from '../risk/exposure.js';
import type { PositionDiscrepancy } from '../risk/reconcile.js';
import type { ExposureSnapshot, QuoteExposure } from '../risk/snapshot.js';
import { FILL_OVERLAP_MS, type RemoteReservation } from './reservations.js';

/** Where the book's changes go and where the others' reservations come from. */
export interface ExposureShare {
  changed(localId: string, exposure: QuoteExposure | undefined, executedAt?: number): void;
  remote(): readonly RemoteReservation[];
}

export class ClusterExposureBook extends ExposureBook {
  #share: ExposureShare | undefined;
  readonly #clock: Clock;
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
    const marketEvents = new Map(local.marketEvents);
    for (const r of remote) {
      const counted = countedExposure(r, this.positionsAt);
      if (!counted) continue;
      quotes.set(`r:${r.field}`, counted);
      if (!marketEvents.has(counted.marketTicker))
        marketEvents.set(counted.marketTicker, counted.eventTicker);
    }
    return Object.freeze({ ...local, quotes, marketEvents });
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
    const loadedAt = this.clockNow();
    const found = super.reconcile(exchange);
    this.positionsAt = loadedAt;
    const traded = new Set((this.#share?.remote() ?? []).map((r) => r.exposure.marketTicker));
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

/** The others' reservation as the guard counts it; an execution only until positions show it. */
function countedExposure(r: RemoteReservation, positionsAt: number): QuoteExposure | undefined {
  if (r.executedAt === undefined) return { ...r.exposure, quoteId: `r:${r.field}` };
  if (r.executedAt + FILL_OVERLAP_MS < positionsAt) return undefined;
  return { ...r.exposure, quoteId: `r:${r.field}`, state: 'confirmed' };
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
