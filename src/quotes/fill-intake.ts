import type { EpochMs, Fill } from '../domain/types.js';
import type { BookFill, FillBooking } from '../risk/exposure.js';
import type { FillSource, QuotingDeps } from './context.js';
import type { TrackedQuote } from './quote-store.js';

/** How long a fill of an order no quote has claimed waits for its quote's order id. @default 30 s */
export const ATTRIBUTION_GRACE_MS = 30_000;

export function toBookFill(fill: Fill): BookFill {
  return {
    tradeId: fill.tradeId,
    orderId: fill.orderId,
    marketTicker: fill.ticker,
    side: fill.outcomeSide,
    contracts: fill.count,
    price: fill.outcomeSide === 'yes' ? fill.yesPrice : fill.noPrice,
    fee: fill.fee,
    tradedAt: fill.createdAt ?? 0,
  };
}

/**
 * Where every fill of ours enters: the websocket push, the periodic and after-gap listings, the
 * listing by order when a quote's execution settles, and startup. The exposure book books it
 * (position, realised P&L, fees; once per trade id). It is reported with its quote when its order
 * is one of ours; a fill whose order no quote has claimed is booked all the same and reported
 * once a quote claims it, or as unattributed after `graceMs` (the push can beat the report that
 * names the quote's order).
 */
export class FillIntake {
  readonly #unclaimed = new Map<string, { fill: Fill; at: EpochMs; source: FillSource }[]>();
  /** What booking each unclaimed fill did, for the report once it is claimed. */
  readonly #booking = new Map<string, Extract<FillBooking, { kind: 'booked' }>>();

  constructor(
    private readonly deps: QuotingDeps,
    private readonly graceMs = ATTRIBUTION_GRACE_MS,
  ) {}

  /** Books one fill. Duplicates (already booked) and broken fills change nothing. */
  take(fill: Fill, source: FillSource): FillBooking {
    const { exposure, store, clock } = this.deps;
    const booking = exposure.applyFill(toBookFill(fill));
    if (booking.kind !== 'booked') return booking;
    const quote = store.byOrderId(fill.orderId);
    if (quote) {
      quote.filledContracts = (quote.filledContracts ?? 0) + fill.count;
      this.#report(fill, booking, source, quote);
    } else {
      const waiting = this.#unclaimed.get(fill.orderId) ?? [];
      waiting.push({ fill, at: clock.now(), source });
      this.#unclaimed.set(fill.orderId, waiting);
      this.#booking.set(fill.tradeId, booking);
    }
    this.expire();
    return booking;
  }

  /** A quote's order id became known: the fills it already had are its own. */
  claimed(quote: TrackedQuote, orderId: string): void {
    const waiting = this.#unclaimed.get(orderId);
    if (!waiting) return;
    this.#unclaimed.delete(orderId);
    for (const { fill, source } of waiting) {
      quote.filledContracts = (quote.filledContracts ?? 0) + fill.count;
      const booking = this.#booking.get(fill.tradeId);
      this.#booking.delete(fill.tradeId);
      if (booking) this.#report(fill, booking, source, quote);
    }
  }

  /** Reports the fills no quote claimed within the grace period as unattributed. */
  expire(now: EpochMs = this.deps.clock.now()): void {
    for (const [orderId, waiting] of this.#unclaimed) {
      if (now - waiting[0]!.at < this.graceMs) continue;
      this.#unclaimed.delete(orderId);
      // In a cluster most such fills are another instance's: expected, and no cause for alarm.
      const theirs = this.deps.cluster?.othersOrder?.(orderId) === true;
      for (const { fill, source } of waiting) {
        const booking = this.#booking.get(fill.tradeId);
        this.#booking.delete(fill.tradeId);
        const context = {
          tradeId: fill.tradeId,
          orderId,
          marketTicker: fill.ticker,
          side: fill.outcomeSide,
          contracts: fill.count,
          source,
        };
        if (theirs) {
          this.deps.logger.debug(context, "fill booked: another instance's quote");
        } else {
          this.deps.logger.warn(context, 'fill booked but no quote of ours claims its order (unattributed)');
          this.deps.events.fillUnattributed?.(fill);
        }
        if (booking) this.#report(fill, booking, source, undefined);
      }
    }
  }

  /** Everything still waiting for a quote, reported now (shutdown: the journal gets it all). */
  flush(): void {
    this.expire(Number.POSITIVE_INFINITY);
  }

  /** Fills of one order from the exchange's listing (the record), booked where missing. */
  async syncOrder(orderId: string): Promise<number> {
    let taken = 0;
    for await (const fill of this.deps.client.fills({ orderId }, { priority: 'read' })) {
      if (this.take(fill, 'order').kind === 'booked') taken++;
    }
    return taken;
  }

  #report(
    fill: Fill,
    booking: Extract<FillBooking, { kind: 'booked' }>,
    source: FillSource,
    quote: TrackedQuote | undefined,
  ): void {
    this.deps.logger.debug(
      {
        tradeId: fill.tradeId,
        orderId: fill.orderId,
        rfqId: quote?.rfq.id,
        quoteId: quote?.quoteId,
        marketTicker: fill.ticker,
        side: fill.outcomeSide,
        contracts: fill.count,
        price: fill.outcomeSide === 'yes' ? fill.yesPrice : fill.noPrice,
        fee: fill.fee,
        isTaker: fill.isTaker,
        source,
      },
      'fill booked',
    );
    this.deps.events.fillBooked?.(
      fill,
      { realized: booking.realized, fee: booking.fee, tradedAt: fill.createdAt ?? 0, source },
      quote,
    );
  }
}
