import type { Logger } from 'pino';
import type { FeeSchedule } from '../domain/fees.js';
import type { Rfq } from '../domain/types.js';
import { GateRejectedError } from '../kalshi/gate.js';
import { BadRequestError, isExchangeFault, QuoteOutcomeUnknownError, retryClassOf } from '../kalshi/index.js';
import { evaluateQuote, type TradingGates } from '../risk/guard.js';
import type { LimitName } from '../risk/limits.js';
import { describeError, exposureId, exposureView, type QuotingDeps, type Route } from './context.js';
import { isAwaitingFill } from './lifecycle.js';
import type { TrackedQuote } from './quote-store.js';

export type QuoteTrigger = 'new' | 'requote' | 'resume' | 'retry' | 'room';

/** Exchange codes meaning "this RFQ is no longer quotable" (compared lower-cased). */
const RFQ_GONE_CODES = new Set(['rfq_closed', 'market_inactive']);

/**
 * Whether a failed create is worth pricing again later: a transient failure (429, a connection
 * that never opened), or one that may have landed, which the client has reconciled (nothing
 * landed). Not a final refusal (400, 401/403: retrying only adds failures towards the kill
 * switch; the dry-run gate), and not an outcome the client could not establish (the watcher
 * deletes the quote if it landed; a second create could leave two live).
 */
function worthRetrying(error: unknown): boolean {
  const retry = retryClassOf(error);
  if (retry === 'transient') return true;
  return retry === 'may-have-landed' && !(error instanceof QuoteOutcomeUnknownError);
}

/**
 * Limits that our own live quotes use up (counted as hit): a refusal on one of them may pass
 * once a quote of ours ends, so the RFQ waits for room rather than being dropped.
 */
const ROOM_LIMITS: ReadonlySet<LimitName> = new Set<LimitName>([
  'maxOpenQuotes',
  'maxOpenQuotesPerMarket',
  'maxOpenQuotesPerEvent',
  'maxPositionPerMarket.contracts',
  'maxPositionPerMarket.dollars',
  'maxPositionPerEvent.contracts',
  'maxPositionPerEvent.dollars',
  'maxTotalExposure',
]);

/**
 * Skip causes that say nothing about the RFQ (slow or failing market data, a strategy worker
 * that died of another call): worth another try.
 */
const TRANSIENT_SKIPS: ReadonlySet<string> = new Set(['timeout', 'market-data', 'threw', 'crashed']);

/**
 * Delays before pricing an RFQ again after a passing failure (strategy time-out, market data or
 * the create failing on 429/5xx/network); after the last one the RFQ is left alone. Without
 * this, every RFQ that arrived during an exchange hiccup would stay unquoted for good.
 */
export const RETRY_DELAYS_MS: readonly number[] = [500, 1_000, 2_000, 2_000, 2_000, 3_000, 3_000, 5_000];

/**
 * The path of one RFQ to a live quote: strategy (via the runner: route, time limit,
 * validation, grid snapping) → risk guard → reserve exposure → create at the exchange.
 * The guard's check and the exposure reservation happen in the same tick, so two creates
 * in flight can never both pass a limit only one of them fits.
 */
export class Quoter {
  /** When the bot first saw each RFQ (local clock): the start of RFQ-to-quote latency. */
  readonly #firstSeen = new Map<string, number>();
  readonly #routes = new Map<number, Route>();
  /** RFQs whose last attempt failed for a passing reason: attempts so far and when to retry. */
  readonly #retries = new Map<string, { attempts: number; dueAt: number | undefined }>();
  /** RFQs refused for want of room under a limit our live quotes use, oldest first. */
  readonly #waitingForRoom = new Set<string>();
  #inProgress = 0;

  constructor(
    private readonly deps: QuotingDeps,
    private readonly canQuote: () => string | undefined,
    private readonly onCreated: (quote: TrackedQuote) => Promise<void>,
    /** Asks for the due retries to run now (market data a timed-out strategy waited for landed). */
    private readonly retryNow: () => void = () => undefined,
  ) {
    // Quotes that end executed, cancelled or expired keep their route for late events, until
    // the store drops them.
    deps.store.onDropped((quote) => this.#routes.delete(quote.key));
  }

  noteSeen(rfqId: string): void {
    if (!this.#firstSeen.has(rfqId)) this.#firstSeen.set(rfqId, this.deps.clock.now());
  }

  forget(rfqId: string): void {
    this.#firstSeen.delete(rfqId);
    this.#retries.delete(rfqId);
    this.#waitingForRoom.delete(rfqId);
  }

  /** Up to `count` RFQs refused for want of room, oldest first (each returned once per refusal). */
  takeWaitingForRoom(count: number): string[] {
    const taken: string[] = [];
    for (const rfqId of this.#waitingForRoom) {
      if (taken.length >= count) break;
      taken.push(rfqId);
      this.#waitingForRoom.delete(rfqId);
    }
    return taken;
  }

  get waitingForRoom(): number {
    return this.#waitingForRoom.size;
  }

  /** RFQs whose retry after a passing failure is due now (each returned once per failure). */
  takeDueRetries(now: number): string[] {
    const due: string[] = [];
    for (const [rfqId, retry] of this.#retries) {
      if (retry.dueAt !== undefined && retry.dueAt <= now) {
        retry.dueAt = undefined;
        due.push(rfqId);
      }
    }
    return due;
  }

  /**
   * A strategy that timed out was most likely waiting for market data still queued behind a
   * congested read budget (after 429s). Those reads go on; price again the moment they land,
   * while the cached book is fresh, rather than at a fixed delay that may miss it.
   */
  #retryWhenDataLands(rfq: Rfq): void {
    const retry = this.#retries.get(rfq.id);
    if (retry?.dueAt === undefined) return;
    const { data, clock } = this.deps;
    void Promise.all([data.market(rfq.marketTicker), data.orderBook(rfq.marketTicker)]).then(
      () => {
        if (this.#retries.get(rfq.id) !== retry || retry.dueAt === undefined) return;
        retry.dueAt = Math.min(retry.dueAt, clock.now());
        this.retryNow();
      },
      () => undefined,
    );
  }

  #transientFailure(rfqId: string, reason: string): void {
    const retry = this.#retries.get(rfqId) ?? { attempts: 0, dueAt: undefined };
    const delay = RETRY_DELAYS_MS[retry.attempts];
    retry.attempts++;
    retry.dueAt = delay === undefined ? undefined : this.deps.clock.now() + delay;
    this.#retries.set(rfqId, retry);
    this.deps.logger.debug(
      { rfqId, reason, attempt: retry.attempts, retryInMs: delay },
      delay === undefined ? 'giving up on the RFQ after passing failures' : 'will price the RFQ again',
    );
  }

  /** The route a quote was priced under (for last look, fair value and events). */
  routeOf(quote: TrackedQuote): Route | undefined {
    return this.#routes.get(quote.key);
  }

  releaseRoute(quote: TrackedQuote): void {
    this.#routes.delete(quote.key);
  }

  /** RFQs between the book and their create's answer: latency-critical work on the bot thread. */
  get inProgress(): number {
    return this.#inProgress;
  }

  async quote(rfq: Rfq, trigger: QuoteTrigger): Promise<void> {
    this.#inProgress++;
    try {
      await this.#quote(rfq, trigger);
    } finally {
      this.#inProgress--;
    }
  }

  async #quote(rfq: Rfq, trigger: QuoteTrigger): Promise<void> {
    const { deps } = this;
    const log = lazyLogger(deps.logger, rfq, trigger);
    const gated = this.canQuote();
    if (gated) {
      deps.events.skipped?.(rfq, undefined, 'blocked', gated);
      return;
    }
    const blocked = this.#blocked(rfq);
    if (blocked) {
      if (deps.logger.isLevelEnabled('debug')) log().debug({ reason: blocked }, 'not quoting');
      return;
    }

    // At the open-quote limit the guard refuses whatever the price: wait for room unpriced
    // (pricing costs a worker call and an order-book read per RFQ, thousands on a full book).
    const { maxOpenQuotes } = deps.limits();
    if (deps.exposure.liveQuoteCount >= maxOpenQuotes) {
      const reason = `${deps.exposure.liveQuoteCount} live quotes, the most allowed is ${maxOpenQuotes}`;
      deps.events.skipped?.(rfq, undefined, 'no-room', reason);
      this.#retries.delete(rfq.id);
      this.#waitingForRoom.add(rfq.id);
      return;
    }

    // Outside its route's trading windows an RFQ is not priced (a strategy call and its reads).
    const routed = await deps.runner.routeFor(rfq);
    if (routed?.windows && !routed.windows.isActive()) {
      const strategy = routed.instance.strategy.name;
      deps.events.skipped?.(rfq, strategy, 'window', `outside the trading windows of ${routed.label}`);
      return;
    }
    const outcome = await deps.runner.price(rfq, routed);
    if (outcome.kind === 'skip') {
      deps.events.skipped?.(rfq, outcome.strategy, outcome.cause, outcome.reason);
      if (TRANSIENT_SKIPS.has(outcome.cause)) this.#transientFailure(rfq.id, outcome.reason);
      else this.#retries.delete(rfq.id);
      if (outcome.cause === 'timeout') this.#retryWhenDataLands(rfq);
      return;
    }
    const { intent, strategy, route } = outcome;
    deps.events.priced?.(rfq, strategy, intent);
    // A window that closed while the strategy priced.
    if (route.windows && !route.windows.isActive()) {
      deps.events.skipped?.(rfq, strategy, 'window', `outside the trading windows of ${route.label}`);
      return;
    }

    let fees: FeeSchedule;
    let eventHint: string | undefined;
    try {
      const market = await deps.data.market(rfq.marketTicker);
      if (market.status !== 'active') {
        deps.events.skipped?.(rfq, strategy, 'market-status', `market is ${market.status}, not active`);
        return;
      }
      eventHint = rfq.eventTicker ?? market.eventTicker;
      fees = await deps.data.fees(rfq.marketTicker);
    } catch (error) {
      deps.events.skipped?.(rfq, strategy, 'market-data', `market data unavailable: ${describeError(error)}`);
      this.#transientFailure(rfq.id, describeError(error));
      return;
    }

    // Everything below up to the reservation is synchronous: guard and book agree.
    const blockedNow = this.#blocked(rfq);
    if (blockedNow) {
      if (deps.logger.isLevelEnabled('debug')) log().debug({ reason: blockedNow }, 'not quoting');
      return;
    }
    const eventTicker = deps.exposure.eventFor(rfq.marketTicker, eventHint);
    const gates: TradingGates = {
      killSwitch: { tripped: deps.killSwitch.isTripped, reason: deps.killSwitch.state.reason },
      windowOpen: deps.windows.isActive(),
    };
    const decision = evaluateQuote(
      { rfq, intent, eventTicker, fees, gates },
      deps.exposure.current(),
      deps.limits(),
    );
    if (!decision.approved) {
      if (deps.logger.isLevelEnabled('info'))
        log().info(
          { strategy, limit: decision.limit, reason: decision.reason },
          'quote refused by risk guard',
        );
      deps.events.refused?.(rfq, strategy, decision.limit, decision.reason);
      this.#retries.delete(rfq.id);
      if (ROOM_LIMITS.has(decision.limit)) this.#waitingForRoom.add(rfq.id);
      return;
    }
    if (decision.clippedSides.length > 0 && deps.logger.isLevelEnabled('info')) {
      log().info({ strategy, clips: decision.clips }, 'risk guard declined a side');
    }
    const settings = deps.settings();
    if (deps.dryRun) {
      log().info(
        { strategy, yesBid: decision.yesBid, noBid: decision.noBid, fairValue: intent.fairValue },
        'dry run: would quote',
      );
      return;
    }

    const quote = deps.store.begin({
      rfq,
      strategy,
      route: route.label,
      yesBid: decision.yesBid,
      noBid: decision.noBid,
      yesContracts: decision.yesContracts,
      noContracts: decision.noContracts,
      fairValue: intent.fairValue,
      ttlMs: intent.ttlMs ?? settings.ttlMs,
      adopted: false,
      rfqSeenAt: this.#firstSeen.get(rfq.id) ?? deps.clock.now(),
      restRemainder: settings.restRemainder,
    });
    this.#routes.set(quote.key, route);
    deps.exposure.quoteOpened(exposureView(quote), {
      fees,
      eventTicker,
      restRemainder: settings.restRemainder,
    });
    if (deps.cluster) {
      const recheck = () => {
        const again = evaluateQuote(
          { rfq, intent, eventTicker, fees, gates, replacesQuoteId: exposureId(quote) },
          deps.exposure.current(),
          deps.limits(),
        );
        if (!again.approved) return `${again.limit}: ${again.reason}`;
        const same =
          again.yesBid === quote.yesBid &&
          again.noBid === quote.noBid &&
          again.yesContracts === quote.yesContracts &&
          again.noContracts === quote.noContracts;
        return same ? undefined : 'the account-wide limits now clip this quote differently';
      };
      const refusal = await deps.cluster.admit(exposureId(quote), recheck);
      if (refusal !== undefined) {
        this.#notAdmitted(quote, rfq, strategy, refusal);
        return;
      }
    }

    try {
      const quoteId = await deps.client.createQuote(
        {
          rfqId: rfq.id,
          yesBid: quote.yesBid,
          noBid: quote.noBid,
          restRemainder: quote.restRemainder === true,
          postOnly: settings.postOnly,
          ...(settings.subaccount > 0 ? { subaccount: settings.subaccount } : {}),
        },
        { priority: 'create' },
      );
      deps.events.exchangeResult?.(true);
      this.#retries.delete(rfq.id);
      this.#waitingForRoom.delete(rfq.id);
      // The own-quote watcher may have matched the quote first and moved it on already.
      if (quote.state === 'pending') deps.store.transition(quote, 'open', { quoteId, reason: trigger });
      else if (quote.quoteId === undefined) quote.quoteId = quoteId;
      await this.onCreated(quote);
    } catch (error) {
      this.#createFailed(quote, rfq, error);
    }
  }

  /** The cluster did not admit the quote: nothing was sent, the reservation goes. */
  #notAdmitted(quote: TrackedQuote, rfq: Rfq, strategy: string, refusal: string): void {
    const { deps } = this;
    if (quote.state === 'pending') deps.store.transition(quote, 'failed', { reason: `cluster: ${refusal}` });
    deps.exposure.quoteRemoved(exposureId(quote));
    this.releaseRoute(quote);
    deps.events.skipped?.(rfq, strategy, 'cluster', refusal);
    deps.logger.debug({ rfqId: rfq.id, reason: refusal }, 'cluster did not admit the quote');
    if (refusal.startsWith('Redis')) this.#transientFailure(rfq.id, refusal);
    else if (refusal !== 'another instance quotes this RFQ') this.#waitingForRoom.add(rfq.id);
  }

  #createFailed(quote: TrackedQuote, rfq: Rfq, error: unknown): void {
    const { deps } = this;
    const reason = describeError(error);
    if (isExchangeFault(error)) deps.events.exchangeResult?.(false);
    if (quote.state !== 'pending') return; // the watcher already saw it land
    if (worthRetrying(error)) this.#transientFailure(rfq.id, reason);
    deps.store.transition(quote, 'failed', { reason });
    deps.exposure.quoteRemoved(exposureId(quote));
    this.releaseRoute(quote);
    const log = deps.logger.child({ rfqId: rfq.id, marketTicker: rfq.marketTicker });
    if (error instanceof QuoteOutcomeUnknownError) {
      // If it did land, the watcher finds it as a quote we do not track and deletes it.
      log.warn({ reason }, 'create_quote outcome unknown; a stray quote, if any, will be deleted');
    } else if (error instanceof BadRequestError && RFQ_GONE_CODES.has(error.exchangeCode ?? '')) {
      log.info({ reason }, 'RFQ no longer quotable');
      deps.book.remove(rfq.id);
    } else if (error instanceof GateRejectedError) {
      log.debug({ reason }, 'create not sent');
    } else {
      log.warn({ reason }, 'create_quote failed');
    }
  }

  #blocked(rfq: Rfq): string | undefined {
    const reason = this.canQuote();
    if (reason) return reason;
    if (!this.deps.book.has(rfq.id)) return 'RFQ no longer open';
    if (this.deps.store.hasLive(rfq.id)) return 'already quoted';
    const current = this.deps.store.forRfq(rfq.id);
    if (current && isAwaitingFill(current.state)) return 'our quote on it was accepted';
    return undefined;
  }
}

/**
 * The RFQ's logger, made when first used: most RFQs log nothing here, and a child costs its
 * bindings' JSON. (A helper: tsx names an arrow bound to a name in the hot path, at a cost.)
 */
function lazyLogger(parent: Logger, rfq: Rfq, trigger: QuoteTrigger): () => Logger {
  let logger: Logger | undefined;
  return () => (logger ??= parent.child({ rfqId: rfq.id, marketTicker: rfq.marketTicker, trigger }));
}
