/**
 * The account-wide view of a cluster instance: its own book plus the other instances'
 * reservations. Fills are the account's: every instance books every fill it receives.
 */
import { describe, expect, it } from 'vitest';
import { ClusterExposureBook, type ExposureShare } from '../../../src/cluster/exposure-book.js';
import type { RemoteReservation } from '../../../src/cluster/reservations.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { DEFAULT_FEE_SCHEDULE } from '../../../src/domain/fees.js';
import { type QuoteExposure, sideExposure } from '../../../src/risk/snapshot.js';
import { openQuoteWeight, riskView } from '../../../src/risk/worst-case.js';
import { testRfq } from '../../../src/strategy/memory-data.js';

const fees = DEFAULT_FEE_SCHEDULE;
const yes = sideExposure(400_000, 1_000, fees);
const no = sideExposure(500_000, 1_000, fees);

function quote(id: string, rfqId: string, accepted?: 'yes'): QuoteExposure {
  return {
    quoteId: id,
    rfqId,
    marketTicker: 'EV-M1',
    eventTicker: 'EV',
    state: accepted ? 'confirmed' : 'open',
    yes,
    no,
    fees,
    openedAt: 0,
    ...(accepted ? { accepted: { side: 'yes' as const, ...yes } } : {}),
  };
}

function book(remote: RemoteReservation[]) {
  const clock = new ManualClock(1_000_000);
  const b = new ClusterExposureBook({ clock });
  const share: ExposureShare = { changed: () => undefined, remote: () => remote };
  b.share(share);
  return { b, clock };
}

const limits = { exposureModel: 'worst-case' } as Parameters<typeof openQuoteWeight>[0];

describe('ClusterExposureBook', () => {
  it("counts another instance's open quote as a live quote of the account", () => {
    const { b } = book([{ field: 'other|q1', owner: 'other', exposure: quote('q1', 'r1') }]);
    const view = riskView(b.snapshot(), { openQuoteWeightPpm: openQuoteWeight(limits) });
    expect(view.liveQuotes).toBe(1);
    expect(view.markets.get('EV-M1')?.worstContracts).toBe(1_000);
  });

  it("books another instance's fills as account position, once: its reservation less what we booked of its order", () => {
    const remote: RemoteReservation[] = [
      { field: 'other|q2', owner: 'other', exposure: { ...quote('q2', 'r2', 'yes'), orderId: 'o-other' } },
    ];
    const { b } = book(remote);
    const worst = () =>
      riskView(b.snapshot(), { openQuoteWeightPpm: openQuoteWeight(limits) }).markets.get('EV-M1')
        ?.worstContracts;
    expect(worst()).toBe(1_000);
    // One account: the other instance's fill reaches us on the account's fill channel.
    const booking = b.applyFill({
      tradeId: 't-2',
      orderId: 'o-other',
      marketTicker: 'EV-M1',
      side: 'yes',
      contracts: 1_000,
      price: 400_000,
      fee: 70_000,
      tradedAt: 1_000_000,
    });
    expect(booking.kind).toBe('booked');
    expect(b.snapshot().positions.get('EV-M1')?.contracts).toBe(1_000);
    // The fill is in our position; the other's reservation no longer holds it.
    expect(worst()).toBe(1_000);
    remote.splice(0);
    expect(worst()).toBe(1_000);
  });

  it('counts the fills another instance has booked and we have not yet: they are in neither its reservation nor our position', () => {
    // It booked 600 of its 1,000 contracts; the same fills reach us a moment later.
    const partly: QuoteExposure = {
      ...quote('q6', 'r6', 'yes'),
      orderId: 'o-6',
      filled: 600,
      accepted: { side: 'yes', ...sideExposure(400_000, 400, fees) },
    };
    const executed: QuoteExposure = {
      ...partly,
      filled: 1_000,
      accepted: { side: 'yes', ...sideExposure(400_000, 0, fees) },
    };
    const remote: RemoteReservation[] = [{ field: 'other|q6', owner: 'other', exposure: partly }];
    const { b } = book(remote);
    const view = () => riskView(b.snapshot(), { openQuoteWeightPpm: openQuoteWeight(limits) });
    const worst = () => view().markets.get('EV-M1')?.worstContracts;
    expect(worst()).toBe(1_000);
    // Its order done, it publishes the execution: still 1,000 until our fills catch up.
    remote[0] = { ...remote[0]!, exposure: executed, executedAt: 1_000_000 };
    expect(worst()).toBe(1_000);
    b.applyFill({
      tradeId: 't-6a',
      orderId: 'o-6',
      marketTicker: 'EV-M1',
      side: 'yes',
      contracts: 600,
      price: 400_000,
      fee: 0,
      tradedAt: 1_000_000,
    });
    expect(worst()).toBe(1_000);
    b.applyFill({
      tradeId: 't-6b',
      orderId: 'o-6',
      marketTicker: 'EV-M1',
      side: 'yes',
      contracts: 400,
      price: 400_000,
      fee: 0,
      tradedAt: 1_000_000,
    });
    // All booked here: the execution is position only, and no live quote.
    expect(worst()).toBe(1_000);
    expect(view().liveQuotes).toBe(0);
  });

  it('publishes its own executed quote, with what filled, until the others have booked it', () => {
    const changes: [string, QuoteExposure | undefined, number | undefined][] = [];
    const clock = new ManualClock(1_000_000);
    const b = new ClusterExposureBook({ clock });
    b.share({ changed: (id, exposure, at) => changes.push([id, exposure, at]), remote: () => [] });
    const rfq = testRfq({ id: 'r7', marketTicker: 'EV-M1', contracts: '10' });
    b.quoteOpened({
      rfq,
      quoteId: 'q7',
      yesBid: 400_000,
      noBid: 500_000,
      yesContracts: 1_000,
      noContracts: 1_000,
      sentAt: 1_000_000,
    });
    b.quoteAccepted('q7', 'yes');
    b.linkOrder('q7', 'o-7');
    b.applyFill({
      tradeId: 't-7',
      orderId: 'o-7',
      marketTicker: 'EV-M1',
      side: 'yes',
      contracts: 1_000,
      price: 400_000,
      fee: 0,
      tradedAt: 1_000_000,
    });
    clock.advance(5);
    b.quoteFillsDone('q7');
    expect(changes.at(-1)).toEqual([
      'q7',
      expect.objectContaining({ filled: 1_000, accepted: expect.objectContaining({ contracts: 0 }) }),
      1_000_005,
    ]);
  });

  it("asks for the others' reservations again at a fill no quote of ours claims (theirs: its accept comes with them)", () => {
    let asked = 0;
    const b = new ClusterExposureBook({ clock: new ManualClock(1_000_000) });
    b.share({ changed: () => undefined, remote: () => [], othersTraded: () => asked++ });
    const fill = {
      orderId: 'o-theirs',
      marketTicker: 'EV-M1',
      side: 'yes' as const,
      contracts: 1_000,
      price: 400_000,
      fee: 0,
      tradedAt: 1_000_000,
    };
    b.applyFill({ ...fill, tradeId: 't-8' });
    b.applyFill({ ...fill, tradeId: 't-8' }); // the same trade again: booked once, asked once
    expect(asked).toBe(1);
  });

  it('before the other instance publishes its order id, takes an unclaimed fill at its bid as its fill', () => {
    const fill = (tradeId: string, price: number) => ({
      tradeId,
      orderId: `o-${tradeId}`,
      marketTicker: 'EV-M1',
      side: 'yes' as const,
      contracts: 1_000,
      price,
      fee: 70_000,
      tradedAt: 1_000_000,
    });
    const worst = (b: ClusterExposureBook) =>
      riskView(b.snapshot(), { openQuoteWeightPpm: openQuoteWeight(limits) }).markets.get('EV-M1')
        ?.worstContracts;
    const atBid = book([{ field: 'other|q4', owner: 'other', exposure: quote('q4', 'r4', 'yes') }]).b;
    atBid.applyFill(fill('t-4', 400_000));
    expect(worst(atBid)).toBe(1_000);
    // At another price it may be anybody's: counted in the position and in the reservation (the safe side).
    const elsewhere = book([{ field: 'other|q5', owner: 'other', exposure: quote('q5', 'r5', 'yes') }]).b;
    elsewhere.applyFill(fill('t-5', 380_000));
    expect(worst(elsewhere)).toBe(2_000);
  });

  it('does not report a position difference on a market where another instance has quotes', () => {
    const { b } = book([{ field: 'other|q3', owner: 'other', exposure: quote('q3', 'r3', 'yes') }]);
    b.loadPositions([]);
    const position = {
      ticker: 'EV-M1',
      position: 1_000,
      marketExposure: 400_000,
      realizedPnl: 0,
      feesPaid: 0,
    };
    expect(b.reconcile([position as never])).toEqual([]);
    // The exchange's numbers are adopted all the same.
    expect(b.snapshot().positions.get('EV-M1')?.contracts).toBe(1_000);
    const { b: alone } = book([]);
    alone.loadPositions([]);
    expect(alone.reconcile([position as never])).toHaveLength(1);
  });
});
