import { afterEach, describe, expect, it } from 'vitest';
import type { Micros } from '../../../src/domain/money.js';
import { QuoteManager } from '../../../src/quotes/quote-manager.js';
import type { TrackedQuote } from '../../../src/quotes/quote-store.js';
import { Quoter } from '../../../src/quotes/quoter.js';
import { type StaleReason, Sweeper, type SweeperOptions } from '../../../src/quotes/sweeper.js';
import { type Harness, type HarnessOptions, quotingHarness, START, until } from './harness.js';

const harnesses: Harness[] = [];
const sweepers: Sweeper[] = [];
afterEach(async () => {
  await Promise.all(sweepers.splice(0).map((s) => s.stop()));
  await Promise.all(harnesses.splice(0).map((h) => h.stop()));
});

interface Stale {
  readonly quoteKey: number;
  readonly reason: StaleReason;
  readonly detail: string;
}

async function setup(options: HarnessOptions = {}, sweeper: Partial<SweeperOptions> = {}) {
  const h = await quotingHarness(options);
  harnesses.push(h);
  const quoter = new Quoter(
    h.deps,
    () => undefined,
    async () => undefined,
  );
  const stale: Stale[] = [];
  const sweep = new Sweeper({
    deps: h.deps,
    intervalMs: 1_000,
    routeOf: (quote) => quoter.routeOf(quote),
    onStale: (quote, reason, detail) => stale.push({ quoteKey: quote.key, reason, detail }),
    logger: h.logger,
    clock: h.clock,
    ...sweeper,
  });
  sweepers.push(sweep);
  const open = async (marketTicker = 'KXTEST-1'): Promise<TrackedQuote> => {
    const rfq = h.rfq({ marketTicker });
    h.book.upsert(rfq);
    await quoter.quote(rfq, 'new');
    return h.store.forRfq(rfq.id)!;
  };
  return { h, sweep, stale, open };
}

describe('Sweeper', () => {
  it('finds a quote at its TTL, not a millisecond before (the intent may shorten it)', async () => {
    const { h, sweep, stale, open } = await setup();
    const standard = await open();
    h.strategy.price = () => ({ yesBid: 400_000, noBid: 500_000, ttlMs: 5_000 });
    const short = await open('KXTEST-2');
    h.clock.advance(4_999);
    await sweep.sweep();
    expect(stale).toEqual([]);
    h.clock.advance(1);
    await sweep.sweep();
    expect(stale).toEqual([{ quoteKey: short.key, reason: 'ttl', detail: 'live for 5000 ms (ttl 5000 ms)' }]);
    h.clock.advance(54_999);
    stale.length = 0;
    await sweep.sweep();
    expect(stale.map((s) => s.quoteKey)).toEqual([short.key]);
    h.clock.advance(1);
    await sweep.sweep();
    expect(stale.find((s) => s.quoteKey === standard.key)).toEqual({
      quoteKey: standard.key,
      reason: 'ttl',
      detail: 'live for 60000 ms (ttl 60000 ms)',
    });
  });

  it('finds a quote whose RFQ is no longer open', async () => {
    const { h, sweep, stale, open } = await setup();
    const quote = await open();
    h.book.remove(quote.rfq.id);
    await sweep.sweep();
    expect(stale).toEqual([
      { quoteKey: quote.key, reason: 'rfq closed', detail: 'the RFQ is no longer open' },
    ]);
  });

  it("finds a quote outside its route's trading windows", async () => {
    // Open during 15:00-15:59 UTC; the harness starts at 15:00.
    const { h, sweep, stale, open } = await setup({
      routeWindows: [{ cron: '* 15 * * *', timezone: 'UTC' }],
      settings: { ttlMs: 24 * 3_600_000 },
    });
    const quote = await open();
    h.clock.advanceTo(START + 59 * 60_000);
    await sweep.sweep();
    expect(stale).toEqual([]);
    h.clock.advanceTo(START + 60 * 60_000);
    await sweep.sweep();
    expect(stale).toEqual([
      {
        quoteKey: quote.key,
        reason: 'route window closed',
        detail: 'outside the trading windows of routes[0] "all"',
      },
    ]);
  });

  const FAIR_VALUES: readonly { readonly now: Micros | undefined; readonly moved: boolean }[] = [
    { now: 450_000, moved: false },
    { now: 470_000, moved: false },
    { now: 429_999, moved: true },
    { now: 470_001, moved: true },
    { now: undefined, moved: false },
  ];

  it.each(FAIR_VALUES)('fair value 0.45 -> $now micros (tolerance 0.02): stale=$moved', async (row) => {
    const { h, sweep, stale, open } = await setup();
    const quote = await open();
    h.strategy.fairValue = () => row.now;
    await sweep.sweep();
    expect(stale).toEqual(
      row.moved
        ? [
            {
              quoteKey: quote.key,
              reason: 'fair value moved',
              detail: `fair value 450000 -> ${row.now} micros (tolerance 20000)`,
            },
          ]
        : [],
    );
  });

  it('asks for a fair value once per market and route per sweep, and at most every 5 s', async () => {
    const { h, sweep, stale, open } = await setup();
    await open();
    await open();
    let calls = 0;
    h.strategy.fairValue = () => {
      calls++;
      return 500_000;
    };
    await sweep.sweep();
    expect(calls).toBe(1);
    expect(stale.map((s) => s.reason)).toEqual(['fair value moved', 'fair value moved']);
    await sweep.sweep();
    h.clock.advance(4_999);
    await sweep.sweep();
    expect(calls).toBe(1);
    h.clock.advance(1);
    await sweep.sweep();
    expect(calls).toBe(2);
  });

  it('leaves fair-value checks out while the read budget is short', async () => {
    let tokens = 0;
    const { h, sweep, stale, open } = await setup({}, { readBudget: () => tokens, minReadTokens: () => 10 });
    await open();
    let calls = 0;
    h.strategy.fairValue = () => {
      calls++;
      return 600_000;
    };
    await sweep.sweep();
    expect(calls).toBe(0);
    expect(stale).toEqual([]);
    tokens = 10;
    await sweep.sweep();
    expect(calls).toBe(1);
    expect(stale.map((s) => s.reason)).toEqual(['fair value moved']);
  });

  it('looks only at open quotes, and drops finished quotes past their retention', async () => {
    const { h, sweep, stale, open } = await setup();
    const accepted = await open();
    h.store.transition(accepted, 'accepted');
    const deleted = await open('KXTEST-2');
    h.store.transition(deleted, 'deleting');
    h.store.transition(deleted, 'deleted');
    h.clock.advance(600_001);
    await sweep.sweep();
    expect(stale).toEqual([]);
    expect(h.store.forRfq(deleted.rfq.id)).toBeUndefined();
    expect(h.store.forRfq(accepted.rfq.id)).toBe(accepted);
  });

  it('runs on its interval and never starts a sweep while one is running', async () => {
    const { h, sweep, open } = await setup({}, { fairValueCheckMs: 0 });
    await open();
    let calls = 0;
    let answer: (value: Micros) => void = () => undefined;
    h.strategy.fairValue = () => {
      calls++;
      return new Promise<Micros>((resolve) => {
        answer = resolve;
      });
    };
    sweep.start();
    h.clock.advance(999);
    expect(calls).toBe(0);
    h.clock.advance(1);
    await until(() => calls === 1, 'the first sweep');
    h.clock.advance(3_000);
    expect(calls).toBe(1);
    answer(450_000);
    await until(() => {
      h.clock.advance(1_000);
      return calls === 2;
    }, 'the next sweep once the first ended');
  });
});

describe('Sweeper through the quote manager', () => {
  it('pulls a quote at its TTL and quotes the RFQ again; without requoteOnSweep it only pulls', async () => {
    for (const requoteOnSweep of [true, false]) {
      const h = await quotingHarness({ settings: { requoteOnSweep, ttlMs: 5_000 } });
      harnesses.push(h);
      const manager = new QuoteManager(h.deps, { sweepIntervalMs: 1_000 });
      manager.start();
      const rfq = h.rfq();
      h.book.upsert(rfq);
      const first = await until(
        () => (h.store.forRfq(rfq.id)?.state === 'open' ? h.store.forRfq(rfq.id) : undefined),
        'the quote',
      );
      // Each sweep awaits a fair value: let it finish before the next tick.
      await h.clock.advanceAsync(5_000);
      await until(() => first.state === 'deleted', 'the TTL pull');
      expect(first.endReason).toBe('ttl: live for 5000 ms (ttl 5000 ms)');
      // stop() waits for the work queued on the RFQ: the requote, if any, has happened by then.
      await manager.stop();
      const creates = h.exchange.callsOf('createQuote').length;
      expect({ requoteOnSweep, creates }).toEqual({ requoteOnSweep, creates: requoteOnSweep ? 2 : 1 });
    }
  });
});
