/**
 * The account-wide view of a cluster instance: its own book plus the other instances'
 * reservations. Another instance's fill is position (not a live quote) until our positions
 * from the exchange hold it, and then it is not counted twice.
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

  it("counts another instance's fill as position, not as a live quote", () => {
    const { b, clock } = book([
      { field: 'other|q2', owner: 'other', exposure: quote('q2', 'r2', 'yes'), executedAt: 1_000_500 },
    ]);
    b.loadPositions([]);
    clock.advance(10);
    const snapshot = b.snapshot();
    const view = riskView(snapshot, { openQuoteWeightPpm: openQuoteWeight(limits) });
    expect(view.liveQuotes).toBe(0);
    expect(snapshot.positions.get('EV-M1')?.contracts).toBe(1_000);
  });

  it('stops counting the fill once reconciliation finds it in the exchange positions', () => {
    const { b, clock } = book([
      { field: 'other|q3', owner: 'other', exposure: quote('q3', 'r3', 'yes'), executedAt: 1_000_000 },
    ]);
    b.loadPositions([]);
    clock.advance(100);
    const discrepancies = b.reconcile([
      { ticker: 'EV-M1', position: 1_000, marketExposure: 400_000, realizedPnl: 0, feesPaid: 0 } as never,
    ]);
    expect(discrepancies).toEqual([]);
    const view = riskView(b.snapshot(), { openQuoteWeightPpm: openQuoteWeight(limits) });
    // Once, from the exchange's position; not again as the other instance's fill.
    expect(view.markets.get('EV-M1')?.worstContracts).toBe(1_000);
  });
});
