import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/simulator/index.js';
import { type SimTestUser, sdkError, startTestSimulator } from '../../helpers/simulator.js';

/**
 * Independent oracle for Kalshi's quadratic fee: rate · C · P · (1 − P) · multiplier,
 * rounded up to $0.0001. All in integers: micros, centi-contracts, basis points, ppm.
 */
function feeMicros(rateBps: bigint, priceMicros: number, centis: number, multPpm = 1_000_000n): number {
  const num = rateBps * BigInt(centis) * BigInt(priceMicros) * BigInt(1_000_000 - priceMicros) * multPpm;
  const den = 10_000n * 100n * 1_000_000n * 1_000_000n * 100n; // → units of $0.0001
  return Number((num + den - 1n) / den) * 100;
}

/** floor₀.₀₁(target / (price + taker fee per contract)), exact. */
function targetContracts(targetMicros: number, makerBid: number, excludesFees: boolean): number {
  const p = BigInt(1_000_000 - makerBid);
  const scale = 10_000n * 1_000_000n * 1_000_000n;
  const fee = excludesFees ? 0n : 700n * p * (1_000_000n - p) * 1_000_000n;
  return Number((BigInt(targetMicros) * 100n * scale) / (p * scale + fee));
}

const micros = (dollars: string): number => Math.round(Number(dollars) * 1e6);
const START = 10_000_000_000; // $10,000 in micros

async function balanceMicros(u: SimTestUser): Promise<{ cents: number; dollars: string }> {
  const res = await u.portfolio.getBalance();
  return { cents: res.data.balance, dollars: res.data.balance_dollars };
}

function fmt6(m: number): string {
  const sign = m < 0 ? '-' : '';
  const a = Math.abs(m);
  return `${sign}${Math.floor(a / 1e6)}.${String(a % 1e6).padStart(6, '0')}`;
}

async function setup() {
  const clock = new ManualClock(Date.now());
  const t = await startTestSimulator({
    clock,
    lifecycle: {
      confirmWindowMs: 30_000,
      executionDelayMs: 15_000,
      hvConfirmWindowMs: 3_000,
      hvExecutionDelayMs: 1_000,
    },
  });
  const [requester, maker] = t.users as [SimTestUser, SimTestUser];
  return { t, clock, requester, maker };
}

interface Case {
  readonly name: string;
  readonly ticker: string;
  readonly size:
    | { contracts_fp: string }
    | { target_cost_dollars: string; target_cost_excludes_fees?: boolean };
  readonly yesBid: string;
  readonly noBid: string;
  readonly side: 'yes' | 'no';
  /** Taker / maker fee rates (bps) and multiplier of the market's series. */
  readonly makerBps: bigint;
  readonly hv: boolean;
}

const CASES: Case[] = [
  {
    name: 'contracts, accepted_side yes, quadratic (no maker fee)',
    ticker: 'KXFEDDECISION-26DEC-H0',
    size: { contracts_fp: '10.00' },
    yesBid: '0.48',
    noBid: '0.48',
    side: 'yes',
    makerBps: 0n,
    hv: false,
  },
  {
    name: 'contracts, accepted_side no, maker-fee series, fractional count',
    ticker: 'KXCPI-26DEC-T0.3',
    size: { contracts_fp: '12.34' },
    yesBid: '0.4100',
    noBid: '0.5300',
    side: 'no',
    makerBps: 175n,
    hv: false,
  },
  {
    name: 'target cost, accepted_side no, combo market (HV, combo maker fee)',
    ticker: 'KXMVECROSSCATEGORY-S2026DEC31-7A1C2E',
    size: { target_cost_dollars: '10.00' },
    yesBid: '0.2000',
    noBid: '0.7450',
    side: 'no',
    makerBps: 350n,
    hv: true,
  },
  {
    name: 'target cost excluding fees, accepted_side yes, sub-cent price',
    ticker: 'KXBTCD-26DEC3117-T105000',
    size: { target_cost_dollars: '25.50', target_cost_excludes_fees: true },
    yesBid: '0.4370',
    noBid: '0.5120',
    side: 'yes',
    makerBps: 175n,
    hv: true,
  },
];

describe('simulator economics: accept → confirm → execute', () => {
  it.each(CASES)('$name', async (c) => {
    const { t, clock, requester, maker } = await setup();
    const rfq = await requester.communications.createRFQ({
      market_ticker: c.ticker,
      rest_remainder: false,
      ...c.size,
    });
    expect(rfq.status).toBe(201);
    const rfqId = rfq.data.id;
    const q = await maker.communications.createQuote({
      rfq_id: rfqId,
      yes_bid: c.yesBid,
      no_bid: c.noBid,
      rest_remainder: false,
    });
    const quoteId = q.data.id;

    const yesBid = micros(c.yesBid);
    const noBid = micros(c.noBid);
    const bid = c.side === 'yes' ? yesBid : noBid;
    const expectedCount =
      'contracts_fp' in c.size
        ? Math.round(Number(c.size.contracts_fp) * 100)
        : targetContracts(micros(c.size.target_cost_dollars), bid, c.size.target_cost_excludes_fees === true);
    const open = (await maker.communications.getRFQQuote(rfqId, quoteId)).data.quote;
    expect(open.status).toBe('open');
    if ('target_cost_dollars' in c.size) {
      const tc = micros(c.size.target_cost_dollars);
      const ex = c.size.target_cost_excludes_fees === true;
      expect(open.yes_contracts_fp).toBe((targetContracts(tc, yesBid, ex) / 100).toFixed(2));
      expect(open.no_contracts_fp).toBe((targetContracts(tc, noBid, ex) / 100).toFixed(2));
      expect(open.rfq_target_cost_dollars).toBe(Number(c.size.target_cost_dollars).toFixed(4));
      // the fact sheet's observed example: $10 at no_bid 0.7450 offers 37.27 contracts
      if (c.noBid === '0.7450' && !ex) expect(open.no_contracts_fp).toBe('37.27');
    } else {
      expect(open.contracts_fp).toBe(c.size.contracts_fp);
      expect(open.yes_contracts_fp).toBe(c.size.contracts_fp);
    }

    expect(
      (await requester.communications.acceptRFQQuote(rfqId, quoteId, { accepted_side: c.side })).status,
    ).toBe(204);
    const takerPrice = 1_000_000 - bid;
    const takerCost = (takerPrice * expectedCount) / 100 + feeMicros(700n, takerPrice, expectedCount);
    const makerFee = feeMicros(c.makerBps, bid, expectedCount);
    const makerCost = (bid * expectedCount) / 100 + makerFee;
    // the requester's funds are held from the accept on
    expect((await balanceMicros(requester)).cents).toBe(Math.trunc((START - takerCost) / 10_000));

    expect((await maker.communications.confirmRFQQuote(rfqId, quoteId)).status).toBe(204);
    expect((await maker.communications.getRFQQuote(rfqId, quoteId)).data.quote.status).toBe('confirmed');
    expect((await balanceMicros(maker)).cents).toBe(Math.trunc((START - makerCost) / 10_000));
    clock.advance(c.hv ? 999 : 14_999);
    expect((await maker.communications.getRFQQuote(rfqId, quoteId)).data.quote.status).toBe('confirmed');
    clock.advance(1);

    const makerView = (await maker.communications.getRFQQuote(rfqId, quoteId)).data.quote;
    const takerView = (await requester.communications.getRFQQuote(rfqId, quoteId)).data.quote;
    expect(makerView.status).toBe('executed');
    expect(makerView.accepted_side).toBe(c.side);
    expect(makerView.executed_ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(makerView.creator_order_id).toBeTruthy();
    expect(makerView.rfq_creator_order_id).toBeUndefined();
    expect(takerView.rfq_creator_order_id).toBeTruthy();
    expect(takerView.creator_order_id).toBeUndefined();
    expect((await requester.communications.getRFQ(rfqId)).data.rfq.status).toBe('closed');

    // balances: cash out = cost + fee, exactly
    const mb = await balanceMicros(maker);
    const rb = await balanceMicros(requester);
    expect(mb.cents).toBe(Math.trunc((START - makerCost) / 10_000));
    expect(rb.cents).toBe(Math.trunc((START - takerCost) / 10_000));
    expect(micros(mb.dollars)).toBe(START - makerCost);
    expect(micros(rb.dollars)).toBe(START - takerCost);

    // positions: signed, + YES / − NO
    const makerSign = c.side === 'yes' ? 1 : -1;
    const mp = (await maker.portfolio.getPositions(undefined, undefined, undefined, c.ticker)).data
      .market_positions;
    const rp = (await requester.portfolio.getPositions(undefined, undefined, undefined, c.ticker)).data
      .market_positions;
    expect(mp).toHaveLength(1);
    expect(mp[0]).toMatchObject({
      ticker: c.ticker,
      position_fp: ((makerSign * expectedCount) / 100).toFixed(2),
      market_exposure_dollars: fmt6((bid * expectedCount) / 100),
      fees_paid_dollars: fmt6(makerFee),
    });
    expect(rp[0]).toMatchObject({
      position_fp: ((-makerSign * expectedCount) / 100).toFixed(2),
      market_exposure_dollars: fmt6((takerPrice * expectedCount) / 100),
      fees_paid_dollars: fmt6(feeMicros(700n, takerPrice, expectedCount)),
    });

    // fills joined by order id
    const mf = (await maker.portfolio.getFills(undefined, makerView.creator_order_id)).data.fills;
    const rf = (await requester.portfolio.getFills(undefined, takerView.rfq_creator_order_id)).data.fills;
    expect(mf).toHaveLength(1);
    expect(rf).toHaveLength(1);
    const yesPrice = c.side === 'yes' ? bid : takerPrice;
    expect(mf[0]).toMatchObject({
      ticker: c.ticker,
      outcome_side: c.side,
      book_side: c.side === 'yes' ? 'bid' : 'ask',
      count_fp: (expectedCount / 100).toFixed(2),
      yes_price_dollars: fmt6(yesPrice),
      no_price_dollars: fmt6(1_000_000 - yesPrice),
      is_taker: false,
      fee_cost: fmt6(makerFee),
    });
    expect(rf[0]).toMatchObject({
      outcome_side: c.side === 'yes' ? 'no' : 'yes',
      book_side: c.side === 'yes' ? 'ask' : 'bid',
      count_fp: (expectedCount / 100).toFixed(2),
      yes_price_dollars: fmt6(yesPrice),
      is_taker: true,
      fee_cost: fmt6(feeMicros(700n, takerPrice, expectedCount)),
    });
    const stats = await t.admin<Record<string, number>>('GET', '/_sim/stats');
    expect(stats.body).toMatchObject({ accepts: 1, confirms: 1, executions: 1, open_rfqs: 0 });
  });

  it('matches the observed Kalshi round trip: 1 contract at 0.48/0.52, taker fee 0.017500', async () => {
    const { clock, requester, maker } = await setup();
    const rfqId = (
      await requester.communications.createRFQ({
        market_ticker: 'KXFEDDECISION-26DEC-C25',
        rest_remainder: false,
        contracts: 1,
      })
    ).data.id;
    const quoteId = (
      await maker.communications.createQuote({
        rfq_id: rfqId,
        yes_bid: '0.48',
        no_bid: '0.48',
        rest_remainder: false,
      })
    ).data.id;
    await requester.communications.acceptQuote(quoteId, { accepted_side: 'yes' });
    await maker.communications.confirmQuote(quoteId, {});
    clock.advance(15_000);
    const fills = (await requester.portfolio.getFills('KXFEDDECISION-26DEC-C25')).data.fills;
    expect(fills[0]).toMatchObject({
      outcome_side: 'no',
      no_price_dollars: '0.520000',
      is_taker: true,
      fee_cost: '0.017500',
    });
    const makerFills = (await maker.portfolio.getFills('KXFEDDECISION-26DEC-C25')).data.fills;
    expect(makerFills[0]).toMatchObject({
      outcome_side: 'yes',
      yes_price_dollars: '0.480000',
      is_taker: false,
      fee_cost: '0.000000',
    });
  });

  it('nets YES against NO: a later opposite fill pays $1 per netted contract', async () => {
    const { t, clock, requester, maker } = await setup();
    const ticker = 'KXNBAGAME-26DEC31LALBOS-LAL';
    const trade = async (side: 'yes' | 'no', yes: string, no: string) => {
      const rfqId = (
        await requester.communications.createRFQ({
          market_ticker: ticker,
          rest_remainder: false,
          contracts: 5,
        })
      ).data.id;
      const quoteId = (
        await maker.communications.createQuote({
          rfq_id: rfqId,
          yes_bid: yes,
          no_bid: no,
          rest_remainder: false,
        })
      ).data.id;
      await requester.communications.acceptRFQQuote(rfqId, quoteId, { accepted_side: side });
      await maker.communications.confirmRFQQuote(rfqId, quoteId);
      clock.advance(15_000);
    };
    await trade('yes', '0.40', '0.55'); // maker long 5 YES at 0.40
    await trade('no', '0.40', '0.55'); // maker buys 5 NO at 0.55: nets to 0, paid $1 × 5
    const pos = (await maker.portfolio.getPositions(undefined, undefined, undefined, ticker)).data
      .market_positions[0];
    expect(pos).toMatchObject({
      position_fp: '0.00',
      market_exposure_dollars: '0.000000',
      realized_pnl_dollars: '0.250000',
    });
    // maker paid 2.00 + 2.75 and got 5.00 back; KXNBAGAME is quadratic ×0.5: no maker fee
    const bal = await maker.portfolio.getBalance();
    expect(bal.data.balance_dollars).toBe('10000.2500');
    const users = await t.admin<{ users: { user_id: string; held_dollars: string }[] }>(
      'GET',
      '/_sim/users?internal=false',
    );
    for (const u of users.body.users) expect(u.held_dollars).toBe('0.000000');
  });

  it('rejects a trade the balance cannot cover: at accept for the requester, at confirm for the maker', async () => {
    const clock = new ManualClock(Date.now());
    const t = await startTestSimulator({ clock, userCount: 0 });
    const poorRequester = t.addUser({ balanceMicros: 1_000_000 });
    const maker = t.addUser();
    const poorMaker = t.addUser({ balanceMicros: 2_000_000 });
    const rfqId = (
      await poorRequester.communications.createRFQ({
        market_ticker: 'KXCPI-26DEC-T0.2',
        rest_remainder: false,
        contracts: 10,
      })
    ).data.id;
    const quoteId = (
      await maker.communications.createQuote({
        rfq_id: rfqId,
        yes_bid: '0.50',
        no_bid: '0.45',
        rest_remainder: false,
      })
    ).data.id;
    const err = await sdkError(
      poorRequester.communications.acceptRFQQuote(rfqId, quoteId, { accepted_side: 'yes' }),
    );
    expect(err.status).toBe(400);
    expect(err.data).toEqual({
      error: { code: 'insufficient_balance', message: 'insufficient balance' },
    });
    expect((await maker.communications.getRFQQuote(rfqId, quoteId)).data.quote.status).toBe('open');

    const rich = t.addUser();
    const rfq2 = (
      await rich.communications.createRFQ({
        market_ticker: 'KXCPI-26DEC-T0.2',
        rest_remainder: false,
        contracts: 10,
      })
    ).data.id;
    const q2 = (
      await poorMaker.communications.createQuote({
        rfq_id: rfq2,
        yes_bid: '0.50',
        no_bid: '0.45',
        rest_remainder: false,
      })
    ).data.id;
    await rich.communications.acceptRFQQuote(rfq2, q2, { accepted_side: 'yes' });
    const err2 = await sdkError(poorMaker.communications.confirmRFQQuote(rfq2, q2));
    expect(err2.status).toBe(400);
    expect((err2.data as { error: { code: string } }).error.code).toBe('insufficient_balance');
    expect((await poorMaker.communications.getRFQQuote(rfq2, q2)).data.quote.status).toBe('accepted');
  });
});
