import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/simulator/index.js';
import { type SimTestUser, sdkError, startTestSimulator, waitFor } from '../../helpers/simulator.js';

const TICKER = 'KXFEDDECISION-26DEC-H0';

async function setup(lifecycle: Record<string, unknown> = {}) {
  const clock = new ManualClock(Date.now());
  const t = await startTestSimulator({ clock, userCount: 3, lifecycle });
  const [requester, maker, other] = t.users as [SimTestUser, SimTestUser, SimTestUser];
  const rfqId = (
    await requester.communications.createRFQ({ market_ticker: TICKER, rest_remainder: false, contracts: 3 })
  ).data.id;
  const quote = async (u: SimTestUser, yes = '0.40', no = '0.50') =>
    (await u.communications.createQuote({ rfq_id: rfqId, yes_bid: yes, no_bid: no, rest_remainder: false }))
      .data.id;
  return { t, clock, requester, maker, other, rfqId, quote };
}

describe('simulator quote life cycle', () => {
  it('a new quote by the same maker on the same RFQ replaces the old one', async () => {
    const { requester, maker, other, rfqId, quote } = await setup();
    const first = await quote(maker, '0.40', '0.50');
    const otherQuote = await quote(other, '0.41', '0.50');
    const second = await quote(maker, '0.42', '0.50');
    const old = (await maker.communications.getRFQQuote(rfqId, first)).data.quote;
    expect(old.status).toBe('cancelled');
    expect(old.cancellation_reason).toBe('replaced');
    expect(old.cancelled_ts).toBeTruthy();
    const mine = (
      await maker.communications.getQuotes(
        undefined,
        undefined,
        undefined,
        undefined,
        'open',
        undefined,
        'self',
      )
    ).data.quotes;
    expect(mine.map((q) => q.id)).toEqual([second]);
    const onMyRfq = (
      await requester.communications.getQuotes(
        undefined,
        undefined,
        undefined,
        undefined,
        'open',
        undefined,
        undefined,
        'self',
      )
    ).data.quotes;
    expect(onMyRfq.map((q) => q.id).sort()).toEqual([otherQuote, second].sort());
    expect(onMyRfq.find((q) => q.id === second)?.yes_bid_dollars).toBe('0.4200');
    const err = await sdkError(
      requester.communications.acceptRFQQuote(rfqId, first, { accepted_side: 'yes' }),
    );
    expect(err.status).toBe(404);
  });

  it('a confirm after the window gets 400 expired and the quote stays accepted', async () => {
    const { t, clock, requester, maker, rfqId, quote } = await setup();
    const q = await quote(maker);
    await requester.communications.acceptRFQQuote(rfqId, q, { accepted_side: 'no' });
    const held = (await requester.portfolio.getBalance()).data.balance;
    expect(held).toBeLessThan(1_000_000);
    clock.advance(30_001);
    const err = await sdkError(maker.communications.confirmRFQQuote(rfqId, q));
    expect(err.status).toBe(400);
    expect(err.data).toEqual({ error: { code: 'expired', message: 'expired' } });
    const after = (await maker.communications.getRFQQuote(rfqId, q)).data.quote;
    expect(after.status).toBe('accepted');
    expect(after.accepted_side).toBe('no');
    expect((await requester.portfolio.getBalance()).data.balance).toBe(1_000_000); // hold released
    const stats = (await t.admin<Record<string, number>>('GET', '/_sim/stats')).body;
    expect(stats).toMatchObject({ expiries: 1, expiredConfirms: 1, confirms: 0 });
    // the RFQ is open again for another quote to be accepted
    const fresh = await quote(t.users[2] as SimTestUser, '0.39', '0.50');
    expect(
      (await requester.communications.acceptRFQQuote(rfqId, fresh, { accepted_side: 'yes' })).status,
    ).toBe(204);
  });

  it('a confirm just inside the window succeeds', async () => {
    const { clock, requester, maker, rfqId, quote } = await setup();
    const q = await quote(maker);
    await requester.communications.acceptRFQQuote(rfqId, q, { accepted_side: 'yes' });
    clock.advance(29_999);
    expect((await maker.communications.confirmRFQQuote(rfqId, q)).status).toBe(204);
  });

  it('can turn lapsed quotes into cancelled ones (configurable)', async () => {
    const { clock, requester, maker, rfqId, quote } = await setup({ lapsedQuoteStatus: 'cancelled' });
    const q = await quote(maker);
    await requester.communications.acceptRFQQuote(rfqId, q, { accepted_side: 'yes' });
    clock.advance(30_001);
    const after = (await maker.communications.getRFQQuote(rfqId, q)).data.quote;
    expect(after).toMatchObject({ status: 'cancelled', cancellation_reason: 'expired' });
    expect((await sdkError(maker.communications.confirmRFQQuote(rfqId, q))).data).toEqual({
      error: { code: 'expired', message: 'expired' },
    });
  });

  it('deleting an accepted quote is 404 not_found; an open one is 204', async () => {
    const { requester, maker, other, rfqId, quote } = await setup();
    const q = await quote(maker);
    const o = await quote(other);
    await requester.communications.acceptRFQQuote(rfqId, q, { accepted_side: 'yes' });
    const err = await sdkError(maker.communications.deleteRFQQuote(rfqId, q));
    expect(err.status).toBe(404);
    expect((err.data as { error: { code: string } }).error.code).toBe('not_found');
    expect((await other.communications.deleteQuote(o)).status).toBe(204);
    const o2 = await quote(other);
    expect((await other.communications.deleteRFQQuote(rfqId, o2)).status).toBe(204);
    expect((await other.communications.getRFQQuote(rfqId, o2)).data.quote.status).toBe('cancelled');
    expect((await sdkError(other.communications.deleteRFQQuote(rfqId, o2))).status).toBe(404);
    expect((await other.communications.getQuote(o)).data.quote).toMatchObject({
      status: 'cancelled',
      cancellation_reason: 'deleted_by_creator',
    });
    // a second accept while one awaits confirmation is refused
    const again = await quote(other);
    expect(
      (await sdkError(requester.communications.acceptRFQQuote(rfqId, again, { accepted_side: 'yes' })))
        .status,
    ).toBe(400);
  });

  it('execution closes the RFQ and cancels the other quotes; quoting a closed RFQ is RFQ_CLOSED', async () => {
    const { clock, requester, maker, other, rfqId, quote } = await setup();
    const q = await quote(maker);
    const o = await quote(other);
    await requester.communications.acceptRFQQuote(rfqId, q, { accepted_side: 'yes' });
    await maker.communications.confirmRFQQuote(rfqId, q);
    // confirmed: neither party can withdraw
    expect((await sdkError(requester.communications.deleteRFQ(rfqId))).status).toBe(400);
    expect((await sdkError(maker.communications.confirmRFQQuote(rfqId, q))).status).toBe(400);
    clock.advance(15_000);
    const rfq = (await requester.communications.getRFQ(rfqId)).data.rfq;
    expect(rfq.status).toBe('closed');
    expect((await other.communications.getRFQQuote(rfqId, o)).data.quote).toMatchObject({
      status: 'cancelled',
      cancellation_reason: 'rfq_closed',
    });
    const err = await sdkError(
      other.communications.createQuote({
        rfq_id: rfqId,
        yes_bid: '0.30',
        no_bid: '0.30',
        rest_remainder: false,
      }),
    );
    expect(err.status).toBe(400);
    expect((err.data as { error: { code: string } }).error.code).toBe('RFQ_CLOSED');
  });

  it('the creator deleting its RFQ cancels the quotes and releases an accept', async () => {
    const { requester, maker, other, rfqId, quote } = await setup();
    const q = await quote(maker);
    const o = await quote(other);
    await requester.communications.acceptRFQQuote(rfqId, q, { accepted_side: 'yes' });
    expect((await requester.communications.deleteRFQ(rfqId)).status).toBe(204);
    const rfq = (await requester.communications.getRFQ(rfqId)).data.rfq;
    expect(rfq).toMatchObject({ status: 'closed', cancellation_reason: 'deleted_by_creator' });
    expect(rfq.cancelled_ts).toBeTruthy();
    for (const [u, id] of [
      [maker, q],
      [other, o],
    ] as const) {
      expect((await u.communications.getRFQQuote(rfqId, id)).data.quote.status).toBe('cancelled');
    }
    expect((await requester.portfolio.getBalance()).data.balance).toBe(1_000_000);
    expect((await sdkError(requester.communications.deleteRFQ(rfqId))).status).toBe(400);
    expect((await sdkError(maker.communications.deleteRFQ(rfqId))).status).toBe(404);
  });

  it('expires RFQs after rfqTtlMs when configured', async () => {
    const { clock, requester, maker, rfqId, quote } = await setup({ rfqTtlMs: 60_000 });
    const q = await quote(maker);
    clock.advance(59_999);
    expect((await requester.communications.getRFQ(rfqId)).data.rfq.status).toBe('open');
    clock.advance(1);
    expect((await requester.communications.getRFQ(rfqId)).data.rfq).toMatchObject({
      status: 'closed',
      cancellation_reason: 'expired',
    });
    expect((await maker.communications.getRFQQuote(rfqId, q)).data.quote.status).toBe('cancelled');
  });

  it('uses the short windows on high-volatility markets', async () => {
    const clock = new ManualClock(Date.now());
    const t = await startTestSimulator({ clock });
    const [requester, maker] = t.users as [SimTestUser, SimTestUser];
    const rfqId = (
      await requester.communications.createRFQ({
        market_ticker: 'KXBTCD-26DEC3117-T100000',
        rest_remainder: false,
        contracts: 1,
      })
    ).data.id;
    const q = (
      await maker.communications.createQuote({
        rfq_id: rfqId,
        yes_bid: '0.600',
        no_bid: '0.350',
        rest_remainder: false,
      })
    ).data.id;
    await requester.communications.acceptRFQQuote(rfqId, q, { accepted_side: 'yes' });
    clock.advance(3_001);
    expect((await sdkError(maker.communications.confirmRFQQuote(rfqId, q))).status).toBe(400);
    const rfq2 = (
      await requester.communications.createRFQ({
        market_ticker: 'KXBTCD-26DEC3117-T110000',
        rest_remainder: false,
        contracts: 1,
      })
    ).data.id;
    const q2 = (
      await maker.communications.createQuote({
        rfq_id: rfq2,
        yes_bid: '0.200',
        no_bid: '0.700',
        rest_remainder: false,
      })
    ).data.id;
    await requester.communications.acceptRFQQuote(rfq2, q2, { accepted_side: 'no' });
    clock.advance(2_999);
    await maker.communications.confirmRFQQuote(rfq2, q2);
    clock.advance(1_000);
    expect((await maker.communications.getRFQQuote(rfq2, q2)).data.quote.status).toBe('executed');
  });

  it('runs on real time too: short windows, execution after the delay', async () => {
    const t = await startTestSimulator({ lifecycle: { confirmWindowMs: 10_000, executionDelayMs: 150 } });
    const [requester, maker] = t.users as [SimTestUser, SimTestUser];
    const rfqId = (
      await requester.communications.createRFQ({ market_ticker: TICKER, rest_remainder: false, contracts: 2 })
    ).data.id;
    const q = (
      await maker.communications.createQuote({
        rfq_id: rfqId,
        yes_bid: '0.40',
        no_bid: '0.50',
        rest_remainder: false,
      })
    ).data.id;
    await requester.communications.acceptRFQQuote(rfqId, q, { accepted_side: 'yes' });
    await maker.communications.confirmRFQQuote(rfqId, q);
    const executed = await waitFor(
      async () => {
        const quote = (await maker.communications.getRFQQuote(rfqId, q)).data.quote;
        return quote.status === 'executed' ? quote : undefined;
      },
      { timeoutMs: 10_000, what: 'execution' },
    );
    const confirmedAt = Date.parse(executed.confirmed_ts ?? '');
    // Node times timers from the event loop's cached clock, which can lag Date.now() under load
    expect(Date.parse(executed.executed_ts ?? '') - confirmedAt).toBeGreaterThanOrEqual(100);
  });
});

describe('simulator RFQ rules', () => {
  it('409 for a second open RFQ on the same market; replace_existing closes the old one', async () => {
    const t = await startTestSimulator({ userCount: 1 });
    const [u] = t.users as [SimTestUser];
    const first = (
      await u.communications.createRFQ({ market_ticker: TICKER, rest_remainder: false, contracts: 1 })
    ).data.id;
    const err = await sdkError(
      u.communications.createRFQ({ market_ticker: TICKER, rest_remainder: false, contracts: 2 }),
    );
    expect(err.status).toBe(409);
    const second = await u.communications.createRFQ({
      market_ticker: TICKER,
      rest_remainder: false,
      contracts: 2,
      replace_existing: true,
    });
    expect(second.status).toBe(201);
    expect((await u.communications.getRFQ(first)).data.rfq).toMatchObject({
      status: 'closed',
      cancellation_reason: 'replaced',
    });
    expect((await u.communications.getRFQ(second.data.id)).data.rfq).toMatchObject({
      status: 'open',
      contracts_fp: '2.00',
    });
  });

  it('caps a creator at 100 open RFQs', async () => {
    const t = await startTestSimulator({
      userCount: 1,
      rateLimits: { read: { refillRate: 1e6, capacity: 1e6 }, write: { refillRate: 1e6, capacity: 1e6 } },
    });
    const [u] = t.users as [SimTestUser];
    const tickers = (await u.markets.getMarkets(1000)).data.markets.map((m) => m.ticker);
    expect(tickers.length).toBeGreaterThan(100);
    for (const ticker of tickers.slice(0, 100)) {
      await u.communications.createRFQ({ market_ticker: ticker, rest_remainder: false, contracts: 1 });
    }
    const err = await sdkError(
      u.communications.createRFQ({
        market_ticker: tickers[100] as string,
        rest_remainder: false,
        contracts: 1,
      }),
    );
    expect(err.status).toBe(400);
    expect((err.data as { error: { code: string } }).error.code).toBe('max_open_rfqs_exceeded');
    const open = (
      await u.communications.getRFQs(
        undefined,
        undefined,
        undefined,
        undefined,
        100,
        'open',
        undefined,
        'self',
      )
    ).data;
    expect(open.rfqs).toHaveLength(100);
    expect(open.cursor).toBe('');
    await u.communications.deleteRFQ(open.rfqs[0]?.id as string);
    expect(
      (
        await u.communications.createRFQ({
          market_ticker: tickers[100] as string,
          rest_remainder: false,
          contracts: 1,
        })
      ).status,
    ).toBe(201);
  });
});
