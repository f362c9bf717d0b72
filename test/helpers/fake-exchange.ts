/**
 * The exchange edge of the quoting core, in memory: the writes and reads the quote manager and
 * the market-data cache make (`QuoteWrites`, `MarketReads`). Every call is recorded; each
 * answers by default as a well-behaved exchange would (a create lands open, a delete deletes an
 * open quote and 404s anything else, a confirm confirms an accepted quote), and a test can script
 * the next answers of a method: a value, an error, or a held answer it releases when it likes.
 * The core under test is real; only this edge is faked.
 */
import type { Clock } from '../../src/domain/clock.js';
import { DEFAULT_FEE_SCHEDULE, type FeeSchedule } from '../../src/domain/fees.js';
import type { Centis, Micros } from '../../src/domain/money.js';
import type {
  EpochMs,
  EventInfo,
  Fill,
  Market,
  Order,
  OrderBook,
  Quote,
  Rfq,
  Side,
} from '../../src/domain/types.js';
import {
  BadRequestError,
  type CallOptions,
  type CancelOrderResult,
  type CreateQuoteArgs,
  type DeleteResult,
  type ErrorContext,
  type FillFilter,
  NotFoundError,
} from '../../src/kalshi/index.js';
import type { MarketReads } from '../../src/market/market-cache.js';
import type { QuoteWrites } from '../../src/quotes/context.js';
import { testMarket } from '../../src/strategy/memory-data.js';

/** A scripted answer the test releases (or fails) when it chooses. */
export interface Held<T> {
  /** Resolves once the call has been made (the answer is then awaited). */
  readonly called: Promise<void>;
  release(value?: T): void;
  fail(error: unknown): void;
}

type Method = keyof QuoteWrites | keyof MarketReads | 'listQuotes';

/** The own-quote listing's filter (`GET /communications/quotes` as the watcher asks it). */
export interface OwnQuoteFilter {
  readonly status?: string;
  readonly minTs?: number;
  readonly maxTs?: number;
}

/** How an execution of one of our quotes went at the exchange (see `FakeExchange.execute`). */
export interface ExecutionScript {
  /** Contracts our leg filled. @default the accepted size */
  readonly filled?: Centis;
  /** Contracts of our leg left resting on the book. @default 0 */
  readonly resting?: Centis;
  /** Per-contract price of the fill. @default our bid on the side */
  readonly price?: Micros;
  readonly fee?: Micros;
  /** Split the fill into this many trades. @default 1 */
  readonly trades?: number;
}

interface Scripted {
  readonly value?: unknown;
  readonly error?: unknown;
  readonly held?: HeldAnswer;
}

class HeldAnswer {
  #called!: () => void;
  #settle!: { resolve: (value: unknown) => void; reject: (error: unknown) => void };
  readonly called = new Promise<void>((resolve) => {
    this.#called = resolve;
  });
  readonly answer = new Promise<unknown>((resolve, reject) => {
    this.#settle = { resolve, reject };
  });
  /** The value the default behaviour answers: computed at release, or at the call when it lands. */
  fallback: (() => unknown) | undefined;

  constructor(private readonly lands: boolean) {}

  markCalled(behave: () => unknown): void {
    if (this.lands) {
      let outcome: { value: unknown } | { error: unknown };
      try {
        outcome = { value: behave() };
      } catch (error) {
        outcome = { error };
      }
      this.fallback = () => {
        if ('error' in outcome) throw outcome.error;
        return outcome.value;
      };
    } else this.fallback = behave;
    this.#called();
  }

  release(value?: unknown): void {
    if (value !== undefined) {
      this.#settle.resolve(value);
      return;
    }
    try {
      this.#settle.resolve(this.fallback?.());
    } catch (error) {
      this.#settle.reject(error);
    }
  }

  fail(error: unknown): void {
    this.#settle.reject(error);
  }
}

export interface ExchangeCall {
  readonly method: Method;
  readonly args: readonly unknown[];
  readonly at: EpochMs;
}

/** An error as the Kalshi client would throw it for `endpoint`. */
export function errorContext(endpoint: string, rfqId?: string, quoteId?: string): ErrorContext {
  return {
    endpoint,
    method: 'POST',
    path: `/${endpoint}`,
    ...(rfqId !== undefined ? { rfqId } : {}),
    ...(quoteId !== undefined ? { quoteId } : {}),
  };
}

/** The arguments as recorded: the call options last, when given. */
function withCall(args: unknown[], call: CallOptions | undefined): unknown[] {
  return call === undefined ? args : [...args, call];
}

export class FakeExchange implements QuoteWrites, MarketReads {
  readonly calls: ExchangeCall[] = [];
  /** Our quotes as the exchange holds them, by id. */
  readonly quotes = new Map<string, Quote>();
  readonly rfqs = new Map<string, Rfq>();
  readonly markets = new Map<string, Market>();
  readonly books = new Map<string, OrderBook>();
  /** Our orders (each executed quote's leg), by order id. */
  readonly orders = new Map<string, Order>();
  /** Our fills, oldest first: what `GET /portfolio/fills` lists. */
  readonly fillLog: Fill[] = [];
  #nextTrade = 1;
  readonly #scripts = new Map<Method, Scripted[]>();
  #nextId = 1;

  constructor(private readonly clock: Clock) {}

  /** The next calls of `method` answer these values, in order; then the default behaviour resumes. */
  answer(method: Method, ...values: unknown[]): this {
    this.#queue(method).push(...values.map((value) => ({ value })));
    return this;
  }

  /** The next calls of `method` fail with these errors, in order. */
  fail(method: Method, ...errors: unknown[]): this {
    this.#queue(method).push(...errors.map((error) => ({ error })));
    return this;
  }

  /**
   * The next call of `method` waits for the test: `release()` answers as the default would.
   * With `lands`, the call takes effect at the exchange at once and only its answer waits (a
   * create that landed while its response is still on the way).
   */
  hold<T = unknown>(method: Method, options: { lands?: boolean } = {}): Held<T> {
    const held = new HeldAnswer(options.lands === true);
    this.#queue(method).push({ held });
    return held as unknown as Held<T>;
  }

  callsOf(method: Method): ExchangeCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  /** A requester hits one side of our quote (what the own-quote watcher would then report). */
  accept(
    quoteId: string,
    side: Side,
    options: { acceptedAt?: EpochMs | undefined; contracts?: Centis; prices?: Partial<Quote> } = {},
  ): Quote {
    const quote = this.#quote(quoteId);
    const acceptedAt = 'acceptedAt' in options ? options.acceptedAt : this.clock.now();
    const contracts = options.contracts;
    const accepted: Quote = {
      ...quote,
      ...options.prices,
      status: 'accepted',
      acceptedSide: side,
      updatedAt: this.clock.now(),
      ...(acceptedAt !== undefined ? { acceptedAt } : {}),
      ...(contracts !== undefined
        ? side === 'yes'
          ? { yesContracts: contracts }
          : { noContracts: contracts }
        : {}),
    };
    this.quotes.set(quoteId, accepted);
    return accepted;
  }

  /** Moves one of our quotes to a status at the exchange and returns the report. */
  setStatus(quoteId: string, status: Quote['status'], extra: Partial<Quote> = {}): Quote {
    const quote = { ...this.#quote(quoteId), ...extra, status, updatedAt: this.clock.now() };
    this.quotes.set(quoteId, quote);
    return quote;
  }

  /**
   * Executes one of our accepted quotes: the quote becomes `executed` with its order id
   * (`order-<quoteId>`), the order fills `filled` (in `trades` fills, listed at once) and rests
   * `resting`. Returns the report the watcher would see.
   */
  execute(quoteId: string, script: ExecutionScript = {}): Quote {
    const quote = this.#quote(quoteId);
    const side = quote.acceptedSide ?? 'yes';
    const offered = (side === 'yes' ? quote.yesContracts : quote.noContracts) ?? quote.contracts;
    const accepted = quote.contractsAccepted ?? offered;
    const filled = script.filled ?? accepted;
    const resting = script.resting ?? 0;
    const price = script.price ?? (side === 'yes' ? quote.yesBid : quote.noBid);
    const orderId = `order-${quoteId}`;
    const now = this.clock.now();
    this.orders.set(orderId, {
      orderId,
      ticker: quote.marketTicker,
      side,
      status: resting > 0 ? 'resting' : filled > 0 ? 'executed' : 'canceled',
      price,
      filled,
      remaining: resting,
      initial: filled + resting,
      createdAt: now,
    });
    const trades = Math.max(1, script.trades ?? 1);
    let left = filled;
    for (let i = 0; i < trades && left > 0; i++) {
      const count = i === trades - 1 ? left : Math.floor(filled / trades);
      left -= count;
      this.#record(orderId, quote.marketTicker, side, count, price, i === 0 ? (script.fee ?? 0) : 0);
    }
    return this.setStatus(quoteId, 'executed', { executedAt: now, creatorOrderId: orderId });
  }

  /** A resting order of ours fills (more of) its remainder; the fill is on the record at once. */
  fillResting(orderId: string, count: Centis, fee: Micros = 0): Fill {
    const order = this.orders.get(orderId);
    if (order?.status !== 'resting') throw new Error(`order ${orderId} is not resting`);
    const remaining = order.remaining - count;
    this.orders.set(orderId, {
      ...order,
      filled: order.filled + count,
      remaining,
      status: remaining > 0 ? 'resting' : 'executed',
    });
    return this.#record(orderId, order.ticker, order.side, count, order.price, fee);
  }

  /** A fill of ours on any order (a manual trade, say), on the record at once. */
  addFillFor(
    orderId: string,
    ticker: string,
    side: Side,
    count: Centis,
    price: Micros,
    fee: Micros = 0,
  ): Fill {
    return this.#record(orderId, ticker, side, count, price, fee);
  }

  #record(orderId: string, ticker: string, side: Side, count: Centis, price: Micros, fee: Micros): Fill {
    const tradeId = `trade-${this.#nextTrade++}`;
    const fill: Fill = {
      fillId: tradeId,
      tradeId,
      orderId,
      ticker,
      outcomeSide: side,
      bookSide: side === 'yes' ? 'bid' : 'ask',
      count,
      yesPrice: side === 'yes' ? price : 1_000_000 - price,
      noPrice: side === 'no' ? price : 1_000_000 - price,
      isTaker: false,
      fee,
      createdAt: this.clock.now(),
    };
    this.fillLog.push(fill);
    return fill;
  }

  /** A server roll clears an open quote: the exchange no longer knows it. */
  flush(quoteId: string): void {
    this.quotes.delete(quoteId);
  }

  openQuotes(): Quote[] {
    return [...this.quotes.values()].filter((quote) => quote.status === 'open');
  }

  createQuote(args: CreateQuoteArgs, call?: CallOptions): Promise<string> {
    return this.#call('createQuote', withCall([args], call), () => {
      const id = `quote-${this.#nextId++}`;
      const rfq = this.rfqs.get(args.rfqId);
      const size = rfq?.size.kind === 'contracts' ? rfq.size.contracts : 1_000;
      this.quotes.set(id, {
        id,
        rfqId: args.rfqId,
        creatorId: 'us',
        rfqCreatorId: 'requester',
        marketTicker: rfq?.marketTicker ?? 'UNKNOWN',
        contracts: size,
        yesBid: args.yesBid,
        noBid: args.noBid,
        yesContracts: size,
        noContracts: size,
        status: 'open',
        createdAt: this.clock.now(),
        updatedAt: this.clock.now(),
        restRemainder: args.restRemainder,
      });
      return id;
    });
  }

  deleteQuote(rfqId: string, quoteId: string, call?: CallOptions): Promise<DeleteResult> {
    return this.#call('deleteQuote', withCall([rfqId, quoteId], call), () => {
      const quote = this.quotes.get(quoteId);
      if (quote?.status !== 'open') return { outcome: 'not_found' };
      this.quotes.set(quoteId, {
        ...quote,
        status: 'cancelled',
        cancellationReason: 'deleted',
        updatedAt: this.clock.now(),
      });
      return { outcome: 'deleted' };
    });
  }

  confirmQuote(rfqId: string, quoteId: string, options: { deadline: EpochMs }): Promise<void> {
    return this.#call('confirmQuote', [rfqId, quoteId, options], () => {
      const quote = this.quotes.get(quoteId);
      if (quote?.status !== 'accepted') {
        throw new BadRequestError('expired', errorContext('confirm_quote', rfqId, quoteId), {
          status: 400,
          exchange: { rawCode: 'expired' },
        });
      }
      const now = this.clock.now();
      this.quotes.set(quoteId, { ...quote, status: 'confirmed', confirmedAt: now, updatedAt: now });
    });
  }

  getQuote(rfqId: string, quoteId: string, call?: CallOptions): Promise<Quote> {
    return this.#call('getQuote', withCall([rfqId, quoteId], call), () => this.#quote(quoteId));
  }

  getOrder(orderId: string, call?: CallOptions): Promise<Order> {
    return this.#call('getOrder', withCall([orderId], call), () => {
      const order = this.orders.get(orderId);
      if (!order) throw new NotFoundError('not found', errorContext('get_order'), { status: 404 });
      return order;
    });
  }

  cancelOrder(orderId: string, call?: CallOptions): Promise<CancelOrderResult> {
    return this.#call('cancelOrder', withCall([orderId], call), (): CancelOrderResult => {
      const order = this.orders.get(orderId);
      if (order?.status !== 'resting') return { outcome: 'not_found' };
      this.orders.set(orderId, { ...order, status: 'canceled', remaining: 0 });
      return { outcome: 'cancelled', reducedBy: order.remaining };
    });
  }

  fills(filter: FillFilter = {}): AsyncIterable<Fill> {
    const calls = this.#call('fills', [filter], () =>
      this.fillLog.filter(
        (fill) =>
          (filter.orderId === undefined || fill.orderId === filter.orderId) &&
          (filter.ticker === undefined || fill.ticker === filter.ticker) &&
          (filter.minTs === undefined || (fill.createdAt ?? 0) >= filter.minTs),
      ),
    );
    return (async function* () {
      yield* await calls;
    })();
  }

  /** Our quotes last changed within [minTs, maxTs] (epoch ms), of one status when asked. */
  listQuotes(filter: OwnQuoteFilter = {}): AsyncIterable<Quote> {
    const calls = this.#call('listQuotes', [filter], () =>
      [...this.quotes.values()].filter(
        (quote) =>
          (filter.status === undefined || quote.status === filter.status) &&
          (filter.minTs === undefined || quote.updatedAt >= filter.minTs) &&
          (filter.maxTs === undefined || quote.updatedAt <= filter.maxTs),
      ),
    );
    return (async function* () {
      yield* await calls;
    })();
  }

  getRfq(rfqId: string): Promise<Rfq> {
    return this.#call('getRfq', [rfqId], () => {
      const rfq = this.rfqs.get(rfqId);
      if (!rfq) throw new NotFoundError('not found', errorContext('get_rfq', rfqId), { status: 404 });
      return rfq;
    });
  }

  getMarket(ticker: string): Promise<Market> {
    return this.#call('getMarket', [ticker], () => this.markets.get(ticker) ?? testMarket({ ticker }));
  }

  getOrderBook(ticker: string): Promise<OrderBook> {
    return this.#call('getOrderBook', [ticker], () => this.books.get(ticker) ?? { ticker, yes: [], no: [] });
  }

  getEvent(eventTicker: string): Promise<EventInfo> {
    return this.#call('getEvent', [eventTicker], () => ({
      eventTicker,
      seriesTicker: eventTicker.split('-')[0] ?? eventTicker,
      title: eventTicker,
      mutuallyExclusive: false,
      marketTickers: [],
    }));
  }

  getSeriesFees(seriesTicker: string): Promise<FeeSchedule> {
    return this.#call('getSeriesFees', [seriesTicker], () => DEFAULT_FEE_SCHEDULE);
  }

  #quote(quoteId: string): Quote {
    const quote = this.quotes.get(quoteId);
    if (!quote) {
      throw new NotFoundError('not found', errorContext('get_quote', undefined, quoteId), { status: 404 });
    }
    return quote;
  }

  #queue(method: Method): Scripted[] {
    let queue = this.#scripts.get(method);
    if (!queue) {
      queue = [];
      this.#scripts.set(method, queue);
    }
    return queue;
  }

  /** Records the call; answers from the script if one is queued, else by the default behaviour. */
  async #call<T>(method: Method, args: unknown[], behave: () => T): Promise<T> {
    this.calls.push({ method, args, at: this.clock.now() });
    const scripted = this.#scripts.get(method)?.shift();
    if (scripted === undefined) return behave();
    if (scripted.held) {
      scripted.held.markCalled(behave);
      return (await scripted.held.answer) as T;
    }
    if ('error' in scripted) throw scripted.error;
    return scripted.value as T;
  }
}
