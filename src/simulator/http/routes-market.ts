import type { SimContext } from '../context.js';
import { notFound, SimError } from '../errors.js';
import { decodeCursor, encodeCursor } from '../exchange/index-store.js';
import { bookToWire, eventToWire, marketToWire, seriesToWire } from '../world/wire.js';
import { MARKET_STATUS_FILTERS, type SimMarket } from '../world/world.js';
import { queryBool, queryEnum, queryInt, queryString } from './params.js';
import type { Route, RouteContext } from './router.js';

/** Offset paging for the small, static market and event lists. */
function offsetPage<T>(kind: string, items: readonly T[], ctx: RouteContext, max: number, fallback: number) {
  const limit = queryInt(ctx.query, 'limit', { min: 1, max, fallback }) as number;
  const start = decodeCursor(kind, queryString(ctx.query, 'cursor')) ?? 0;
  const page = items.slice(start, start + limit);
  const cursor = start + limit < items.length ? encodeCursor(kind, start + limit) : '';
  return { page, cursor };
}

function tickerList(query: URLSearchParams, name: string): string[] | undefined {
  const all = query
    .getAll(name)
    .flatMap((v) => v.split(','))
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return all.length > 0 ? all : undefined;
}

/** Markets, order books, events, series and exchange status (public; verified when signed). */
export function marketRoutes(sim: SimContext): Route[] {
  const { world } = sim;
  const market = (ticker: string | undefined): SimMarket => {
    const m = ticker === undefined ? undefined : world.market(ticker);
    if (!m) throw notFound(`market ${ticker ?? ''} not found`);
    return m;
  };

  return [
    {
      method: 'GET',
      template: '/markets',
      auth: 'optional',
      handler: (ctx) => {
        const q = ctx.query;
        const statusFilter = queryEnum(q, 'status', Object.keys(MARKET_STATUS_FILTERS));
        const tickers = tickerList(q, 'tickers');
        const mve = queryEnum(q, 'mve_filter', ['only', 'exclude'] as const);
        const eventTicker = queryString(q, 'event_ticker');
        const seriesTicker = queryString(q, 'series_ticker');
        const minClose = queryInt(q, 'min_close_ts', { min: 0 });
        const maxClose = queryInt(q, 'max_close_ts', { min: 0 });
        const items = world.marketOrder
          .map((t) => world.markets.get(t) as SimMarket)
          .filter(
            (m) =>
              (statusFilter === undefined || m.status === MARKET_STATUS_FILTERS[statusFilter]) &&
              (tickers === undefined || tickers.includes(m.ticker)) &&
              (eventTicker === undefined || m.eventTicker === eventTicker) &&
              (seriesTicker === undefined || m.seriesTicker === seriesTicker) &&
              (mve === undefined || (mve === 'only') === (m.legs !== undefined)) &&
              (minClose === undefined || m.closeTime >= minClose * 1000) &&
              (maxClose === undefined || m.closeTime <= maxClose * 1000),
          );
        const { page, cursor } = offsetPage('markets', items, ctx, 1000, 100);
        return { status: 200, body: { markets: page.map(marketToWire), cursor } };
      },
    },
    {
      method: 'GET',
      template: '/markets/orderbooks',
      auth: 'optional',
      handler: (ctx) => {
        const tickers = tickerList(ctx.query, 'tickers');
        if (!tickers) throw new SimError(400, 'invalid_parameters', 'tickers is required');
        if (tickers.length > 100) throw new SimError(400, 'invalid_parameters', 'at most 100 tickers');
        const orderbooks = tickers.map((t) => ({ ticker: t, orderbook_fp: bookToWire(market(t)) }));
        return { status: 200, body: { orderbooks } };
      },
    },
    {
      method: 'GET',
      template: '/markets/{ticker}',
      auth: 'optional',
      handler: (ctx) => ({ status: 200, body: { market: marketToWire(market(ctx.params['ticker'])) } }),
    },
    {
      method: 'GET',
      template: '/markets/{ticker}/orderbook',
      auth: 'optional',
      handler: (ctx) => {
        const depth = queryInt(ctx.query, 'depth', {
          min: -1_000_000,
          max: 100,
          fallback: 0,
        }) as number;
        return { status: 200, body: { orderbook_fp: bookToWire(market(ctx.params['ticker']), depth) } };
      },
    },
    {
      method: 'GET',
      template: '/events',
      auth: 'optional',
      handler: (ctx) => {
        const q = ctx.query;
        const nested = queryBool(q, 'with_nested_markets') === true;
        const seriesTicker = queryString(q, 'series_ticker');
        const tickers = tickerList(q, 'tickers');
        const status = queryEnum(q, 'status', ['unopened', 'open', 'closed', 'settled'] as const);
        const items = [...world.events.values()].filter(
          (e) =>
            (seriesTicker === undefined || e.seriesTicker === seriesTicker) &&
            (tickers === undefined || tickers.includes(e.eventTicker)) &&
            (status === undefined ||
              e.marketTickers.some((t) => world.market(t)?.status === MARKET_STATUS_FILTERS[status])),
        );
        const { page, cursor } = offsetPage('events', items, ctx, 200, 200);
        return { status: 200, body: { events: page.map((e) => eventToWire(e, world, nested)), cursor } };
      },
    },
    {
      method: 'GET',
      template: '/events/{event_ticker}',
      auth: 'optional',
      handler: (ctx) => {
        const event = world.events.get(ctx.params['event_ticker'] ?? '');
        if (!event) throw notFound('event not found');
        const nested = queryBool(ctx.query, 'with_nested_markets') === true;
        const markets = event.marketTickers.map((t) => marketToWire(market(t)));
        return { status: 200, body: { event: eventToWire(event, world, nested), markets } };
      },
    },
    {
      method: 'GET',
      template: '/series',
      auth: 'optional',
      handler: (ctx) => {
        const category = queryString(ctx.query, 'category');
        const withVolume = queryBool(ctx.query, 'include_volume') === true;
        const list = [...world.series.values()]
          .filter((s) => category === undefined || s.category === category)
          .map((s) => seriesToWire(s, withVolume ? seriesVolume(s.ticker) : undefined));
        return { status: 200, body: { series: list } };
      },
    },
    {
      method: 'GET',
      template: '/series/{series_ticker}',
      auth: 'optional',
      handler: (ctx) => {
        const series = world.series.get(ctx.params['series_ticker'] ?? '');
        if (!series) throw notFound('series not found');
        const withVolume = queryBool(ctx.query, 'include_volume') === true;
        return {
          status: 200,
          body: { series: seriesToWire(series, withVolume ? seriesVolume(series.ticker) : undefined) },
        };
      },
    },
    {
      method: 'GET',
      template: '/exchange/status',
      auth: 'optional',
      handler: () => ({
        status: 200,
        body: { exchange_active: true, trading_active: true, intra_exchange_transfers_active: true },
      }),
    },
  ];

  function seriesVolume(seriesTicker: string): number {
    let total = 0;
    for (const m of world.markets.values()) if (m.seriesTicker === seriesTicker) total += m.volume;
    return total;
  }
}
