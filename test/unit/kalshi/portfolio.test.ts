import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';
import { collect, harness, QUOTE_ID, RFQ_ID } from './fixtures.js';

let server: TestServer;
beforeEach(async () => {
  server = await startTestServer();
});
afterEach(async () => {
  await server.close();
});

const marketPosition = (ticker: string, position: string) => ({
  ticker,
  position_fp: position,
  market_exposure_dollars: '4.8000',
  realized_pnl_dollars: '-0.1200',
  fees_paid_dollars: '0.0175',
  total_traded_dollars: '9.6000',
  last_updated_ts: '2026-07-06T01:55:01Z',
});

const fill = (id: string, over: Record<string, unknown> = {}) => ({
  fill_id: id,
  trade_id: id,
  order_id: 'ord-1',
  ticker: 'KXT',
  outcome_side: 'yes',
  book_side: 'bid',
  count_fp: '1.00',
  yes_price_dollars: '0.480000',
  no_price_dollars: '0.520000',
  is_taker: false,
  fee_cost: '0.0000',
  created_time: '2026-07-06T01:55:20.123456Z',
  ...over,
});

describe('portfolio', () => {
  it('reads the balance, preferring the dollar string over cents', async () => {
    const { client } = harness(server);
    server.reply(
      'GET',
      '/portfolio/balance',
      {
        json: {
          balance: 100000,
          balance_dollars: '1000.1234',
          portfolio_value: 2550,
          updated_ts: 1_751_766_901,
        },
      },
      { json: { balance: 12345, portfolio_value: 0, updated_ts: 1 } },
    );
    expect(await client.getBalance({ subaccount: 1 })).toEqual({
      balance: 1_000_123_400,
      portfolioValue: 25_500_000,
      updatedAt: 1_751_766_901_000,
    });
    expect(server.requests[0]?.query).toEqual({ subaccount: '1' });
    expect((await client.getBalance()).balance).toBe(123_450_000);
  });

  it('pages market and event positions', async () => {
    const { client } = harness(server);
    server.reply(
      'GET',
      '/portfolio/positions',
      {
        json: {
          market_positions: [marketPosition('A', '10.00'), marketPosition('B', '-3.50')],
          event_positions: [
            {
              event_ticker: 'E',
              total_cost_dollars: '6.0000',
              total_cost_shares_fp: '13.50',
              event_exposure_dollars: '6.0000',
              realized_pnl_dollars: '0.0000',
              fees_paid_dollars: '0.0000',
            },
          ],
          cursor: 'next',
        },
      },
      { json: { market_positions: [marketPosition('C', '1.00')], event_positions: [], cursor: '' } },
    );
    const filter = { eventTicker: 'E', countFilter: ['position', 'total_traded'], limit: 2 } as const;
    const all = await client.allPositions(filter);
    expect(all.marketPositions.map((p) => [p.ticker, p.position])).toEqual([
      ['A', 1000],
      ['B', -350],
      ['C', 100],
    ]);
    expect(all.marketPositions[0]).toMatchObject({
      marketExposure: 4_800_000,
      realizedPnl: -120_000,
      feesPaid: 17_500,
    });
    expect(all.eventPositions).toEqual([
      {
        eventTicker: 'E',
        totalCost: 6_000_000,
        totalCostShares: 1350,
        eventExposure: 6_000_000,
        realizedPnl: 0,
        feesPaid: 0,
      },
    ]);
    const expected = { event_ticker: 'E', count_filter: 'position,total_traded', limit: '2' };
    expect(server.requests[0]?.query).toEqual(expected);
    expect(server.requests[1]?.query).toEqual({ ...expected, cursor: 'next' });
  });

  it('pages fills with filters repeated and derives a missing outcome side from side/action', async () => {
    const { client } = harness(server);
    const legacy = fill('f3', {
      outcome_side: undefined,
      side: 'no',
      action: 'sell',
      created_time: undefined,
      ts: 1_751_766_920,
    });
    server.reply(
      'GET',
      '/portfolio/fills',
      {
        json: {
          fills: [fill('f1'), fill('f2', { outcome_side: 'no', is_taker: true, fee_cost: '0.0175' })],
          cursor: 'x',
        },
      },
      { json: { fills: [legacy] } },
    );
    const got = await collect(
      client.fills({ orderId: 'ord-1', minTs: 1_751_766_000_500, maxTs: 1_751_767_000_001, limit: 2 }),
    );
    expect(got.map((f) => [f.fillId, f.outcomeSide, f.isTaker, f.fee])).toEqual([
      ['f1', 'yes', false, 0],
      ['f2', 'no', true, 17_500],
      ['f3', 'yes', false, 0],
    ]);
    expect(got[0]).toMatchObject({
      count: 100,
      yesPrice: 480_000,
      noPrice: 520_000,
      createdAt: Date.parse('2026-07-06T01:55:20.123Z'),
    });
    expect(got[2]?.createdAt).toBe(1_751_766_920_000);
    const expected = { order_id: 'ord-1', min_ts: '1751766000', max_ts: '1751767001', limit: '2' };
    expect(server.requests[0]?.query).toEqual(expected);
    expect(server.requests[1]?.query).toEqual({ ...expected, cursor: 'x' });
  });
});

describe('account', () => {
  it('reads the API limits', async () => {
    const { client } = harness(server);
    server.reply('GET', '/account/limits', {
      json: {
        usage_tier: 'basic',
        read: { refill_rate: 200, bucket_capacity: 400 },
        write: { refill_rate: 100, bucket_capacity: 100 },
        grants: [{ exchange_instance: 'event_contract', level: 'basic', source: 'volume' }],
      },
    });
    expect(await client.getApiLimits()).toEqual({
      usageTier: 'basic',
      read: { refillRate: 200, capacity: 400 },
      write: { refillRate: 100, capacity: 100 },
    });
  });

  it('reads endpoint costs and, once applied, tells the gate the live costs', async () => {
    const { client, gate } = harness(server);
    server.reply('GET', '/account/endpoint_costs', {
      json: {
        default_cost: 12,
        endpoint_costs: [
          { method: 'POST', path: '/trade-api/v2/communications/quotes', cost: 3 },
          { method: 'put', path: '/communications/rfqs/{rfq_id}/quotes/{quote_id}/confirm', cost: 7 },
          { method: 'DELETE', path: '/trade-api/v2/portfolio/orders/:order_id', cost: 2 },
        ],
      },
    });
    server.reply(
      'POST',
      '/communications/quotes',
      { status: 201, json: { id: 'q1' } },
      { status: 201, json: { id: 'q2' } },
    );
    server.reply('PUT', `/communications/rfqs/${RFQ_ID}/quotes/${QUOTE_ID}/confirm`, { status: 204 });
    server.reply('GET', '/communications/id', { json: { communications_id: 'me' } });
    server.reply('DELETE', `/communications/rfqs/${RFQ_ID}/quotes/${QUOTE_ID}`, { status: 204 });

    const quote = { rfqId: RFQ_ID, yesBid: 400_000, noBid: 400_000, restRemainder: false };
    await client.createQuote(quote);
    expect(gate.specs.at(-1)?.cost).toBe(2);

    const costs = await client.refreshEndpointCosts();
    expect(costs.defaultCost).toBe(12);
    expect(costs.costs[1]).toEqual({
      method: 'PUT',
      path: '/communications/rfqs/{rfq_id}/quotes/{quote_id}/confirm',
      cost: 7,
    });
    expect(client.costs.live).toBe(true);

    await client.createQuote(quote);
    await client.confirmQuote(RFQ_ID, QUOTE_ID, { deadline: Date.now() + 10_000 });
    await client.getCommunicationsId();
    await client.deleteQuote(RFQ_ID, QUOTE_ID);
    expect(gate.specs.slice(-4).map((s) => [s.endpoint, s.cost])).toEqual([
      ['create_quote', 3],
      ['confirm_quote', 7],
      ['get_communications_id', 12],
      // Not listed live, so the live default applies (the live list is exhaustive).
      ['delete_quote', 12],
    ]);
    expect(client.applyEndpointCosts(costs).unmatched).toEqual(['DELETE /portfolio/orders/{}']);
  });
});
