/**
 * The exchange edge of a backtest: the writes and reads the real quote manager makes
 * (`QuoteWrites`), answered in memory on the replay clock. Creates land at once; accepts come
 * from the taker model; a confirm inside the window executes `executionDelayMs` later through the
 * execution model (partial accepts as taken, post-only cancels where the recorded market moved
 * through our price); every change is reported to the bot as the own-quote watcher would.
 */
import type { Clock } from '../domain/clock.js';
import { type Centis, ONE_DOLLAR } from '../domain/money.js';
import { contractsPerSide } from '../domain/sizing.js';
import type { EpochMs, Fill, Order, Quote, Rfq, Side } from '../domain/types.js';
import {
  BadRequestError,
  type CallOptions,
  type CancelOrderResult,
  type CreateQuoteArgs,
  type DeleteResult,
  type ErrorContext,
  type FillFilter,
  NotFoundError,
} from '../kalshi/index.js';
import type { QuoteWrites } from '../quotes/context.js';
import { execute } from './execution.js';
import type { RecordedMarket } from './market-replay.js';

export interface BacktestExchangeOptions {
  readonly clock: Clock;
  readonly market: RecordedMarket;
  /** The accept → confirm window the exchange enforces for a market. */
  readonly confirmWindowMs: (marketTicker: string) => number;
  /** Confirm → execution on a market (high-volatility markets execute sooner). */
  readonly executionDelayMs: (marketTicker: string) => number;
  /** What the own-quote watcher would report to the quote manager. */
  readonly report: (quote: Quote) => void;
  /** One of our quotes went live (the taker model's cue). */
  readonly opened: (quote: Quote) => void;
  /** A fill of ours, as the `fill` websocket channel would push it. */
  readonly filled: (fill: Fill) => void;
  /** A post-only leg cancelled at execution (counted in the results). */
  readonly postOnlyCancelled?: (quote: Quote, reason: string) => void;
}

interface Held {
  quote: Quote;
  readonly postOnly: boolean;
}

const CLOSED_QUOTES_KEPT_MS = 120_000;

function context(endpoint: string, rfqId?: string, quoteId?: string): ErrorContext {
  return {
    endpoint,
    method: 'POST',
    path: `/${endpoint}`,
    ...(rfqId !== undefined ? { rfqId } : {}),
    ...(quoteId !== undefined ? { quoteId } : {}),
  };
}

function badRequest(code: string, message: string, endpoint: string, rfqId: string, quoteId?: string) {
  return new BadRequestError(message, context(endpoint, rfqId, quoteId), {
    status: 400,
    exchange: { rawCode: code },
  });
}

export class BacktestExchange implements QuoteWrites {
  readonly #options: BacktestExchangeOptions;
  readonly #rfqs = new Map<string, Rfq>();
  readonly #quotes = new Map<string, Held>();
  readonly #quotesOfRfq = new Map<string, string[]>();
  /** Our executed legs and their fills, by order id (forgotten with their RFQ). */
  readonly #orders = new Map<string, { order: Order; fills: Fill[] }>();
  /** Closed RFQs, oldest first: their quotes are forgotten a while after (bounded memory). */
  readonly #closed: { readonly at: EpochMs; readonly rfqId: string }[] = [];
  #nextQuote = 1;
  #nextTrade = 1;

  constructor(options: BacktestExchangeOptions) {
    this.#options = options;
  }

  rfqOpened(rfq: Rfq): void {
    this.#rfqs.set(rfq.id, rfq);
  }

  /** The RFQ closed: its open quotes are cancelled, as the exchange does. */
  rfqClosed(rfqId: string): void {
    const now = this.#options.clock.now();
    const rfq = this.#rfqs.get(rfqId);
    if (rfq === undefined || rfq.status !== 'open') return;
    this.#rfqs.set(rfqId, { ...rfq, status: 'closed' });
    for (const quoteId of this.#quotesOfRfq.get(rfqId) ?? []) {
      const held = this.#quotes.get(quoteId);
      if (held?.quote.status === 'open') {
        this.#set(held, { status: 'cancelled', cancellationReason: 'rfq_closed' });
        // As the live watcher's next look reports it (the bot sends no delete of its own).
        this.#options.report(held.quote);
      }
    }
    this.#closed.push({ at: now, rfqId });
    while (this.#closed.length > 0 && this.#closed[0]!.at < now - CLOSED_QUOTES_KEPT_MS) {
      this.#forget(this.#closed.shift()!.rfqId);
    }
  }

  /** Our open quote on an RFQ, if any. */
  openQuoteOn(rfqId: string): Quote | undefined {
    for (const quoteId of this.#quotesOfRfq.get(rfqId) ?? []) {
      const quote = this.#quotes.get(quoteId)?.quote;
      if (quote?.status === 'open') return quote;
    }
    return undefined;
  }

  quote(quoteId: string): Quote | undefined {
    return this.#quotes.get(quoteId)?.quote;
  }

  /** A requester takes one side of an open quote of ours now. False when it is no longer open. */
  accept(quoteId: string, side: Side, contracts: Centis): boolean {
    const held = this.#quotes.get(quoteId);
    if (held?.quote.status !== 'open') return false;
    const offered = side === 'yes' ? held.quote.yesContracts : held.quote.noContracts;
    const bid = side === 'yes' ? held.quote.yesBid : held.quote.noBid;
    const taken = Math.min(contracts, offered ?? 0);
    if (taken <= 0 || bid <= 0) return false;
    const now = this.#options.clock.now();
    // As Kalshi reports it: the taken size apart, the side still showing the offer.
    this.#set(held, { status: 'accepted', acceptedSide: side, acceptedAt: now, contractsAccepted: taken });
    this.#options.report(held.quote);
    return true;
  }

  async createQuote(args: CreateQuoteArgs, _call?: CallOptions): Promise<string> {
    const rfq = this.#rfqs.get(args.rfqId);
    if (rfq?.status !== 'open') throw badRequest('rfq_closed', 'RFQ is closed', 'create_quote', args.rfqId);
    const fees = this.#options.market.fees(rfq.marketTicker);
    const sizes = contractsPerSide(rfq.size, args, fees);
    const now = this.#options.clock.now();
    const id = `bt-${this.#nextQuote++}`;
    const quote: Quote = {
      id,
      rfqId: rfq.id,
      creatorId: 'backtest',
      rfqCreatorId: rfq.creatorId,
      marketTicker: rfq.marketTicker,
      contracts: rfq.size.kind === 'contracts' ? rfq.size.contracts : Math.max(sizes.yes, sizes.no),
      yesBid: args.yesBid,
      noBid: args.noBid,
      yesContracts: sizes.yes,
      noContracts: sizes.no,
      status: 'open',
      createdAt: now,
      updatedAt: now,
      restRemainder: args.restRemainder,
      postOnly: args.postOnly === true,
    };
    this.#quotes.set(id, { quote, postOnly: args.postOnly === true });
    const ofRfq = this.#quotesOfRfq.get(rfq.id);
    if (ofRfq) ofRfq.push(id);
    else this.#quotesOfRfq.set(rfq.id, [id]);
    this.#options.opened(quote);
    return id;
  }

  async deleteQuote(_rfqId: string, quoteId: string, _call?: CallOptions): Promise<DeleteResult> {
    const held = this.#quotes.get(quoteId);
    if (held?.quote.status !== 'open') return { outcome: 'not_found' };
    this.#set(held, { status: 'cancelled', cancellationReason: 'deleted' });
    return { outcome: 'deleted' };
  }

  async confirmQuote(rfqId: string, quoteId: string, _options: { deadline: EpochMs }): Promise<void> {
    const held = this.#quotes.get(quoteId);
    const now = this.#options.clock.now();
    const quote = held?.quote;
    if (!held || quote?.status !== 'accepted' || quote.acceptedAt === undefined) {
      throw badRequest('expired', 'quote is not awaiting a confirm', 'confirm_quote', rfqId, quoteId);
    }
    if (now > quote.acceptedAt + this.#options.confirmWindowMs(quote.marketTicker)) {
      throw badRequest('expired', 'the confirm window has passed', 'confirm_quote', rfqId, quoteId);
    }
    this.#set(held, { status: 'confirmed', confirmedAt: now });
    this.#options.clock.schedule(this.#options.executionDelayMs(quote.marketTicker), () =>
      this.#execute(held),
    );
  }

  async getQuote(rfqId: string, quoteId: string, _call?: CallOptions): Promise<Quote> {
    const quote = this.#quotes.get(quoteId)?.quote;
    if (!quote)
      throw new NotFoundError('quote not found', context('get_quote', rfqId, quoteId), { status: 404 });
    return quote;
  }

  async getRfq(rfqId: string, _call?: CallOptions): Promise<Rfq> {
    const rfq = this.#rfqs.get(rfqId);
    if (!rfq) throw new NotFoundError('RFQ not found', context('get_rfq', rfqId), { status: 404 });
    return rfq;
  }

  async getOrder(orderId: string, _call?: CallOptions): Promise<Order> {
    const known = this.#orders.get(orderId);
    if (!known) throw new NotFoundError('order not found', context('get_order'), { status: 404 });
    return known.order;
  }

  /** Nothing of ours rests in a backtest (remainders are not simulated). */
  async cancelOrder(_orderId: string, _call?: CallOptions): Promise<CancelOrderResult> {
    return { outcome: 'not_found' };
  }

  /** Our fills by order (how the bot settles an execution); a listing of all fills is not kept. */
  async *fills(filter: FillFilter = {}): AsyncIterable<Fill> {
    if (filter.orderId === undefined) return;
    yield* this.#orders.get(filter.orderId)?.fills ?? [];
  }

  #execute(held: Held): void {
    const quote = held.quote;
    const side = quote.acceptedSide;
    if (quote.status !== 'confirmed' || side === undefined) return;
    const { market, clock } = this.#options;
    const ticker = quote.marketTicker;
    const bid = side === 'yes' ? quote.yesBid : quote.noBid;
    const contracts = quote.contractsAccepted ?? 0;
    const outcome = execute({
      side,
      bid,
      contracts,
      postOnly: held.postOnly,
      fees: market.fees(ticker),
      book: market.recordedBook(ticker),
      mid: market.mid(ticker),
      markBid: market.markQuote(ticker).yesBid,
      markAsk: market.markQuote(ticker).yesAsk,
    });
    const now = clock.now();
    const orderId = `bt-order-${quote.id}`;
    const fills: Fill[] = [];
    if (outcome.kind === 'post-only-cancel') this.#options.postOnlyCancelled?.(quote, outcome.reason);
    else {
      for (const fill of outcome.fills) {
        const tradeId = `bt-trade-${this.#nextTrade++}`;
        fills.push({
          fillId: tradeId,
          tradeId,
          orderId,
          ticker,
          outcomeSide: side,
          bookSide: side === 'yes' ? 'bid' : 'ask',
          count: fill.contracts,
          yesPrice: side === 'yes' ? fill.price : ONE_DOLLAR - fill.price,
          noPrice: side === 'no' ? fill.price : ONE_DOLLAR - fill.price,
          isTaker: fill.isTaker,
          fee: fill.fee,
          createdAt: now,
        });
      }
    }
    const filled = fills.reduce((sum, f) => sum + f.count, 0);
    this.#orders.set(orderId, {
      order: {
        orderId,
        ticker,
        side,
        status: filled > 0 ? 'executed' : 'canceled',
        price: bid,
        filled,
        remaining: 0,
        initial: contracts,
        createdAt: now,
        updatedAt: now,
      },
      fills,
    });
    // Exchange truth: the quote reports executed even when our post-only leg was cancelled.
    this.#set(held, { status: 'executed', executedAt: now, creatorOrderId: orderId });
    this.#options.report(held.quote);
    for (const fill of fills) this.#options.filled(fill);
  }

  #set(held: Held, change: Partial<Quote>): void {
    held.quote = { ...held.quote, ...change, updatedAt: this.#options.clock.now() };
  }

  /**
   * Forgets a closed RFQ's quotes, but not one still to be confirmed or executed: those are looked
   * at again a while later (an accept past its confirm window is over, as an expiry).
   */
  #forget(rfqId: string): void {
    const now = this.#options.clock.now();
    const kept: string[] = [];
    for (const quoteId of this.#quotesOfRfq.get(rfqId) ?? []) {
      const quote = this.#quotes.get(quoteId)?.quote;
      const confirmable =
        quote?.status === 'accepted' &&
        quote.acceptedAt !== undefined &&
        now <= quote.acceptedAt + this.#options.confirmWindowMs(quote.marketTicker);
      if (confirmable || quote?.status === 'confirmed') {
        kept.push(quoteId);
        continue;
      }
      this.#quotes.delete(quoteId);
      this.#orders.delete(`bt-order-${quoteId}`);
    }
    if (kept.length > 0) {
      this.#quotesOfRfq.set(rfqId, kept);
      this.#closed.push({ at: now, rfqId });
      return;
    }
    this.#quotesOfRfq.delete(rfqId);
    this.#rfqs.delete(rfqId);
  }
}
