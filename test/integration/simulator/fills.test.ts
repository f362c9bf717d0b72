import { describe, expect, it } from 'vitest';
import { connectWs } from '../../helpers/simulator.js';
import { rfqAndQuote, type TruthSetup, truthSimulator } from '../../helpers/truth.js';

const CPI = 'KXCPI-26DEC-T0.3';
const OTHER = 'KXCPI-26DEC-T0.4';

const msg = (m: Record<string, unknown>): Record<string, unknown> => m['msg'] as Record<string, unknown>;

/** One full trade of `contracts` (accepted YES at 0.20 on OTHER, 0.40 on CPI); returns the two order ids. */
async function trade(
  s: TruthSetup,
  ticker: string,
  contracts: number,
): Promise<{ maker: string; requester: string }> {
  const yesBid = ticker === CPI ? '0.40' : '0.20';
  const { rfqId, quoteId } = await rfqAndQuote(s, { ticker, contracts, yesBid, noBid: '0.40' });
  await s.requester.communications.acceptRFQQuote(rfqId, quoteId, { accepted_side: 'yes' });
  await s.maker.communications.confirmRFQQuote(rfqId, quoteId, {});
  s.clock.advance(15_000);
  const mq = (await s.maker.communications.getRFQQuote(rfqId, quoteId)).data.quote;
  const rq = (await s.requester.communications.getRFQQuote(rfqId, quoteId)).data.quote;
  return { maker: mq.creator_order_id ?? '', requester: rq.rfq_creator_order_id ?? '' };
}

describe('simulator fills (GET /portfolio/fills, websocket fill and market_positions)', () => {
  it('shows every trade to both parties with the quote order ids; filters by ticker, order, time, subaccount, shard; pages', async () => {
    const s = await truthSimulator({ bookExecution: true });
    const { clock, maker, requester } = s;
    const first = await trade(s, CPI, 1);
    clock.advance(60_000);
    const middleTs = Math.floor(clock.now() / 1000);
    const second = await trade(s, OTHER, 2);
    clock.advance(60_000);
    const third = await trade(s, CPI, 3);

    const all = (await maker.portfolio.getFills()).data;
    expect(all.fills.map((f) => [f.order_id, f.count_fp, f.is_taker])).toEqual([
      [third.maker, '3.00', false],
      [second.maker, '2.00', false],
      [first.maker, '1.00', false],
    ]);
    expect(all.cursor).toBe('');
    for (const f of all.fills) {
      expect(f.trade_id).toBe(f.fill_id);
      expect(f.ticker).toBe(f.market_ticker);
      expect(f.exchange_index).toBe(0);
    }
    const theirs = (await requester.portfolio.getFills()).data.fills;
    expect(theirs.map((f) => [f.order_id, f.is_taker, f.outcome_side])).toEqual([
      [third.requester, true, 'no'],
      [second.requester, true, 'no'],
      [first.requester, true, 'no'],
    ]);

    expect((await maker.portfolio.getFills(CPI)).data.fills.map((f) => f.order_id)).toEqual([
      third.maker,
      first.maker,
    ]);
    expect(
      (await maker.portfolio.getFills(undefined, second.maker)).data.fills.map((f) => f.count_fp),
    ).toEqual(['2.00']);
    const window = await maker.portfolio.getFills(undefined, undefined, middleTs, middleTs + 30);
    expect(window.data.fills.map((f) => f.order_id)).toEqual([second.maker]);
    expect(
      (await maker.portfolio.getFills(undefined, undefined, undefined, undefined, undefined, undefined, 5))
        .data.fills,
    ).toEqual([]);
    expect(
      (
        await maker.portfolio.getFills(
          undefined,
          undefined,
          undefined,
          undefined,
          undefined,
          undefined,
          undefined,
          1,
        )
      ).data.fills,
    ).toEqual([]);

    const pages: string[] = [];
    let cursor: string | undefined;
    do {
      const page = (await maker.portfolio.getFills(undefined, undefined, undefined, undefined, 1, cursor))
        .data;
      pages.push(...page.fills.map((f) => f.order_id));
      cursor = page.cursor === '' ? undefined : page.cursor;
    } while (cursor !== undefined);
    expect(pages).toEqual([third.maker, second.maker, first.maker]);
  });

  it("pushes the user's own fills and positions, per market when asked", async () => {
    const s = await truthSimulator({ bookExecution: true });
    const { t, maker } = s;
    const ws = await connectWs(t.sim, maker.key);
    ws.send({ id: 1, cmd: 'subscribe', params: { channels: ['fill', 'communications'] } });
    ws.send({ id: 2, cmd: 'subscribe', params: { channels: ['fill'], market_tickers: [OTHER] } });
    ws.send({ id: 3, cmd: 'subscribe', params: { channels: ['market_positions'], market_ticker: CPI } });
    for (const id of [1, 1, 2, 3]) await ws.next((m) => m['type'] === 'subscribed' && m['id'] === id);
    const sidOf = (id: number, channel: string): unknown => {
      const subscribed = ws.messages.find((m) => m['id'] === id && msg(m)['channel'] === channel);
      return subscribed === undefined ? undefined : msg(subscribed)['sid'];
    };
    const allFills = sidOf(1, 'fill');
    const otherFills = sidOf(2, 'fill');
    const positions = sidOf(3, 'market_positions');

    const cpi = await trade(s, CPI, 2);
    const fill = await ws.next((m) => m['type'] === 'fill' && m['sid'] === allFills);
    const executed = await ws.next((m) => m['type'] === 'quote_executed');
    expect(msg(fill)).toMatchObject({
      order_id: cpi.maker,
      client_order_id: msg(executed)['client_order_id'],
      market_ticker: CPI,
      outcome_side: 'yes',
      count_fp: '2.00',
      yes_price_dollars: '0.400000',
      is_taker: false,
      post_position_fp: '2.00',
      exchange_index: 0,
    });
    expect(typeof msg(fill)['ts_ms']).toBe('number');
    const position = await ws.next((m) => m['type'] === 'market_position' && m['sid'] === positions);
    expect(msg(position)).toMatchObject({
      user_id: maker.userId,
      market_ticker: CPI,
      position_fp: '2.00',
      position_cost_dollars: '0.800000',
      volume_fp: '2.00',
    });

    await trade(s, OTHER, 1);
    await ws.next((m) => m['type'] === 'fill' && m['sid'] === otherFills);
    const onOther = ws.messages.filter((m) => m['sid'] === otherFills).map((m) => msg(m)['market_ticker']);
    expect(onOther).toEqual([OTHER]);
    const positionTickers = ws.messages
      .filter((m) => m['sid'] === positions)
      .map((m) => msg(m)['market_ticker']);
    expect(positionTickers).toEqual([CPI]);
  });
});
