import type { Timer } from '../domain/clock.js';
import { formatContracts } from '../domain/money.js';
import type { EpochMs, Order } from '../domain/types.js';
import { NotFoundError } from '../kalshi/index.js';
import { contractsFor, describeError, exposureId, type QuotingDeps } from './context.js';
import type { FillIntake } from './fill-intake.js';
import type { FillOutcome, TrackedQuote } from './quote-store.js';

/** @default: how long after an execution its fills have to show before we ask. */
export const DEFAULT_FILL_SETTLE_MS = 2_000;
/** Looks at one execution before its pending fill is released whatever the exchange says. */
const MAX_LOOKS = 8;

/**
 * What an executed quote really did. `executed` says orders were placed, not that anything
 * filled: a post-only leg that would cross is cancelled, a leg may fill in part, a remainder may
 * rest. So the pending fill stays reserved until the quote's order has ended: `fillSettleMs`
 * after the execution the order is read (`GET /portfolio/orders/{id}`); resting, it waits for
 * the sweeper to cancel it at the quote's TTL; ended (executed or cancelled), its fills are
 * listed by order id (the record: the push may have missed one) and, once they add up to the
 * order's fill count, the quote settles with the size that filled.
 */
export class FillTracker {
  readonly #timers = new Map<number, Timer>();
  readonly #looks = new Map<number, number>();
  /** Quotes whose remainder was seen resting: what `resting()` looks through, not every quote kept. */
  readonly #resting = new Set<TrackedQuote>();
  #stopped = false;

  constructor(
    private readonly deps: QuotingDeps,
    private readonly intake: FillIntake,
  ) {}

  /** The quote executed: link its order (when the report names it) and look after the settle time. */
  executed(quote: TrackedQuote, orderId: string | undefined, executedAt: EpochMs | undefined): void {
    if (orderId !== undefined) this.link(quote, orderId);
    const settleMs = this.deps.settings().fillSettleMs ?? DEFAULT_FILL_SETTLE_MS;
    const now = this.deps.clock.now();
    this.#schedule(quote, Math.max(0, Math.min(now, executedAt ?? now) + settleMs - now));
  }

  /** Our leg's order id, from a report or the `quote_executed` push. */
  link(quote: TrackedQuote, orderId: string): void {
    const { store, exposure, logger } = this.deps;
    if (!store.linkOrder(quote, orderId)) {
      logger.error(
        { rfqId: quote.rfq.id, quoteId: quote.quoteId, orderId, known: quote.orderId },
        'the exchange names a second order for one quote; kept the first',
      );
      return;
    }
    exposure.linkOrder(exposureId(quote), orderId);
    this.intake.claimed(quote, orderId);
  }

  /** Executed quotes whose remainder rests on the book (for the sweeper). */
  *resting(): IterableIterator<TrackedQuote> {
    for (const quote of [...this.#resting].sort((a, b) => a.key - b.key)) {
      if (quote.fillOutcome === undefined && (quote.restingContracts ?? 0) > 0) yield quote;
      else this.#resting.delete(quote);
    }
  }

  /** Cancels a resting remainder (its TTL ended, or shutdown), then settles the quote. */
  async cancelRemainder(quote: TrackedQuote, reason: string): Promise<void> {
    const { client, logger } = this.deps;
    if (quote.orderId === undefined || quote.fillOutcome !== undefined) return;
    const log = logger.child({ rfqId: quote.rfq.id, quoteId: quote.quoteId, orderId: quote.orderId });
    try {
      const result = await client.cancelOrder(quote.orderId, { priority: 'delete' });
      log.info(
        { reason, reducedBy: result.outcome === 'cancelled' ? formatContracts(result.reducedBy) : '0' },
        result.outcome === 'cancelled'
          ? 'resting remainder cancelled'
          : 'nothing of the remainder rests any more',
      );
    } catch (error) {
      log.warn({ reason: describeError(error) }, 'cancelling the resting remainder failed; will try again');
      return;
    }
    await this.check(quote);
  }

  /** One look at the execution (public for tests and the sweeper). */
  async check(quote: TrackedQuote): Promise<void> {
    if (this.#stopped || quote.fillOutcome !== undefined) return;
    this.#timers.get(quote.key)?.cancel();
    this.#timers.delete(quote.key);
    const looks = (this.#looks.get(quote.key) ?? 0) + 1;
    this.#looks.set(quote.key, looks);
    const log = this.deps.logger.child({ rfqId: quote.rfq.id, quoteId: quote.quoteId });
    try {
      if (quote.orderId === undefined) await this.#learnOrder(quote);
      if (quote.orderId === undefined) {
        if (looks < MAX_LOOKS) return this.#again(quote, looks);
        log.error('no order id for an executed quote: its fills, if any, book as unattributed');
        return this.#settle(quote);
      }
      const order = await this.#order(quote.orderId);
      if (order?.status === 'resting' && order.remaining > 0) {
        await this.intake.syncOrder(quote.orderId);
        if (quote.restingContracts === undefined) {
          log.info(
            { resting: formatContracts(order.remaining) },
            'remainder resting on the book until the TTL',
          );
        }
        quote.restingContracts = order.remaining;
        this.#resting.add(quote);
        return;
      }
      await this.intake.syncOrder(quote.orderId);
      const booked = quote.filledContracts ?? 0;
      if (order !== undefined && booked < order.filled && looks < MAX_LOOKS) {
        log.debug(
          { booked, filled: order.filled },
          'the order filled more than its fills show yet; looking again',
        );
        return this.#again(quote, looks);
      }
      if (order === undefined && looks < 2) return this.#again(quote, looks);
      this.#settle(quote);
    } catch (error) {
      if (looks >= MAX_LOOKS) {
        log.error({ reason: describeError(error) }, 'cannot read the execution; releasing its pending fill');
        this.#settle(quote);
        return;
      }
      log.warn({ reason: describeError(error) }, 'reading the execution failed; will look again');
      this.#again(quote, looks);
    }
  }

  /** Stops looking (shutdown): pending fills stay reserved, nothing more is read. */
  dispose(): void {
    this.#stopped = true;
    for (const timer of this.#timers.values()) timer.cancel();
    this.#timers.clear();
  }

  async #learnOrder(quote: TrackedQuote): Promise<void> {
    if (quote.quoteId === undefined) return;
    const reported = await this.deps.client.getQuote(quote.rfq.id, quote.quoteId);
    if (reported.creatorOrderId) this.link(quote, reported.creatorOrderId);
  }

  async #order(orderId: string): Promise<Order | undefined> {
    try {
      return await this.deps.client.getOrder(orderId, { priority: 'read' });
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  }

  #again(quote: TrackedQuote, looks: number): void {
    const settleMs = this.deps.settings().fillSettleMs ?? DEFAULT_FILL_SETTLE_MS;
    this.#schedule(quote, settleMs * Math.min(looks, 4));
  }

  #schedule(quote: TrackedQuote, delayMs: number): void {
    if (this.#stopped) return;
    this.#timers.get(quote.key)?.cancel();
    this.#timers.set(
      quote.key,
      this.deps.clock.schedule(delayMs, () => void this.check(quote), { unref: true }),
    );
  }

  #settle(quote: TrackedQuote): void {
    // Two looks can overlap (a stop's own beside a timer's): the first to end settles.
    if (quote.fillOutcome !== undefined) return;
    const { exposure, logger, events } = this.deps;
    this.#timers.get(quote.key)?.cancel();
    this.#timers.delete(quote.key);
    this.#looks.delete(quote.key);
    exposure.quoteFillsDone(exposureId(quote));
    const filled = quote.filledContracts ?? 0;
    const side = quote.acceptedSide;
    const accepted = quote.acceptedContracts ?? (side ? contractsFor(quote, side) : 0);
    const outcome: FillOutcome = filled <= 0 ? 'none' : filled >= accepted ? 'filled' : 'partial';
    quote.filledContracts = filled;
    quote.fillOutcome = outcome;
    quote.restingContracts = undefined;
    this.#resting.delete(quote);
    const fields = {
      rfqId: quote.rfq.id,
      quoteId: quote.quoteId,
      orderId: quote.orderId,
      marketTicker: quote.rfq.marketTicker,
      strategy: quote.strategy,
      side,
      outcome,
      filled: formatContracts(filled),
      accepted: formatContracts(accepted),
    };
    if (outcome === 'filled') logger.info(fields, `quote filled: ${fields.filled} contracts`);
    else if (outcome === 'partial')
      logger.warn(fields, `quote filled in part: ${fields.filled} of ${fields.accepted} contracts`);
    else logger.warn(fields, 'quote executed without a fill (post-only leg cancelled, or nothing met it)');
    events.fillsSettled?.(quote);
  }
}
