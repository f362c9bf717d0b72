import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import type { FeeSchedule } from '../../../src/domain/fees.js';
import type { EventInfo, Market, OrderBook } from '../../../src/domain/types.js';
import { contextReadPriority, readsAt } from '../../../src/kalshi/gate.js';
import { MarketDataCache, type MarketReads } from '../../../src/market/market-cache.js';
import { testMarket } from '../../../src/strategy/memory-data.js';

const FEES: FeeSchedule = { type: 'quadratic', multiplierPpm: 1_000_000 };

/** Exchange reads that answer only when the test says so, recording the order they were asked in. */
class HeldReads implements MarketReads {
  readonly asked: string[] = [];
  readonly #waiting: (() => void)[] = [];

  #held<T>(name: string, value: () => T): Promise<T> {
    this.asked.push(name);
    return new Promise((resolve) => this.#waiting.push(() => resolve(value())));
  }

  /** Answers the read asked last only (a later request overtaking an earlier one). */
  answerLast(): void {
    this.#waiting.pop()?.();
  }

  /** Answers every read asked so far; returns how many. */
  answerAll(): number {
    const waiting = this.#waiting.splice(0);
    for (const answer of waiting) answer();
    return waiting.length;
  }

  getMarket(ticker: string): Promise<Market> {
    return this.#held(`market ${ticker}`, () => testMarket({ ticker, eventTicker: 'KXE-1' }));
  }
  #books = 0;
  getOrderBook(ticker: string): Promise<OrderBook> {
    const read = ++this.#books;
    return this.#held(`book ${ticker}`, () => ({ ticker, yes: [], no: [], read }) as unknown as OrderBook);
  }
  readonly nested: boolean[] = [];
  getEvent(eventTicker: string, options: { withNestedMarkets: boolean }): Promise<EventInfo> {
    this.nested.push(options.withNestedMarkets);
    return this.#held(`event ${eventTicker}`, () => ({
      eventTicker,
      seriesTicker: 'KXE',
      title: 'An event',
      mutuallyExclusive: false,
      marketTickers: [],
    }));
  }
  getSeriesFees(seriesTicker: string): Promise<FeeSchedule> {
    return this.#held(`series ${seriesTicker}`, () => FEES);
  }
}

/** Lets promise callbacks run (no timers are involved). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

function cache() {
  const reads = new HeldReads();
  const data = new MarketDataCache({
    reads,
    positions: { position: () => 0, eventPosition: () => 0 },
    clock: new ManualClock(1_000_000),
    urgent: () => contextReadPriority() === 'confirm',
  });
  return { reads, data };
}

describe("MarketDataCache reads on a confirm's behalf", () => {
  it('do not wait on a read of ordinary priority in flight, and urgent ones share theirs', async () => {
    const { reads, data } = cache();
    const ordinary = data.orderBook('KXE-1-A');
    const urgent = readsAt('confirm', () => data.orderBook('KXE-1-A'));
    const urgentToo = readsAt('confirm', () => data.orderBook('KXE-1-A'));
    await settle();
    expect(reads.asked).toEqual(['book KXE-1-A', 'book KXE-1-A']);
    // The urgent read is answered first (it went first at the exchange).
    reads.answerLast();
    expect(await urgent).toMatchObject({ read: 2 });
    expect(await urgentToo).toMatchObject({ read: 2 });
    reads.answerAll();
    expect(await ordinary).toMatchObject({ read: 1 });
    // The older answer, arriving last, does not replace the newer one.
    expect(await data.orderBook('KXE-1-A')).toMatchObject({ read: 2 });
    expect(reads.asked).toHaveLength(2);
  });

  it('use a fresh cached value like any read', async () => {
    const { reads, data } = cache();
    const first = data.orderBook('KXE-1-A');
    await settle();
    reads.answerAll();
    await first;
    expect(await readsAt('confirm', () => data.orderBook('KXE-1-A'))).toMatchObject({ read: 1 });
    expect(reads.asked).toHaveLength(1);
  });
});

describe('MarketDataCache reference data', () => {
  it('cold, the fees of a market take three reads one after another', async () => {
    const { reads, data } = cache();
    const fees = data.fees('KXE-1-A');
    const rounds: string[][] = [];
    for (let i = 0; i < 3; i++) {
      await settle();
      rounds.push([...reads.asked]);
      reads.answerAll();
    }
    expect(await fees).toEqual(FEES);
    expect(rounds).toEqual([
      ['market KXE-1-A'],
      ['market KXE-1-A', 'event KXE-1'],
      ['market KXE-1-A', 'event KXE-1', 'series KXE'],
    ]);
  });

  it('warm() on a new RFQ reads its market and event side by side; pricing joins them', async () => {
    const { reads, data } = cache();
    data.warm('KXE-1-A', 'KXE-1');
    await settle();
    expect(reads.asked).toEqual(['market KXE-1-A', 'event KXE-1']);
    const fees = data.fees('KXE-1-A');
    reads.answerAll();
    await settle();
    expect(reads.asked).toEqual(['market KXE-1-A', 'event KXE-1', 'series KXE']);
    reads.answerAll();
    expect(await fees).toEqual(FEES);
    // Warm already: nothing more is read.
    data.warm('KXE-1-A', 'KXE-1');
    await settle();
    expect(reads.asked).toHaveLength(3);
  });

  it('reads events without their nested markets (a combo event with them was 440 KB)', async () => {
    const { reads, data } = cache();
    const event = data.event('KXE-1');
    await settle();
    reads.answerAll();
    expect((await event).seriesTicker).toBe('KXE');
    expect(reads.nested).toEqual([false]);
  });

  it('warms at most 8 cold markets at once; the rest load when priced', async () => {
    const { reads, data } = cache();
    for (let i = 0; i < 12; i++) data.warm(`KXM-${i}`);
    await settle();
    expect(reads.asked).toHaveLength(8);
    reads.answerAll();
    await settle();
    reads.answerAll();
    await settle();
    reads.answerAll();
    await settle();
    data.warm('KXM-11');
    await settle();
    expect(reads.asked.at(-1)).toBe('market KXM-11');
  });
});

describe('MarketDataCache expiry at the source', () => {
  it('reads a market again after expireMarket, keeping the old one visible until then', async () => {
    const { reads, data } = cache();
    const first = data.market('KXA-1');
    reads.answerAll();
    const market = await first;
    expect(await data.market('KXA-1')).toBe(market);
    expect(reads.asked).toEqual(['market KXA-1']);
    data.expireMarket('KXA-1');
    expect(data.cachedMarket('KXA-1')).toBe(market);
    const again = data.market('KXA-1');
    expect(reads.asked).toEqual(['market KXA-1', 'market KXA-1']);
    reads.answerAll();
    expect(await again).not.toBe(market);
  });

  it('does not keep as fresh a read that was in flight when the market expired', async () => {
    const { reads, data } = cache();
    const inFlight = data.market('KXA-1');
    data.expireMarket('KXA-1');
    reads.answerAll();
    await inFlight;
    await settle();
    // The answer predates the change: the next read asks again.
    const next = data.market('KXA-1');
    expect(reads.asked).toEqual(['market KXA-1', 'market KXA-1']);
    reads.answerAll();
    await next;
  });
});

describe('MarketDataCache markets read in a batch', () => {
  it('keeps a batch read fresh over a single read still in flight, whose callers get their answer', async () => {
    const { reads, data } = cache();
    const inFlight = data.market('KXA-1');
    const batched = testMarket({ ticker: 'KXA-1', eventTicker: 'KXE-1', lastPrice: '0.42' });
    data.putMarkets([batched]);
    // A reader from now on gets the batch's market without a read.
    expect(await data.market('KXA-1')).toBe(batched);
    reads.answerAll();
    const answered = await inFlight;
    expect(answered).not.toBe(batched);
    await settle();
    // The single read ended later but started earlier: it does not replace the batch's.
    expect(data.cachedMarket('KXA-1')).toBe(batched);
    expect(await data.market('KXA-1')).toBe(batched);
    expect(reads.asked).toEqual(['market KXA-1']);
  });
});
