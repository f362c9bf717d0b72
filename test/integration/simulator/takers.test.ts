import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/simulator/index.js';
import { type SimTestUser, startTestSimulator } from '../../helpers/simulator.js';

const unlimited = { read: { refillRate: 1e9, capacity: 1e9 }, write: { refillRate: 1e9, capacity: 1e9 } };

async function takerSim(seed: number, takers: Record<string, unknown>) {
  const clock = new ManualClock(1_800_000_000_000);
  const t = await startTestSimulator({
    seed,
    clock,
    userCount: 0,
    walkIntervalMs: 1000,
    rateLimits: unlimited,
    takers: { ratePerMinute: 600, quoteWaitMs: [1_000, 1_000], maxRounds: 3, deleteChance: 0, ...takers },
    // wall time for auth must stay real: the manual clock only drives the simulation
  });
  const maker = t.addUser({ balanceMicros: 10_000_000_000_000 });
  return { t, clock, maker };
}

async function openRfqs(u: SimTestUser) {
  const all = [];
  let cursor: string | undefined;
  do {
    const page = (await u.communications.getRFQs(cursor, undefined, undefined, undefined, 100, 'open')).data;
    all.push(...page.rfqs);
    cursor = page.cursor || undefined;
  } while (cursor);
  return all;
}

describe('simulator synthetic takers', () => {
  it('create RFQs sized by contracts and by target cost on random markets', async () => {
    const { t, clock, maker } = await takerSim(11, {});
    clock.advance(10_000);
    const stats = (await t.admin<{ rfqsCreated: number }>('GET', '/_sim/stats')).body;
    expect(stats.rfqsCreated).toBeGreaterThan(50);
    expect(stats.rfqsCreated).toBeLessThan(200);
    const rfqs = await openRfqs(maker);
    expect(rfqs.some((r) => r.target_cost_dollars !== undefined)).toBe(true);
    expect(rfqs.some((r) => r.target_cost_dollars === undefined && r.contracts_fp !== '0.00')).toBe(true);
    expect(new Set(rfqs.map((r) => r.market_ticker)).size).toBeGreaterThan(10);
  });

  it('are deterministic for a seed', async () => {
    const run = async (seed: number) => {
      const { clock, maker } = await takerSim(seed, {});
      clock.advance(5_000);
      return (await openRfqs(maker)).map(
        (r) => `${r.market_ticker}|${r.contracts_fp}|${r.target_cost_dollars ?? ''}|${r.created_ts}`,
      );
    };
    const a = await run(5);
    const b = await run(5);
    const c = await run(6);
    expect(a.length).toBeGreaterThan(10);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('accept quotes that beat their view, ignore bad ones, and delete RFQs nobody quotes well', async () => {
    const { t, clock, maker } = await takerSim(21, { ratePerMinute: 120 });
    clock.advance(5_000); // RFQs arrive; their first decision finds no quotes
    const rfqs = await openRfqs(maker);
    expect(rfqs.length).toBeGreaterThan(3);
    const good = rfqs.filter((_, i) => i % 2 === 0);
    const bad = rfqs.filter((_, i) => i % 2 === 1);
    t.sim.context.takers.setRate(0); // no new arrivals from here on
    for (const r of good) {
      // maker pays 0.98 for YES: every taker's view makes selling YES at 0.98 attractive
      await maker.communications.createQuote({
        rfq_id: r.id,
        yes_bid: '0.98',
        no_bid: '0.01',
        rest_remainder: false,
      });
    }
    for (const r of bad) {
      // YES for 0.99 plus fee: worth it only to a taker sure of YES
      await maker.communications.createQuote({
        rfq_id: r.id,
        yes_bid: '0',
        no_bid: '0.01',
        rest_remainder: false,
      });
    }
    clock.advance(1_000);
    const accepted = (
      await maker.communications.getQuotes(
        undefined,
        undefined,
        undefined,
        500,
        'accepted',
        undefined,
        'self',
      )
    ).data.quotes;
    const goodIds = new Set(good.map((r) => r.id));
    expect(accepted.every((q) => goodIds.has(q.rfq_id))).toBe(true);
    expect(accepted.length).toBeGreaterThanOrEqual(Math.ceil(good.length / 2));
    expect(accepted.every((q) => q.accepted_side === 'yes')).toBe(true);
    for (const q of accepted) await maker.communications.confirmRFQQuote(q.rfq_id, q.id);
    clock.advance(15_000);
    const stats = (
      await t.admin<{ executions: number; rfqsDeleted: number; open_rfqs: number }>('GET', '/_sim/stats')
    ).body;
    expect(stats.executions).toBe(accepted.length);
    const positions = (await maker.portfolio.getPositions(undefined, 1000, 'position')).data.market_positions;
    expect(positions.length).toBeGreaterThan(0);
    // the badly quoted RFQs are given up after their rounds
    clock.advance(10_000);
    const after = (await t.admin<{ rfqsDeleted: number; open_rfqs: number }>('GET', '/_sim/stats')).body;
    expect(after.rfqsDeleted).toBeGreaterThanOrEqual(bad.length);
    expect(after.open_rfqs).toBe(0);
  });

  it('come back to an RFQ whose accepted quote lapsed', async () => {
    const { t, clock, maker } = await takerSim(31, { ratePerMinute: 0, maxRounds: 10 });
    const other = t.addUser();
    const rfq = t.sim.context.takers.createRfq({
      marketTicker: 'KXCPI-26DEC-T0.3',
      size: { kind: 'contracts', contracts: 100 },
      auto: true,
    });
    await maker.communications.createQuote({
      rfq_id: rfq.id,
      yes_bid: '0.98',
      no_bid: '0.01',
      rest_remainder: false,
    });
    clock.advance(1_000);
    const first = (
      await maker.communications.getQuotes(
        undefined,
        undefined,
        undefined,
        500,
        'accepted',
        undefined,
        'self',
      )
    ).data.quotes;
    expect(first).toHaveLength(1);
    // the maker lets the window lapse; a competitor quotes meanwhile
    await other.communications.createQuote({
      rfq_id: rfq.id,
      yes_bid: '0.97',
      no_bid: '0.01',
      rest_remainder: false,
    });
    clock.advance(30_500);
    const second = (
      await other.communications.getQuotes(
        undefined,
        undefined,
        undefined,
        500,
        'accepted',
        undefined,
        'self',
      )
    ).data.quotes;
    expect(second).toHaveLength(1);
  });
});
