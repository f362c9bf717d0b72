/**
 * The exposure book of an instance in a cluster: its own quotes and positions as always, plus
 * every other instance's live reservations in each snapshot — so the guard, the last look,
 * metrics and readiness all see the account as a whole. Every change to one of our own quotes
 * is handed to the reservations (published to the others).
 *
 * Positions need no sharing: every instance on the account receives every fill of the account
 * (the `fill` channel and `GET /portfolio/fills` are per account), so each books them all, each
 * at its own pace. An instance's accepted quote stays reserved, shrinking as its fills come; the
 * others count it as what it may still fill plus what it has booked and they have not, so a fill
 * counts once and never zero times. Once its order is done it stays published as executed until
 * every other instance has booked the fills before it (`fillsBookedThrough`, in their presence).
 */
import type { Centis } from '../domain/money.js';
import type { LiveQuote } from '../domain/quoting.js';
import type { EpochMs, EventPosition, MarketPosition, Side } from '../domain/types.js';
import type { BookFill, FillBooking, QuoteFillResult } from '../risk/book-types.js';
import { ExposureBook, type ExposureBookOptions, type QuoteOpenOptions } from '../risk/exposure.js';
import type { RiskLimits } from '../risk/limits.js';
import type { PositionDiscrepancy } from '../risk/reconcile.js';
import { type ExposureSnapshot, type QuoteExposure, sideCost } from '../risk/snapshot.js';
import {
  type ExposureState,
  exposureOf,
  openQuoteWeight,
  type RiskView,
  riskView,
} from '../risk/worst-case.js';
import type { RemoteReservation } from './reservations.js';

/** Where the book's changes go and where the others' reservations come from. */
export interface ExposureShare {
  changed(localId: string, exposure: QuoteExposure | undefined, executedAt?: number): void;
  remote(): readonly RemoteReservation[];
  /** Another instance has most likely just traded: read its reservations again soon. */
  othersTraded?(): void;
}

/** A fill of the account no quote of ours claims: most likely another instance's. */
interface UnclaimedFill extends BookFill {
  readonly bookedAt: EpochMs;
}

/** How long an unclaimed fill may stand in for another instance's unpublished order id. */
const UNCLAIMED_MEMORY_MS = 10_000;
/** A fill may be stamped a little before the accept it answers (clocks differ). */
const CLAIM_SLACK_MS = 1_000;

export class ClusterExposureBook extends ExposureBook {
  #share: ExposureShare | undefined;
  readonly #unclaimed: UnclaimedFill[] = [];
  /**
   * Every fill of the account before this time is booked here (positions loaded, or a fill sync
   * that left them equal to the exchange's): published with our presence, it lets the others drop
   * their executed reservations.
   */
  fillsBookedThrough = 0;

  constructor(options: ExposureBookOptions = {}) {
    super(options);
  }

  override loadPositions(positions: readonly MarketPosition[], events: readonly EventPosition[] = []): void {
    this.fillsBookedThrough = this.now();
    super.loadPositions(positions, events);
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
    this.#forgetOldUnclaimed();
    const claimed = new Map<UnclaimedFill, Centis>();
    for (const r of remote) {
      const e = this.#lessBookedHere(r.exposure, claimed);
      // Executed, it holds only the fills we have not booked yet; none left, it is no live quote.
      if (r.executedAt !== undefined && !(e.accepted && e.accepted.contracts > 0)) continue;
      if (!marketEvents.has(e.marketTicker)) marketEvents.set(e.marketTicker, e.eventTicker);
      quotes.set(`r:${r.field}`, { ...e, quoteId: `r:${r.field}` });
    }
    return Object.freeze({ ...local, quotes, marketEvents });
  }

  /** Other instances' reservations are in snapshots only: the guard reads one. */
  override current(): ExposureState {
    return exposureOf(this.snapshot());
  }

  /** The account's exposure: ours and the other instances' reservations. */
  override riskView(limits: RiskLimits): RiskView {
    return riskView(this.snapshot(), { openQuoteWeightPpm: openQuoteWeight(limits) });
  }

  /**
   * Where another instance has quotes the exchange's positions may run ahead of the fills we
   * have booked: a difference there is expected, not a mismatch (the numbers are adopted either way).
   */
  override reconcile(exchange: readonly MarketPosition[], only?: ReadonlySet<string>): PositionDiscrepancy[] {
    const found = super.reconcile(exchange, only);
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

  override quoteExecuted(quoteId: string): boolean {
    const changed = super.quoteExecuted(quoteId);
    if (changed) this.#publish(quoteId);
    return changed;
  }

  override applyFill(fill: BookFill): FillBooking {
    const booking = super.applyFill(fill);
    if (booking.kind !== 'booked') return booking;
    // Our quote's reservation shrank by what filled: the others count less of it.
    if (booking.quoteId !== undefined) this.#publish(booking.quoteId);
    else {
      this.#unclaimed.push({ ...fill, bookedAt: this.now() });
      // Until we read its accept, its quote counts as open beside the fill: twice.
      this.#share?.othersTraded?.();
    }
    return booking;
  }

  override quoteFillsDone(quoteId: string): QuoteFillResult | undefined {
    const last = this.liveQuote(quoteId);
    const result = super.quoteFillsDone(quoteId);
    if (!result) return result;
    if (last?.accepted && last.orderId !== undefined && result.filled > 0) {
      // The others may not have booked all its fills yet: nothing more to fill, what did stays.
      const done = { ...last, accepted: { ...last.accepted, contracts: 0, cost: 0 }, filled: result.filled };
      this.#share?.changed(quoteId, done, this.now());
    } else {
      this.#share?.changed(quoteId, undefined);
    }
    return result;
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

  /**
   * Another instance's accepted quote, less what we have booked of its order beyond what it had
   * published as filled (the fill is in our positions already and must not count twice), plus
   * what it has booked and we have not (it no longer counts that, and our positions lack it).
   * Until that instance has published its order id (a few hundred ms after its execution), a fill
   * no quote of ours claims, on that market and side, at that bid, after the accept, is its fill.
   */
  #lessBookedHere(exposure: QuoteExposure, claimed: Map<UnclaimedFill, Centis>): QuoteExposure {
    const { accepted, orderId } = exposure;
    if (!accepted) return exposure;
    let ahead = 0;
    if (orderId !== undefined) {
      ahead = this.filledOnOrder(orderId) - (exposure.filled ?? 0);
    } else {
      const since = (exposure.acceptedAt ?? exposure.openedAt) - CLAIM_SLACK_MS;
      let wanted = accepted.contracts;
      for (const fill of this.#unclaimed) {
        if (wanted <= 0) break;
        if (fill.marketTicker !== exposure.marketTicker || fill.side !== accepted.side) continue;
        if (fill.price !== accepted.bid || fill.tradedAt < since) continue;
        const free = fill.contracts - (claimed.get(fill) ?? 0);
        if (free <= 0) continue;
        const take = Math.min(free, wanted);
        claimed.set(fill, (claimed.get(fill) ?? 0) + take);
        wanted -= take;
        ahead += take;
      }
    }
    if (ahead === 0) return exposure;
    const pending = Math.max(0, accepted.contracts - ahead);
    return {
      ...exposure,
      accepted: { ...accepted, contracts: pending, cost: sideCost(accepted.bid, pending, exposure.fees) },
    };
  }

  #forgetOldUnclaimed(): void {
    const cutoff = this.now() - UNCLAIMED_MEMORY_MS;
    while (this.#unclaimed.length > 0 && this.#unclaimed[0]!.bookedAt < cutoff) this.#unclaimed.shift();
  }

  #publish(quoteId: string): void {
    const quote = this.liveQuote(quoteId);
    if (quote) this.#share?.changed(quoteId, quote);
  }
}
