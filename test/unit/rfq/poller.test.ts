import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import { contracts } from '../../../src/domain/money.js';
import type { Rfq } from '../../../src/domain/types.js';
import type { BudgetSnapshot, RequestGate } from '../../../src/kalshi/gate.js';
import { ServerError } from '../../../src/kalshi/index.js';
import { compileRfqFilter, type RfqFilterConfig } from '../../../src/rfq/filters.js';
import {
  type PollCycleResult,
  type PollerOptions,
  type RfqPageSource,
  RfqPoller,
} from '../../../src/rfq/poller.js';
import { RfqBook } from '../../../src/rfq/rfq-book.js';
import { testRfq } from '../../../src/strategy/memory-data.js';
import { errorContext } from '../../helpers/fake-exchange.js';

type Page = { readonly items: readonly Rfq[]; readonly cursor?: string };
type Answer = Page | Error | Promise<Page>;

/** The exchange's RFQ listing: each cycle answers the pages queued for it, cursor by cursor. */
class PageSource implements RfqPageSource {
  readonly requests: { query: unknown; cursor: string | undefined; at: number }[] = [];
  readonly #answers: Answer[] = [];
  constructor(private readonly clock: ManualClock) {}

  /** Queues one listing: the RFQs split into pages of `perPage`, chained by cursors. */
  listing(rfqs: readonly Rfq[], perPage = 100): this {
    for (let i = 0; i < Math.max(rfqs.length, 1); i += perPage) {
      const next = i + perPage < rfqs.length ? `c${i + perPage}` : undefined;
      this.#answers.push({ items: rfqs.slice(i, i + perPage), ...(next ? { cursor: next } : {}) });
    }
    return this;
  }

  pages(...answers: Answer[]): this {
    this.#answers.push(...answers);
    return this;
  }

  async rfqsPage(query: unknown, cursor?: string): Promise<Page> {
    this.requests.push({ query, cursor, at: this.clock.now() });
    const answer = this.#answers.shift() ?? { items: [] };
    if (answer instanceof Error) throw answer;
    return answer;
  }
}

function gate(available: () => number): RequestGate {
  return {
    run: (_spec, send) => send(),
    budget: (bucket): BudgetSnapshot => ({
      bucket,
      available: available(),
      capacity: 100,
      refillRate: 10,
      queued: 0,
    }),
  };
}

/** Lets pending promise callbacks run until `check` holds (nothing here waits on a timer). */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1_000 && !check(); i++) await Promise.resolve();
  expect(check()).toBe(true);
}

const NO_FILTER: RfqFilterConfig = { eventTickers: [], marketTickers: [], tickerGlobs: [] };
const pollers: RfqPoller[] = [];
afterEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.stop()));
});

function setup(
  options: Partial<Omit<PollerOptions, 'filter'>> & { filter?: RfqFilterConfig; tokens?: () => number } = {},
) {
  const clock = new ManualClock(1_000_000);
  const book = new RfqBook(clock);
  const source = new PageSource(clock);
  const results: PollCycleResult[] = [];
  const changes: string[] = [];
  book.subscribe({
    added: (rfq) => changes.push(`+${rfq.id}`),
    changed: (rfq) => changes.push(`~${rfq.id}`),
    removed: (rfq) => changes.push(`-${rfq.id}`),
  });
  const poller = new RfqPoller({
    source,
    book,
    gate: gate(options.tokens ?? (() => 100)),
    logger: pino({ level: 'silent' }),
    clock,
    intervalMs: 1_000,
    pageSize: 100,
    maxPages: 10,
    minReadTokens: 5,
    ownCommunicationsId: () => 'us',
    onCycle: (result) => results.push(result),
    ...options,
    filter: compileRfqFilter(options.filter ?? NO_FILTER),
  });
  pollers.push(poller);
  return { clock, book, source, poller, results, changes };
}

const rfq = (id: string, contracts = '10', marketTicker = 'KXTEST-1') =>
  testRfq({ id, marketTicker, contracts });

describe('RfqPoller cycles', () => {
  it('reports new, changed and gone RFQs to the book', async () => {
    const { clock, book, source, poller, changes } = setup();
    source.listing([rfq('a'), rfq('b')]).listing([rfq('a', '20'), rfq('c')]);
    expect(await poller.pollOnce()).toMatchObject({
      kind: 'completed',
      added: 2,
      changed: 0,
      removed: 0,
      total: 2,
    });
    clock.advance(1_000);
    expect(await poller.pollOnce()).toMatchObject({
      kind: 'completed',
      added: 1,
      changed: 1,
      removed: 1,
      total: 2,
    });
    expect(changes).toEqual(['+a', '+b', '~a', '+c', '-b']);
    expect(book.get('a')?.size).toEqual({ kind: 'contracts', contracts: 2_000 });
  });

  it('puts each page into the book as it arrives, before the next page is read', async () => {
    const { source, poller, changes } = setup();
    let releasePage2!: (page: Page) => void;
    source.pages(
      { items: [rfq('a'), rfq('b')], cursor: 'c2' },
      new Promise<Page>((resolve) => {
        releasePage2 = resolve;
      }),
    );
    const cycle = poller.pollOnce();
    await until(() => source.requests.length === 2);
    // Page 2 is still being read: page 1's RFQs are already in the book (and being quoted).
    expect(changes).toEqual(['+a', '+b']);
    releasePage2({ items: [rfq('c')] });
    expect(await cycle).toMatchObject({ kind: 'completed', pages: 2, added: 3, removed: 0 });
    expect(changes).toEqual(['+a', '+b', '+c']);
  });

  it('keeps the object of an RFQ listed again unchanged, and takes the listed record of a pushed one once', async () => {
    const { clock, book, source, poller } = setup();
    const pushed = { ...rfq('p'), creatorId: '' };
    book.upsert(pushed);
    const listed = rfq('p');
    source.listing([rfq('a'), listed]).listing([rfq('a'), rfq('p')]);
    await poller.pollOnce();
    const a = book.get('a');
    expect(book.get('p')).toBe(listed);
    clock.advance(1_000);
    await poller.pollOnce();
    expect(book.get('a')).toBe(a);
    expect(book.get('p')).toBe(listed);
  });

  it('a head read takes the newest pages until one brings nothing new, and removes nothing', async () => {
    const { book, source, poller, changes } = setup({ pageSize: 2 });
    book.upsert(rfq('old-1'));
    book.upsert(rfq('old-2'));
    book.upsert(rfq('gone')); // not in the head: a partial read proves nothing about it
    source.pages(
      { items: [rfq('new-1'), rfq('new-2')], cursor: 'c2' },
      { items: [rfq('new-3'), rfq('old-1')], cursor: 'c4' },
      { items: [rfq('old-2'), rfq('gone')], cursor: 'c6' },
    );
    poller.start(); // its first tick waits on the (manual) clock
    poller.requestHead('new-3');
    await until(() => source.requests.length === 3 && book.has('new-3'));
    await poller.stop();
    expect(source.requests.map((r) => r.cursor)).toEqual([undefined, 'c2', 'c4']);
    expect(changes).toEqual(['+old-1', '+old-2', '+gone', '+new-1', '+new-2', '+new-3']);
  });

  it('a complete listing running across a head read still removes only what it did not list', async () => {
    const { clock, book, source, poller, changes } = setup();
    book.upsert(rfq('a'));
    book.upsert(rfq('b'));
    clock.advance(10); // both known before the listing starts
    let releaseFull!: (page: Page) => void;
    source.pages(
      { items: [rfq('a')], cursor: 'p2' },
      new Promise<Page>((resolve) => (releaseFull = resolve)),
      { items: [rfq('b'), rfq('a')] }, // the head read, while the listing waits for its page 2
    );
    const cycle = poller.pollOnce();
    await until(() => source.requests.length === 2);
    poller.start();
    poller.requestHead();
    await until(() => source.requests.length === 3);
    releaseFull({ items: [] });
    // b was in the head read, not in the complete listing: the listing removes it.
    expect(await cycle).toMatchObject({ kind: 'completed', removed: 1 });
    expect(changes).toEqual(['+a', '+b', '-b']);
  });

  it('an RFQ the head read did not find is left to a full listing within the interval', async () => {
    const { clock, source, poller } = setup({ intervalWithPushMs: 30_000, pushConnected: () => true });
    const start = clock.now();
    poller.start();
    await clock.advanceAsync(0);
    source.pages({ items: [rfq('other')] });
    poller.requestHead('listed-elsewhere');
    await clock.advanceAsync(0);
    await clock.advanceAsync(1_000);
    expect(source.requests.map((r) => [r.at - start, r.cursor])).toEqual([
      [0, undefined],
      [0, undefined],
      [1_000, undefined],
    ]);
  });

  it('an RFQ the head read found but turned away (ours, or filtered) needs no full listing', async () => {
    const { clock, source, poller, book } = setup({
      filter: { ...NO_FILTER, maxContracts: contracts('50') },
      intervalWithPushMs: 30_000,
      pushConnected: () => true,
    });
    const start = clock.now();
    poller.start();
    await clock.advanceAsync(0);
    source.pages({ items: [{ ...rfq('ours'), creatorId: 'us' }, rfq('big', '500')] });
    poller.requestHead('ours');
    poller.requestHead('big');
    await clock.advanceAsync(0);
    await clock.advanceAsync(1_000);
    // The first listing, the head read, and the one asked again while it ran: no listing at 1 s.
    expect(source.requests.map((r) => r.at - start)).toEqual([0, 0, 0]);
    expect(book.size).toBe(0);
  });

  it('asked for more RFQs than a head read holds, it lists everything instead', async () => {
    const { clock, source, poller } = setup({
      pageSize: 2,
      intervalWithPushMs: 30_000,
      pushConnected: () => true,
    });
    poller.start();
    await clock.advanceAsync(0);
    source.listing([rfq('a'), rfq('b')], 2);
    for (let i = 0; i < 11; i++) poller.requestHead(`burst-${i}`); // 5 pages of 2 hold 10
    await clock.advanceAsync(0);
    // The first request started a head read (page 1); the eleventh asked for a full listing.
    expect(source.requests.map((r) => r.cursor)).toEqual([undefined, undefined, undefined]);
  });

  it('pages through every cursor with the server-side filter and the page size', async () => {
    const { source, poller } = setup({ filter: { ...NO_FILTER, marketTickers: ['KXTEST-1'] }, pageSize: 2 });
    source.listing([rfq('a'), rfq('b'), rfq('c'), rfq('d'), rfq('e')], 2);
    expect(await poller.pollOnce()).toMatchObject({ kind: 'completed', pages: 3, added: 5 });
    expect(source.requests.map((r) => r.cursor)).toEqual([undefined, 'c2', 'c4']);
    expect(source.requests[0]?.query).toEqual({ marketTicker: 'KXTEST-1', status: 'open', limit: 2 });
  });

  it('ignores RFQs we created and counts the ones the filters turn away', async () => {
    const { book, source, poller } = setup({ filter: { ...NO_FILTER, tickerGlobs: ['KXTEST-*'] } });
    const ours = { ...rfq('ours'), creatorId: 'us' };
    source.listing([rfq('a'), ours, rfq('other', '10', 'KXELSE-1')]);
    expect(await poller.pollOnce()).toMatchObject({ kind: 'completed', filtered: 1, added: 1 });
    expect([...book.all()].map((r) => r.id)).toEqual(['a']);
  });

  const PARTIAL: readonly {
    readonly name: string;
    readonly arrange: (s: ReturnType<typeof setup>) => void;
    readonly result: Partial<PollCycleResult>;
  }[] = [
    {
      name: 'a page fails',
      arrange: ({ source }) => {
        source.pages(
          { items: [rfq('a')], cursor: 'p2' },
          new ServerError('down', errorContext('get_rfqs'), { status: 500 }),
        );
      },
      result: { kind: 'failed' },
    },
    {
      name: 'maxPages is reached',
      arrange: ({ source }) => {
        source.pages({ items: [rfq('a')], cursor: 'p2' }, { items: [rfq('c')], cursor: 'p3' });
      },
      result: { kind: 'partial', pages: 2, reason: 'stopped after poller.maxPages=2 pages' },
    },
    {
      name: 'the exchange repeats a cursor',
      arrange: ({ source }) => {
        source.pages({ items: [rfq('a')], cursor: 'p2' }, { items: [rfq('c')], cursor: 'p2' });
      },
      result: { kind: 'partial', pages: 2, reason: 'the exchange repeated a cursor' },
    },
  ];

  it.each(PARTIAL)('adds but never removes when $name', async (row) => {
    const s = setup({ maxPages: 2 });
    s.source.listing([rfq('a'), rfq('b')]);
    await s.poller.pollOnce();
    const completedAt = s.clock.now();
    s.clock.advance(1_000);
    row.arrange(s);
    expect(await s.poller.pollOnce()).toMatchObject(row.result);
    expect(s.book.has('b')).toBe(true);
    expect(s.book.has('a')).toBe(true);
    expect(s.changes.filter((c) => c.startsWith('-'))).toEqual([]);
    // Only a complete listing counts for the readiness watchdog.
    expect(s.poller.lastCompletedAt).toBe(completedAt);
  });

  it('ends a cycle stopped between pages as partial', async () => {
    const { book, source, poller } = setup();
    source.listing([rfq('a')]);
    await poller.pollOnce();
    let release: (page: Page) => void = () => undefined;
    source.pages(new Promise<Page>((resolve) => (release = resolve)), { items: [rfq('c')] });
    const cycle = poller.pollOnce();
    const stopping = poller.stop();
    release({ items: [rfq('b')], cursor: 'p2' });
    expect(await cycle).toMatchObject({ kind: 'partial', pages: 1, reason: 'poller stopped mid-cycle' });
    await stopping;
    expect([...book.all()].map((r) => r.id)).toEqual(['a', 'b']);
  });

  it('an own RFQ the push brought in (no creator) leaves at the first listing naming us, even one begun before the push', async () => {
    const { book, source, poller, changes } = setup();
    let release: (page: Page) => void = () => undefined;
    source.pages(new Promise<Page>((resolve) => (release = resolve)));
    const cycle = poller.pollOnce();
    book.upsert({ ...rfq('ours'), creatorId: '' }); // rfq_created carries no creator_id
    release({ items: [{ ...rfq('ours'), creatorId: 'us' }, rfq('a')] });
    expect(await cycle).toMatchObject({ kind: 'completed', added: 1 });
    expect([...book.all()].map((r) => r.id)).toEqual(['a']);
    expect(changes).toEqual(['+ours', '-ours', '+a']);
  });

  it('does not remove an RFQ pushed while the listing was being read', async () => {
    const { book, source, poller } = setup();
    let release: (page: Page) => void = () => undefined;
    source.pages(new Promise<Page>((resolve) => (release = resolve)));
    const cycle = poller.pollOnce();
    book.upsert(rfq('pushed'));
    release({ items: [] });
    expect(await cycle).toMatchObject({ kind: 'completed', removed: 0 });
    expect(book.has('pushed')).toBe(true);
  });
});

describe('RfqPoller skips', () => {
  it('skips a cycle that would overlap the one in flight', async () => {
    const { source, poller, results } = setup();
    let release: (page: Page) => void = () => undefined;
    source.pages(new Promise<Page>((resolve) => (release = resolve)));
    const first = poller.pollOnce();
    expect(await poller.pollOnce()).toEqual({ kind: 'skipped', reason: 'overlap' });
    release({ items: [rfq('a')] });
    expect(await first).toMatchObject({ kind: 'completed', added: 1 });
    expect(results.map((r) => r.kind)).toEqual(['skipped', 'completed']);
    expect(source.requests).toHaveLength(1);
  });

  it('skips a cycle rather than queue reads while the read budget is short', async () => {
    let tokens = 4;
    const { source, poller } = setup({ tokens: () => tokens });
    expect(await poller.pollOnce()).toEqual({ kind: 'skipped', reason: 'budget' });
    expect(source.requests).toEqual([]);
    tokens = 5;
    expect(await poller.pollOnce()).toMatchObject({ kind: 'completed' });
  });
  it('lists anyway after maxBudgetSkips cycles skipped in a row for a short read budget', async () => {
    const { source, poller, results } = setup({ tokens: () => 0, maxBudgetSkips: 2 });
    expect(await poller.pollOnce()).toEqual({ kind: 'skipped', reason: 'budget' });
    expect(await poller.pollOnce()).toEqual({ kind: 'skipped', reason: 'budget' });
    // Other reads keep the bucket empty: the third cycle lists, its reads waiting their turn.
    expect(await poller.pollOnce()).toMatchObject({ kind: 'completed' });
    expect(source.requests).toHaveLength(1);
    // The count starts again after a listing.
    expect(await poller.pollOnce()).toEqual({ kind: 'skipped', reason: 'budget' });
    expect(results.map((r) => r.kind)).toEqual(['skipped', 'skipped', 'completed', 'skipped']);
  });

  it("takes a reload's filters, page size and budget settings from the next cycle", async () => {
    let tokens = 100;
    const { source, poller, book, clock } = setup({ tokens: () => tokens });
    source.pages({ items: [rfq('small', '5'), rfq('big', '50')] });
    await poller.pollOnce();
    clock.advance(1_000);
    expect([book.has('small'), book.has('big')]).toEqual([true, true]);
    poller.configure({
      filter: compileRfqFilter({ ...NO_FILTER, maxContracts: contracts('10') }),
      pageSize: 20,
      maxPages: 10,
      minReadTokens: 50,
      maxBudgetSkips: 3,
    });
    source.pages({ items: [rfq('small', '5'), rfq('big', '50')] });
    expect(await poller.pollOnce()).toMatchObject({ kind: 'completed', filtered: 1, removed: 1 });
    expect([book.has('small'), book.has('big')]).toEqual([true, false]);
    expect(source.requests.at(-1)?.query).toMatchObject({ limit: 20 });
    tokens = 40;
    expect(await poller.pollOnce()).toEqual({ kind: 'skipped', reason: 'budget' });
  });
});

describe('RfqPoller schedule', () => {
  it('polls at once, then every interval; less often while push is connected', async () => {
    let push = false;
    const { clock, source, poller, results } = setup({
      intervalWithPushMs: 5_000,
      pushConnected: () => push,
    });
    const start = clock.now();
    poller.start();
    await clock.advanceAsync(0);
    expect(source.requests.map((r) => r.at - start)).toEqual([0]);
    await clock.advanceAsync(3_000);
    expect(source.requests.map((r) => r.at - start)).toEqual([0, 1_000, 2_000, 3_000]);
    push = true;
    await clock.advanceAsync(10_000);
    // The tick due at 4 s was scheduled before push connected; from then on every 5 s.
    expect(source.requests.map((r) => r.at - start)).toEqual([0, 1_000, 2_000, 3_000, 4_000, 9_000]);
    expect(poller.lastCompletedAt).toBe(start + 9_000);
    expect(results.every((r) => r.kind === 'completed')).toBe(true);
  });

  it('with push live, lists at once when asked (a gap, a reconnect), even while a listing is being read', async () => {
    const { clock, source, poller } = setup({ intervalWithPushMs: 30_000, pushConnected: () => true });
    const start = clock.now();
    const at = () => source.requests.map((r) => r.at - start);
    poller.start();
    await clock.advanceAsync(0);
    await clock.advanceAsync(5_000);
    expect(at()).toEqual([0]);
    // Asked for while nothing runs: now, not at 30 s.
    poller.requestCycle();
    await clock.advanceAsync(0);
    expect(at()).toEqual([0, 5_000]);
    // Asked for while a listing is being read (it started before the gap): another right after.
    let release!: (page: Page) => void;
    source.pages(new Promise<Page>((resolve) => (release = resolve)));
    await clock.advanceAsync(100);
    poller.requestCycle();
    await clock.advanceAsync(0);
    expect(at()).toEqual([0, 5_000, 5_100]);
    poller.requestCycle();
    release({ items: [] });
    await clock.advanceAsync(0);
    expect(at()).toEqual([0, 5_000, 5_100, 5_100]);
    // Then the push interval again.
    await clock.advanceAsync(40_000);
    expect(at()).toEqual([0, 5_000, 5_100, 5_100, 35_100]);
  });

  it('a listing asked for within a delay moves the next tick earlier; one skipped for budget is tried again soon', async () => {
    let tokens = 100;
    const { clock, source, poller, results } = setup({
      intervalWithPushMs: 30_000,
      pushConnected: () => true,
      tokens: () => tokens,
    });
    const start = clock.now();
    const at = () => source.requests.map((r) => r.at - start);
    poller.start();
    await clock.advanceAsync(1_500);
    expect(at()).toEqual([0]);
    poller.requestCycle(2_000);
    poller.requestCycle(60_000); // a later request does not postpone it
    await clock.advanceAsync(2_000);
    expect(at()).toEqual([0, 3_500]);
    tokens = 0;
    poller.requestCycle();
    await clock.advanceAsync(0);
    expect(results.at(-1)).toEqual({ kind: 'skipped', reason: 'budget' });
    tokens = 100;
    await clock.advanceAsync(1_000);
    expect(at()).toEqual([0, 3_500, 4_500]);
  });

  it('counts a slow cycle against the interval and stops ticking on stop', async () => {
    const { clock, source, poller } = setup();
    const start = clock.now();
    let release: (page: Page) => void = () => undefined;
    source.pages(new Promise<Page>((resolve) => (release = resolve)));
    poller.start();
    await clock.advanceAsync(0);
    clock.jumpTo(start + 400); // the listing took 400 ms
    release({ items: [] });
    await clock.advanceAsync(600);
    expect(source.requests.map((r) => r.at - start)).toEqual([0, 1_000]);
    await poller.stop();
    await clock.advanceAsync(5_000);
    expect(source.requests).toHaveLength(2);
    expect(clock.pendingTimers).toBe(0);
  });
});
