/**
 * Communications (RFQ) reads and the requester-side RFQ writes. Quote writes, whose retries
 * need care, are in quote-writes.ts.
 */
import type { Centis, Micros } from '../domain/money.js';
import type { EpochMs, Quote, QuoteStatus, Rfq, RfqStatus } from '../domain/types.js';
import { ENDPOINTS, quoteEndpoint } from './endpoints.js';
import { RequestValidationError, retryClassOf } from './errors.js';
import {
  type Page,
  parseCommunicationsId,
  parseCreatedId,
  parseQuoteResponse,
  parseQuotesPage,
  parseRfqResponse,
  parseRfqsPage,
} from './mappers.js';
import { type PaginationOptions, paginate } from './pagination.js';
import {
  checkLimit,
  checkSubaccount,
  formatRequestAmount,
  formatRequestCount,
  pageCheck,
  requireId,
  toUnixSeconds,
} from './requests.js';
import type { CallOptions, Transport } from './transport.js';

export interface RfqFilter {
  readonly status?: RfqStatus | undefined;
  readonly marketTicker?: string | undefined;
  /** A single event ticker. */
  readonly eventTicker?: string | undefined;
  /** 0 primary, 1–63 subaccounts; omitted means all. */
  readonly subaccount?: number | undefined;
  /** Only RFQs we created. */
  readonly userFilter?: 'self' | undefined;
  /** Page size, 1–100. @default 100 (the exchange's) */
  readonly limit?: number | undefined;
}

export interface QuoteFilter {
  readonly status?: QuoteStatus | undefined;
  /** Quotes we created. The exchange answers 403 without a scope (this or rfqUserFilter). */
  readonly userFilter?: 'self' | undefined;
  /** Quotes on RFQs we created. */
  readonly rfqUserFilter?: 'self' | undefined;
  readonly rfqId?: string | undefined;
  /** Last-updated lower bound, epoch ms (sent as Unix seconds, rounded down). */
  readonly minTs?: EpochMs | undefined;
  /** Last-updated upper bound, epoch ms (sent as Unix seconds, rounded up). */
  readonly maxTs?: EpochMs | undefined;
  /** Page size, 1–500. @default 500 (the exchange's) */
  readonly limit?: number | undefined;
}

/** Options of the listing generators: pagination guards plus the per-call options. */
export type ListOptions = PaginationOptions & CallOptions;

export interface CreateRfqArgs {
  readonly marketTicker: string;
  readonly restRemainder: boolean;
  /** Size in contracts (centi-contracts). Exactly one of contracts and targetCost. */
  readonly contracts?: Centis | undefined;
  /** Size as a dollar target (micros, at most 4 dp). */
  readonly targetCost?: Micros | undefined;
  readonly targetCostExcludesFees?: boolean | undefined;
  readonly replaceExisting?: boolean | undefined;
  readonly subaccount?: number | undefined;
}

/** 204 deletes: `not_found` means already gone, cancelled, or (for a quote) accepted. */
export interface DeleteResult {
  readonly outcome: 'deleted' | 'not_found';
}

export function getCommunicationsId(t: Transport, call?: CallOptions): Promise<string> {
  return t.read({ endpoint: ENDPOINTS.get_communications_id, call, parse: parseCommunicationsId });
}

function rfqQuery(filter: RfqFilter, cursor: string | undefined) {
  const endpoint = ENDPOINTS.get_rfqs.name;
  return {
    cursor,
    status: filter.status,
    market_ticker: filter.marketTicker,
    event_ticker: filter.eventTicker,
    subaccount: checkSubaccount(endpoint, filter.subaccount),
    user_filter: filter.userFilter,
    limit: checkLimit(endpoint, filter.limit, 100),
  };
}

export function rfqsPage(
  t: Transport,
  filter: RfqFilter = {},
  cursor?: string,
  call?: CallOptions,
): Promise<Page<Rfq>> {
  return t.read({
    endpoint: ENDPOINTS.get_rfqs,
    query: rfqQuery(filter, cursor),
    call,
    parse: parseRfqsPage,
    page: pageCheck(filter.limit, 100),
  });
}

export function rfqs(
  t: Transport,
  filter: RfqFilter = {},
  opts: ListOptions = {},
): AsyncGenerator<Rfq, void, undefined> {
  rfqQuery(filter, undefined); // validate before the first page is awaited
  return paginate(ENDPOINTS.get_rfqs.name, (c) => rfqsPage(t, filter, c, opts), t.options.logger, {
    ...t.options.pagination,
    ...opts,
  });
}

export function getRfq(t: Transport, rfqId: string, call?: CallOptions): Promise<Rfq> {
  requireId(ENDPOINTS.get_rfq.name, 'rfqId', rfqId);
  return t.read({
    endpoint: ENDPOINTS.get_rfq,
    pathParams: { rfq_id: rfqId },
    rfqId,
    call,
    parse: parseRfqResponse,
  });
}

function quoteQuery(filter: QuoteFilter, cursor: string | undefined) {
  const endpoint = ENDPOINTS.get_quotes.name;
  if (filter.rfqId !== undefined) requireId(endpoint, 'rfqId', filter.rfqId);
  return {
    cursor,
    status: filter.status,
    user_filter: filter.userFilter,
    rfq_user_filter: filter.rfqUserFilter,
    rfq_id: filter.rfqId,
    min_ts: toUnixSeconds(filter.minTs, 'min'),
    max_ts: toUnixSeconds(filter.maxTs, 'max'),
    limit: checkLimit(endpoint, filter.limit, 500),
  };
}

export function quotesPage(
  t: Transport,
  filter: QuoteFilter = {},
  cursor?: string,
  call?: CallOptions,
): Promise<Page<Quote>> {
  return t.read({
    endpoint: ENDPOINTS.get_quotes,
    query: quoteQuery(filter, cursor),
    rfqId: filter.rfqId,
    call,
    parse: parseQuotesPage,
    page: pageCheck(filter.limit, 500),
  });
}

export function quotes(
  t: Transport,
  filter: QuoteFilter = {},
  opts: ListOptions = {},
): AsyncGenerator<Quote, void, undefined> {
  quoteQuery(filter, undefined);
  return paginate(ENDPOINTS.get_quotes.name, (c) => quotesPage(t, filter, c, opts), t.options.logger, {
    ...t.options.pagination,
    ...opts,
  });
}

export function getQuote(t: Transport, rfqId: string, quoteId: string, call?: CallOptions): Promise<Quote> {
  const endpoint = quoteEndpoint('get_quote', t.options.pathStyle);
  requireId(endpoint.name, 'rfqId', rfqId);
  requireId(endpoint.name, 'quoteId', quoteId);
  return t.read({
    endpoint,
    pathParams: { rfq_id: rfqId, quote_id: quoteId },
    rfqId,
    quoteId,
    call,
    parse: parseQuoteResponse,
  });
}

/** Requester side (tests, demo). Retried only when the exchange provably did not process it. */
export function createRfq(t: Transport, args: CreateRfqArgs, call?: CallOptions): Promise<string> {
  const name = ENDPOINTS.create_rfq.name;
  requireId(name, 'marketTicker', args.marketTicker);
  if ((args.contracts === undefined) === (args.targetCost === undefined)) {
    throw new RequestValidationError('give exactly one of contracts and targetCost', name, 'contracts');
  }
  if (args.targetCostExcludesFees !== undefined && args.targetCost === undefined) {
    throw new RequestValidationError('only valid with targetCost', name, 'targetCostExcludesFees');
  }
  const body: Record<string, unknown> = {
    market_ticker: args.marketTicker,
    rest_remainder: args.restRemainder,
  };
  if (args.contracts !== undefined)
    body['contracts_fp'] = formatRequestCount(name, 'contracts', args.contracts);
  if (args.targetCost !== undefined) {
    body['target_cost_dollars'] = formatRequestAmount(name, 'targetCost', args.targetCost);
  }
  if (args.targetCostExcludesFees !== undefined)
    body['target_cost_excludes_fees'] = args.targetCostExcludesFees;
  if (args.replaceExisting !== undefined) body['replace_existing'] = args.replaceExisting;
  const subaccount = checkSubaccount(name, args.subaccount);
  if (subaccount !== undefined) body['subaccount'] = subaccount;
  return t.retrying(
    { endpoint: ENDPOINTS.create_rfq, body, call, parse: parseCreatedId },
    {
      attempts: t.options.retry.writeAttempts,
      shouldRetry: (error) => retryClassOf(error) === 'transient',
      baseDelayMs: t.options.retry.baseDelayMs,
      maxDelayMs: t.options.retry.maxDelayMs,
    },
  );
}
