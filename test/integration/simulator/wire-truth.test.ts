import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectWs, sdkError } from '../../helpers/simulator.js';
import { rfqAndQuote, truthSimulator } from '../../helpers/truth.js';

const CPI = 'KXCPI-26DEC-T0.3';
const OBSCURED = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const DAY_MS = 86_400_000;

/** The field names of an interface in the installed SDK's models (the reference for names). */
function sdkFields(model: string): string[] {
  const dist = dirname(createRequire(import.meta.url).resolve('kalshi-typescript'));
  const text = readFileSync(join(dist, 'models', `${model}.d.ts`), 'utf8');
  return [...text.matchAll(/^\s+'(\w+)'\??:/gm)].map((m) => m[1] as string);
}

const msg = (m: Record<string, unknown>): Record<string, unknown> => m['msg'] as Record<string, unknown>;

describe('simulator wire details (issue 14)', () => {
  it('error bodies carry code and message, no service (removed 2026-08-06)', async () => {
    const s = await truthSimulator();
    const { requester, maker } = s;
    const { rfqId } = await rfqAndQuote(s, { ticker: CPI, contracts: 1, yesBid: '0.40', noBid: '0.40' });
    const cases = [
      await maker.request({ path: '/communications/quotes/6f1d3c52-2b0e-4a53-9b8e-3c1f6f0f4b11' }),
      await maker.request({
        method: 'POST',
        path: '/communications/quotes',
        body: { rfq_id: rfqId, yes_bid: '0.405', no_bid: '0.40', rest_remainder: false },
      }),
      await requester.request({
        method: 'POST',
        path: '/communications/rfqs',
        body: { market_ticker: CPI, rest_remainder: false, contracts: 1 },
      }),
      await maker.request({ path: '/communications/id', omitHeaders: ['signature'] }),
      await maker.request({ path: '/no/such/path' }),
    ];
    expect(cases.map((c) => c.status)).toEqual([404, 400, 409, 401, 404]);
    for (const c of cases) {
      const error = (c.body as { error: Record<string, unknown> }).error;
      expect(typeof error['code']).toBe('string');
      expect(typeof error['message']).toBe('string');
      expect(error).not.toHaveProperty('service');
    }
  });

  it('obscure_creator_id: others see the placeholder id, the creator its own; rfq_created carries ""', async () => {
    const s = await truthSimulator();
    const { t, requester, maker } = s;
    const mws = await connectWs(t.sim, maker.key);
    const rws = await connectWs(t.sim, requester.key);
    for (const ws of [mws, rws]) {
      ws.send({ id: 1, cmd: 'subscribe', params: { channels: ['communications'] } });
      await ws.next((m) => m['type'] === 'subscribed');
    }
    const created = await requester.request({
      method: 'POST',
      path: '/communications/rfqs',
      body: { market_ticker: CPI, rest_remainder: false, contracts: 2, obscure_creator_id: true },
    });
    expect(created.status).toBe(201);
    const rfqId = (created.body as { id: string }).id;
    expect((await maker.communications.getRFQ(rfqId)).data.rfq.creator_id).toBe(OBSCURED);
    expect((await requester.communications.getRFQ(rfqId)).data.rfq.creator_id).toBe(
      requester.communicationsId,
    );
    expect(msg(await mws.next((m) => m['type'] === 'rfq_created'))['creator_id']).toBe('');
    expect(msg(await rws.next((m) => m['type'] === 'rfq_created'))['creator_id']).toBe('');
    const quoteId = (
      await maker.communications.createQuote({
        rfq_id: rfqId,
        yes_bid: '0.40',
        no_bid: '0.40',
        rest_remainder: false,
      })
    ).data.id;
    expect((await maker.communications.getRFQQuote(rfqId, quoteId)).data.quote.rfq_creator_id).toBe(OBSCURED);
    expect((await requester.communications.getRFQQuote(rfqId, quoteId)).data.quote.rfq_creator_id).toBe(
      requester.communicationsId,
    );
    expect(msg(await mws.next((m) => m['type'] === 'quote_created'))['rfq_creator_id']).toBe(OBSCURED);
    await requester.communications.deleteRFQ(rfqId);
    expect(msg(await mws.next((m) => m['type'] === 'rfq_deleted'))['creator_id']).toBe(OBSCURED);
    expect(msg(await rws.next((m) => m['type'] === 'rfq_deleted'))['creator_id']).toBe(
      requester.communicationsId,
    );
  });

  it('quote messages carry subaccount only to the side that used one, its own number', async () => {
    const s = await truthSimulator();
    const { t, clock, requester, maker } = s;
    const mws = await connectWs(t.sim, maker.key);
    const rws = await connectWs(t.sim, requester.key);
    for (const ws of [mws, rws]) {
      ws.send({ id: 1, cmd: 'subscribe', params: { channels: ['communications'] } });
      await ws.next((m) => m['type'] === 'subscribed');
    }
    const rfqId = (
      await requester.communications.createRFQ({
        market_ticker: CPI,
        rest_remainder: false,
        contracts: 2,
        subaccount: 2,
      })
    ).data.id;
    const quoteId = (
      await maker.communications.createQuote({
        rfq_id: rfqId,
        yes_bid: '0.40',
        no_bid: '0.40',
        rest_remainder: false,
        subaccount: 3,
      })
    ).data.id;
    await requester.communications.acceptRFQQuote(rfqId, quoteId, { accepted_side: 'no' });
    await maker.communications.confirmRFQQuote(rfqId, quoteId, {});
    clock.advance(15_000);
    for (const type of ['quote_created', 'quote_accepted', 'quote_executed']) {
      expect(msg(await mws.next((m) => m['type'] === type))['subaccount']).toBe(3);
      expect(msg(await rws.next((m) => m['type'] === type))['subaccount']).toBe(2);
    }
    // a quote from the primary account: no subaccount field at all
    const other = await rfqAndQuote(s, {
      ticker: 'KXCPI-26DEC-T0.4',
      contracts: 1,
      yesBid: '0.20',
      noBid: '0.40',
    });
    const plain = await mws.next(
      (m) => m['type'] === 'quote_created' && msg(m)['quote_id'] === other.quoteId,
    );
    expect(msg(plain)).not.toHaveProperty('subaccount');
  });

  it('keeps closed RFQs and cancelled quotes 7 days after their last update (simulation time), executed quotes longer', async () => {
    const s = await truthSimulator();
    const { clock, requester, maker } = s;
    const gone = await rfqAndQuote(s, { ticker: CPI, contracts: 1, yesBid: '0.40', noBid: '0.40' });
    await requester.communications.deleteRFQ(gone.rfqId);
    const done = await rfqAndQuote(s, {
      ticker: 'KXCPI-26DEC-T0.4',
      contracts: 1,
      yesBid: '0.20',
      noBid: '0.40',
    });
    await requester.communications.acceptRFQQuote(done.rfqId, done.quoteId, { accepted_side: 'yes' });
    await maker.communications.confirmRFQQuote(done.rfqId, done.quoteId, {});
    clock.advance(15_000);
    clock.advance(7 * DAY_MS - 15_000);
    expect((await maker.communications.getRFQ(gone.rfqId)).data.rfq.status).toBe('closed');
    expect((await maker.communications.getRFQQuote(gone.rfqId, gone.quoteId)).data.quote.status).toBe(
      'cancelled',
    );
    clock.advance(3_600_000);
    expect((await sdkError(maker.communications.getRFQ(gone.rfqId))).status).toBe(404);
    expect((await sdkError(maker.communications.getRFQQuote(gone.rfqId, gone.quoteId))).status).toBe(404);
    const listed = (
      await maker.communications.getRFQs(undefined, undefined, undefined, undefined, undefined, 'closed')
    ).data.rfqs;
    expect(listed.map((r) => r.id)).not.toContain(gone.rfqId);
    expect((await maker.communications.getRFQQuote(done.rfqId, done.quoteId)).data.quote.status).toBe(
      'executed',
    );
  });

  it('markets, positions, fills and orders carry every field of the SDK models', async () => {
    const s = await truthSimulator();
    const { clock, requester, maker } = s;
    const { rfqId, quoteId } = await rfqAndQuote(s, {
      ticker: CPI,
      contracts: 2,
      yesBid: '0.40',
      noBid: '0.40',
    });
    await requester.communications.acceptRFQQuote(rfqId, quoteId, { accepted_side: 'yes' });
    await maker.communications.confirmRFQQuote(rfqId, quoteId, {});
    clock.advance(15_000);
    // a combo market has every Market field; a plain one all but the two combo ones
    const combo = (await maker.markets.getMarket('KXMVECROSSCATEGORY-S2026DEC31-7A1C2E')).data.market;
    const plain = (await maker.markets.getMarket(CPI)).data.market;
    const comboOnly = ['mve_collection_ticker', 'mve_selected_legs'];
    expect(Object.keys(plain)).toEqual(
      expect.arrayContaining(sdkFields('market').filter((f) => !comboOnly.includes(f))),
    );
    const position = (await maker.portfolio.getPositions()).data.market_positions[0];
    const fill = (await maker.portfolio.getFills()).data.fills[0];
    const order = (await maker.orders.getOrders()).data.orders[0];
    for (const [model, object] of [
      ['market', combo],
      ['market-position', position],
      ['fill', fill],
      ['order', order],
    ] as const) {
      const fields = sdkFields(model);
      expect(fields.length).toBeGreaterThan(5);
      expect(Object.keys(object ?? {}).sort()).toEqual(expect.arrayContaining(fields.sort()));
    }
  });
});
