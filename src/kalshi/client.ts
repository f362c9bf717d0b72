/**
 * The Kalshi REST client: one object, every call the bot makes. Each call passes the injected
 * RequestGate (budgets, priorities), is signed afresh, and ends in a domain value or a typed
 * error. The work is done in communications.ts, quote-writes.ts, market-endpoints.ts and portfolio.ts.
 */
import type { FeeSchedule } from '../domain/fees.js';
import type {
  ApiLimits,
  Balance,
  EndpointCosts,
  EventDetails,
  ExchangeStatus,
  Fill,
  Market,
  Order,
  OrderBook,
  Quote,
  Rfq,
  SeriesInfo,
  Side,
} from '../domain/types.js';
import { type AuthHeaders, signWebSocketHandshake } from './auth.js';
import type { CreateRfqArgs, DeleteResult, ListOptions, QuoteFilter, RfqFilter } from './communications.js';
import * as comms from './communications.js';
import { EndpointCostTable, type PathStyle } from './endpoints.js';
import { AuthenticationError, ClientConfigError } from './errors.js';
import type { Page, PositionsPage } from './mappers.js';
import type { EventOptions, MarketFilter } from './market-endpoints.js';
import * as marketData from './market-endpoints.js';
import { type KalshiClientOptions, resolveOptions } from './options.js';
import type { CancelOrderResult, OrderFilter } from './orders.js';
import * as orderCalls from './orders.js';
import type { AllPositions, BalanceOptions, FillFilter, PositionEntry, PositionFilter } from './portfolio.js';
import * as portfolio from './portfolio.js';
import type { ConfirmOptions, CreateQuoteArgs } from './quote-writes.js';
import * as writes from './quote-writes.js';
import { CommunicationsStream, type CommunicationsStreamOptions } from './stream/communications-stream.js';
import { type CallOptions, Transport } from './transport.js';
import { WS_PATH } from './wire.js';
import { UnknownReporter } from './wire-reader.js';

export class KalshiClient {
  readonly #t: Transport;
  /** Token costs the gate is told; replace with the live table via `applyEndpointCosts`. */
  readonly costs: EndpointCostTable;

  constructor(options: KalshiClientOptions) {
    const resolved = resolveOptions(options);
    this.costs = options.costs ?? new EndpointCostTable();
    this.#t = new Transport(resolved, this.costs, new UnknownReporter(resolved.logger));
  }

  /** The normalised REST base URL (ends in `/trade-api/v2`). */
  get baseUrl(): string {
    return this.#t.options.baseUrl;
  }

  get pathStyle(): PathStyle {
    return this.#t.options.pathStyle;
  }

  get hasCredentials(): boolean {
    return this.#t.options.credentials !== undefined;
  }

  // Communications

  /** Our public communications id: `creator_id` on our RFQs and quotes. */
  getCommunicationsId(call?: CallOptions): Promise<string> {
    return comms.getCommunicationsId(this.#t, call);
  }

  /** Requester side (tests, demo). Returns the RFQ id. */
  createRfq(args: CreateRfqArgs, call?: CallOptions): Promise<string> {
    return comms.createRfq(this.#t, args, call);
  }

  /** Every RFQ matching `filter`, following cursors: `for await (const rfq of client.rfqs({ status: 'open' }))`. */
  rfqs(filter?: RfqFilter, opts?: ListOptions): AsyncGenerator<Rfq, void, undefined> {
    return comms.rfqs(this.#t, filter, opts);
  }

  /** One page of RFQs; pass the returned cursor for the next (undefined when done). */
  rfqsPage(filter?: RfqFilter, cursor?: string, call?: CallOptions): Promise<Page<Rfq>> {
    return comms.rfqsPage(this.#t, filter, cursor, call);
  }

  getRfq(rfqId: string, call?: CallOptions): Promise<Rfq> {
    return comms.getRfq(this.#t, rfqId, call);
  }

  /** Requester side: cancels our RFQ. */
  deleteRfq(rfqId: string, call?: CallOptions): Promise<DeleteResult> {
    return writes.deleteRfq(this.#t, rfqId, call);
  }

  /**
   * Sends a quote and returns its id. A lost response is reconciled against our quotes on the
   * RFQ, so a quote that landed is adopted rather than sent twice.
   */
  createQuote(args: CreateQuoteArgs, call?: CallOptions): Promise<string> {
    return writes.createQuote(this.#t, args, call);
  }

  /** Every quote matching `filter`. Scope (`userFilter: 'self'`) and window (minTs/maxTs) it. */
  quotes(filter?: QuoteFilter, opts?: ListOptions): AsyncGenerator<Quote, void, undefined> {
    return comms.quotes(this.#t, filter, opts);
  }

  quotesPage(filter?: QuoteFilter, cursor?: string, call?: CallOptions): Promise<Page<Quote>> {
    return comms.quotesPage(this.#t, filter, cursor, call);
  }

  /** The legacy path family uses only the quote id; the RFQ id still tags errors and logs. */
  getQuote(rfqId: string, quoteId: string, call?: CallOptions): Promise<Quote> {
    return comms.getQuote(this.#t, rfqId, quoteId, call);
  }

  /** Pulls our quote. `not_found` means already gone, cancelled or accepted. */
  deleteQuote(rfqId: string, quoteId: string, call?: CallOptions): Promise<DeleteResult> {
    return writes.deleteQuote(this.#t, rfqId, quoteId, call);
  }

  /** Requester side: accepts the maker's `side` bid. */
  acceptQuote(rfqId: string, quoteId: string, side: Side, call?: CallOptions): Promise<void> {
    return writes.acceptQuote(this.#t, rfqId, quoteId, side, call);
  }

  /** Confirms an accepted quote; never sends at or after `opts.deadline`. */
  confirmQuote(rfqId: string, quoteId: string, opts: ConfirmOptions): Promise<void> {
    return writes.confirmQuote(this.#t, rfqId, quoteId, opts);
  }

  // Market data

  getMarket(ticker: string, call?: CallOptions): Promise<Market> {
    return marketData.getMarket(this.#t, ticker, call);
  }

  markets(filter?: MarketFilter, opts?: ListOptions): AsyncGenerator<Market, void, undefined> {
    return marketData.markets(this.#t, filter, opts);
  }

  marketsPage(filter?: MarketFilter, cursor?: string, call?: CallOptions): Promise<Page<Market>> {
    return marketData.marketsPage(this.#t, filter, cursor, call);
  }

  getOrderBook(ticker: string, depth?: number, call?: CallOptions): Promise<OrderBook> {
    return marketData.getOrderBook(this.#t, ticker, depth, call);
  }

  /** The event, with its markets unless `withNestedMarkets: false`. */
  getEvent(eventTicker: string, opts?: EventOptions): Promise<EventDetails> {
    return marketData.getEvent(this.#t, eventTicker, opts);
  }

  getSeries(seriesTicker: string, call?: CallOptions): Promise<SeriesInfo> {
    return marketData.getSeries(this.#t, seriesTicker, call);
  }

  getSeriesFees(seriesTicker: string, call?: CallOptions): Promise<FeeSchedule> {
    return marketData.getSeriesFees(this.#t, seriesTicker, call);
  }

  getExchangeStatus(call?: CallOptions): Promise<ExchangeStatus> {
    return marketData.getExchangeStatus(this.#t, call);
  }

  // Portfolio and account

  getBalance(opts?: BalanceOptions): Promise<Balance> {
    return portfolio.getBalance(this.#t, opts);
  }

  /** Market and event positions, each tagged with its kind. */
  positions(filter?: PositionFilter, opts?: ListOptions): AsyncGenerator<PositionEntry, void, undefined> {
    return portfolio.positions(this.#t, filter, opts);
  }

  positionsPage(filter?: PositionFilter, cursor?: string, call?: CallOptions): Promise<PositionsPage> {
    return portfolio.positionsPage(this.#t, filter, cursor, call);
  }

  allPositions(filter?: PositionFilter, opts?: ListOptions): Promise<AllPositions> {
    return portfolio.allPositions(this.#t, filter, opts);
  }

  fills(filter?: FillFilter, opts?: ListOptions): AsyncGenerator<Fill, void, undefined> {
    return portfolio.fills(this.#t, filter, opts);
  }

  fillsPage(filter?: FillFilter, cursor?: string, call?: CallOptions): Promise<Page<Fill>> {
    return portfolio.fillsPage(this.#t, filter, cursor, call);
  }

  /** One of our orders (a quote's leg, or its remainder resting on the book). */
  getOrder(orderId: string, call?: CallOptions): Promise<Order> {
    return orderCalls.getOrder(this.#t, orderId, call);
  }

  orders(filter?: OrderFilter, opts?: ListOptions): AsyncGenerator<Order, void, undefined> {
    return orderCalls.orders(this.#t, filter, opts);
  }

  ordersPage(filter?: OrderFilter, cursor?: string, call?: CallOptions): Promise<Page<Order>> {
    return orderCalls.ordersPage(this.#t, filter, cursor, call);
  }

  /** Cancels a resting order (V2 route); `not_found` when nothing of it rests any more. */
  cancelOrder(orderId: string, call?: CallOptions): Promise<CancelOrderResult> {
    return orderCalls.cancelOrder(this.#t, orderId, call);
  }

  getApiLimits(call?: CallOptions): Promise<ApiLimits> {
    return portfolio.getApiLimits(this.#t, call);
  }

  getEndpointCosts(call?: CallOptions): Promise<EndpointCosts> {
    return portfolio.getEndpointCosts(this.#t, call);
  }

  /** Uses the exchange's cost table from now on; returns listed routes the client never calls. */
  applyEndpointCosts(costs: EndpointCosts): { readonly unmatched: readonly string[] } {
    const result = this.costs.apply(costs);
    this.#t.options.logger.info(
      { defaultCost: costs.defaultCost, listed: costs.costs.length, unmatched: result.unmatched.length },
      'applied live endpoint costs',
    );
    return result;
  }

  /** `getEndpointCosts` then `applyEndpointCosts`. */
  async refreshEndpointCosts(call?: CallOptions): Promise<EndpointCosts> {
    const costs = await this.getEndpointCosts(call);
    this.applyEndpointCosts(costs);
    return costs;
  }

  /**
   * The `communications` websocket as domain events (RFQs created and deleted, our quotes
   * created, accepted and executed), signed with this client's credentials and timed by its
   * clock. Call `start()`; it reconnects by itself until `stop()`.
   * @example
   * const stream = client.communicationsStream({ url: 'wss://external-api-ws.kalshi.com/trade-api/ws/v2' });
   * stream.on('rfqCreated', ({ rfq, complete }) => console.log(rfq.id, complete));
   * stream.start();
   */
  communicationsStream(options: CommunicationsStreamOptions): CommunicationsStream {
    const { credentials, clock, logger, random } = this.#t.options;
    if (!credentials) {
      throw new AuthenticationError('no Kalshi credentials are configured; the WebSocket needs them', {
        endpoint: 'websocket',
        method: 'GET',
        path: WS_PATH,
      });
    }
    checkStreamOptions(options);
    return new CommunicationsStream(options, {
      credentials,
      clock,
      logger,
      random,
      reporter: this.#t.reporter,
    });
  }

  /** Auth headers for the WebSocket upgrade, signed now with this client's credentials. */
  signWebSocketHandshake(pathOrUrl: string = WS_PATH): AuthHeaders {
    const { credentials, clock } = this.#t.options;
    if (!credentials) {
      throw new AuthenticationError('no Kalshi credentials are configured; the WebSocket needs them', {
        endpoint: 'websocket',
        method: 'GET',
        path: WS_PATH,
      });
    }
    return signWebSocketHandshake(credentials, clock, pathOrUrl);
  }
}

function checkStreamOptions(options: CommunicationsStreamOptions): void {
  let url: URL;
  try {
    url = new URL(options?.url);
  } catch {
    throw new ClientConfigError(`${JSON.stringify(options?.url)} is not a URL`, 'stream.url');
  }
  if (url.protocol !== 'wss:' && url.protocol !== 'ws:') {
    throw new ClientConfigError(`protocol ${url.protocol} is not ws(s)`, 'stream.url');
  }
  for (const key of [
    'minReconnectMs',
    'maxReconnectMs',
    'idleTimeoutMs',
    'subscribeTimeoutMs',
    'handshakeTimeoutMs',
    'maxPayloadBytes',
  ] as const) {
    const value = options[key];
    if (value !== undefined && (!Number.isFinite(value) || value <= 0)) {
      throw new ClientConfigError(`must be a positive number, got ${String(value)}`, `stream.${key}`);
    }
  }
}
