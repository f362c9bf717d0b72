import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import { contracts, dollars } from '../../../src/domain/money.js';
import { createMetrics } from '../../../src/ops/metrics.js';
import { Schedules } from '../../../src/ops/schedules.js';
import { QuoteStore } from '../../../src/quotes/quote-store.js';
import { RfqBook } from '../../../src/rfq/rfq-book.js';
import { ExposureBook } from '../../../src/risk/exposure.js';
import { KillSwitch } from '../../../src/risk/kill-switch.js';
import { DEFAULT_RISK_LIMITS } from '../../../src/risk/limits.js';

/** The summary line of a book holding these positions (cost in dollars), after `settle`. */
function summaryLine(
  positions: readonly { ticker: string; contracts: string; cost: string }[],
  settle: (exposure: ExposureBook) => void,
): string {
  const clock = new ManualClock(Date.UTC(2026, 0, 5, 12));
  const silent = pino({ level: 'silent' });
  const exposure = new ExposureBook({ clock, log: silent });
  exposure.loadPositions(
    positions.map((p) => ({
      ticker: p.ticker,
      position: contracts(p.contracts),
      marketExposure: dollars(p.cost),
      realizedPnl: 0,
      feesPaid: 0,
      totalTraded: 0,
    })),
  );
  settle(exposure);
  const lines: string[] = [];
  const metrics = createMetrics();
  const schedules = new Schedules(
    {
      exposure,
      killSwitch: new KillSwitch({ clock }),
      // summary() reads no market data and no exchange positions.
      data: undefined as never,
      positions: async () => [],
      store: new QuoteStore(silent, clock),
      book: new RfqBook(clock),
      metrics,
      logger: pino({ level: 'info' }, { write: (line: string) => void lines.push(line) }),
      clock,
      limits: () => DEFAULT_RISK_LIMITS,
    },
    { reconcileCron: '*/30 * * * * *', markIntervalMs: 5_000, summaryIntervalMs: 30_000 },
  );
  schedules.summary();
  metrics.close();
  return (JSON.parse(lines[0]!) as { msg: string }).msg;
}

describe('the summary line', () => {
  it('prints P&L in dollars to the cent and positions in contracts', () => {
    // 10 YES bought for $6.786 settle at $10: +$3.214, printed "$3.21" (not $3.214).
    const msg = summaryLine(
      [
        { ticker: 'KXA-1', contracts: '10', cost: '6.786' },
        { ticker: 'KXB-1', contracts: '2.5', cost: '1.25' },
      ],
      (exposure) => exposure.settleMarket('KXA-1', 'yes'),
    );
    expect(msg).toMatch(/, position 2\.5 contracts over \d markets, P&L \$3\.21 \(marked\)$/);
    // A loss (YES held, NO wins) keeps its sign; a whole-dollar P&L keeps its cents.
    const loss = summaryLine([{ ticker: 'KXB-1', contracts: '2.5', cost: '1.25' }], (exposure) =>
      exposure.settleMarket('KXB-1', 'no'),
    );
    expect(loss).toMatch(/P&L -\$1\.25 \(marked\)$/);
    const even = summaryLine([{ ticker: 'KXC-1', contracts: '4', cost: '1' }], (exposure) =>
      exposure.settleMarket('KXC-1', 'yes'),
    );
    expect(even).toMatch(/P&L \$3\.00 \(marked\)$/);
  });
});
