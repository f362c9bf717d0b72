import { describe, expect, it } from 'vitest';
import { connectWs, sdkError } from '../../helpers/simulator.js';
import { rfqAndQuote, truthSimulator } from '../../helpers/truth.js';

const CPI = 'KXCPI-26DEC-T0.3';
const FED = 'KXFEDDECISION-26DEC-H0';

describe('simulator server rolls flush open quotes (changelog 2026-06-25)', () => {
  it('a flushed quote is gone: 404 on reads, deletes and accepts, absent from listings, nothing pushed; accepted quotes stay', async () => {
    const s = await truthSimulator();
    const { t, requester, maker } = s;
    const ws = await connectWs(t.sim, maker.key);
    ws.send({ id: 1, cmd: 'subscribe', params: { channels: ['communications'] } });
    await ws.next((m) => m['type'] === 'subscribed');
    const open = await rfqAndQuote(s, { ticker: CPI, contracts: 5, yesBid: '0.40', noBid: '0.40' });
    const kept = await rfqAndQuote(s, { ticker: FED, contracts: 5, yesBid: '0.50', noBid: '0.40' });
    await requester.communications.acceptRFQQuote(kept.rfqId, kept.quoteId, { accepted_side: 'yes' });

    expect((await t.admin('POST', '/_sim/flush')).body).toEqual({ flushed: 1 });

    expect((await sdkError(maker.communications.getRFQQuote(open.rfqId, open.quoteId))).status).toBe(404);
    expect((await sdkError(maker.communications.getQuote(open.quoteId))).status).toBe(404);
    expect((await sdkError(requester.communications.getRFQQuote(open.rfqId, open.quoteId))).status).toBe(404);
    expect((await sdkError(maker.communications.deleteRFQQuote(open.rfqId, open.quoteId))).status).toBe(404);
    expect(
      (
        await sdkError(
          requester.communications.acceptRFQQuote(open.rfqId, open.quoteId, { accepted_side: 'yes' }),
        )
      ).status,
    ).toBe(404);
    const mine = (
      await maker.communications.getQuotes(
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        'self',
      )
    ).data.quotes;
    expect(mine.map((q) => q.id)).toEqual([kept.quoteId]);
    const onMyRfqs = (
      await requester.communications.getQuotes(
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        'self',
      )
    ).data.quotes;
    expect(onMyRfqs.map((q) => q.id)).toEqual([kept.quoteId]);
    expect((await maker.communications.getRFQQuote(kept.rfqId, kept.quoteId)).data.quote.status).toBe(
      'accepted',
    );
    // the RFQ stays open; a new quote on it replaces nothing
    expect((await maker.communications.getRFQ(open.rfqId)).data.rfq.status).toBe('open');
    const again = (
      await maker.communications.createQuote({
        rfq_id: open.rfqId,
        yes_bid: '0.41',
        no_bid: '0.41',
        rest_remainder: false,
      })
    ).data.id;
    await ws.next(
      (m) => m['type'] === 'quote_created' && (m['msg'] as Record<string, unknown>)['quote_id'] === again,
    );
    const aboutFlushed = ws.messages.filter(
      (m) => (m['msg'] as Record<string, unknown>)?.['quote_id'] === open.quoteId,
    );
    expect(aboutFlushed.map((m) => m['type'])).toEqual(['quote_created']);
    expect((await t.admin<Record<string, number>>('GET', '/_sim/stats')).body).toMatchObject({
      serverRolls: 1,
      quotesFlushed: 1,
      quotesReplaced: 0,
    });
  });

  it('rolls on demand (flush fault), at the flushRate fault and at the background rate; none when both are 0', async () => {
    const s = await truthSimulator({ flushesPerHour: 0 });
    const { t, clock, maker } = s;
    const alive = async (q: { rfqId: string; quoteId: string }) =>
      (await maker.request({ path: `/communications/rfqs/${q.rfqId}/quotes/${q.quoteId}` })).status === 200;

    const first = await rfqAndQuote(s, { ticker: CPI, contracts: 1, yesBid: '0.40', noBid: '0.40' });
    clock.advance(3_600_000);
    expect(await alive(first)).toBe(true);

    expect((await t.admin('PUT', '/_sim/faults', { spec: 'flush' })).status).toBe(200);
    expect(await alive(first)).toBe(false);
    expect(
      (await t.admin<{ injected: Record<string, number> }>('GET', '/_sim/faults')).body.injected['flush'],
    ).toBe(1);

    const second = await rfqAndQuote(s, {
      ticker: 'KXCPI-26DEC-T0.4',
      contracts: 1,
      yesBid: '0.20',
      noBid: '0.40',
    });
    await t.admin('PUT', '/_sim/faults', { spec: 'flushRate=1' });
    clock.advance(1_000);
    expect(await alive(second)).toBe(false);

    await t.admin('DELETE', '/_sim/faults');
    expect((await t.admin('PATCH', '/_sim/truth', { flushes_per_hour: 3600 })).status).toBe(200);
    const third = await rfqAndQuote(s, {
      ticker: 'KXCPI-26DEC-T0.5',
      contracts: 1,
      yesBid: '0.05',
      noBid: '0.40',
    });
    clock.advance(1_000);
    expect(await alive(third)).toBe(false);
    expect(
      (await t.admin<Record<string, number>>('GET', '/_sim/stats')).body['serverRolls'],
    ).toBeGreaterThanOrEqual(3);
  });
});
