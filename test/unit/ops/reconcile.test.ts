import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import type { MarketPosition } from '../../../src/domain/types.js';
import { createMetrics } from '../../../src/ops/metrics.js';
import { Schedules } from '../../../src/ops/schedules.js';
import { QuoteStore } from '../../../src/quotes/quote-store.js';
import { RfqBook } from '../../../src/rfq/rfq-book.js';
import { ExposureBook } from '../../../src/risk/exposure.js';
import { KillSwitch } from '../../../src/risk/kill-switch.js';
import { DEFAULT_RISK_LIMITS } from '../../../src/risk/limits.js';
import { metricValue } from '../../helpers/bot.js';
import { marketPosition } from '../risk/fixtures.js';

const T0 = Date.parse('2026-03-09T15:00:00Z');
const silent = pino({ level: 'silent' });

/** Reconciliation with a scripted exchange: its positions, and fills the sync books. */
function setup(theirs: () => MarketPosition[], onSync: (book: ExposureBook) => void) {
  const clock = new ManualClock(T0);
  const exposure = new ExposureBook({ clock });
  const metrics = createMetrics({ processMetrics: false });
  let syncs = 0;
  const schedules = new Schedules(
    {
      exposure,
      killSwitch: new KillSwitch({ clock }),
      data: undefined as never,
      positions: async () => theirs(),
      syncFills: async () => {
        syncs++;
        onSync(exposure);
      },
      store: new QuoteStore(silent, clock),
      book: new RfqBook(clock),
      metrics,
      logger: silent,
      clock,
      limits: () => DEFAULT_RISK_LIMITS,
    },
    { reconcileCron: '*/30 * * * * *', markIntervalMs: 5_000, summaryIntervalMs: 0 },
  );
  return { clock, exposure, metrics, schedules, syncs: () => syncs };
}

const fill = (tradeId: string, contracts: number) => ({
  tradeId,
  orderId: 'o1',
  marketTicker: 'KXA-26-A',
  side: 'yes' as const,
  contracts,
  price: 400_000,
  fee: 0,
  tradedAt: T0,
});

describe('position reconciliation with fills as the record', () => {
  it('a fill still on its way is not a mismatch: the fills are synced again before anything is adopted', async () => {
    let listed = 0;
    const { clock, exposure, metrics, schedules, syncs } = setup(
      () => [marketPosition('KXA-26-A', 1_000, 4_000_000)],
      // The first sync finds nothing yet; the second brings the fill the exchange already counts.
      (book) => {
        if (++listed === 2) book.applyFill(fill('t1', 1_000));
      },
    );
    const running = schedules.reconcile();
    await clock.advanceAsync(1_000);
    expect(await running).toBe(0);
    expect(syncs()).toBe(2);
    expect(exposure.position('KXA-26-A')).toBe(1_000);
    expect(await metricValue(metrics.reconcileDiscrepancies)).toBe(0);
    // The fill counted once: its cost is the fill's, not the exchange's adopted number.
    expect(exposure.snapshot().positions.get('KXA-26-A')?.cost).toBe(4_000_000);
    metrics.close();
  });

  it('a difference that stays after the fills are synced twice is reported and the exchange adopted', async () => {
    const { clock, exposure, metrics, schedules } = setup(
      () => [marketPosition('KXA-26-A', 300, 120_000)],
      () => undefined,
    );
    const running = schedules.reconcile();
    await clock.advanceAsync(1_000);
    expect(await running).toBe(1);
    expect(exposure.position('KXA-26-A')).toBe(300);
    expect(await metricValue(metrics.reconcileDiscrepancies, { kind: 'position' })).toBe(1);
    metrics.close();
  });

  it('agreeing books need one look, no wait', async () => {
    const { schedules, syncs } = setup(
      () => [],
      () => undefined,
    );
    expect(await schedules.reconcile()).toBe(0);
    expect(syncs()).toBe(1);
  });
});
