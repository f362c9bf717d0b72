import { repeatEvery, sleepOn, type Timer } from '../domain/clock.js';
import type { Centis } from '../domain/money.js';
import type { EpochMs, Quote, Rfq, Side } from '../domain/types.js';
import { isExchangeFault, NotFoundError } from '../kalshi/index.js';
import { AcceptHandler } from './accept-handler.js';
import { describeError, exposureId, type QuotingDeps } from './context.js';
import { FillIntake } from './fill-intake.js';
import { FillTracker } from './fill-tracker.js';
import { KeyedSerializer } from './keyed-serializer.js';
import { isAwaitingFill, isLive } from './lifecycle.js';
import { OpenListing } from './open-listing.js';
import { stateOf, type TrackedQuote } from './quote-store.js';
import { Quoter, type QuoteTrigger } from './quoter.js';
import { StrayQuotes } from './strays.js';
import { type StaleReason, Sweeper } from './sweeper.js';

/** At a stop, how long after an execution its order is read (fillSettleMs when that is shorter). */
const STOP_LOOK_AFTER_MS = 250;

export interface QuoteManagerOptions {
  readonly sweepIntervalMs: number;
  /** Asks the own-quote watcher for an early look (after a confirm). */
  readonly nudgeWatcher?: () => void;
  /** Read tokens available now: the sweeper's fair-value checks yield to polls and accepts. */
  readonly readBudget?: () => number;
  /** Read afresh each sweep: a reload may change it. */
  readonly minReadTokens?: () => number;
  /**
   * At a stop given a deadline, wait (until then) for confirmed quotes to execute and their fills
   * to be booked: a confirm commits us, and the books should hold what it filled. @default false
   */
  readonly awaitExecutionsOnStop?: boolean;
}

/**
 * One live quote per RFQ, driven by the RFQ book (new and gone RFQs), by what the exchange
 * reports of our quotes (via the own-quote watcher), by the sweeper, and by the switches
 * (kill switch, trading windows, shutdown). Work on one RFQ is serialised; different RFQs
 * proceed concurrently, budgeted and prioritised by the action queue underneath.
 */
export class QuoteManager {
  readonly #deps: QuotingDeps;
  readonly #serial = new KeyedSerializer();
  readonly #quoter: Quoter;
  readonly #accepts: AcceptHandler;
  readonly #sweeper: Sweeper;
  /** Where every fill of ours is booked (push, listings, startup). */
  readonly fills: FillIntake;
  readonly #executions: FillTracker;
  /** Remainders being cancelled now (the sweeper must not send a second cancel meanwhile). */
  readonly #cancelling = new Set<number>();
  readonly #unsubscribe: (() => void)[] = [];
  #freedSinceCheck = 0;
  readonly #strays: StrayQuotes;
  readonly #listing: OpenListing;
  readonly #retryIntervalMs: number;
  readonly #awaitExecutionsOnStop: boolean;
  #retryTimer: Timer | undefined;
  #stopping = false;
  /** The cluster's last word when it asked for every quote to be pulled; undefined once it reopened. */
  #clusterPull: string | undefined;

  constructor(deps: QuotingDeps, options: QuoteManagerOptions) {
    this.#deps = deps;
    this.#strays = new StrayQuotes(deps, this.#serial);
    this.fills = new FillIntake(deps);
    this.#executions = new FillTracker(deps, this.fills);
    this.#retryIntervalMs = Math.min(options.sweepIntervalMs, 500);
    this.#awaitExecutionsOnStop = options.awaitExecutionsOnStop ?? false;
    this.#quoter = new Quoter(
      deps,
      () => this.#blockedReason(),
      (quote) => this.#afterCreate(quote),
      () => this.#retryDue(),
    );
    this.#listing = new OpenListing({
      deps,
      serial: this.#serial,
      strays: this.#strays,
      reported: (quote, at) => this.exchangeReported(quote, at),
      flushed: async (quote) => {
        this.#quoter.releaseRoute(quote);
        const rfq = deps.book.get(quote.rfq.id);
        if (rfq && !this.#blockedReason()) await this.#quoter.quote(rfq, 'requote');
      },
    });
    this.#accepts = new AcceptHandler(
      deps,
      (quote) => this.#quoter.routeOf(quote),
      options.nudgeWatcher ?? (() => {}),
      this.#executions,
    );
    this.#sweeper = new Sweeper({
      deps,
      intervalMs: options.sweepIntervalMs,
      routeOf: (quote) => this.#quoter.routeOf(quote),
      onStale: (quote, reason, detail) => this.#stale(quote, reason, detail),
      logger: deps.logger,
      clock: deps.clock,
      ...(options.readBudget ? { readBudget: options.readBudget } : {}),
      ...(options.minReadTokens !== undefined ? { minReadTokens: options.minReadTokens } : {}),
      mustPull: () => this.#mustPullReason(),
      remainders: () => this.#executions.resting(),
      onRemainderDue: (quote) => void this.#cancelRemainder(quote, 'ttl'),
    });
  }

  /** The fill tracker: follows executed quotes to their fills. */
  get executions(): FillTracker {
    return this.#executions;
  }

  async #cancelRemainder(quote: TrackedQuote, reason: string): Promise<void> {
    if (this.#cancelling.has(quote.key)) return;
    this.#cancelling.add(quote.key);
    try {
      await this.#executions.cancelRemainder(quote, reason);
    } finally {
      this.#cancelling.delete(quote.key);
    }
  }

  /**
   * The `quote_accepted` push for a quote of ours: its size (REST reports may lack
   * `contracts_accepted_fp`); the listing the watcher runs next does the rest.
   */
  acceptPushed(quoteId: string, side: Side | undefined, contracts: Centis | undefined): void {
    const quote = this.#deps.store.byQuoteId(quoteId);
    if (quote && quote.pushedAccept === undefined) quote.pushedAccept = { side, contracts };
  }

  /** The `quote_executed` push: our order id, so fills pushed next are this quote's at once. */
  executionPushed(quoteId: string, orderId: string): void {
    const quote = this.#deps.store.byQuoteId(quoteId);
    if (quote && quote.orderId === undefined && orderId !== '') this.#executions.link(quote, orderId);
  }

  /** Why nothing may be quoted now, or undefined when quoting is allowed. */
  #blockedReason(): string | undefined {
    if (this.#stopping) return 'shutting down';
    if (this.#deps.killSwitch.isTripped) return this.#killSwitchReason();
    if (!this.#deps.windows.isActive()) return 'outside the trading windows';
    return this.#deps.cluster?.blocked();
  }

  /** Why every live quote must be pulled now, or undefined (not merely: no new ones). */
  #mustPullReason(): string | undefined {
    if (this.#deps.killSwitch.isTripped) return this.#killSwitchReason();
    if (!this.#deps.windows.isActive()) return 'trading window closed';
    return this.#clusterPull;
  }

  #killSwitchReason(): string {
    return `kill switch: ${this.#deps.killSwitch.state.reason ?? 'tripped'}`;
  }

  start(): void {
    const { book, killSwitch, windows } = this.#deps;
    this.#unsubscribe.push(
      book.subscribe({
        added: (rfq) => this.#rfqAdded(rfq),
        changed: (rfq) => this.#rfqChanged(rfq),
        removed: (rfq) => this.#rfqRemoved(rfq),
      }),
      killSwitch.onChange((state) => {
        if (state.tripped) void this.pullAll(`kill switch: ${state.reason ?? 'tripped'}`);
        else this.requoteAll('resume');
      }),
      windows.onChange((change) => {
        if (change.active) this.requoteAll('resume');
        else void this.pullAll('trading window closed');
      }),
    );
    const cluster = this.#deps.cluster;
    if (cluster) {
      this.#unsubscribe.push(
        cluster.onChange((change) => {
          this.#clusterPull = change.pull ? `cluster: ${change.reason}` : undefined;
          if (change.pull) void this.pullAll(`cluster: ${change.reason}`);
          else if (change.open) this.requoteAll('resume');
        }),
      );
    }
    this.#unsubscribe.push(
      this.#deps.store.onTransition((quote, from) => {
        const to = quote.state;
        // Our create went live, whether its answer or the watcher saw it first; adopted quotes
        // are an earlier run's.
        if (from === 'pending' && to === 'open' && !quote.adopted) {
          this.#deps.events.created?.(quote, (quote.openedAt ?? this.#deps.clock.now()) - quote.rfqSeenAt);
        }
        const freed = (isLive(from) && !isLive(to)) || (isAwaitingFill(from) && !isAwaitingFill(to));
        if (freed) this.#roomFreed();
      }),
    );
    // In a cluster the others' quotes share the limits: their ending frees room for ours too.
    const othersFreed = this.#deps.cluster?.onOthersFreed?.((count) => this.#roomFreed(count));
    if (othersFreed) this.#unsubscribe.push(othersFreed);
    this.#sweeper.start();
    this.#retryTimer = repeatEvery(this.#deps.clock, this.#retryIntervalMs, () => this.#retryDue(), {
      unref: true,
    });
  }

  /** Prices again the RFQs whose last attempt failed for a passing reason (see RETRY_DELAYS_MS). */
  #retryDue(): void {
    if (this.#blockedReason()) return;
    this.#scheduleStillOpen(this.#quoter.takeDueRetries(this.#deps.clock.now()), 'retry');
  }

  /** Prices the RFQs that are still open and carry no live quote of ours. */
  #scheduleStillOpen(rfqIds: readonly string[], trigger: QuoteTrigger): void {
    const { book, store } = this.#deps;
    for (const rfqId of rfqIds) {
      const rfq = book.get(rfqId);
      if (rfq && !store.hasLive(rfqId)) this.#schedule(rfq, trigger);
    }
  }

  /**
   * `count` quotes (ours, or in a cluster another instance's) ended or filled: RFQs refused for
   * want of room under a limit may fit now. Batched to the next turn (exposure is updated right
   * after the transition), one waiting RFQ per freed quote, oldest first; one still refused goes
   * back to the end of the line.
   */
  #roomFreed(count = 1): void {
    this.#freedSinceCheck += count;
    if (this.#freedSinceCheck > count) return;
    setImmediate(() => {
      const freed = this.#freedSinceCheck;
      this.#freedSinceCheck = 0;
      if (this.#blockedReason()) return;
      this.#scheduleStillOpen(this.#quoter.takeWaitingForRoom(freed), 'room');
    });
  }

  /** An RFQ on its way to a quote, or an accept in last look: work that nothing should delay. */
  get busy(): boolean {
    return this.#quoter.inProgress > 0 || this.#accepts.inProgress > 0;
  }

  get quoter(): Quoter {
    return this.#quoter;
  }

  /** Quotes every open RFQ we have no live quote on (after a resume or a window opening). */
  requoteAll(trigger: QuoteTrigger): void {
    if (this.#blockedReason()) return;
    for (const rfq of this.#deps.book.all()) {
      if (!this.#deps.store.hasLive(rfq.id)) this.#schedule(rfq, trigger);
    }
  }

  #rfqAdded(rfq: Rfq): void {
    this.#deps.events.rfqSeen?.(rfq);
    this.#quoter.noteSeen(rfq.id);
    this.#schedule(rfq, 'new');
  }

  #rfqChanged(rfq: Rfq): void {
    // A changed RFQ (size, market) makes our quote's sizing stale: pull it and price afresh.
    const current = this.#deps.store.forRfq(rfq.id);
    if (current && current.state === 'open') this.#stale(current, 'ttl', 'the RFQ changed');
    else this.#schedule(rfq, 'requote');
  }

  #rfqRemoved(rfq: Rfq): void {
    this.#quoter.forget(rfq.id);
    const current = this.#deps.store.forRfq(rfq.id);
    if (!current || !isLive(current.state)) return;
    // The exchange cancels a closed RFQ's quotes, and the watcher's next look reports it: a
    // delete now would most often spend write tokens to be told 404. The sweeper deletes the
    // quote if that report has not come within closedRfqDeleteAfterMs.
    if (current.state === 'open' && (this.#deps.settings().closedRfqDeleteAfterMs ?? 0) > 0) {
      current.rfqClosedAt ??= this.#deps.clock.now();
      return;
    }
    void this.#serial.run(rfq.id, () => this.pull(current, 'RFQ closed'));
  }

  #schedule(rfq: Rfq, trigger: QuoteTrigger): void {
    void this.#serial.run(rfq.id, async () => {
      try {
        await this.#quoter.quote(rfq, trigger);
      } catch (error) {
        this.#deps.logger.error({ rfqId: rfq.id, err: error }, 'quoting failed unexpectedly');
      }
    });
  }

  async #afterCreate(quote: TrackedQuote): Promise<void> {
    if (quote.pullRequested !== undefined) await this.pull(quote, quote.pullRequested);
    else if (this.#blockedReason()) await this.pull(quote, this.#blockedReason()!);
  }

  #stale(quote: TrackedQuote, reason: StaleReason, detail: string): void {
    const rfq = quote.rfq;
    void this.#serial.run(rfq.id, async () => {
      if (quote.state !== 'open') return;
      await this.pull(quote, reason === 'must pull' ? detail : `${reason}: ${detail}`);
      const requote =
        (reason === 'ttl' || reason === 'fair value moved') && this.#deps.settings().requoteOnSweep;
      if (requote && stateOf(quote) === 'deleted' && this.#deps.book.has(rfq.id)) {
        const latest = this.#deps.book.get(rfq.id) ?? rfq;
        await this.#quoter.quote(latest, 'requote');
      }
    });
  }

  /**
   * Deletes one of our quotes. A 404 means it is gone or was accepted meanwhile: we ask the
   * exchange which, so an accept during a delete is still handled (last look, or lapse).
   */
  async pull(quote: TrackedQuote, reason: string): Promise<void> {
    const deps = this.#deps;
    if (quote.state === 'pending') {
      quote.pullRequested ??= reason;
      return;
    }
    if (quote.state !== 'open' || quote.quoteId === undefined) return;
    deps.store.transition(quote, 'deleting', { reason });
    try {
      const result = await deps.client.deleteQuote(quote.rfq.id, quote.quoteId, { priority: 'delete' });
      deps.events.exchangeResult?.(true);
      if (stateOf(quote) !== 'deleting') return; // the watcher saw an accept meanwhile
      if (result.outcome === 'deleted') {
        deps.store.transition(quote, 'deleted', { reason });
        deps.exposure.quoteRemoved(exposureId(quote));
        this.#quoter.releaseRoute(quote);
        return;
      }
      const reported = await deps.client.getQuote(quote.rfq.id, quote.quoteId).catch((error: unknown) => {
        if (error instanceof NotFoundError) return undefined;
        throw error;
      });
      if (!reported) {
        deps.store.transition(quote, 'deleted', { reason: `${reason} (the exchange no longer knows it)` });
        deps.exposure.quoteRemoved(exposureId(quote));
        this.#quoter.releaseRoute(quote);
        return;
      }
      this.exchangeReported(reported, deps.clock.now());
      if (stateOf(quote) === 'deleting') {
        deps.store.transition(quote, 'open', { reason: 'delete answered 404 but the quote is still open' });
      }
    } catch (error) {
      if (isExchangeFault(error)) deps.events.exchangeResult?.(false);
      if (stateOf(quote) === 'deleting') {
        deps.store.transition(quote, 'open', { reason: `delete failed: ${describeError(error)}` });
      }
    }
  }

  /**
   * Pulls every live quote (kill switch, window end, shutdown), or those of one route (it was
   * disabled). Waits for the deletes.
   */
  async pullAll(reason: string, route?: string): Promise<void> {
    const pulls: Promise<void>[] = [];
    for (const quote of [...this.#deps.store.live()]) {
      if (route !== undefined && quote.route !== route) continue;
      pulls.push(this.#serial.run(quote.rfq.id, () => this.pull(quote, reason)));
    }
    await Promise.all(pulls);
  }

  /** What the exchange says of one of our quotes (from the watcher, or after a 404 on delete). */
  exchangeReported(reported: Quote, seenAt: EpochMs): void {
    const { store, logger } = this.#deps;
    let quote = store.byQuoteId(reported.id);
    if (!quote) {
      const candidate = store.forRfq(reported.rfqId);
      // A quote of an earlier run (deleted at startup) or a stray can carry the same prices on
      // the same RFQ: only a quote we have not seen before, and not cancelled, is our create.
      if (
        candidate?.state === 'pending' &&
        candidate.quoteId === undefined &&
        candidate.yesBid === reported.yesBid &&
        candidate.noBid === reported.noBid &&
        reported.status !== 'cancelled' &&
        !this.#strays.isForeign(reported.id)
      ) {
        // The watcher saw our create land before its response arrived.
        store.transition(candidate, 'open', { quoteId: reported.id, reason: 'seen at the exchange' });
        quote = candidate;
      } else {
        this.#strays.handle(reported);
        return;
      }
    }
    switch (reported.status) {
      case 'accepted':
        if (isLive(quote.state)) this.#accepts.accepted(quote, reported, seenAt);
        break;
      case 'confirmed':
        if (isLive(quote.state)) this.#accepts.accepted(quote, reported, seenAt);
        this.#accepts.confirmed(quote);
        break;
      case 'executed':
        this.#accepts.executed(quote, reported);
        break;
      case 'cancelled':
        if (isLive(quote.state) || isAwaitingFill(quote.state)) {
          this.#accepts.cancelled(quote, reported.cancellationReason ?? 'cancelled at the exchange');
        }
        break;
      case 'open':
        break;
      default:
        logger.warn(
          { rfqId: reported.rfqId, quoteId: reported.id, status: reported.status },
          'unknown quote status',
        );
    }
  }

  /**
   * Quote ids of ours that this run did not create (found at startup, or strays): never taken
   * for a create whose response is still on its way. Bounded: the oldest are forgotten first.
   */
  noteForeign(quoteIds: Iterable<string>): void {
    this.#strays.noteForeign(quoteIds);
  }

  /**
   * The full list of our open quotes at the exchange, as listed from `listedAt` on: deletes the
   * ones we do not track, and asks about ours that were open before the listing began yet are
   * missing from it (an accept the incremental look missed, or a quote a server roll flushed).
   */
  reconcileOpen(open: readonly Quote[], listedAt?: EpochMs): Promise<void> {
    return this.#listing.reconcile(open, listedAt);
  }

  /**
   * Until no confirm is pending execution and every execution's fills are in (or rest), or
   * `deadline`. Each execution is looked at a moment after it is seen (`STOP_LOOK_AFTER_MS`), not
   * `fillSettleMs` after it: a stop right after a confirm would otherwise wait that long for nothing.
   */
  async #executionsSettled(deadline: EpochMs): Promise<void> {
    const unsettledExecution = (quote: TrackedQuote) =>
      quote.state === 'executed' && quote.fillOutcome === undefined && quote.restingContracts === undefined;
    const unsettled = () =>
      [...this.#deps.store.all()].some(
        (quote) => quote.state === 'confirming' || quote.state === 'confirmed' || unsettledExecution(quote),
      );
    const { clock, logger } = this.#deps;
    if (unsettled()) logger.info('stopping: waiting for confirmed quotes to execute and their fills');
    // A moment for the exchange to book the execution's fills before its order is read.
    const lookAfterMs = Math.min(
      STOP_LOOK_AFTER_MS,
      this.#deps.settings().fillSettleMs ?? STOP_LOOK_AFTER_MS,
    );
    const lookedAt = new Set<number>();
    while (unsettled() && clock.now() < deadline) {
      for (const quote of this.#deps.store.all()) {
        if (!unsettledExecution(quote) || lookedAt.has(quote.key)) continue;
        if (clock.now() - (quote.executedAt ?? clock.now()) < lookAfterMs) continue;
        lookedAt.add(quote.key);
        void this.#executions.check(quote);
      }
      await sleepOn(clock, Math.min(100, deadline - clock.now()));
    }
  }

  /**
   * Shutdown: stop quoting and confirming, let creates already in flight return, delete every
   * live quote. The caller then verifies at the exchange that nothing of ours is left open.
   */
  async stop(deadline?: EpochMs): Promise<void> {
    this.#stopping = true;
    this.#retryTimer?.cancel();
    this.#accepts.stopConfirming();
    await this.#sweeper.stop();
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    await this.#serial.idle();
    await this.pullAll('shutting down');
    if (this.#awaitExecutionsOnStop && deadline !== undefined) await this.#executionsSettled(deadline);
    // A remainder resting on the book is an order of ours: it goes too.
    await Promise.all(
      [...this.#executions.resting()].map((quote) => this.#cancelRemainder(quote, 'shutting down')),
    );
    this.#accepts.dispose();
    this.#executions.dispose();
    this.fills.flush();
  }
}
