/**
 * Portfolio and account reads risk needs: balance, positions, fills, API limits, endpoint costs.
 */
import type {
  ApiLimits,
  Balance,
  EndpointCosts,
  EpochMs,
  EventPosition,
  Fill,
  MarketPosition,
} from '../domain/types.js';
import type { ListOptions } from './communications.js';
import { ENDPOINTS } from './endpoints.js';
import {
  type Page,
  type PositionsPage,
  parseApiLimits,
  parseBalance,
  parseEndpointCosts,
  parseFillsPage,
  parsePositionsPage,
} from './mappers.js';
import { paginate, paginatePages } from './pagination.js';
import { checkLimit, checkSubaccount, pageCheck, toUnixSeconds } from './requests.js';
import type { CallOptions, Transport } from './transport.js';

export interface BalanceOptions extends CallOptions {
  readonly subaccount?: number | undefined;
}

export interface PositionFilter {
  readonly ticker?: string | undefined;
  readonly eventTicker?: string | undefined;
  /** Only positions with a non-zero value in these fields. */
  readonly countFilter?: readonly ('position' | 'total_traded')[] | undefined;
  readonly subaccount?: number | undefined;
  /** Page size, 1–1000. @default 100 (the exchange's) */
  readonly limit?: number | undefined;
}

export interface FillFilter {
  readonly ticker?: string | undefined;
  /** Join to a quote: `Quote.creatorOrderId`. */
  readonly orderId?: string | undefined;
  /** Epoch ms (sent as Unix seconds, rounded down). */
  readonly minTs?: EpochMs | undefined;
  /** Epoch ms (sent as Unix seconds, rounded up). */
  readonly maxTs?: EpochMs | undefined;
  readonly subaccount?: number | undefined;
  /** Page size. The documented maximum is uncertain (200 or 1000). @default 100 (the exchange's) */
  readonly limit?: number | undefined;
}

export type PositionEntry =
  | { readonly kind: 'market'; readonly position: MarketPosition }
  | { readonly kind: 'event'; readonly position: EventPosition };

export interface AllPositions {
  readonly marketPositions: readonly MarketPosition[];
  readonly eventPositions: readonly EventPosition[];
}

export function getBalance(t: Transport, opts: BalanceOptions = {}): Promise<Balance> {
  return t.read({
    endpoint: ENDPOINTS.get_balance,
    query: { subaccount: checkSubaccount(ENDPOINTS.get_balance.name, opts.subaccount) },
    call: opts,
    parse: parseBalance,
  });
}

function positionQuery(filter: PositionFilter, cursor: string | undefined) {
  const name = ENDPOINTS.get_positions.name;
  return {
    cursor,
    ticker: filter.ticker,
    event_ticker: filter.eventTicker,
    count_filter: filter.countFilter,
    subaccount: checkSubaccount(name, filter.subaccount),
    limit: checkLimit(name, filter.limit, 1000),
  };
}

export function positionsPage(
  t: Transport,
  filter: PositionFilter = {},
  cursor?: string,
  call?: CallOptions,
): Promise<PositionsPage> {
  return t.read({
    endpoint: ENDPOINTS.get_positions,
    query: positionQuery(filter, cursor),
    call,
    parse: parsePositionsPage,
    // How the limit applies to event positions is undocumented: market positions only.
    page: { limit: filter.limit ?? 1000, count: (page) => page.marketPositions.length },
  });
}

/** Every market and event position, page by page, each tagged with its kind. */
export function positions(
  t: Transport,
  filter: PositionFilter = {},
  opts: ListOptions = {},
): AsyncGenerator<PositionEntry, void, undefined> {
  positionQuery(filter, undefined); // validate before the first page is awaited
  return positionEntries(t, filter, opts);
}

async function* positionEntries(
  t: Transport,
  filter: PositionFilter,
  opts: ListOptions,
): AsyncGenerator<PositionEntry, void, undefined> {
  const pages = paginatePages({
    endpoint: ENDPOINTS.get_positions.name,
    fetchPage: (c) => positionsPage(t, filter, c, opts),
    cursorOf: (p) => p.cursor,
    logger: t.options.logger,
    options: { ...t.options.pagination, ...opts },
  });
  for await (const page of pages) {
    for (const position of page.marketPositions) yield { kind: 'market', position };
    for (const position of page.eventPositions) yield { kind: 'event', position };
  }
}

/** All positions, collected. */
export async function allPositions(
  t: Transport,
  filter: PositionFilter = {},
  opts: ListOptions = {},
): Promise<AllPositions> {
  const marketPositions: MarketPosition[] = [];
  const eventPositions: EventPosition[] = [];
  for await (const entry of positions(t, filter, opts)) {
    if (entry.kind === 'market') marketPositions.push(entry.position);
    else eventPositions.push(entry.position);
  }
  return { marketPositions, eventPositions };
}

function fillQuery(filter: FillFilter, cursor: string | undefined) {
  const name = ENDPOINTS.get_fills.name;
  return {
    cursor,
    ticker: filter.ticker,
    order_id: filter.orderId,
    min_ts: toUnixSeconds(filter.minTs, 'min'),
    max_ts: toUnixSeconds(filter.maxTs, 'max'),
    subaccount: checkSubaccount(name, filter.subaccount),
    limit: checkLimit(name, filter.limit, 1000),
  };
}

export function fillsPage(
  t: Transport,
  filter: FillFilter = {},
  cursor?: string,
  call?: CallOptions,
): Promise<Page<Fill>> {
  return t.read({
    endpoint: ENDPOINTS.get_fills,
    query: fillQuery(filter, cursor),
    call,
    parse: parseFillsPage,
    page: pageCheck(filter.limit, 1000),
  });
}

export function fills(
  t: Transport,
  filter: FillFilter = {},
  opts: ListOptions = {},
): AsyncGenerator<Fill, void, undefined> {
  fillQuery(filter, undefined);
  return paginate(ENDPOINTS.get_fills.name, (c) => fillsPage(t, filter, c, opts), t.options.logger, {
    ...t.options.pagination,
    ...opts,
  });
}

export function getApiLimits(t: Transport, call?: CallOptions): Promise<ApiLimits> {
  return t.read({ endpoint: ENDPOINTS.get_account_limits, call, parse: parseApiLimits });
}

export function getEndpointCosts(t: Transport, call?: CallOptions): Promise<EndpointCosts> {
  return t.read({ endpoint: ENDPOINTS.get_endpoint_costs, call, parse: parseEndpointCosts });
}
