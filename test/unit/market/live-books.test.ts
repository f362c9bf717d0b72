/**
 * LiveBooks with a recording feed and a manual clock, and a real MarketDataCache over it: a book
 * is served only once whole (after its snapshot), changes apply in order, one that does not fit
 * withdraws the book until a fresh snapshot, and markets not asked for are let go.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import type { FeeSchedule } from '../../../src/domain/fees.js';
import type { EventInfo, Market, OrderBook } from '../../../src/domain/types.js';
import { type BookFeed, LiveBooks } from '../../../src/market/live-books.js';
import { MarketDataCache } from '../../../src/market/market-cache.js';

function setup(options: { windowMs?: number; maxMarkets?: number } = {}) {
  const clock = new ManualClock(1_000_000);
  const calls: { watch: string[][]; unwatch: string[][]; resync: string[][] } = {
    watch: [],
    unwatch: [],
    resync: [],
  };
  const feed: BookFeed = {
    watchBooks: (t) => calls.watch.push([...t]),
    unwatchBooks: (t) => calls.unwatch.push([...t]),
    resyncBooks: (t) => calls.resync.push([...t]),
  };
  const books = new LiveBooks({
    clock,
    windowMs: options.windowMs ?? 60_000,
    maxMarkets: options.maxMarkets ?? 100,
  });
  books.attach(feed);
  return { clock, books, calls };
}

const level = (price: number, count: number) => ({ price, count });

describe('LiveBooks', () => {
  it('serves a book only after its snapshot, and applies changes in order', () => {
    const { books, calls } = setup();
    expect(books.read('M1')).toBeUndefined();
    expect(calls.watch).toEqual([['M1']]);
    books.delta('M1', 'yes', 400_000, 500); // before the snapshot: not applicable
    expect(books.read('M1')).toBeUndefined();
    books.snapshot('M1', [level(390_000, 1_000), level(400_000, 200)], [level(580_000, 700)]);
    const first = books.read('M1');
    expect(first).toEqual({
      ticker: 'M1',
      yes: [level(390_000, 1_000), level(400_000, 200)],
      no: [level(580_000, 700)],
    });
    // Unchanged: the same object (what the journal reports once).
    expect(books.read('M1')).toBe(first);
    books.delta('M1', 'yes', 400_000, -200); // the level goes
    books.delta('M1', 'yes', 410_000, 300); // a new best bid
    books.delta('M1', 'no', 580_000, -100);
    const second = books.read('M1');
    expect(second).not.toBe(first);
    expect(second).toEqual({
      ticker: 'M1',
      yes: [level(390_000, 1_000), level(410_000, 300)],
      no: [level(580_000, 600)],
    });
    expect(Object.isFrozen(second?.yes)).toBe(true);
    expect(calls.watch).toEqual([['M1']]);
  });

  it('withdraws a book a change does not fit, asks for its snapshot, and ignores changes until it comes', () => {
    const { books, calls } = setup();
    books.read('M1');
    books.snapshot('M1', [level(400_000, 200)], []);
    books.delta('M1', 'yes', 400_000, -300); // more than the level holds: a change was missed
    expect(books.read('M1')).toBeUndefined();
    expect(calls.resync).toEqual([['M1']]);
    expect(books.stats.inconsistencies).toBe(1);
    books.delta('M1', 'yes', 420_000, 100);
    expect(books.read('M1')).toBeUndefined();
    books.snapshot('M1', [level(420_000, 100)], []);
    expect(books.read('M1')?.yes).toEqual([level(420_000, 100)]);
  });

  it('withdraws books reported lost, one or all, until their next snapshot', () => {
    const { books } = setup();
    for (const t of ['M1', 'M2']) {
      books.read(t);
      books.snapshot(t, [level(400_000, 100)], []);
    }
    books.lost(['M1']);
    expect(books.read('M1')).toBeUndefined();
    expect(books.read('M2')).toBeDefined();
    books.lost('all');
    expect(books.read('M2')).toBeUndefined();
    expect(books.stats).toMatchObject({ watched: 2, live: 0 });
  });

  it('lets go of markets not asked for within the window, and of the longest unasked past the maximum', () => {
    const { books, calls, clock } = setup({ windowMs: 10_000, maxMarkets: 2 });
    books.start();
    books.read('M1');
    clock.advance(3_000);
    books.read('M2');
    clock.advance(3_000);
    books.read('M1'); // M1 is now the latest asked
    books.read('M3'); // past the maximum: M2, the longest unasked, goes
    expect(calls.unwatch).toEqual([['M2']]);
    books.snapshot('M2', [level(400_000, 100)], []); // too late: not served, not kept
    expect(books.stats.live).toBe(0);
    clock.advance(20_000);
    expect(calls.unwatch.flat().sort()).toEqual(['M1', 'M2', 'M3']);
    expect(books.stats.watched).toBe(0);
    books.stop();
  });

  it('snapshots every live book again on its schedule and counts one that differs from what its changes built', () => {
    const { books, calls, clock } = (() => {
      const clock = new ManualClock(0);
      const calls: string[][] = [];
      const books = new LiveBooks({ clock, windowMs: 600_000, maxMarkets: 10, resyncMs: 1_000 });
      books.attach({ watchBooks: () => {}, unwatchBooks: () => {}, resyncBooks: (t) => calls.push([...t]) });
      return { books, calls, clock };
    })();
    books.start();
    for (const t of ['M1', 'M2', 'M3']) books.read(t);
    books.snapshot('M1', [level(400_000, 200)], []);
    books.snapshot('M2', [level(300_000, 100)], []);
    clock.advance(1_000);
    expect(calls).toEqual([['M1', 'M2']]); // M3 has no book yet: nothing to check
    books.delta('M1', 'yes', 400_000, 50);
    const served = books.read('M1');
    // The exchange agrees with M1's changes: no drift, and the same book is served.
    books.snapshot('M1', [level(400_000, 250)], []);
    expect(books.read('M1')).toBe(served);
    // M2 lost a change the stream never reported: counted, and the snapshot wins.
    books.snapshot('M2', [level(300_000, 100), level(310_000, 40)], []);
    expect(books.read('M2')?.yes).toEqual([level(300_000, 100), level(310_000, 40)]);
    expect(books.stats).toMatchObject({ drifts: 1, inconsistencies: 0 });
    // After a loss the next snapshot is a repair, not a drift.
    books.lost('all');
    books.snapshot('M1', [level(999_000, 1)], []);
    expect(books.stats.drifts).toBe(1);
    books.stop();
    clock.advance(5_000);
    expect(calls).toHaveLength(1);
  });

  it('tells a feed attached later what was already asked', () => {
    const clock = new ManualClock(0);
    const books = new LiveBooks({ clock, windowMs: 60_000, maxMarkets: 10 });
    books.read('M1');
    books.read('M2');
    const watched: string[][] = [];
    books.attach({ watchBooks: (t) => watched.push([...t]), unwatchBooks: () => {}, resyncBooks: () => {} });
    expect(watched).toEqual([['M1', 'M2']]);
  });
});

describe('MarketDataCache over LiveBooks', () => {
  it('reads a book over REST until the stream holds it, then serves it without a request: ordinary reads keep one state for the book lifetime, last look takes the newest', async () => {
    const { books } = setup();
    const restReads: string[] = [];
    const reported: OrderBook[] = [];
    const clock = new ManualClock(0);
    let urgent = false;
    const data = new MarketDataCache({
      reads: {
        getMarket: async () => ({}) as Market,
        getOrderBook: async (ticker) => {
          restReads.push(ticker);
          return { ticker, yes: [level(100_000, 100)], no: [] };
        },
        getEvent: async () => ({}) as EventInfo,
        getSeriesFees: async () => ({}) as FeeSchedule,
      },
      positions: { position: () => 0, eventPosition: () => 0 },
      clock,
      bookTtlMs: 500,
      liveBooks: books,
      onBook: (_ticker, book) => reported.push(book),
      urgent: () => urgent,
    });
    const best = async () => (await data.orderBook('M1')).yes.at(-1)?.count;
    expect(await best()).toBe(100);
    expect(restReads).toEqual(['M1']);
    books.snapshot('M1', [level(400_000, 200)], []);
    expect(await best()).toBe(100); // the REST read's lifetime first
    clock.advance(501);
    expect(await best()).toBe(200);
    books.delta('M1', 'yes', 400_000, 50);
    expect(await best()).toBe(200); // one state for the lifetime
    urgent = true;
    expect(await best()).toBe(250); // last look: the newest
    expect(await best()).toBe(250);
    urgent = false;
    expect(await best()).toBe(250); // ordinary reads share what last look was served
    clock.advance(501);
    expect(await best()).toBe(250);
    expect(restReads).toEqual(['M1']);
    // Each state served is journaled once.
    expect(reported.map((b) => b.yes[0]?.count)).toEqual([100, 200, 250]);
  });
});
