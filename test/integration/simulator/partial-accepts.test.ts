import { describe, expect, it } from 'vitest';
import { connectWs, type WsClient } from '../../helpers/simulator.js';
import { fillsOf, orderOf, rfqAndQuote, truthSimulator } from '../../helpers/truth.js';

const CPI = 'KXCPI-26DEC-T0.3'; // fair 0.48, standard timing

const msg = (m: Record<string, unknown>): Record<string, unknown> => m['msg'] as Record<string, unknown>;

async function subscribed(ws: WsClient): Promise<void> {
  ws.send({ id: 1, cmd: 'subscribe', params: { channels: ['communications'] } });
  await ws.next((m) => m['type'] === 'subscribed');
}

describe('simulator partial accepts (issue 14)', () => {
  it('an accept below the offered size: contracts_accepted_fp on the push and the quote; fills of that size', async () => {
    const s = await truthSimulator({ bookExecution: true });
    const { t, clock, requester, maker } = s;
    const ws = await connectWs(t.sim, maker.key);
    await subscribed(ws);
    const { rfqId, quoteId } = await rfqAndQuote(s, {
      ticker: CPI,
      contracts: 10,
      yesBid: '0.40',
      noBid: '0.45',
    });
    const accepted = await t.admin('POST', `/_sim/quotes/${quoteId}/accept`, {
      accepted_side: 'no',
      contracts: 3.5,
    });
    expect(accepted).toMatchObject({ status: 200, body: { accepted_side: 'no' } });
    const push = await ws.next((m) => m['type'] === 'quote_accepted');
    expect(msg(push)).toMatchObject({
      quote_id: quoteId,
      accepted_side: 'no',
      contracts_accepted_fp: '3.50',
      no_contracts_offered_fp: '10.00',
    });
    const quote = (await maker.communications.getRFQQuote(rfqId, quoteId)).data.quote;
    expect(quote).toMatchObject({ status: 'accepted', accepted_side: 'no', contracts_accepted_fp: '3.50' });
    await maker.communications.confirmRFQQuote(rfqId, quoteId, {});
    clock.advance(15_000);
    expect((await fillsOf(maker, CPI)).map((f) => [f.count_fp, f.outcome_side, f.no_price_dollars])).toEqual([
      ['3.50', 'no', '0.450000'],
    ]);
    expect((await fillsOf(requester, CPI)).map((f) => [f.count_fp, f.outcome_side])).toEqual([
      ['3.50', 'yes'],
    ]);
    // rest_remainder false: the maker's leg is the accepted size, nothing rests
    const executed = (await maker.communications.getRFQQuote(rfqId, quoteId)).data.quote;
    expect(executed).toMatchObject({ status: 'executed', contracts_accepted_fp: '3.50' });
    const order = await orderOf(maker, executed.creator_order_id ?? '');
    expect(order).toMatchObject({ status: 'executed', initial_count_fp: '3.50', fill_count_fp: '3.50' });
    expect((await t.admin<Record<string, number>>('GET', '/_sim/stats')).body['partialAccepts']).toBe(1);
  });

  it('target-cost RFQs: a partial accept carries contracts_accepted_fp, a full one does not (as observed)', async () => {
    const s = await truthSimulator();
    const { t, requester, maker } = s;
    const ws = await connectWs(t.sim, maker.key);
    await subscribed(ws);
    const seen: string[] = [];
    for (const [ticker, contracts] of [
      [CPI, 2],
      ['KXCPI-26DEC-T0.4', undefined],
    ] as const) {
      const rfqId = (
        await requester.communications.createRFQ({
          market_ticker: ticker,
          rest_remainder: false,
          target_cost_dollars: '10.00',
        })
      ).data.id;
      const quoteId = (
        await maker.communications.createQuote({
          rfq_id: rfqId,
          yes_bid: '0.30',
          no_bid: '0.30',
          rest_remainder: false,
        })
      ).data.id;
      await t.admin('POST', `/_sim/quotes/${quoteId}/accept`, {
        accepted_side: 'yes',
        ...(contracts === undefined ? {} : { contracts }),
      });
      const push = await ws.next((m) => m['type'] === 'quote_accepted' && msg(m)['quote_id'] === quoteId);
      seen.push(String(msg(push)['contracts_accepted_fp']));
    }
    expect(seen).toEqual(['2.00', 'undefined']);
  });

  it('refuses an accept for more than offered or for nothing', async () => {
    const s = await truthSimulator();
    const { quoteId } = await rfqAndQuote(s, { ticker: CPI, contracts: 5, yesBid: '0.40', noBid: '0.40' });
    for (const contracts of [5.01, 0, -1]) {
      const res = await s.t.admin('POST', `/_sim/quotes/${quoteId}/accept`, {
        accepted_side: 'yes',
        contracts,
      });
      expect(res.status).toBe(400);
    }
    expect(
      (await s.t.admin('POST', `/_sim/quotes/${quoteId}/accept`, { accepted_side: 'yes', contracts: 5 }))
        .status,
    ).toBe(200);
  });

  it('synthetic takers accept part of the offered size at partialAcceptShare', async () => {
    const s = await truthSimulator({ partialAcceptShare: 1 });
    const { t, clock, maker } = s;
    const ws = await connectWs(t.sim, maker.key);
    await subscribed(ws);
    const created = await t.admin<{ id: string }>('POST', '/_sim/rfqs', {
      market_ticker: CPI,
      contracts: 100,
      auto: true,
    });
    const rfqId = created.body.id;
    // a quote no taker can refuse: it buys YES from them far above the fair value
    await maker.communications.createQuote({
      rfq_id: rfqId,
      yes_bid: '0.70',
      no_bid: '0.01',
      rest_remainder: false,
    });
    clock.advance(7_000);
    const push = await ws.next((m) => m['type'] === 'quote_accepted');
    const accepted = Number(msg(push)['contracts_accepted_fp']);
    expect(msg(push)['accepted_side']).toBe('yes');
    expect(accepted).toBeGreaterThanOrEqual(25);
    expect(accepted).toBeLessThanOrEqual(90);
    expect(Number.isInteger(accepted)).toBe(true);
  });
});
