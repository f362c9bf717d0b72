import { describe, expect, it } from 'vitest';
import { DEFAULT_LIFECYCLE } from '../../../src/simulator/index.js';
import { connectWs, sdkError } from '../../helpers/simulator.js';
import { fillsOf, rfqAndQuote, truthSimulator } from '../../helpers/truth.js';

const CPI = 'KXCPI-26DEC-T0.3';

describe('simulator RFQ expiry by the exchange (FIX RFQCancelStatus EXPIRED)', () => {
  it('is on by default: the RFQ closes as expired, its quotes are cancelled, rfq_deleted goes out', async () => {
    expect(DEFAULT_LIFECYCLE.rfqTtlMs).toBeGreaterThan(0);
    const s = await truthSimulator({}, { lifecycle: { rfqTtlMs: DEFAULT_LIFECYCLE.rfqTtlMs } });
    const { t, clock, requester, maker } = s;
    const ws = await connectWs(t.sim, maker.key);
    ws.send({ id: 1, cmd: 'subscribe', params: { channels: ['communications'] } });
    await ws.next((m) => m['type'] === 'subscribed');
    const { rfqId, quoteId } = await rfqAndQuote(s, {
      ticker: CPI,
      contracts: 2,
      yesBid: '0.40',
      noBid: '0.40',
    });
    clock.advance(DEFAULT_LIFECYCLE.rfqTtlMs - 1);
    expect((await maker.communications.getRFQ(rfqId)).data.rfq.status).toBe('open');
    clock.advance(1);
    const deleted = await ws.next((m) => m['type'] === 'rfq_deleted');
    expect(deleted['msg']).toMatchObject({ id: rfqId, market_ticker: CPI });
    expect((await maker.communications.getRFQ(rfqId)).data.rfq).toMatchObject({
      status: 'closed',
      cancellation_reason: 'expired',
    });
    expect((await maker.communications.getRFQQuote(rfqId, quoteId)).data.quote).toMatchObject({
      status: 'cancelled',
      cancellation_reason: 'rfq_closed',
    });
    expect((await sdkError(requester.communications.deleteRFQ(rfqId))).status).toBe(400);
    expect((await t.admin<Record<string, number>>('GET', '/_sim/stats')).body['rfqsExpired']).toBe(1);
  });

  it('waits for a confirmed quote to execute', async () => {
    const s = await truthSimulator({}, { lifecycle: { rfqTtlMs: 10_000 } });
    const { clock, requester, maker } = s;
    const { rfqId, quoteId } = await rfqAndQuote(s, {
      ticker: CPI,
      contracts: 2,
      yesBid: '0.40',
      noBid: '0.40',
    });
    await requester.communications.acceptRFQQuote(rfqId, quoteId, { accepted_side: 'yes' });
    await maker.communications.confirmRFQQuote(rfqId, quoteId, {});
    clock.advance(10_000);
    expect((await maker.communications.getRFQ(rfqId)).data.rfq.status).toBe('open');
    clock.advance(5_000);
    const rfq = (await maker.communications.getRFQ(rfqId)).data.rfq;
    expect(rfq.status).toBe('closed');
    expect(rfq.cancellation_reason).toBeUndefined();
    expect(await fillsOf(maker, CPI)).toHaveLength(1);
  });

  it('faults: rfqTtl shortens the lifetime of new RFQs; expireRfqs closes every open one now', async () => {
    const s = await truthSimulator();
    const { t, clock, requester } = s;
    const before = (
      await requester.communications.createRFQ({ market_ticker: CPI, rest_remainder: false, contracts: 1 })
    ).data.id;
    await t.admin('PUT', '/_sim/faults', { spec: 'rfqTtl=1000' });
    const short = (
      await requester.communications.createRFQ({
        market_ticker: 'KXCPI-26DEC-T0.4',
        rest_remainder: false,
        contracts: 1,
      })
    ).data.id;
    clock.advance(1_000);
    expect((await requester.communications.getRFQ(short)).data.rfq.cancellation_reason).toBe('expired');
    expect((await requester.communications.getRFQ(before)).data.rfq.status).toBe('open');
    await t.admin('PUT', '/_sim/faults', { spec: 'expireRfqs' });
    expect((await requester.communications.getRFQ(before)).data.rfq).toMatchObject({
      status: 'closed',
      cancellation_reason: 'expired',
    });
    const admin = await t.admin('POST', '/_sim/rfqs/expire');
    expect(admin.body).toEqual({ expired: 0 });
  });
});
