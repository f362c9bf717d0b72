import { describe, expect, it } from 'vitest';
import { isOnGrid } from '../../../src/domain/grid.js';
import { parseCount, parseDollars } from '../../../src/domain/money.js';
import { ManualClock } from '../../../src/simulator/index.js';
import { type SimTestUser, sdkError, startTestSimulator } from '../../helpers/simulator.js';

const DP4 = /^\d+\.\d{4}$/;
const FP2 = /^-?\d+\.\d{2}$/;

describe('simulator market data through the official SDK', () => {
  it('lists markets, events and series; a world of ≥ 5 events and ≥ 20 markets with sub-cent and HV markets', async () => {
    const t = await startTestSimulator({ userCount: 1 });
    const u = t.users[0] as SimTestUser;
    const markets = (await u.markets.getMarkets(1000)).data;
    expect(markets.markets.length).toBeGreaterThanOrEqual(20);
    expect(markets.cursor).toBe('');
    const events = (await u.events.getEvents()).data.events;
    expect(events.length).toBeGreaterThanOrEqual(5);
    const structures = new Set(markets.markets.map((m) => m.price_level_structure));
    expect(structures).toEqual(
      new Set(['linear_cent', 'deci_cent', 'tapered_deci_cent', 'center_deci_edge_centi_cent']),
    );
    const tapered = markets.markets.find((m) => m.price_level_structure === 'tapered_deci_cent');
    expect(tapered?.price_ranges).toEqual([
      { start: '0.0000', end: '0.1000', step: '0.0010' },
      { start: '0.1000', end: '0.9000', step: '0.0100' },
      { start: '0.9000', end: '1.0000', step: '0.0010' },
    ]);
    const combos = (
      await u.markets.getMarkets(
        1000,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        'only',
      )
    ).data.markets;
    expect(combos.length).toBeGreaterThan(0);
    expect(combos[0]?.mve_selected_legs?.length).toBeGreaterThanOrEqual(2);
    expect(combos[0]?.ticker.startsWith('KXMVE')).toBe(true);
    const admin = (
      await t.admin<{ markets: { high_volatility: boolean; ticker: string }[] }>('GET', '/_sim/markets')
    ).body.markets;
    expect(admin.filter((m) => m.high_volatility && !m.ticker.startsWith('KXMVE')).length).toBeGreaterThan(0);
    for (const m of markets.markets) {
      expect(m.yes_bid_dollars).toMatch(DP4);
      expect(m.volume_fp).toMatch(FP2);
      expect(parseDollars(m.yes_bid_dollars)).toBeLessThan(parseDollars(m.yes_ask_dollars));
      expect(m.status).toBe('active');
    }
    // paging and filters
    const page1 = (await u.markets.getMarkets(10)).data;
    const page2 = (await u.markets.getMarkets(10, page1.cursor)).data;
    expect(page1.markets).toHaveLength(10);
    expect(page2.markets[0]?.ticker).not.toBe(page1.markets[0]?.ticker);
    const byEvent = (await u.markets.getMarkets(100, undefined, 'KXCPI-26DEC')).data.markets;
    expect(byEvent.map((m) => m.ticker)).toEqual([
      'KXCPI-26DEC-T0.2',
      'KXCPI-26DEC-T0.3',
      'KXCPI-26DEC-T0.4',
      'KXCPI-26DEC-T0.5',
    ]);
    const bySeries = (await u.markets.getMarkets(100, undefined, undefined, 'KXBTCD')).data.markets;
    expect(bySeries).toHaveLength(5);
    const byTickers = (
      await u.markets.getMarkets(
        100,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        'open',
        'KXCPI-26DEC-T0.2,KXCPI-26DEC-T0.3',
      )
    ).data.markets;
    expect(byTickers).toHaveLength(2);
    expect((await sdkError(u.markets.getMarkets(1001))).status).toBe(400);
    expect((await sdkError(u.markets.getMarkets(10, 'garbage!'))).status).toBe(400);
  });

  it('serves a market, its order book on the grid, events with nested markets, series with fees, exchange status', async () => {
    const t = await startTestSimulator({ userCount: 1 });
    const u = t.users[0] as SimTestUser;
    const m = (await u.markets.getMarket('KXHIGHNY-26DEC31-B30.5')).data.market;
    expect(m).toMatchObject({
      ticker: 'KXHIGHNY-26DEC31-B30.5',
      event_ticker: 'KXHIGHNY-26DEC31',
      market_type: 'binary',
      notional_value_dollars: '1.0000',
    });
    expect((await sdkError(u.markets.getMarket('NOPE'))).status).toBe(404);
    const book = (await u.markets.getMarketOrderbook('KXHIGHNY-26DEC31-B30.5')).data.orderbook_fp;
    const grid = [
      { start: 0, end: 100_000, step: 1_000 },
      { start: 100_000, end: 900_000, step: 10_000 },
      { start: 900_000, end: 1_000_000, step: 1_000 },
    ];
    for (const side of [book.yes_dollars, book.no_dollars]) {
      expect(side.length).toBeGreaterThan(0);
      const prices = side.map(([p]) => parseDollars(p));
      expect([...prices].sort((a, b) => a - b)).toEqual(prices); // ascending, best last
      for (const [p, c] of side) {
        expect(isOnGrid(parseDollars(p), grid)).toBe(true);
        expect(parseCount(c)).toBeGreaterThan(0);
      }
    }
    expect(parseDollars(m.yes_bid_dollars)).toBe(parseDollars(book.yes_dollars.at(-1)?.[0] ?? '0'));
    const depth1 = (await u.markets.getMarketOrderbook('KXHIGHNY-26DEC31-B30.5', 1)).data.orderbook_fp;
    expect(depth1.yes_dollars).toEqual([book.yes_dollars.at(-1)]);
    const many = (await u.markets.getMarketOrderbooks(['KXCPI-26DEC-T0.2', 'KXCPI-26DEC-T0.3'])).data;
    expect(many.orderbooks.map((o) => o.ticker)).toEqual(['KXCPI-26DEC-T0.2', 'KXCPI-26DEC-T0.3']);
    const ev = (await u.events.getEvent('KXINX-26DEC31H1600', true)).data;
    expect(ev.event).toMatchObject({
      event_ticker: 'KXINX-26DEC31H1600',
      series_ticker: 'KXINX',
      mutually_exclusive: true,
      fee_type_override: 'quadratic_with_maker_fees',
      fee_multiplier_override: 0.5,
    });
    expect(ev.event.markets).toHaveLength(4);
    expect((await sdkError(u.events.getEvent('NOPE'))).status).toBe(404);
    const series = (await u.markets.getSeries('KXBTCD')).data.series;
    expect(series).toMatchObject({
      ticker: 'KXBTCD',
      fee_type: 'quadratic_with_maker_fees',
      fee_multiplier: 1,
    });
    const combo = (await u.markets.getSeries('KXMVECROSSCATEGORY')).data.series;
    expect(combo.fee_type).toBe('quadratic_with_combo_maker_fees');
    expect((await u.markets.getSeriesList()).data.series.length).toBeGreaterThanOrEqual(7);
    expect((await u.exchange.getExchangeStatus()).data).toMatchObject({
      exchange_active: true,
      trading_active: true,
    });
  });

  it('moves fair values by a random walk and keeps books on the grid', async () => {
    const clock = new ManualClock(Date.now());
    const t = await startTestSimulator({ userCount: 1, clock, walkIntervalMs: 1000 });
    const fair = async () =>
      (await t.admin<{ markets: { ticker: string; fair_dollars: string }[] }>('GET', '/_sim/markets')).body
        .markets;
    const before = await fair();
    clock.advance(60_000);
    const after = await fair();
    const moved = before.filter((m, i) => m.fair_dollars !== after[i]?.fair_dollars);
    expect(moved.length).toBeGreaterThan(before.length / 2);
    const u = t.users[0] as SimTestUser;
    const m = (await u.markets.getMarket('KXBTCD-26DEC3117-T100000')).data.market;
    expect(isOnGrid(parseDollars(m.yes_bid_dollars), [{ start: 0, end: 1_000_000, step: 1_000 }])).toBe(true);
  });
});

describe('simulator portfolio and account endpoints', () => {
  it('a fresh user has $10,000, no positions, no fills', async () => {
    const t = await startTestSimulator({ userCount: 1 });
    const u = t.users[0] as SimTestUser;
    expect((await u.communications.getCommunicationsID()).data).toEqual({
      communications_id: u.communicationsId,
    });
    expect((await u.portfolio.getBalance()).data).toMatchObject({
      balance: 1_000_000,
      balance_dollars: '10000.0000',
      portfolio_value: 0,
    });
    expect((await u.portfolio.getPositions()).data).toMatchObject({
      market_positions: [],
      event_positions: [],
      cursor: '',
    });
    expect((await u.portfolio.getFills()).data).toMatchObject({ fills: [], cursor: '' });
    expect((await sdkError(u.portfolio.getPositions(undefined, undefined, 'bogus'))).status).toBe(400);
  });

  it('pages positions and fills, filters by count_filter, event and time', async () => {
    const clock = new ManualClock(Date.now());
    const t = await startTestSimulator({
      clock,
      rateLimits: { read: { refillRate: 1e6, capacity: 1e6 }, write: { refillRate: 1e6, capacity: 1e6 } },
    });
    const [requester, maker] = t.users as [SimTestUser, SimTestUser];
    const tickers = ['KXCPI-26DEC-T0.2', 'KXCPI-26DEC-T0.3', 'KXCPI-26DEC-T0.4', 'KXFEDDECISION-26DEC-H0'];
    for (const ticker of tickers) {
      const rfqId = (
        await requester.communications.createRFQ({
          market_ticker: ticker,
          rest_remainder: false,
          contracts: 2,
        })
      ).data.id;
      const q = (
        await maker.communications.createQuote({
          rfq_id: rfqId,
          yes_bid: '0.10',
          no_bid: '0.10',
          rest_remainder: false,
        })
      ).data.id;
      await requester.communications.acceptRFQQuote(rfqId, q, { accepted_side: 'yes' });
      await maker.communications.confirmRFQQuote(rfqId, q);
      clock.advance(15_000);
    }
    const p1 = (await maker.portfolio.getPositions(undefined, 3, 'position')).data;
    expect(p1.market_positions).toHaveLength(3);
    const p2 = (await maker.portfolio.getPositions(p1.cursor, 3, 'position')).data;
    expect(p2.market_positions).toHaveLength(1);
    expect(p2.cursor).toBe('');
    const cpi = (
      await maker.portfolio.getPositions(undefined, undefined, undefined, undefined, 'KXCPI-26DEC')
    ).data;
    expect(cpi.market_positions).toHaveLength(3);
    expect(cpi.event_positions).toEqual([
      {
        event_ticker: 'KXCPI-26DEC',
        total_cost_dollars: '0.600000',
        total_cost_shares_fp: '6.00',
        event_exposure_dollars: '0.600000',
        realized_pnl_dollars: '0.000000',
        fees_paid_dollars: expect.any(String),
      },
    ]);
    const f1 = (await maker.portfolio.getFills(undefined, undefined, undefined, undefined, 2)).data;
    const f2 = (await maker.portfolio.getFills(undefined, undefined, undefined, undefined, 2, f1.cursor))
      .data;
    expect(f1.fills.map((f) => f.ticker)).toEqual(['KXFEDDECISION-26DEC-H0', 'KXCPI-26DEC-T0.4']); // newest first
    expect(f2.fills.map((f) => f.ticker)).toEqual(['KXCPI-26DEC-T0.3', 'KXCPI-26DEC-T0.2']);
    expect(f2.cursor).toBe('');
    const future = Math.floor(clock.now() / 1000) + 3600;
    expect((await maker.portfolio.getFills(undefined, undefined, future)).data.fills).toHaveLength(0);
    expect((await maker.portfolio.getBalance()).data.portfolio_value).toBeGreaterThan(0);
  });
});

describe('simulator block-trade proposals', () => {
  it('propose, list, accept: executes when both sides accepted', async () => {
    const t = await startTestSimulator({ userCount: 3 });
    const [buyer, seller, other] = t.users as [SimTestUser, SimTestUser, SimTestUser];
    const expiration = new Date(Date.now() + 60_000).toISOString();
    const body = {
      buyer_user_id: buyer.userId,
      seller_user_id: seller.userId,
      market_ticker: 'KXCPI-26DEC-T0.2',
      price_centi_cents: 6500,
      centicount: 500,
      maker_side: 'yes' as const,
      expiration_ts: expiration,
    };
    expect((await sdkError(other.communications.proposeBlockTrade(body))).status).toBe(403);
    const id = (await buyer.communications.proposeBlockTrade(body)).data.block_trade_proposal_id;
    const listed = (await seller.communications.getBlockTradeProposals()).data.block_trade_proposals;
    expect(listed[0]).toMatchObject({
      id,
      status: 'pending',
      buyer_accepted: true,
      seller_accepted: false,
      buyer_user_id: '',
      seller_user_id: seller.userId,
      centicount: 500,
      price_centi_cents: 6500,
    });
    expect((await seller.communications.acceptBlockTradeProposal(id, {})).status).toBe(204);
    const done = (await buyer.communications.getBlockTradeProposals(undefined, 'KXCPI-26DEC-T0.2')).data
      .block_trade_proposals[0];
    expect(done?.status).toBe('executed');
    expect(done?.buyer_order_id).toBeTruthy();
    expect((await buyer.portfolio.getPositions()).data.market_positions[0]?.position_fp).toBe('5.00');
    expect((await seller.portfolio.getPositions()).data.market_positions[0]?.position_fp).toBe('-5.00');
    expect((await buyer.portfolio.getBalance()).data.balance_dollars).toBe('9996.7500');
    expect((await seller.portfolio.getBalance()).data.balance_dollars).toBe('9998.2500');
    expect((await other.communications.getBlockTradeProposals()).data.block_trade_proposals).toEqual([]);
    expect((await sdkError(other.communications.acceptBlockTradeProposal(id, {}))).status).toBe(404);
  });
});
