import { describe, expect, it } from 'vitest';
import { type SimTestUser, sdkError, startTestSimulator } from '../../helpers/simulator.js';

const code = (data: unknown): string | undefined => (data as { error?: { code?: string } }).error?.code;

async function withRfq(ticker = 'KXFEDDECISION-26DEC-H0') {
  const t = await startTestSimulator({ userCount: 3 });
  const [requester, maker, other] = t.users as [SimTestUser, SimTestUser, SimTestUser];
  const rfqId = (
    await requester.communications.createRFQ({ market_ticker: ticker, rest_remainder: false, contracts: 1 })
  ).data.id;
  return { t, requester, maker, other, rfqId };
}

describe('simulator quote validation', () => {
  it.each([
    ['off the 1¢ grid', 'KXFEDDECISION-26DEC-H0', '0.555', '0.40'],
    ['off the tapered grid mid band', 'KXHIGHNY-26DEC31-B34.5', '0.355', '0.40'],
    ['both sides zero', 'KXFEDDECISION-26DEC-H0', '0', '0'],
    ['sum above $1', 'KXFEDDECISION-26DEC-H0', '0.60', '0.41'],
    ['a bid of $1', 'KXFEDDECISION-26DEC-H0', '1.00', '0'],
    ['more than 4 decimals', 'KXFEDDECISION-26DEC-H0', '0.40001', '0.40'],
    ['not a number', 'KXFEDDECISION-26DEC-H0', 'abc', '0.40'],
    ['negative', 'KXFEDDECISION-26DEC-H0', '-0.10', '0.40'],
  ])('rejects %s with 400 invalid_parameters', async (_name, ticker, yes, no) => {
    const { maker, rfqId } = await withRfq(ticker);
    const err = await sdkError(
      maker.communications.createQuote({ rfq_id: rfqId, yes_bid: yes, no_bid: no, rest_remainder: false }),
    );
    expect(err.status).toBe(400);
    expect(code(err.data)).toBe('invalid_parameters');
    // `service` left Kalshi's error bodies on 2026-08-06
    expect((err.data as { error: Record<string, unknown> }).error).not.toHaveProperty('service');
  });

  it.each([
    ['one side declined', 'KXFEDDECISION-26DEC-H0', '0', '0.45'],
    ['sum exactly $1', 'KXFEDDECISION-26DEC-H0', '0.55', '0.45'],
    ['a sub-cent price in a tapered edge band', 'KXHIGHNY-26DEC31-B30.5', '0.055', '0.900'],
    ['a centi-cent price on a combo edge band', 'KXMVECROSSCATEGORY-S2026DEC31-D45E81', '0.0055', '0.991'],
    ['a 4-dp request form of a cent price', 'KXFEDDECISION-26DEC-H0', '0.4000', '0.5'],
  ])('accepts %s', async (_name, ticker, yes, no) => {
    const { maker, rfqId } = await withRfq(ticker);
    const res = await maker.communications.createQuote({
      rfq_id: rfqId,
      yes_bid: yes,
      no_bid: no,
      rest_remainder: false,
    });
    expect(res.status).toBe(201);
    const quote = (await maker.communications.getQuote(res.data.id)).data.quote;
    expect(quote.yes_bid_dollars).toMatch(/^\d\.\d{4}$/);
  });

  it('rejects malformed bodies and ids', async () => {
    const { requester, maker, rfqId } = await withRfq();
    const missingRest = await maker.request({
      method: 'POST',
      path: '/communications/quotes',
      body: { rfq_id: rfqId, yes_bid: '0.4', no_bid: '0.4' },
    });
    expect(missingRest.status).toBe(400);
    const numberBid = await maker.request({
      method: 'POST',
      path: '/communications/quotes',
      body: { rfq_id: rfqId, yes_bid: 0.4, no_bid: '0.4', rest_remainder: false },
    });
    expect(numberBid.status).toBe(400);
    const badUuid = await maker.request({
      method: 'POST',
      path: '/communications/quotes',
      body: { rfq_id: 'nope', yes_bid: '0.4', no_bid: '0.4', rest_remainder: false },
    });
    expect(badUuid.status).toBe(400);
    const unknown = await sdkError(
      maker.communications.createQuote({
        rfq_id: '00000000-0000-4000-8000-000000000000',
        yes_bid: '0.4',
        no_bid: '0.4',
        rest_remainder: false,
      }),
    );
    expect(unknown.status).toBe(404);
    const own = await sdkError(
      requester.communications.createQuote({
        rfq_id: rfqId,
        yes_bid: '0.4',
        no_bid: '0.4',
        rest_remainder: false,
      }),
    );
    expect(own.status).toBe(400);
    const notJson = await maker.request({
      method: 'POST',
      path: '/communications/quotes',
      body: '{"rfq_id":',
      contentType: 'application/json',
    });
    expect(notJson.status).toBe(400);
    const wrongType = await maker.request({
      method: 'POST',
      path: '/communications/quotes',
      body: 'rfq_id=x',
      contentType: 'text/plain',
    });
    expect(wrongType.status).toBe(400);
    expect(code(wrongType.body)).toBe('invalid_content_type');
    // a bodiless confirm PUT is refused as on Kalshi
    const bodiless = await maker.request({
      method: 'PUT',
      path: `/communications/rfqs/${rfqId}/quotes/00000000-0000-4000-8000-000000000000/confirm`,
    });
    expect(code(bodiless.body)).toBe('invalid_content_type');
    const badPathId = await maker.request({ path: '/communications/rfqs/not-a-uuid' });
    expect(badPathId.status).toBe(400);
    const acceptBadSide = await requester.request({
      method: 'PUT',
      path: `/communications/quotes/${rfqId}/accept`,
      body: { accepted_side: 'maybe' },
    });
    expect(acceptBadSide.status).toBe(400);
  });
});

describe('simulator RFQ validation', () => {
  it.each([
    ['no size', { market_ticker: 'KXCPI-26DEC-T0.2', rest_remainder: false }],
    [
      'both sizes',
      { market_ticker: 'KXCPI-26DEC-T0.2', rest_remainder: false, contracts: 1, target_cost_dollars: '5.00' },
    ],
    [
      'mismatched contracts',
      { market_ticker: 'KXCPI-26DEC-T0.2', rest_remainder: false, contracts: 1, contracts_fp: '2.00' },
    ],
    [
      'excludes-fees without target',
      {
        market_ticker: 'KXCPI-26DEC-T0.2',
        rest_remainder: false,
        contracts: 1,
        target_cost_excludes_fees: true,
      },
    ],
    ['no rest_remainder', { market_ticker: 'KXCPI-26DEC-T0.2', contracts: 1 }],
    ['zero contracts', { market_ticker: 'KXCPI-26DEC-T0.2', rest_remainder: false, contracts_fp: '0.00' }],
    ['3-dp count', { market_ticker: 'KXCPI-26DEC-T0.2', rest_remainder: false, contracts_fp: '1.005' }],
    ['unknown market', { market_ticker: 'KXNOPE-1', rest_remainder: false, contracts: 1 }],
  ])('rejects %s with 400', async (_name, body) => {
    const t = await startTestSimulator({ userCount: 1 });
    const res = await (t.users[0] as SimTestUser).request({
      method: 'POST',
      path: '/communications/rfqs',
      body,
    });
    expect(res.status).toBe(400);
  });

  it('accepts the legacy centi-cent target and contracts together with a matching contracts_fp', async () => {
    const t = await startTestSimulator({ userCount: 1 });
    const u = t.users[0] as SimTestUser;
    const a = await u.communications.createRFQ({
      market_ticker: 'KXCPI-26DEC-T0.2',
      rest_remainder: true,
      target_cost_centi_cents: 123_456,
    });
    expect((await u.communications.getRFQ(a.data.id)).data.rfq).toMatchObject({
      target_cost_dollars: '12.3456',
      target_cost_excludes_fees: false,
      contracts_fp: '0.00',
      rest_remainder: true,
    });
    const b = await u.communications.createRFQ({
      market_ticker: 'KXCPI-26DEC-T0.3',
      rest_remainder: false,
      contracts: 3,
      contracts_fp: '3.00',
    });
    expect((await u.communications.getRFQ(b.data.id)).data.rfq.contracts_fp).toBe('3.00');
  });

  it('rejects RFQs and quotes on a market that is not active (MARKET_INACTIVE)', async () => {
    const { t, maker, rfqId } = await withRfq('KXCPI-26DEC-T0.4');
    await t.admin('PUT', '/_sim/markets/KXCPI-26DEC-T0.4', { status: 'closed' });
    const err = await sdkError(
      maker.communications.createQuote({
        rfq_id: rfqId,
        yes_bid: '0.2',
        no_bid: '0.7',
        rest_remainder: false,
      }),
    );
    expect(code(err.data)).toBe('MARKET_INACTIVE');
    const err2 = await sdkError(
      maker.communications.createRFQ({
        market_ticker: 'KXCPI-26DEC-T0.4',
        rest_remainder: false,
        contracts: 1,
      }),
    );
    expect(code(err2.data)).toBe('MARKET_INACTIVE');
  });
});

describe('simulator GET /communications/quotes scoping', () => {
  it('403 without user_filter=self or rfq_user_filter=self; rfq_id scopes to an own RFQ', async () => {
    const { requester, maker, other, rfqId } = await withRfq();
    const q = (
      await maker.communications.createQuote({
        rfq_id: rfqId,
        yes_bid: '0.4',
        no_bid: '0.5',
        rest_remainder: false,
      })
    ).data.id;
    expect((await sdkError(maker.communications.getQuotes())).status).toBe(403);
    expect(
      (
        await sdkError(
          other.communications.getQuotes(
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
            rfqId,
          ),
        )
      ).status,
    ).toBe(403);
    const byRfq = await requester.communications.getQuotes(
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
      rfqId,
    );
    expect(byRfq.data.quotes.map((x) => x.id)).toEqual([q]);
    // private fields: the requester sees its own side, not the maker's
    expect(byRfq.data.quotes[0]?.rfq_creator_user_id).toBe(requester.userId);
    expect(byRfq.data.quotes[0]?.creator_user_id).toBeUndefined();
    expect(byRfq.data.quotes[0]?.post_only).toBeUndefined();
    const mine = await maker.communications.getQuotes(
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      'self',
    );
    expect(mine.data.quotes[0]).toMatchObject({
      id: q,
      creator_user_id: maker.userId,
      post_only: false,
      creator_id: maker.communicationsId,
      rfq_creator_id: requester.communicationsId,
    });
    // a third party cannot see the quote at all
    expect((await sdkError(other.communications.getQuote(q))).status).toBe(404);
    // time window on updated_ts (unix seconds)
    const now = Math.floor(Date.now() / 1000);
    const inWindow = await maker.communications.getQuotes(
      undefined,
      now - 60,
      now + 60,
      undefined,
      undefined,
      undefined,
      'self',
    );
    expect(inWindow.data.quotes).toHaveLength(1);
    const past = await maker.communications.getQuotes(
      undefined,
      now - 7200,
      now - 3600,
      undefined,
      undefined,
      undefined,
      'self',
    );
    expect(past.data.quotes).toHaveLength(0);
    expect((await maker.request({ path: '/communications/quotes?user_filter=self&limit=501' })).status).toBe(
      400,
    );
    expect((await maker.request({ path: '/communications/quotes?user_filter=everyone' })).status).toBe(400);
  });
});
