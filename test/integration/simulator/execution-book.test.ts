import { describe, expect, it } from 'vitest';
import { connectWs, sdkError } from '../../helpers/simulator.js';
import {
  balanceOf,
  feeMicros,
  fillsOf,
  micros,
  notionalMicros,
  orderOf,
  restedRemainder,
  rfqAndQuote,
  START_MICROS,
  truthSimulator,
} from '../../helpers/truth.js';

// fair 0.48, 1¢ grid, standard timing (30 s / 15 s), maker fees 1.75%, taker 7%
const CPI = 'KXCPI-26DEC-T0.3';
// a combo: high-volatility (3 s / 1 s), combo maker fees 3.5%
const COMBO = 'KXMVECROSSCATEGORY-S2026DEC31-7A1C2E';

describe('simulator execution through the order book (issue 14)', () => {
  it('cancels a post-only leg that would cross: the quote executes, nothing fills, both orders cancelled', async () => {
    const s = await truthSimulator({ bookExecution: true });
    const { t, clock, requester, maker } = s;
    const ws = await connectWs(t.sim, maker.key);
    ws.send({ id: 1, cmd: 'subscribe', params: { channels: ['communications', 'fill'] } });
    await ws.next(
      (m) => m['type'] === 'subscribed' && (m['msg'] as Record<string, unknown>)['channel'] === 'fill',
    );
    const { rfqId, quoteId } = await rfqAndQuote(s, {
      ticker: CPI,
      contracts: 10,
      yesBid: '0.40',
      noBid: '0.40',
      postOnly: true,
    });
    // someone offers YES at 0.38 (a NO bid at 0.62) just before the execution
    expect(
      (
        await t.admin('POST', `/_sim/markets/${CPI}/liquidity`, {
          side: 'no',
          price_dollars: '0.62',
          contracts: 4,
        })
      ).status,
    ).toBe(201);
    await requester.communications.acceptRFQQuote(rfqId, quoteId, { accepted_side: 'yes' });
    await maker.communications.confirmRFQQuote(rfqId, quoteId, {});
    clock.advance(15_000);

    const quote = (await maker.communications.getRFQQuote(rfqId, quoteId)).data.quote;
    expect(quote.status).toBe('executed');
    const executed = await ws.next((m) => m['type'] === 'quote_executed');
    expect((executed['msg'] as Record<string, unknown>)['order_id']).toBe(quote.creator_order_id);
    expect(await fillsOf(maker, CPI)).toEqual([]);
    expect(await fillsOf(requester, CPI)).toEqual([]);
    expect(await orderOf(maker, quote.creator_order_id ?? '')).toMatchObject({
      status: 'canceled',
      initial_count_fp: '10.00',
      fill_count_fp: '0.00',
      remaining_count_fp: '0.00',
      yes_price_dollars: '0.4000',
      outcome_side: 'yes',
    });
    const rq = (await requester.communications.getRFQQuote(rfqId, quoteId)).data.quote;
    expect((await orderOf(requester, rq.rfq_creator_order_id ?? '')).status).toBe('canceled');
    // every hold went back
    expect(await balanceOf(maker)).toBe(START_MICROS);
    expect(await balanceOf(requester)).toBe(START_MICROS);
    expect((await t.admin<Record<string, number>>('GET', '/_sim/stats')).body).toMatchObject({
      executions: 1,
      postOnlyCancels: 1,
    });

    // no fill message went out for it: the maker's first fill message is the next trade's
    const next = await rfqAndQuote(s, {
      ticker: 'KXCPI-26DEC-T0.4',
      contracts: 1,
      yesBid: '0.20',
      noBid: '0.60',
    });
    await requester.communications.acceptRFQQuote(next.rfqId, next.quoteId, { accepted_side: 'yes' });
    await maker.communications.confirmRFQQuote(next.rfqId, next.quoteId, {});
    clock.advance(15_000);
    const fill = await ws.next((m) => m['type'] === 'fill');
    expect((fill['msg'] as Record<string, unknown>)['market_ticker']).toBe('KXCPI-26DEC-T0.4');
  });

  it('lets a leg without post-only take the crossing order as taker; the rest trades with the requester at the quote price', async () => {
    const s = await truthSimulator({ bookExecution: true });
    const { t, clock, requester, maker } = s;
    const { rfqId, quoteId } = await rfqAndQuote(s, {
      ticker: CPI,
      contracts: 10,
      yesBid: '0.40',
      noBid: '0.40',
    });
    await t.admin('POST', `/_sim/markets/${CPI}/liquidity`, {
      side: 'no',
      price_dollars: '0.62',
      contracts: 4,
    });
    await requester.communications.acceptRFQQuote(rfqId, quoteId, { accepted_side: 'yes' });
    await maker.communications.confirmRFQQuote(rfqId, quoteId, {});
    clock.advance(15_000);

    const mq = (await maker.communications.getRFQQuote(rfqId, quoteId)).data.quote;
    const rq = (await requester.communications.getRFQQuote(rfqId, quoteId)).data.quote;
    const makerFills = await fillsOf(maker, CPI);
    // newest first: the cross with the requester came after the taking
    const makerFee = feeMicros(175, 400_000, 600);
    const takerFee = feeMicros(700, 380_000, 400);
    expect(
      makerFills.map((f) => [f.count_fp, f.yes_price_dollars, f.is_taker, micros(f.fee_cost), f.order_id]),
    ).toEqual([
      ['6.00', '0.400000', false, makerFee, mq.creator_order_id],
      ['4.00', '0.380000', true, takerFee, mq.creator_order_id],
    ]);
    const requesterFills = await fillsOf(requester, CPI);
    expect(requesterFills).toHaveLength(1);
    expect(requesterFills[0]).toMatchObject({
      count_fp: '6.00',
      outcome_side: 'no',
      no_price_dollars: '0.600000',
      is_taker: true,
      order_id: rq.rfq_creator_order_id,
    });
    // the requester's leg got 6 of 10; rest_remainder false: the rest is cancelled
    expect(await orderOf(requester, rq.rfq_creator_order_id ?? '')).toMatchObject({
      status: 'canceled',
      fill_count_fp: '6.00',
      taker_fill_cost_dollars: '3.600000',
    });
    expect(await orderOf(maker, mq.creator_order_id ?? '')).toMatchObject({
      status: 'executed',
      fill_count_fp: '10.00',
      taker_fill_cost_dollars: '1.520000',
      maker_fill_cost_dollars: '2.400000',
    });
    const makerCost = notionalMicros(380_000, 400) + takerFee + notionalMicros(400_000, 600) + makerFee;
    expect(await balanceOf(maker)).toBe(START_MICROS - makerCost);
    const requesterCost = notionalMicros(600_000, 600) + feeMicros(700, 600_000, 600);
    expect(await balanceOf(requester)).toBe(START_MICROS - requesterCost);
    const positions = (await maker.portfolio.getPositions(undefined, undefined, undefined, CPI)).data;
    expect(positions.market_positions[0]?.position_fp).toBe('10.00');
  });

  it('swaps fees on a combo when the quoter meets an order resting under 5 s; not when it is older', async () => {
    for (const [ageMs, quoterRate, counterRate] of [
      [0, 350, 700],
      [6_000, 700, 350],
    ] as const) {
      const s = await truthSimulator({ bookExecution: true });
      const { t, clock, requester, maker } = s;
      await t.admin('PUT', `/_sim/markets/${COMBO}`, { fair_dollars: '0.300' });
      const { rfqId, quoteId } = await rfqAndQuote(s, {
        ticker: COMBO,
        contracts: 5,
        yesBid: '0.200',
        noBid: '0.600',
      });
      await t.admin('POST', `/_sim/markets/${COMBO}/liquidity`, {
        side: 'no',
        price_dollars: '0.850',
        contracts: 3,
      });
      clock.advance(ageMs);
      await requester.communications.acceptRFQQuote(rfqId, quoteId, { accepted_side: 'yes' });
      await maker.communications.confirmRFQQuote(rfqId, quoteId, {});
      clock.advance(1_000);
      const taken = (await fillsOf(maker, COMBO)).find((f) => f.is_taker);
      expect(taken).toMatchObject({ count_fp: '3.00', yes_price_dollars: '0.150000' });
      // the quoter pays the maker rate (3.5%) on a young order, the taker rate (7%) otherwise
      expect(micros(taken?.fee_cost ?? '')).toBe(feeMicros(quoterRate, 150_000, 300));
      const liquidity = (
        await t.admin<{ fills: { fee_cost: string }[] }>('GET', '/_sim/users/liquidity/fills')
      ).body;
      expect(micros(liquidity.fills.at(-1)?.fee_cost ?? '')).toBe(feeMicros(counterRate, 850_000, 300));
      const stats = (await t.admin<Record<string, number>>('GET', '/_sim/stats')).body;
      expect(stats['feeSwaps']).toBe(ageMs === 0 ? 1 : 0);
    }
  });

  it('rests the rest of a partially accepted leg with rest_remainder: an order the maker lists and cancels (V2)', async () => {
    const s = await truthSimulator({ bookExecution: true });
    const { maker } = s;
    const { orderId } = await restedRemainder(
      s,
      { ticker: CPI, contracts: 10, yesBid: '0.40', noBid: '0.40', postOnly: true },
      { side: 'yes', contracts: 4 },
    );
    expect(await orderOf(maker, orderId)).toMatchObject({
      status: 'resting',
      initial_count_fp: '10.00',
      fill_count_fp: '4.00',
      remaining_count_fp: '6.00',
    });
    const resting = (await maker.orders.getOrders(CPI, undefined, undefined, undefined, 'resting')).data
      .orders;
    expect(resting.map((o) => o.order_id)).toEqual([orderId]);
    const book = (await maker.markets.getMarketOrderbook(CPI)).data.orderbook_fp;
    expect(book.yes_dollars).toContainEqual(['0.4000', '6.00']);
    // the resting remainder holds its cost and maker fee
    const filled = notionalMicros(400_000, 400) + feeMicros(175, 400_000, 400);
    const held = notionalMicros(400_000, 600) + feeMicros(175, 400_000, 600);
    expect(await balanceOf(maker)).toBe(START_MICROS - filled - held);

    const cancelled = (await maker.orders.cancelOrderV2(orderId)).data;
    expect(cancelled).toMatchObject({ order_id: orderId, reduced_by: '6.00' });
    expect(typeof cancelled.ts_ms).toBe('number');
    expect((await orderOf(maker, orderId)).status).toBe('canceled');
    expect(await balanceOf(maker)).toBe(START_MICROS - filled);
    expect((await maker.markets.getMarketOrderbook(CPI)).data.orderbook_fp.yes_dollars).not.toContainEqual([
      '0.4000',
      '6.00',
    ]);
    expect((await sdkError(maker.orders.cancelOrderV2(orderId))).status).toBe(404);
    // the legacy mutation path is gone (changelog 2026-06-18)
    const legacy = await maker.request({ method: 'DELETE', path: `/portfolio/orders/${orderId}` });
    expect(legacy.status).toBe(400);
    expect(legacy.body).toEqual({
      error: { code: 'deprecated_endpoint', message: 'Please switch to the V2 endpoints' },
    });
  });

  it('fills a resting order as maker when the market moves through it', async () => {
    const s = await truthSimulator({ bookExecution: true });
    const { t, maker } = s;
    const ws = await connectWs(t.sim, maker.key);
    ws.send({ id: 1, cmd: 'subscribe', params: { channels: ['fill', 'market_positions'] } });
    await ws.next(
      (m) =>
        m['type'] === 'subscribed' && (m['msg'] as Record<string, unknown>)['channel'] === 'market_positions',
    );
    const { orderId } = await restedRemainder(
      s,
      { ticker: CPI, contracts: 10, yesBid: '0.40', noBid: '0.40' },
      { side: 'yes', contracts: 4 },
    );
    // YES falls to 0.30: the synthetic NO bids (≥ 0.67) now cross our YES bid at 0.40
    await t.admin('PUT', `/_sim/markets/${CPI}`, { fair_dollars: '0.30' });
    expect(await orderOf(maker, orderId)).toMatchObject({
      status: 'executed',
      fill_count_fp: '10.00',
      maker_fill_cost_dollars: '4.000000',
    });
    const fills = await fillsOf(maker, CPI);
    expect(
      fills.every((f) => !f.is_taker && f.yes_price_dollars === '0.400000' && f.order_id === orderId),
    ).toBe(true);
    expect(fills.reduce((sum, f) => sum + micros(f.count_fp), 0)).toBe(10_000_000);
    const positionMsg = await ws.next(
      (m) =>
        m['type'] === 'market_position' && (m['msg'] as Record<string, unknown>)['position_fp'] === '10.00',
    );
    expect(positionMsg['msg']).toMatchObject({ market_ticker: CPI, exchange_index: 0 });
    // the hold was spent exactly: cost and maker fee of 10 at 0.40, in two or more fills
    const fees = fills.reduce((sum, f) => sum + micros(f.fee_cost), 0);
    expect(await balanceOf(maker)).toBe(START_MICROS - notionalMicros(400_000, 1_000) - fees);
  });

  it("prevents self-trades: a new leg crossing the same user's resting order cancels that order (STP maker)", async () => {
    const s = await truthSimulator({ bookExecution: true });
    const { t, clock, requester, maker } = s;
    // fair 0.80: synthetic YES bids ≤ 0.79, NO bids ≤ 0.19
    await t.admin('PUT', `/_sim/markets/${CPI}`, { fair_dollars: '0.80' });
    const { orderId: restingId } = await restedRemainder(
      s,
      { ticker: CPI, contracts: 10, yesBid: '0.05', noBid: '0.20' },
      { side: 'no', contracts: 4 },
    );
    expect((await orderOf(maker, restingId)).status).toBe('resting');
    // our post-only YES at 0.80 crosses only our own NO at 0.20
    const second = await rfqAndQuote(s, {
      ticker: CPI,
      contracts: 5,
      yesBid: '0.80',
      noBid: '0.05',
      postOnly: true,
    });
    await requester.communications.acceptRFQQuote(second.rfqId, second.quoteId, { accepted_side: 'yes' });
    await maker.communications.confirmRFQQuote(second.rfqId, second.quoteId, {});
    clock.advance(15_000);
    expect(await orderOf(maker, restingId)).toMatchObject({ status: 'canceled', fill_count_fp: '4.00' });
    expect((await fillsOf(maker, CPI))[0]).toMatchObject({
      count_fp: '5.00',
      yes_price_dollars: '0.800000',
      is_taker: false,
    });
    expect((await t.admin<Record<string, number>>('GET', '/_sim/stats')).body['postOnlyCancels']).toBe(0);
  });

  it('rate-limits writes after repeated post-only crosses, then lets them through again', async () => {
    const s = await truthSimulator({
      bookExecution: true,
      crossChance: 1,
      crossLimit: 2,
      crossWindowMs: 60_000,
      crossPenaltyMs: 10_000,
    });
    const { t, clock, requester, maker } = s;
    for (const ticker of [CPI, 'KXCPI-26DEC-T0.4']) {
      const { rfqId, quoteId } = await rfqAndQuote(s, {
        ticker,
        contracts: 2,
        yesBid: '0.20',
        noBid: '0.20',
        postOnly: true,
      });
      await requester.communications.acceptRFQQuote(rfqId, quoteId, { accepted_side: 'yes' });
      await maker.communications.confirmRFQQuote(rfqId, quoteId, {});
      clock.advance(15_000);
    }
    const stats = (await t.admin<Record<string, number>>('GET', '/_sim/stats')).body;
    expect(stats).toMatchObject({ postOnlyCancels: 2, sweeps: 2, crossPenalties: 1 });
    const rfqId = (
      await requester.communications.createRFQ({
        market_ticker: 'KXCPI-26DEC-T0.5',
        rest_remainder: false,
        contracts: 1,
      })
    ).data.id;
    const refused = await sdkError(
      maker.communications.createQuote({
        rfq_id: rfqId,
        yes_bid: '0.05',
        no_bid: '0.05',
        rest_remainder: false,
      }),
    );
    expect(refused.status).toBe(429);
    expect(refused.data).toEqual({ error: 'too many requests' });
    expect((await maker.communications.getRFQ(rfqId)).status).toBe(200); // reads still pass
    clock.advance(10_000);
    expect(
      (
        await maker.communications.createQuote({
          rfq_id: rfqId,
          yes_bid: '0.05',
          no_bid: '0.05',
          rest_remainder: false,
        })
      ).status,
    ).toBe(201);
  });

  it('a post-only cross storm (fault) cancels every post-only leg while it lasts', async () => {
    const s = await truthSimulator({ bookExecution: true });
    const { t, clock, requester, maker } = s;
    expect((await t.admin('PUT', '/_sim/faults', { spec: 'postOnlyCrossStorm=60000' })).status).toBe(200);
    const { rfqId, quoteId } = await rfqAndQuote(s, {
      ticker: CPI,
      contracts: 3,
      yesBid: '0.30',
      noBid: '0.30',
      postOnly: true,
    });
    await requester.communications.acceptRFQQuote(rfqId, quoteId, { accepted_side: 'no' });
    await maker.communications.confirmRFQQuote(rfqId, quoteId, {});
    clock.advance(15_000);
    expect(await fillsOf(maker, CPI)).toEqual([]);
    expect((await t.admin<Record<string, number>>('GET', '/_sim/stats')).body).toMatchObject({
      postOnlyCancels: 1,
    });
  });

  it('with book execution off (TRUTH_OFF) the same crossing quote fills in full at the quote price', async () => {
    const s = await truthSimulator({ bookExecution: false });
    const { t, clock, requester, maker } = s;
    const { rfqId, quoteId } = await rfqAndQuote(s, {
      ticker: CPI,
      contracts: 10,
      yesBid: '0.40',
      noBid: '0.40',
      postOnly: true,
    });
    await t.admin('POST', `/_sim/markets/${CPI}/liquidity`, {
      side: 'no',
      price_dollars: '0.62',
      contracts: 4,
    });
    await requester.communications.acceptRFQQuote(rfqId, quoteId, { accepted_side: 'yes' });
    await maker.communications.confirmRFQQuote(rfqId, quoteId, {});
    clock.advance(15_000);
    const fills = await fillsOf(maker, CPI);
    expect(fills.map((f) => [f.count_fp, f.yes_price_dollars, f.is_taker])).toEqual([
      ['10.00', '0.400000', false],
    ]);
  });
});

describe('simulator truth admin routes', () => {
  it("reads and patches the truth settings (validated), shows the book with resting orders, lists a user's orders, cancels all", async () => {
    const s = await truthSimulator({ bookExecution: true });
    const { t, maker } = s;
    const truth = await t.admin<Record<string, unknown>>('GET', '/_sim/truth');
    expect(truth.body).toMatchObject({ book_execution: true, cross_chance: 0, flushes_per_hour: 0 });
    for (const bad of [
      { cross_chance: 2 },
      { flushes_per_hour: -1 },
      { book_execution: 'yes' },
      { nonsense: 1 },
    ]) {
      expect((await t.admin('PATCH', '/_sim/truth', bad)).status).toBe(400);
    }
    expect((await t.admin('PATCH', '/_sim/truth', { obscure_share: 0.5 })).body).toMatchObject({
      obscure_share: 0.5,
    });

    const { orderId } = await restedRemainder(
      s,
      { ticker: CPI, contracts: 10, yesBid: '0.40', noBid: '0.40' },
      { side: 'yes', contracts: 4 },
    );
    const book = await t.admin<{ resting: Record<string, unknown>[]; yes: unknown[] }>(
      'GET',
      `/_sim/markets/${CPI}/book`,
    );
    expect(book.body.resting).toEqual([
      expect.objectContaining({
        order_id: orderId,
        user_id: maker.userId,
        side: 'yes',
        price_dollars: '0.4000',
        remaining_fp: '6.00',
      }),
    ]);
    const orders = await t.admin<{ orders: { order_id: string; status: string }[] }>(
      'GET',
      `/_sim/users/${maker.userId}/orders`,
    );
    expect(orders.body.orders.map((o) => [o.order_id, o.status])).toEqual([[orderId, 'resting']]);
    expect((await maker.orders.cancelAllOrders()).status).toBe(204);
    expect((await orderOf(maker, orderId ?? '')).status).toBe('canceled');
    expect((await t.admin<{ resting: unknown[] }>('GET', `/_sim/markets/${CPI}/book`)).body.resting).toEqual(
      [],
    );
  });
});
