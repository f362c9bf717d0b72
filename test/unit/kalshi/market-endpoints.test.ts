import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isOnGrid } from '../../../src/domain/grid.js';
import { contextReadPriority, readsAt } from '../../../src/kalshi/gate.js';
import { KalshiClient, RequestValidationError, ResponseFormatError } from '../../../src/kalshi/index.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';
import { collect, harness, rejection, wireMarket } from './fixtures.js';

let server: TestServer;
beforeEach(async () => {
  server = await startTestServer();
});
afterEach(async () => {
  await server.close();
});

describe('markets', () => {
  it('maps a market with its price grid and prices in micros', async () => {
    const { client, gate } = harness(server);
    server.reply('GET', '/markets/KXTEST-26JUL06-T50', { json: { market: wireMarket() } });
    const market = await client.getMarket('KXTEST-26JUL06-T50');
    expect(market).toMatchObject({
      ticker: 'KXTEST-26JUL06-T50',
      eventTicker: 'KXTEST-26JUL06',
      status: 'active',
      marketType: 'binary',
      yesBid: 480_000,
      yesAsk: 520_000,
      lastPrice: 500_000,
      volume: 123_400,
      openInterest: 50_000,
      priceLevelStructure: 'tapered_deci_cent',
      openTime: Date.parse('2026-07-01T00:00:00Z'),
    });
    expect(market.priceGrid).toEqual([
      { start: 0, end: 100_000, step: 1_000 },
      { start: 100_000, end: 900_000, step: 10_000 },
      { start: 900_000, end: 1_000_000, step: 1_000 },
    ]);
    expect(isOnGrid(55_000, market.priceGrid)).toBe(true);
    expect(isOnGrid(555_000, market.priceGrid)).toBe(false);
    expect(market.extra).toBeUndefined();
    expect(gate.specs[0]).toMatchObject({
      endpoint: 'get_market',
      path: '/markets/KXTEST-26JUL06-T50',
      bucket: 'read',
    });
  });

  it("reads made on a confirm's behalf (readsAt) go at its priority; writes keep their own", async () => {
    const { client, gate } = harness(server);
    const market = { json: { market: wireMarket() } };
    server.reply('GET', '/markets/KXTEST-26JUL06-T50', market, market, market);
    await client.getMarket('KXTEST-26JUL06-T50');
    await readsAt('confirm', () => client.getMarket('KXTEST-26JUL06-T50'));
    // Deep in an async chain too: the context follows the awaits.
    await readsAt('confirm', async () => {
      await Promise.resolve();
      await client.getMarket('KXTEST-26JUL06-T50');
    });
    server.reply('DELETE', '/communications/rfqs/r-1', { status: 204 });
    await readsAt('confirm', () => client.deleteRfq('r-1'));
    expect(gate.specs.map((s) => [s.endpoint, s.priority])).toEqual([
      ['get_market', 'read'],
      ['get_market', 'confirm'],
      ['get_market', 'confirm'],
      ['delete_rfq', 'delete'],
    ]);
  });

  it('readsAt calls overlapping in time each keep their priority to the end (the context store is dropped only when none is left)', async () => {
    const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 5));
    const long = readsAt('confirm', async () => {
      const seen = [contextReadPriority()];
      await tick();
      await tick(); // the short one below has ended by now
      seen.push(contextReadPriority());
      return seen;
    });
    const short = readsAt('delete', async () => {
      await tick();
      return contextReadPriority();
    });
    expect(await short).toBe('delete');
    expect(await long).toEqual(['confirm', 'confirm']);
    expect(contextReadPriority()).toBeUndefined();
    // A throw inside settles it too: the next call still gets its priority.
    expect(() =>
      readsAt('confirm', () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(await readsAt('confirm', async () => contextReadPriority())).toBe('confirm');
  });

  it('rejects a market whose grid is not a grid, naming the field', async () => {
    const { client } = harness(server, { retry: { readAttempts: 1 } });
    server.reply('GET', '/markets/BAD', {
      json: { market: wireMarket({ price_ranges: [{ start: '0.00', end: '1.00', step: '0.03' }] }) },
    });
    const error = (await rejection(client.getMarket('BAD'))) as ResponseFormatError;
    expect(error).toBeInstanceOf(ResponseFormatError);
    expect(error.field).toBe('market.price_ranges');
  });

  it('pages markets with the filters repeated', async () => {
    const { client } = harness(server);
    server.reply(
      'GET',
      '/markets',
      { json: { markets: [wireMarket({ ticker: 'A' })], cursor: 'p2' } },
      { json: { markets: [wireMarket({ ticker: 'B' })], cursor: '' } },
    );
    const filter = {
      status: 'open',
      seriesTicker: 'KXS',
      tickers: ['A', 'B'],
      mveFilter: 'exclude',
      limit: 1,
    } as const;
    const tickers = (await collect(client.markets(filter))).map((m) => m.ticker);
    expect(tickers).toEqual(['A', 'B']);
    const expected = {
      status: 'open',
      series_ticker: 'KXS',
      tickers: 'A,B',
      mve_filter: 'exclude',
      limit: '1',
    };
    expect(server.requests[0]?.query).toEqual(expected);
    expect(server.requests[1]?.query).toEqual({ ...expected, cursor: 'p2' });
  });
});

describe('order book', () => {
  it('maps both sides, keeps ascending order, passes depth, and reads a null side as empty', async () => {
    const { client } = harness(server);
    server.reply(
      'GET',
      '/markets/KXT/orderbook',
      {
        json: {
          orderbook_fp: {
            yes_dollars: [
              ['0.4500', '10.00'],
              ['0.4800', '3.50'],
            ],
            no_dollars: [['0.5000', '1.00']],
          },
        },
      },
      { json: { orderbook_fp: { yes_dollars: null } } },
    );
    const book = await client.getOrderBook('KXT', 5);
    expect(server.requests[0]?.query).toEqual({ depth: '5' });
    expect(book).toEqual({
      ticker: 'KXT',
      yes: [
        { price: 450_000, count: 1000 },
        { price: 480_000, count: 350 },
      ],
      no: [{ price: 500_000, count: 100 }],
    });
    expect(await client.getOrderBook('KXT')).toEqual({ ticker: 'KXT', yes: [], no: [] });
    expect(server.requests[1]?.query).toEqual({});
    expect(() => client.getOrderBook('KXT', 101)).toThrow(RequestValidationError);
  });

  it('names a malformed level', async () => {
    const { client } = harness(server, { retry: { readAttempts: 1 } });
    server.reply('GET', '/markets/KXT/orderbook', {
      json: { orderbook_fp: { yes_dollars: [['0.45']], no_dollars: [] } },
    });
    const error = (await rejection(client.getOrderBook('KXT'))) as ResponseFormatError;
    expect(error.field).toBe('orderbook_fp.yes_dollars[0]');
  });
});

describe('events, series and exchange status', () => {
  it('reads an event with nested markets and its fee override', async () => {
    const { client } = harness(server);
    server.reply('GET', '/events/KXTEST-26JUL06', {
      json: {
        event: {
          event_ticker: 'KXTEST-26JUL06',
          series_ticker: 'KXTEST',
          title: 'Test event',
          sub_title: 'sub',
          mutually_exclusive: true,
          collateral_return_type: 'binary',
          fee_type_override: 'quadratic_with_maker_fees',
          fee_multiplier_override: 0.5,
          markets: [wireMarket({ ticker: 'M1' }), wireMarket({ ticker: 'M2' })],
        },
        markets: [],
      },
    });
    const event = await client.getEvent('KXTEST-26JUL06');
    expect(server.requests[0]?.query).toEqual({ with_nested_markets: 'true' });
    expect(event).toMatchObject({
      eventTicker: 'KXTEST-26JUL06',
      seriesTicker: 'KXTEST',
      title: 'Test event',
      mutuallyExclusive: true,
      feeOverride: { type: 'quadratic_with_maker_fees', multiplierPpm: 500_000 },
      marketTickers: ['M1', 'M2'],
    });
    expect(event.markets.map((m) => m.ticker)).toEqual(['M1', 'M2']);

    server.reply('GET', '/events/E2', {
      json: { event: { event_ticker: 'E2', series_ticker: 'S', title: 't', mutually_exclusive: false } },
    });
    const bare = await client.getEvent('E2', { withNestedMarkets: false });
    expect(server.requests[1]?.query).toEqual({ with_nested_markets: 'false' });
    expect(bare.feeOverride).toBeUndefined();
    expect(bare.markets).toEqual([]);
  });

  it('reads a series fee schedule with the multiplier in ppm', async () => {
    const { client } = harness(server);
    server.reply(
      'GET',
      '/series/KXTEST',
      {
        json: {
          series: {
            ticker: 'KXTEST',
            title: 'T',
            fee_type: 'quadratic_with_combo_maker_fees',
            fee_multiplier: 1,
          },
        },
      },
      { json: { series: { ticker: 'KXTEST', fee_type: 'quadratic', fee_multiplier: 0.25 } } },
    );
    expect(await client.getSeries('KXTEST')).toEqual({
      ticker: 'KXTEST',
      title: 'T',
      fees: { type: 'quadratic_with_combo_maker_fees', multiplierPpm: 1_000_000 },
    });
    expect(await client.getSeriesFees('KXTEST')).toEqual({ type: 'quadratic', multiplierPpm: 250_000 });
  });

  it('reads the exchange status, unauthenticated', async () => {
    const client = new KalshiClient({ baseUrl: server.baseUrl });
    server.reply('GET', '/exchange/status', {
      json: {
        exchange_active: true,
        trading_active: false,
        exchange_estimated_resume_time: '2026-07-06T12:00:00Z',
      },
    });
    expect(await client.getExchangeStatus()).toEqual({
      exchangeActive: true,
      tradingActive: false,
      estimatedResumeTime: '2026-07-06T12:00:00Z',
    });
  });
});

describe('signing public market data (signPublicReads)', () => {
  it('signs everything by default', async () => {
    const { client } = harness(server);
    server.reply('GET', '/markets/KXTEST-26JUL06-T50', { json: { market: wireMarket() } });
    await client.getMarket('KXTEST-26JUL06-T50');
    expect(server.requests[0]!.headers['kalshi-access-signature']).toBeTruthy();
  });

  it('auto: public reads go unsigned, and an endpoint refused unsigned is signed from then on', async () => {
    const { client, logs } = harness(server, { signPublicReads: 'auto' });
    server.reply('GET', '/markets/KXTEST-26JUL06-T50', { json: { market: wireMarket() } });
    await client.getMarket('KXTEST-26JUL06-T50');
    expect(server.requests[0]!.headers['kalshi-access-signature']).toBeUndefined();

    const book = { orderbook_fp: { yes_dollars: [['0.4800', '10.00']], no_dollars: [['0.5000', '5.00']] } };
    server.reply(
      'GET',
      '/markets/KXTEST-26JUL06-T50/orderbook',
      { status: 401, json: { error: { code: 'authentication_error', message: 'unauthorized' } } },
      { json: book },
      { json: book },
    );
    const first = await client.getOrderBook('KXTEST-26JUL06-T50');
    expect(first.yes).toEqual([{ price: 480_000, count: 1000 }]);
    await client.getOrderBook('KXTEST-26JUL06-T50');
    const bookRequests = server.requestsTo('GET', '/markets/KXTEST-26JUL06-T50/orderbook');
    expect(bookRequests.map((r) => r.headers['kalshi-access-signature'] !== undefined)).toEqual([
      false,
      true,
      true,
    ]);
    expect(logs.lines().some((line) => String(line['msg']).includes('signing it from now on'))).toBe(true);

    // Private endpoints are always signed.
    server.reply('GET', '/communications/id', { json: { communications_id: 'abc' } });
    await client.getCommunicationsId();
    expect(
      server.requestsTo('GET', '/communications/id')[0]!.headers['kalshi-access-signature'],
    ).toBeTruthy();
  });
});
