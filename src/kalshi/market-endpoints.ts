/**
 * Public market data pricing needs: markets (with price grids), order books, events, series fee
 * schedules, exchange status. Signed when credentials exist (harmless), unsigned otherwise.
 */
import type { FeeSchedule } from '../domain/fees.js';
import type { EventDetails, ExchangeStatus, Market, OrderBook, SeriesInfo } from '../domain/types.js';
import type { ListOptions } from './communications.js';
import { ENDPOINTS } from './endpoints.js';
import { RequestValidationError } from './errors.js';
import type { Page } from './mappers.js';
import { parseExchangeStatus } from './mappers.js';
import {
  parseEvent,
  parseMarketResponse,
  parseMarketsPage,
  parseOrderBook,
  parseSeries,
} from './mappers-market.js';
import { paginate } from './pagination.js';
import { checkLimit, pageCheck, requireId } from './requests.js';
import type { CallOptions, Transport } from './transport.js';

export interface MarketFilter {
  /** The query vocabulary differs from Market.status: open = active, paused = inactive, settled = finalized. */
  readonly status?: 'unopened' | 'open' | 'paused' | 'closed' | 'settled' | undefined;
  readonly eventTicker?: string | undefined;
  readonly seriesTicker?: string | undefined;
  readonly tickers?: readonly string[] | undefined;
  /** Combos only, or none. */
  readonly mveFilter?: 'only' | 'exclude' | undefined;
  /** Page size, 1–1000. @default 100 (the exchange's) */
  readonly limit?: number | undefined;
}

export interface EventOptions extends CallOptions {
  /** Fetch the event's markets too. @default true */
  readonly withNestedMarkets?: boolean | undefined;
}

export function getMarket(t: Transport, ticker: string, call?: CallOptions): Promise<Market> {
  requireId(ENDPOINTS.get_market.name, 'ticker', ticker);
  return t.read({ endpoint: ENDPOINTS.get_market, pathParams: { ticker }, call, parse: parseMarketResponse });
}

function marketQuery(filter: MarketFilter, cursor: string | undefined) {
  return {
    cursor,
    status: filter.status,
    event_ticker: filter.eventTicker,
    series_ticker: filter.seriesTicker,
    tickers: filter.tickers,
    mve_filter: filter.mveFilter,
    limit: checkLimit(ENDPOINTS.get_markets.name, filter.limit, 1000),
  };
}

export function marketsPage(
  t: Transport,
  filter: MarketFilter = {},
  cursor?: string,
  call?: CallOptions,
): Promise<Page<Market>> {
  return t.read({
    endpoint: ENDPOINTS.get_markets,
    query: marketQuery(filter, cursor),
    call,
    parse: parseMarketsPage,
    page: pageCheck(filter.limit, 1000),
  });
}

export function markets(
  t: Transport,
  filter: MarketFilter = {},
  opts: ListOptions = {},
): AsyncGenerator<Market, void, undefined> {
  marketQuery(filter, undefined);
  return paginate(ENDPOINTS.get_markets.name, (c) => marketsPage(t, filter, c, opts), t.options.logger, {
    ...t.options.pagination,
    ...opts,
  });
}

/** Bids on both sides, ascending (best last). `depth` 1–100 levels; omitted or 0 means all. */
export function getOrderBook(
  t: Transport,
  ticker: string,
  depth?: number,
  call?: CallOptions,
): Promise<OrderBook> {
  const name = ENDPOINTS.get_orderbook.name;
  requireId(name, 'ticker', ticker);
  if (depth !== undefined && (!Number.isSafeInteger(depth) || depth < 0 || depth > 100)) {
    throw new RequestValidationError(`must be an integer from 0 to 100, got ${String(depth)}`, name, 'depth');
  }
  return t.read({
    endpoint: ENDPOINTS.get_orderbook,
    pathParams: { ticker },
    query: { depth },
    call,
    parse: (json, reporter) => parseOrderBook(ticker, json, reporter),
  });
}

export function getEvent(t: Transport, eventTicker: string, opts: EventOptions = {}): Promise<EventDetails> {
  requireId(ENDPOINTS.get_event.name, 'eventTicker', eventTicker);
  return t.read({
    endpoint: ENDPOINTS.get_event,
    pathParams: { event_ticker: eventTicker },
    query: { with_nested_markets: opts.withNestedMarkets ?? true },
    call: opts,
    parse: parseEvent,
  });
}

export function getSeries(t: Transport, seriesTicker: string, call?: CallOptions): Promise<SeriesInfo> {
  requireId(ENDPOINTS.get_series.name, 'seriesTicker', seriesTicker);
  return t.read({
    endpoint: ENDPOINTS.get_series,
    pathParams: { series_ticker: seriesTicker },
    call,
    parse: parseSeries,
  });
}

/** The series' fee schedule alone (what pricing caches). */
export async function getSeriesFees(
  t: Transport,
  seriesTicker: string,
  call?: CallOptions,
): Promise<FeeSchedule> {
  return (await getSeries(t, seriesTicker, call)).fees;
}

export function getExchangeStatus(t: Transport, call?: CallOptions): Promise<ExchangeStatus> {
  return t.read({ endpoint: ENDPOINTS.get_exchange_status, call, parse: parseExchangeStatus });
}
