import type { Logger } from 'pino';
import type { Centis } from '../domain/money.js';
import { RecentMap } from '../domain/recent.js';
import type { EpochMs, Side } from '../domain/types.js';
import type { FinishedState } from './book-types.js';
import { type QuoteExposure, sideCost } from './snapshot.js';

const FINISHED_MEMORY = 10_000;

/**
 * Our live quotes as exposure: what each could still add to a position. Open quotes count both
 * sides; an accepted one its side's pending fill (the accepted size, or the offered size when the
 * remainder rests) until its order ends, less what has filled. Every transition is idempotent by
 * quote id and says whether it changed anything. Positions are not kept here: fills make them.
 */
export class QuoteReservations {
  readonly #live = new Map<string, QuoteExposure>();
  /** How quotes that ended, ended (the last FINISHED_MEMORY): a late report must not revive one. */
  readonly #finished = new RecentMap<string, FinishedState>(FINISHED_MEMORY);
  /** Live quote ids per market: asked on every fill and quote end, and by the risk tally. */
  readonly #byMarket = new Map<string, Set<string>>();

  constructor(
    private readonly log: Logger,
    /** Told the market of every quote that changes (opens, moves on, ends). */
    private readonly changed: (marketTicker: string) => void = () => undefined,
  ) {}

  get(quoteId: string): QuoteExposure | undefined {
    return this.#live.get(quoteId);
  }

  /** How many quotes are live. */
  get size(): number {
    return this.#live.size;
  }

  values(): IterableIterator<QuoteExposure> {
    return this.#live.values();
  }

  /** A copy of the live quotes by id, for a snapshot. */
  copy(): Map<string, QuoteExposure> {
    return new Map(this.#live);
  }

  /** Whether the id is live or ended recently (a late report must not revive it). */
  known(quoteId: string): boolean {
    return this.#live.has(quoteId) || this.#finished.has(quoteId);
  }

  anyIn(marketTicker: string): boolean {
    return this.#byMarket.has(marketTicker);
  }

  /** The live quotes on a market. */
  *quotesIn(marketTicker: string): IterableIterator<QuoteExposure> {
    const ids = this.#byMarket.get(marketTicker);
    if (ids === undefined) return;
    for (const id of ids) {
      const quote = this.#live.get(id);
      if (quote !== undefined) yield quote;
    }
  }

  finishedState(quoteId: string): FinishedState | undefined {
    return this.#finished.get(quoteId);
  }

  add(record: QuoteExposure): void {
    this.#put(Object.freeze(record));
  }

  rename(fromId: string, toId: string): boolean {
    const quote = this.#live.get(fromId);
    if (!quote || this.known(toId)) return false;
    this.#remove(quote);
    this.#put(Object.freeze({ ...quote, quoteId: toId }));
    return true;
  }

  accepted(quoteId: string, side: Side, contracts: Centis | undefined, at: EpochMs): boolean {
    const quote = this.#live.get(quoteId);
    if (!quote) return this.unknown(quoteId, 'accepted');
    if (quote.state !== 'open') {
      if (quote.accepted?.side !== side)
        this.log.warn({ quoteId, side, state: quote.state }, 'accept on a quote already accepted');
      return false;
    }
    this.#put(Object.freeze(this.accept(quote, side, contracts, at)));
    return true;
  }

  confirmed(quoteId: string): boolean {
    const quote = this.#live.get(quoteId);
    if (!quote) return this.unknown(quoteId, 'confirmed');
    if (quote.state !== 'accepted') {
      if (quote.state === 'open') this.log.warn({ quoteId }, 'confirm on a quote that was never accepted');
      return false;
    }
    this.#put(Object.freeze({ ...quote, state: 'confirmed' }));
    return true;
  }

  executed(quoteId: string): boolean {
    const quote = this.#live.get(quoteId);
    if (!quote) return this.unknown(quoteId, 'executed');
    if (quote.state === 'executed') return false;
    if (!quote.accepted) {
      this.log.error({ quoteId }, 'execution reported for a quote never accepted; waiting for its fills');
    }
    this.#put(Object.freeze({ ...quote, state: 'executed' }));
    return true;
  }

  /** Records the order id; returns the quote when it is live and had none yet. */
  linkOrder(quoteId: string, orderId: string): QuoteExposure | undefined {
    const quote = this.#live.get(quoteId);
    if (!quote || quote.orderId === orderId) return undefined;
    if (quote.orderId !== undefined) {
      this.log.error(
        { quoteId, orderId, known: quote.orderId },
        'a second order id for one quote; kept the first',
      );
      return undefined;
    }
    const linked = Object.freeze({ ...quote, orderId });
    this.#put(linked);
    return linked;
  }

  /** `filled` contracts of the quote's order are booked: what is left of its pending fill. */
  filled(quoteId: string, filled: Centis): void {
    const quote = this.#live.get(quoteId);
    if (!quote) return;
    const before = quote.filled ?? 0;
    if (filled === before) return;
    if (!quote.accepted) {
      this.#put(Object.freeze({ ...quote, filled }));
      return;
    }
    const added = filled - before;
    if (quote.accepted.contracts < added) {
      this.log.warn(
        { quoteId, filled, reserved: quote.accepted.contracts + before },
        'the order filled more than the quote reserved',
      );
    }
    const pending = Math.max(0, quote.accepted.contracts - added);
    const accepted = {
      ...quote.accepted,
      contracts: pending,
      cost: sideCost(quote.accepted.bid, pending, quote.fees),
    };
    this.#put(Object.freeze({ ...quote, filled, accepted }));
  }

  /** The quote stops counting; how it ended is remembered for the last 10 000 quotes. */
  finish(quoteId: string, state: FinishedState): QuoteExposure | undefined {
    const quote = this.#live.get(quoteId);
    if (!quote) return undefined;
    this.#remove(quote);
    this.#finished.set(quoteId, state);
    return quote;
  }

  /** The quote as accepted on `side`: what may fill (the offered size too when the remainder rests). */
  accept(
    quote: QuoteExposure,
    side: Side,
    contracts: Centis | undefined,
    at: EpochMs | undefined,
  ): QuoteExposure {
    const offered = side === 'yes' ? quote.yes : quote.no;
    const size = contracts ?? offered.contracts;
    if (size > offered.contracts) {
      this.log.warn(
        { quoteId: quote.quoteId, side, accepted: size, offered: offered.contracts },
        'accept larger than offered',
      );
    }
    const reserved = quote.restsRemainder ? Math.max(size, offered.contracts) : size;
    return {
      ...quote,
      state: 'accepted',
      accepted: {
        side,
        bid: offered.bid,
        contracts: reserved,
        cost: sideCost(offered.bid, reserved, quote.fees),
      },
      ...(at === undefined ? {} : { acceptedAt: at }),
    };
  }

  /** Every change of a live quote goes through here and `#remove`: the indexes stay exact. */
  #put(quote: QuoteExposure): void {
    this.#live.set(quote.quoteId, quote);
    let ids = this.#byMarket.get(quote.marketTicker);
    if (ids === undefined) {
      ids = new Set();
      this.#byMarket.set(quote.marketTicker, ids);
    }
    ids.add(quote.quoteId);
    this.changed(quote.marketTicker);
  }

  #remove(quote: QuoteExposure): void {
    this.#live.delete(quote.quoteId);
    const ids = this.#byMarket.get(quote.marketTicker);
    ids?.delete(quote.quoteId);
    if (ids?.size === 0) this.#byMarket.delete(quote.marketTicker);
    this.changed(quote.marketTicker);
  }

  unknown(quoteId: string, event: string): boolean {
    if (!this.#finished.has(quoteId))
      this.log.warn({ quoteId, event }, 'quote event for a quote the book does not know');
    return false;
  }
}
