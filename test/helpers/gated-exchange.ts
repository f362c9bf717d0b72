/**
 * The fake exchange edge behind a real request gate: every call passes the gate with the bucket
 * and priority the Kalshi client gives it (its endpoint's, or the caller's), so what a closed or
 * starved queue refuses is refused here too. The edge itself stays `FakeExchange`.
 */
import type { Fill, Quote, Rfq } from '../../src/domain/types.js';
import { ENDPOINTS, type EndpointDef } from '../../src/kalshi/endpoints.js';
import type { RequestGate } from '../../src/kalshi/gate.js';
import type {
  CallOptions,
  CancelOrderResult,
  ConfirmOptions,
  CreateQuoteArgs,
  DeleteResult,
  FillFilter,
  ListOptions,
} from '../../src/kalshi/index.js';
import type { QuoteWrites } from '../../src/quotes/context.js';
import type { OwnQuotesSource } from '../../src/quotes/own-quote-watcher.js';
import type { FakeExchange, OwnQuoteFilter } from './fake-exchange.js';

export class GatedExchange implements QuoteWrites, OwnQuotesSource {
  constructor(
    readonly exchange: FakeExchange,
    readonly gate: RequestGate,
  ) {}

  createQuote(args: CreateQuoteArgs, call?: CallOptions): Promise<string> {
    return this.#run(ENDPOINTS.create_quote, call, () => this.exchange.createQuote(args, call));
  }

  deleteQuote(rfqId: string, quoteId: string, call?: CallOptions): Promise<DeleteResult> {
    return this.#run(ENDPOINTS.delete_quote, call, () => this.exchange.deleteQuote(rfqId, quoteId, call));
  }

  confirmQuote(rfqId: string, quoteId: string, opts: ConfirmOptions): Promise<void> {
    return this.#run(ENDPOINTS.confirm_quote, opts, () => this.exchange.confirmQuote(rfqId, quoteId, opts));
  }

  getQuote(rfqId: string, quoteId: string, call?: CallOptions): Promise<Quote> {
    return this.#run(ENDPOINTS.get_quote, call, () => this.exchange.getQuote(rfqId, quoteId, call));
  }

  getRfq(rfqId: string, call?: CallOptions): Promise<Rfq> {
    return this.#run(ENDPOINTS.get_rfq, call, () => this.exchange.getRfq(rfqId));
  }

  getOrder(orderId: string, call?: CallOptions) {
    return this.#run(ENDPOINTS.get_order, call, () => this.exchange.getOrder(orderId, call));
  }

  cancelOrder(orderId: string, call?: CallOptions): Promise<CancelOrderResult> {
    return this.#run(ENDPOINTS.cancel_order, call, () => this.exchange.cancelOrder(orderId, call));
  }

  fills(filter?: FillFilter, opts?: ListOptions): AsyncIterable<Fill> {
    return this.#list(ENDPOINTS.get_fills, opts, () => this.exchange.fills(filter));
  }

  quotes(filter: OwnQuoteFilter & { userFilter: 'self' }, opts?: ListOptions): AsyncIterable<Quote> {
    return this.#list(ENDPOINTS.get_quotes, opts, () => this.exchange.listQuotes(filter));
  }

  #run<T>(endpoint: EndpointDef, call: CallOptions | undefined, send: () => Promise<T>): Promise<T> {
    return this.gate.run(
      {
        endpoint: endpoint.name,
        method: endpoint.method,
        path: endpoint.path,
        bucket: endpoint.bucket,
        cost: 1,
        priority: call?.priority ?? endpoint.priority,
        ...(call?.deadline !== undefined ? { deadline: call.deadline } : {}),
      },
      send,
    );
  }

  /** One page: the listing passes the gate once, then yields what the fake lists. */
  #list<T>(
    endpoint: EndpointDef,
    opts: ListOptions | undefined,
    list: () => AsyncIterable<T>,
  ): AsyncIterable<T> {
    const page = this.#run(endpoint, opts, async () => {
      const items: T[] = [];
      for await (const item of list()) items.push(item);
      return items;
    });
    return (async function* () {
      yield* await page;
    })();
  }
}
