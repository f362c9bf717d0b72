import type { Logger } from 'pino';
import type { Clock } from '../domain/clock.js';
import { type Centis, formatContracts, formatDollarsMinimal, type Micros } from '../domain/money.js';
import type { LiveQuote } from '../domain/quoting.js';
import type { EpochMs, Rfq, Side } from '../domain/types.js';
import {
  canTransition,
  IllegalTransitionError,
  isAwaitingFill,
  isLive,
  isTerminal,
  type QuoteState,
} from './lifecycle.js';

/** One quote of ours, from the moment we decide to send it until nothing more can happen to it. */
export interface TrackedQuote {
  /** Local id: a quote has none at the exchange until its create returns. */
  readonly key: number;
  readonly rfq: Rfq;
  readonly strategy: string;
  readonly route: string | undefined;
  readonly yesBid: Micros;
  readonly noBid: Micros;
  readonly yesContracts: Centis;
  readonly noContracts: Centis;
  readonly fairValue: Micros | undefined;
  readonly ttlMs: number;
  /** True for quotes found at the exchange at startup rather than sent by this process. */
  readonly adopted: boolean;
  /** Sent with `rest_remainder`: after execution the unaccepted part of the side rests on the book. */
  readonly restRemainder?: boolean | undefined;
  /** When the bot first saw the RFQ (local clock): the start of RFQ-to-quote latency. */
  readonly rfqSeenAt: EpochMs;
  readonly sentAt: EpochMs;
  state: QuoteState;
  quoteId: string | undefined;
  openedAt: EpochMs | undefined;
  acceptedSide: Side | undefined;
  acceptedContracts: Centis | undefined;
  /** Local time the accept was noticed: the start of accept-to-confirm latency. */
  acceptSeenAt: EpochMs | undefined;
  /** When the exchange says the accept happened (its window starts then), else when we saw it. */
  acceptedAt?: EpochMs | undefined;
  /** What the `quote_accepted` push said (REST reports may lack the accepted size). */
  pushedAccept?: { readonly side: Side | undefined; readonly contracts: Centis | undefined } | undefined;
  /** After this instant a confirm is pointless (the exchange would answer `expired`). */
  confirmDeadline: EpochMs | undefined;
  confirmedAt: EpochMs | undefined;
  executedAt: EpochMs | undefined;
  endedAt: EpochMs | undefined;
  endReason: string | undefined;
  /** A pull asked for while the create was still in flight: delete as soon as it returns. */
  pullRequested: string | undefined;
  /** When its RFQ left the book while the quote was open (the exchange cancels it too). */
  rfqClosedAt?: EpochMs | undefined;
  /** Our leg's order id at the exchange (`creator_order_id`), once reported: fills name it. */
  orderId?: string | undefined;
  /** Contracts filled on our order so far, by the exchange's fills. */
  filledContracts?: Centis | undefined;
  /** How the execution ended, once nothing more can fill: the quote's end state. */
  fillOutcome?: FillOutcome | undefined;
  /** Contracts of our order resting on the book after execution (`rest_remainder`), until cancelled. */
  restingContracts?: Centis | undefined;
}

/**
 * How an executed quote's order ended: `filled` the accepted size (or more, with a remainder that
 * filled), `partial` less, `none` nothing (a post-only leg that would have crossed is cancelled).
 */
export type FillOutcome = 'filled' | 'partial' | 'none';

export type NewQuote = Pick<
  TrackedQuote,
  | 'rfq'
  | 'strategy'
  | 'route'
  | 'yesBid'
  | 'noBid'
  | 'yesContracts'
  | 'noContracts'
  | 'fairValue'
  | 'ttlMs'
  | 'adopted'
  | 'rfqSeenAt'
> & { readonly restRemainder?: boolean | undefined };

export interface TransitionDetails {
  readonly reason?: string;
  readonly quoteId?: string;
}

export type TransitionListener = (quote: TrackedQuote, from: QuoteState, details: TransitionDetails) => void;

export class DuplicateLiveQuoteError extends Error {
  override readonly name = 'DuplicateLiveQuoteError';
  readonly code = 'duplicate_live_quote';
  constructor(readonly rfqId: string) {
    super(`RFQ ${rfqId} already has a live quote of ours; one live quote per RFQ`);
  }
}

/**
 * Every quote the bot knows, indexed by RFQ and by quote id. Enforces one live quote per
 * RFQ and legal life-cycle transitions; logs every transition with rfqId and quoteId.
 * Finished quotes are kept for a while (late exchange reports still find them), then dropped.
 */
export class QuoteStore {
  readonly #byKey = new Map<number, TrackedQuote>();
  readonly #currentByRfq = new Map<string, TrackedQuote>();
  readonly #byQuoteId = new Map<string, TrackedQuote>();
  readonly #byOrderId = new Map<string, TrackedQuote>();
  // Indexes that keep the sweeper's and the summaries' questions proportional to what is live,
  // not to every quote kept for late reports (a backtest replays thousands a minute).
  /** Live quotes in creation order: a quote never becomes live again once it leaves. */
  readonly #live = new Set<TrackedQuote>();
  /** Quotes not yet terminal (live, awaiting a fill, expired). */
  readonly #unfinished = new Set<TrackedQuote>();
  /** Finished quotes in the order they ended, for pruning from the oldest. */
  readonly #ended: { readonly quote: TrackedQuote; readonly at: EpochMs }[] = [];
  #endedHead = 0;
  /** Old enough to prune but executed with fills still coming: looked at on every prune. */
  readonly #awaitingFills = new Set<TrackedQuote>();
  readonly #listeners: TransitionListener[] = [];
  readonly #dropListeners: ((quote: TrackedQuote) => void)[] = [];
  #nextKey = 1;

  constructor(
    private readonly logger: Logger,
    private readonly clock: Clock,
    /** How long finished quotes stay findable. @default 600000 */
    private readonly retentionMs = 600_000,
  ) {}

  onTransition(listener: TransitionListener): () => void {
    this.#listeners.push(listener);
    return () => {
      const index = this.#listeners.indexOf(listener);
      if (index >= 0) this.#listeners.splice(index, 1);
    };
  }

  /** Called for each finished quote `prune` drops: whatever is kept per quote elsewhere can go too. */
  onDropped(listener: (quote: TrackedQuote) => void): () => void {
    this.#dropListeners.push(listener);
    return () => {
      const index = this.#dropListeners.indexOf(listener);
      if (index >= 0) this.#dropListeners.splice(index, 1);
    };
  }

  /** Starts tracking a quote we are about to send (state `pending`). */
  begin(fields: NewQuote): TrackedQuote {
    const current = this.#currentByRfq.get(fields.rfq.id);
    if (current && isLive(current.state)) throw new DuplicateLiveQuoteError(fields.rfq.id);
    // Every field named, the optional ones too: one object shape for every quote keeps the
    // property reads of the sweeper, the watcher and the journal fast (monomorphic).
    const quote: TrackedQuote = {
      key: this.#nextKey++,
      rfq: fields.rfq,
      strategy: fields.strategy,
      route: fields.route,
      yesBid: fields.yesBid,
      noBid: fields.noBid,
      yesContracts: fields.yesContracts,
      noContracts: fields.noContracts,
      fairValue: fields.fairValue,
      ttlMs: fields.ttlMs,
      adopted: fields.adopted,
      restRemainder: fields.restRemainder,
      rfqSeenAt: fields.rfqSeenAt,
      sentAt: this.clock.now(),
      state: 'pending',
      quoteId: undefined,
      openedAt: undefined,
      acceptedSide: undefined,
      acceptedContracts: undefined,
      acceptSeenAt: undefined,
      acceptedAt: undefined,
      pushedAccept: undefined,
      confirmDeadline: undefined,
      confirmedAt: undefined,
      executedAt: undefined,
      endedAt: undefined,
      endReason: undefined,
      pullRequested: undefined,
      orderId: undefined,
      filledContracts: undefined,
      fillOutcome: undefined,
      restingContracts: undefined,
    };
    this.#byKey.set(quote.key, quote);
    this.#live.add(quote);
    this.#unfinished.add(quote);
    this.#currentByRfq.set(quote.rfq.id, quote);
    this.logger.debug({ rfqId: quote.rfq.id, strategy: quote.strategy, state: 'pending' }, 'quote pending');
    return quote;
  }

  /** Moves a quote along its life cycle. Returns false (and logs) for a transition that is not legal. */
  transition(quote: TrackedQuote, to: QuoteState, details: TransitionDetails = {}): boolean {
    const from = quote.state;
    if (from === to) return true;
    if (!canTransition(from, to)) {
      const error = new IllegalTransitionError(from, to, quote.rfq.id, quote.quoteId ?? details.quoteId);
      this.logger.error(
        { rfqId: quote.rfq.id, quoteId: quote.quoteId, from, to, reason: details.reason },
        error.message,
      );
      return false;
    }
    const now = this.clock.now();
    if (details.quoteId !== undefined && quote.quoteId === undefined) {
      quote.quoteId = details.quoteId;
      this.#byQuoteId.set(details.quoteId, quote);
    }
    quote.state = to;
    if (to === 'open' && quote.openedAt === undefined) quote.openedAt = now;
    if (to === 'confirmed') quote.confirmedAt ??= now;
    if (to === 'executed') quote.executedAt ??= now;
    if (!isLive(to)) this.#live.delete(quote);
    if (isTerminal(to)) this.#unfinished.delete(quote);
    if (isTerminal(to) || to === 'expired') {
      quote.endedAt = now;
      quote.endReason = details.reason;
      this.#ended.push({ quote, at: now });
    }
    // Built only when written: a replay logs at error, and the line's fields cost per transition.
    if (this.logger.isLevelEnabled('info'))
      this.logger.info(
        {
          rfqId: quote.rfq.id,
          quoteId: quote.quoteId,
          marketTicker: quote.rfq.marketTicker,
          from,
          to,
          reason: details.reason,
          strategy: quote.strategy,
          ...(to === 'open' ? quoteTerms(quote) : {}),
        },
        `quote ${to}`,
      );
    for (const listener of this.#listeners) listener(quote, from, details);
    return true;
  }

  /** The latest quote for an RFQ (live, awaiting a fill, or recently finished). */
  forRfq(rfqId: string): TrackedQuote | undefined {
    return this.#currentByRfq.get(rfqId);
  }

  byQuoteId(quoteId: string): TrackedQuote | undefined {
    return this.#byQuoteId.get(quoteId);
  }

  /** The quote whose leg is this order (known once the exchange reported the order id). */
  byOrderId(orderId: string): TrackedQuote | undefined {
    return this.#byOrderId.get(orderId);
  }

  /** Records our leg's order id; false when the quote already has another one. */
  linkOrder(quote: TrackedQuote, orderId: string): boolean {
    if (quote.orderId === orderId) return true;
    if (quote.orderId !== undefined) return false;
    quote.orderId = orderId;
    this.#byOrderId.set(orderId, quote);
    return true;
  }

  hasLive(rfqId: string): boolean {
    const quote = this.#currentByRfq.get(rfqId);
    return quote !== undefined && isLive(quote.state);
  }

  *live(): IterableIterator<TrackedQuote> {
    yield* this.#live;
  }

  /** The live quotes now, in creation order: a copy, safe to walk while quotes change. */
  liveNow(): TrackedQuote[] {
    return [...this.#live];
  }

  *awaitingFill(): IterableIterator<TrackedQuote> {
    for (const quote of this.#byKey.values()) if (isAwaitingFill(quote.state)) yield quote;
  }

  *all(): IterableIterator<TrackedQuote> {
    yield* this.#byKey.values();
  }

  countLive(): number {
    return this.#live.size;
  }

  /** Anything the exchange may still change: live quotes and those awaiting a fill or lapse. */
  hasActivity(): boolean {
    return this.#unfinished.size > 0;
  }

  /** Drops finished quotes older than the retention. */
  prune(): number {
    const cutoff = this.clock.now() - this.retentionMs;
    let dropped = 0;
    const drop = (quote: TrackedQuote): void => {
      // Executed with its fills still coming (a remainder resting): its order still needs it.
      if (quote.state === 'executed' && quote.fillOutcome === undefined) {
        this.#awaitingFills.add(quote);
        return;
      }
      this.#awaitingFills.delete(quote);
      this.#byKey.delete(quote.key);
      this.#unfinished.delete(quote);
      if (quote.quoteId !== undefined) this.#byQuoteId.delete(quote.quoteId);
      if (quote.orderId !== undefined) this.#byOrderId.delete(quote.orderId);
      if (this.#currentByRfq.get(quote.rfq.id) === quote) this.#currentByRfq.delete(quote.rfq.id);
      dropped++;
      for (const listener of this.#dropListeners) listener(quote);
    };
    for (const quote of [...this.#awaitingFills]) drop(quote);
    while (this.#endedHead < this.#ended.length) {
      const { quote, at } = this.#ended[this.#endedHead]!;
      if (at > cutoff) break;
      this.#endedHead++;
      // A later end (an expired quote that executed after all) has its own, later entry.
      const finished = isTerminal(quote.state) || quote.state === 'expired';
      if (finished && quote.endedAt === at && this.#byKey.has(quote.key)) drop(quote);
    }
    if (this.#endedHead > 1024 && this.#endedHead * 2 > this.#ended.length) {
      this.#ended.splice(0, this.#endedHead);
      this.#endedHead = 0;
    }
    return dropped;
  }
}

/** The strategy's view of a tracked quote. */
export function toLiveQuote(quote: TrackedQuote): LiveQuote {
  return {
    rfq: quote.rfq,
    quoteId: quote.quoteId ?? '',
    yesBid: quote.yesBid,
    noBid: quote.noBid,
    yesContracts: quote.yesContracts,
    noContracts: quote.noContracts,
    sentAt: quote.sentAt,
    ...(quote.fairValue !== undefined ? { fairValue: quote.fairValue } : {}),
    ...(quote.acceptedSide !== undefined ? { acceptedSide: quote.acceptedSide } : {}),
    ...(quote.acceptedContracts !== undefined ? { acceptedContracts: quote.acceptedContracts } : {}),
    ...(quote.acceptSeenAt !== undefined ? { acceptedAt: quote.acceptSeenAt } : {}),
  };
}

/** The state as of now: reads it past TypeScript's narrowing, which cannot see awaits change it. */
export function stateOf(quote: TrackedQuote): QuoteState {
  return quote.state;
}

/** What a quote offers, for the `quote open` line: bids in dollars, sizes in contracts. */
function quoteTerms(quote: TrackedQuote): Record<string, string> {
  return {
    yesBid: formatDollarsMinimal(quote.yesBid),
    noBid: formatDollarsMinimal(quote.noBid),
    yesContracts: formatContracts(quote.yesContracts),
    noContracts: formatContracts(quote.noContracts),
  };
}
