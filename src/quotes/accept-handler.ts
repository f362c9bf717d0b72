import type { Timer } from '../domain/clock.js';
import type { Centis } from '../domain/money.js';
import type { EpochMs, Quote, Side } from '../domain/types.js';
import { GateRejectedError, readsAt } from '../kalshi/gate.js';
import { BadRequestError, isExchangeFault } from '../kalshi/index.js';
import { evaluateConfirm } from '../risk/guard.js';
import {
  bidFor,
  contractsFor,
  describeError,
  exposureId,
  exposureView,
  type QuotingDeps,
  type Route,
} from './context.js';
import type { FillTracker } from './fill-tracker.js';
import { isLive } from './lifecycle.js';
import { MarketWindows } from './market-windows.js';
import { type TrackedQuote, toLiveQuote } from './quote-store.js';

/** How long after the computed end of a confirm window we call the accept lapsed. */
const LAPSE_GRACE_MS = 1_000;

/**
 * Accepts and what follows them. On an accept: start our own confirm clock (the exchange
 * gives none we can trust across clocks), count the fill as pending, and run last look —
 * the quote is still what we sent, the strategy agrees, the risk guard approves with current
 * exposure, the kill switch is off — then confirm at top priority, or let it lapse.
 */
export class AcceptHandler {
  readonly #lapseTimers = new Map<number, Timer>();
  readonly windows: MarketWindows;
  #stopping = false;
  #lastLooks = 0;

  constructor(
    private readonly deps: QuotingDeps,
    private readonly routeOf: (quote: TrackedQuote) => Route | undefined,
    /** Asks the own-quote watcher to look again soon (after a confirm, to see the execution). */
    private readonly nudge: () => void,
    /** Follows each execution to its fills. */
    private readonly fills: FillTracker,
  ) {
    this.windows = new MarketWindows(deps.settings, deps.logger.child({ module: 'market-windows' }));
  }

  /** Accepts in last look or their confirm: latency-critical work on the bot thread. */
  get inProgress(): number {
    return this.#lastLooks;
  }

  /** No more confirms: shutdown confirms nothing new. */
  stopConfirming(): void {
    this.#stopping = true;
  }

  dispose(): void {
    for (const timer of this.#lapseTimers.values()) timer.cancel();
    this.#lapseTimers.clear();
  }

  /** The exchange reports our quote accepted. */
  accepted(quote: TrackedQuote, reported: Quote, seenAt: EpochMs): void {
    const { deps } = this;
    if (!isLive(quote.state)) return;
    const side = reported.acceptedSide;
    if (side === undefined) {
      deps.logger.error(
        { rfqId: quote.rfq.id, quoteId: quote.quoteId },
        'accepted quote without an accepted side',
      );
      return;
    }
    const settings = deps.settings();
    const window = this.windows.confirmWindowMs(quote.rfq.marketTicker);
    // The exchange's accepted_ts starts the window (never later than when we saw it). Without
    // it, assume the accept happened a whole poll interval before we saw it.
    const start = Math.min(seenAt, reported.acceptedAt ?? seenAt - settings.acceptPollIntervalMs);
    quote.acceptedSide = side;
    quote.acceptedAt = start;
    // A size that is not positive is a broken report (last look refuses it); until the accept
    // lapses, exposure counts what we offered rather than a size that would understate it.
    const reportedSize = acceptedSize(reported, side, quote);
    const offered = contractsFor(quote, side);
    quote.acceptedContracts = reportedSize !== undefined && reportedSize > 0 ? reportedSize : offered;
    if (quote.acceptedContracts < offered)
      deps.events.partialAccept?.(quote, quote.acceptedContracts, offered);
    quote.acceptSeenAt = seenAt;
    quote.confirmDeadline = start + window - settings.confirmSafetyMarginMs;
    deps.store.transition(quote, 'accepted', {
      reason: `${side} side hit`,
      ...(reported.id ? { quoteId: reported.id } : {}),
    });
    deps.exposure.quoteAccepted(exposureId(quote), side, quote.acceptedContracts, seenAt);
    this.#event(quote, 'accepted');

    // The accept's exposure is held as long as the exchange might still take a confirm.
    const lapseAt = start + this.windows.lapseWindowMs(quote.rfq.marketTicker) + LAPSE_GRACE_MS;
    const timer = deps.clock.schedule(
      Math.max(0, lapseAt - deps.clock.now()),
      () => this.#lapse(quote, 'confirm window passed'),
      { unref: true },
    );
    this.#lapseTimers.set(quote.key, timer);
    this.#lastLooks++;
    void this.#lastLook(quote, reported).finally(() => {
      this.#lastLooks--;
    });
  }

  /** The exchange reports our quote confirmed (our confirm's response may have been lost). */
  confirmed(quote: TrackedQuote): void {
    if (quote.state === 'confirmed' || quote.state === 'executed') return;
    if (this.deps.store.transition(quote, 'confirmed', { reason: 'exchange reports it confirmed' })) {
      this.deps.exposure.quoteConfirmed(exposureId(quote));
      this.#clearLapse(quote);
    }
  }

  /**
   * The exchange reports our quote executed: orders were placed, nothing is booked yet. Its fills
   * make the position; the fill tracker follows the order until nothing more can fill.
   */
  executed(quote: TrackedQuote, reported: Quote): void {
    const { deps } = this;
    if (quote.state === 'executed') {
      if (reported.creatorOrderId && quote.orderId === undefined)
        this.fills.link(quote, reported.creatorOrderId);
      return;
    }
    if (quote.state === 'expired') {
      deps.logger.error(
        { rfqId: quote.rfq.id, quoteId: quote.quoteId },
        'a quote we let lapse executed: its fills are booked as they come',
      );
    }
    if (!deps.store.transition(quote, 'executed', { reason: 'exchange reports it executed' })) return;
    this.#clearLapse(quote);
    deps.exposure.quoteExecuted(exposureId(quote));
    this.windows.learnFromExecution(quote.rfq.marketTicker, reported.confirmedAt, reported.executedAt);
    this.fills.executed(quote, reported.creatorOrderId, reported.executedAt);
    this.#event(quote, 'executed');
  }

  /** Cancelled at the exchange: RFQ closed, replaced, or (after a confirm) the execution failed. */
  cancelled(quote: TrackedQuote, reason: string): void {
    const { deps } = this;
    const wasAwaiting = !isLive(quote.state);
    if (!deps.store.transition(quote, 'cancelled', { reason })) return;
    this.#clearLapse(quote);
    if (wasAwaiting) deps.exposure.quoteLapsed(exposureId(quote));
    else deps.exposure.quoteRemoved(exposureId(quote));
    this.#event(quote, 'cancelled', reason);
  }

  async #lastLook(quote: TrackedQuote, reported: Quote): Promise<void> {
    const { deps } = this;
    const log = deps.logger.child({ rfqId: quote.rfq.id, quoteId: quote.quoteId });
    // Its reads (the strategy's fair value, its book) are the confirm's: they go at its priority.
    const refusal = await readsAt('confirm', () => this.#refusal(quote, reported));
    if (refusal) {
      log.info({ reason: refusal, side: quote.acceptedSide }, 'last look declined: letting the accept lapse');
      deps.events.declined?.(quote, refusal);
      return;
    }
    if (!deps.store.transition(quote, 'confirming')) return;
    deps.events.lastLookPassed?.(quote);
    try {
      await deps.client.confirmQuote(quote.rfq.id, quote.quoteId!, {
        deadline: quote.confirmDeadline!,
        priority: 'confirm',
      });
      deps.events.exchangeResult?.(true);
      if (quote.acceptedAt !== undefined) {
        this.windows.learnFromConfirm(quote.rfq.marketTicker, deps.clock.now() - quote.acceptedAt);
      }
      if (deps.store.transition(quote, 'confirmed', { reason: 'last look passed' })) {
        deps.exposure.quoteConfirmed(exposureId(quote));
        this.#clearLapse(quote);
        deps.events.confirmed?.(quote, deps.clock.now() - (quote.acceptSeenAt ?? deps.clock.now()));
        this.#event(quote, 'confirmed');
        this.nudge();
      }
    } catch (error) {
      const reason = describeError(error);
      if (error instanceof BadRequestError && error.isExchangeCode('expired')) {
        if (quote.acceptedAt !== undefined) {
          this.windows.learnFromExpiry(quote.rfq.marketTicker, deps.clock.now() - quote.acceptedAt);
        }
        this.#lapse(quote, 'the exchange said the confirm window had expired');
      } else if (error instanceof GateRejectedError) {
        this.#lapse(quote, `confirm not sent: ${reason}`);
      } else {
        if (isExchangeFault(error)) deps.events.exchangeResult?.(false);
        deps.events.confirmFailed?.(
          quote,
          deps.clock.now() - (quote.acceptSeenAt ?? deps.clock.now()),
          reason,
        );
        log.warn({ reason }, 'confirm failed; the watcher will report whether it landed');
        if (quote.state === 'confirming') deps.store.transition(quote, 'accepted', { reason });
      }
    }
  }

  async #refusal(quote: TrackedQuote, reported: Quote): Promise<string | undefined> {
    const { deps } = this;
    const immediate = this.#immediateRefusal(quote, reported);
    if (immediate) return immediate;
    const route = this.routeOf(quote);
    const agrees = await deps.runner.lastLook(toLiveQuote(quote), route);
    if (!agrees) return 'the strategy declined at last look';
    const fairValue =
      quote.fairValue === undefined ? undefined : await deps.runner.fairValue(quote.rfq, route);
    const decision = evaluateConfirm(exposureView(quote), deps.exposure.current(), deps.limits(), {
      ...(fairValue !== undefined ? { fairValue } : {}),
      gates: {
        killSwitch: { tripped: deps.killSwitch.isTripped, reason: deps.killSwitch.state.reason },
        windowOpen: true,
      },
    });
    if (!decision.approved) return `risk guard: ${decision.limit}: ${decision.reason}`;
    // Awaits above took time: check the clock and the switches once more.
    return this.#immediateRefusal(quote, reported);
  }

  #immediateRefusal(quote: TrackedQuote, reported: Quote): string | undefined {
    const { deps } = this;
    if (this.#stopping) return 'shutting down';
    if (deps.killSwitch.isTripped) return `kill switch: ${deps.killSwitch.state.reason ?? 'tripped'}`;
    if (quote.state !== 'accepted') return `quote is ${quote.state}`;
    if (quote.quoteId === undefined || quote.confirmDeadline === undefined)
      return 'quote id or deadline unknown';
    if (deps.clock.now() >= quote.confirmDeadline) return 'too close to the end of the confirm window';
    if (reported.yesBid !== quote.yesBid || reported.noBid !== quote.noBid) {
      return `prices differ from what we sent (sent ${quote.yesBid}/${quote.noBid}, exchange has ${reported.yesBid}/${reported.noBid} micros)`;
    }
    const side = quote.acceptedSide!;
    if (bidFor(quote, side) <= 0) return `the ${side} side was declined (bid 0) and must not trade`;
    const offered = contractsFor(quote, side);
    const reportedSize = contractsFor(reported, side);
    if (reportedSize !== undefined && reportedSize <= 0) {
      return `the exchange reports an accepted size of ${reportedSize} centi-contracts`;
    }
    if ((quote.acceptedContracts ?? 0) > offered) {
      return `accepted size ${quote.acceptedContracts} exceeds the ${offered} centi-contracts we offered`;
    }
    return undefined;
  }

  #lapse(quote: TrackedQuote, reason: string): void {
    this.#clearLapse(quote);
    if (quote.state !== 'accepted' && quote.state !== 'confirming') return;
    if (this.deps.store.transition(quote, 'expired', { reason })) {
      this.deps.exposure.quoteLapsed(exposureId(quote));
      this.#event(quote, 'expired', reason);
    }
  }

  #clearLapse(quote: TrackedQuote): void {
    const timer = this.#lapseTimers.get(quote.key);
    timer?.cancel();
    this.#lapseTimers.delete(quote.key);
  }

  #event(
    quote: TrackedQuote,
    type: 'accepted' | 'confirmed' | 'executed' | 'expired' | 'cancelled',
    reason?: string,
  ): void {
    this.deps.runner.onEvent(
      { type, quote: toLiveQuote(quote), at: this.deps.clock.now(), ...(reason ? { reason } : {}) },
      this.routeOf(quote),
    );
  }
}

/**
 * The size the requester took: `contracts_accepted_fp` when the report carries it, else what the
 * `quote_accepted` push said (kept on the quote), else the side's offered size.
 */
function acceptedSize(reported: Quote, side: Side, quote: TrackedQuote): Centis | undefined {
  if (reported.contractsAccepted !== undefined) return reported.contractsAccepted;
  if (quote.pushedAccept?.side === side && quote.pushedAccept.contracts !== undefined) {
    return quote.pushedAccept.contracts;
  }
  return contractsFor(reported, side);
}
