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

  it('counts a fill twice only while the order it belongs to is not known: the safe side', () => {
    const { b } = book([{ field: 'other|q4', owner: 'other', exposure: quote('q4', 'r4', 'yes') }]);
    b.applyFill({
      tradeId: 't-4',
      orderId: 'o-unlinked',
      marketTicker: 'EV-M1',
      side: 'yes',
      contracts: 1_000,
      price: 400_000,
      fee: 70_000,
      tradedAt: 1_000_000,
    });
    const view = riskView(b.snapshot(), { openQuoteWeightPpm: openQuoteWeight(limits) });
    expect(view.markets.get('EV-M1')?.worstContracts).toBe(2_000);
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
