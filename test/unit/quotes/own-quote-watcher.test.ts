import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock, systemClock } from '../../../src/domain/clock.js';
import type { Quote } from '../../../src/domain/types.js';
import { type OwnQuotesSource, OwnQuoteWatcher } from '../../../src/quotes/own-quote-watcher.js';

function countingSource(): { source: OwnQuotesSource; looks: () => number } {
  let looks = 0;
  const source: OwnQuotesSource = {
    // biome-ignore lint/correctness/useYield: an empty listing
    async *quotes(): AsyncIterable<Quote> {
      looks++;
    },
  };
  return { source, looks: () => looks };
}

function watcher(source: OwnQuotesSource, minGapMs?: () => number): OwnQuoteWatcher {
  return new OwnQuoteWatcher({
    source,
    logger: pino({ level: 'silent' }),
    clock: systemClock,
    intervalMs: 250,
    fullSweepIntervalMs: 3_600_000,
    hasActivity: () => true,
    onQuote: () => undefined,
    onOpenQuotes: () => undefined,
    ...(minGapMs ? { minGapMs } : {}),
  });
}

describe('OwnQuoteWatcher pacing', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('looks every interval, and no more often than the gap asked for while the budget is slowed', async () => {
    const plain = countingSource();
    const paced = countingSource();
    let gapMs = 1_000;
    const a = watcher(plain.source);
    const b = watcher(paced.source, () => gapMs);
    a.start();
    b.start();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(plain.looks()).toBe(20);
    // The first look comes after one interval; then one per second.
    expect(paced.looks()).toBe(5);

    // A pushed accept is looked at at once, whatever the gap.
    await b.checkNow();
    expect(paced.looks()).toBe(6);

    // Budget restored: back to the interval.
    gapMs = 0;
    await vi.advanceTimersByTimeAsync(1_000 + 2_500);
    expect(paced.looks()).toBeGreaterThanOrEqual(6 + 10);
    await a.stop();
    await b.stop();
  });
});

describe('OwnQuoteWatcher full listing', () => {
  it('hands over every open quote with the time the listing began, not when it ended', async () => {
    const clock = new ManualClock(10_000);
    const open = [{ id: 'a', rfqId: 'r', status: 'open' } as Quote];
    const source: OwnQuotesSource = {
      async *quotes(filter) {
        if (filter.status !== 'open') return;
        clock.jumpTo(clock.now() + 700); // a slow listing
        yield* open;
      },
    };
    const listings: { ids: string[]; listedAt: number; handedAt: number }[] = [];
    const w = new OwnQuoteWatcher({
      source,
      logger: pino({ level: 'silent' }),
      clock,
      intervalMs: 250,
      fullSweepIntervalMs: 1_000,
      hasActivity: () => false,
      onQuote: () => undefined,
      onOpenQuotes: (quotes, listedAt) => {
        listings.push({ ids: quotes.map((q) => q.id), listedAt, handedAt: clock.now() });
      },
    });
    w.start();
    await clock.advanceAsync(1_000);
    await w.stop();
    expect(listings).toEqual([{ ids: ['a'], listedAt: 11_000, handedAt: 11_700 }]);
  });
});
