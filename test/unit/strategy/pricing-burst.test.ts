/**
 * A burst of RFQs priced at once: the runner runs at most `maxConcurrentPrices` price calls, the
 * rest wait in arrival order without their time limit running. Before, a burst of 1,000 RFQs
 * sent every call to the workers at once; a worker's market-data reads passed its cap of 256 in
 * flight, every call beyond it "threw", and the circuit breaker disabled the route.
 */
import { pino } from 'pino';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { OrderBook } from '../../../src/domain/types.js';
import { CallSlots } from '../../../src/strategy/call-slots.js';
import { loadStrategies } from '../../../src/strategy/loader.js';
import { InMemoryMarketData, testBook, testRfq } from '../../../src/strategy/memory-data.js';
import { StrategyRouter } from '../../../src/strategy/router.js';
import { StrategyRunner } from '../../../src/strategy/runner.js';
import { tempPluginDir } from './support.js';
import { plugin } from './worker-support.js';

describe('CallSlots', () => {
  it('runs at most the limit at once and hands slots on in arrival order', async () => {
    const slots = new CallSlots(2);
    const order: number[] = [];
    const releases: (() => void)[] = [];
    const take = (n: number) =>
      slots.acquire().then((release) => {
        order.push(n);
        releases.push(release!);
      });
    const all = [1, 2, 3, 4, 5].map(take);
    await Promise.resolve();
    await Promise.resolve();
    expect(order).toEqual([1, 2]);
    expect(slots.running).toBe(2);
    expect(slots.waiting).toBe(3);
    releases[0]!();
    releases[0]!(); // a second release of the same slot changes nothing
    await Promise.resolve();
    expect(order).toEqual([1, 2, 3]);
    expect(slots.running).toBe(2);
    releases[1]!();
    releases[2]!();
    await Promise.all(all);
    expect(order).toEqual([1, 2, 3, 4, 5]);
    releases[3]!();
    releases[4]!();
    expect(slots.running).toBe(0);
    expect(slots.waiting).toBe(0);
  });

  it('an aborted waiter gets no slot and takes none from those behind it', async () => {
    const slots = new CallSlots(1);
    const first = await slots.acquire();
    const controller = new AbortController();
    const aborted = slots.acquire(controller.signal);
    const next = slots.acquire();
    expect(slots.waiting).toBe(2);
    controller.abort();
    expect(await aborted).toBeUndefined();
    expect(slots.waiting).toBe(1);
    first!();
    const release = await next;
    expect(release).toBeTypeOf('function');
    expect(slots.running).toBe(1);
    release!();
    expect(slots.running).toBe(0);
    expect(await slots.acquire(controller.signal)).toBeUndefined();
  });
});

/** In-memory market data whose order books arrive after `delayMs`, as from the exchange. */
class SlowBooks extends InMemoryMarketData {
  constructor(private readonly delayMs: number) {
    super();
  }
  override async orderBook(ticker: string): Promise<OrderBook> {
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    return super.orderBook(ticker);
  }
}

describe('a burst of RFQs priced in a worker', () => {
  it('600 RFQs at once are all priced: no read cap hit, no time-out, the route stays enabled', async () => {
    const temp = await tempPluginDir({
      'book.mjs': plugin(
        'book',
        `const book = await ctx.data.orderBook(rfq.marketTicker);
         return { yesBid: book.yes[0].price, noBid: 400000 };`,
      ),
    });
    onTestFinished(temp.cleanup);
    const logger = pino({ level: 'silent' });
    const registry = await loadStrategies({ dir: temp.dir, logger });
    const data = new SlowBooks(20);
    // One market per RFQ: no call's read is prefetched for it or shared with another's.
    for (let i = 0; i < 600; i++) {
      const ticker = `KXBURST-${i}`;
      data.setMarket({ ticker, eventTicker: 'KXBURST' });
      data.setBook(testBook(ticker, { yes: [['0.45', '10']], no: [['0.50', '10']] }));
    }
    const runner = new StrategyRunner({
      router: new StrategyRouter(registry, [{ strategy: 'book', options: {} }], logger),
      data,
      logger,
      timeoutMs: 1_000,
      workers: { size: 1, hardTimeoutMs: 2_000 },
    });
    onTestFinished(() => runner.stop());
    await runner.start();

    const outcomes = await Promise.all(
      Array.from({ length: 600 }, (_, i) => runner.price(testRfq({ marketTicker: `KXBURST-${i}` }))),
    );
    const skipped = outcomes.filter((o) => o.kind !== 'quote');
    expect(skipped.map((o) => (o.kind === 'skip' ? o.reason : '')).slice(0, 3)).toEqual([]);
    expect(runner.disabledRoutes).toEqual([]);
    expect(runner.pricing).toEqual({ running: 0, waiting: 0 });
  });
});

describe('a worker answer that arrived while the bot thread was busy', () => {
  it('counts as the answer, not as a time-out, when the limit passed during the busy spell', async () => {
    const temp = await tempPluginDir({
      'quick.mjs': plugin('quick', 'return { yesBid: 400000, noBid: 500000 };'),
    });
    onTestFinished(temp.cleanup);
    const logger = pino({ level: 'silent' });
    const registry = await loadStrategies({ dir: temp.dir, logger });
    const data = new InMemoryMarketData().setMarket({ ticker: 'KXQ-1', eventTicker: 'KXQ' });
    const runner = new StrategyRunner({
      router: new StrategyRouter(registry, [{ strategy: 'quick', options: {} }], logger),
      data,
      logger,
      timeoutMs: 50,
      workers: { size: 1, hardTimeoutMs: 1_000 },
    });
    onTestFinished(() => runner.stop());
    await runner.start();
    expect(await runner.price(testRfq({ marketTicker: 'KXQ-1' }))).toMatchObject({ kind: 'quote' });

    // The call goes out; the worker answers within a millisecond or two, but this thread stays
    // busy past the 50 ms limit (a burst of RFQs, a long GC): the answer waits in its queue.
    const outcome = runner.price(testRfq({ marketTicker: 'KXQ-1' }));
    await new Promise((resolve) => setImmediate(resolve));
    const until = performance.now() + 150;
    while (performance.now() < until) {
      // busy
    }
    expect(await outcome).toMatchObject({ kind: 'quote' });
    expect(runner.disabledRoutes).toEqual([]);
  });
});

describe('an in-process strategy whose data arrived while the bot thread was busy', () => {
  it('gets its result counted, not a time-out', async () => {
    const temp = await tempPluginDir({
      'book.mjs': plugin(
        'book',
        `const book = await ctx.data.orderBook(rfq.marketTicker);
         return { yesBid: book.yes[0].price, noBid: 400000 };`,
      ),
    });
    onTestFinished(temp.cleanup);
    const logger = pino({ level: 'silent' });
    const registry = await loadStrategies({ dir: temp.dir, logger });
    /** Books that arrive as I/O does: after the timers of the loop turn they complete in. */
    class IoBooks extends InMemoryMarketData {
      asked = false;
      override orderBook(ticker: string): Promise<OrderBook> {
        this.asked = true;
        return new Promise((resolve, reject) =>
          setImmediate(() => super.orderBook(ticker).then(resolve, reject)),
        );
      }
    }
    const data = new IoBooks().setMarket({ ticker: 'KXIO-1', eventTicker: 'KXIO' });
    data.setBook(testBook('KXIO-1', { yes: [['0.45', '10']], no: [['0.50', '10']] }));
    const runner = new StrategyRunner({
      router: new StrategyRouter(
        registry,
        [{ strategy: 'book', options: {}, isolation: 'in-process' }],
        logger,
      ),
      data,
      logger,
      timeoutMs: 50,
    });
    onTestFinished(() => runner.stop());
    await runner.start();
    const outcome = runner.price(testRfq({ marketTicker: 'KXIO-1' }));
    for (let i = 0; i < 100 && !data.asked; i++) await Promise.resolve();
    expect(data.asked).toBe(true);
    const until = performance.now() + 150;
    while (performance.now() < until) {
      // busy: the book's completion and the limit's timer are both due when this ends
    }
    expect(await outcome).toMatchObject({ kind: 'quote' });
  });
});

describe('a worker call whose market data this thread served late', () => {
  /** Serving the worker's first read finds this thread busy for `busyMs` (a burst, signing). */
  class BusyBooks extends InMemoryMarketData {
    constructor(private readonly busyMs: number) {
      super();
    }
    override orderBook(ticker: string): Promise<OrderBook> {
      const until = performance.now() + this.busyMs;
      while (performance.now() < until) {
        // busy
      }
      return super.orderBook(ticker);
    }
  }

  async function priceOnce(price: string, busyMs: number) {
    const temp = await tempPluginDir({ 'p.mjs': plugin('p', price) });
    onTestFinished(temp.cleanup);
    const logger = pino({ level: 'silent' });
    const registry = await loadStrategies({ dir: temp.dir, logger });
    const data = new BusyBooks(busyMs).setMarket({ ticker: 'KXL-1', eventTicker: 'KXL' });
    data.setBook(testBook('KXL-1', { yes: [['0.45', '10']], no: [['0.50', '10']] }));
    const failures: string[] = [];
    const runner = new StrategyRunner({
      router: new StrategyRouter(registry, [{ strategy: 'p', options: {} }], logger),
      data,
      logger,
      timeoutMs: 100,
      workers: { size: 1, hardTimeoutMs: 1_000 },
      events: { onFailure: (strategy, failure) => failures.push(`${strategy} ${failure}`) },
    });
    onTestFinished(() => runner.stop());
    await runner.start();
    const outcome = await runner.price(testRfq({ marketTicker: 'KXL-1' }));
    return { reason: outcome.kind === 'skip' ? `${outcome.cause}: ${outcome.reason}` : 'quote', failures };
  }

  const SPIN = (ms: number) => `{ const t = Date.now(); while (Date.now() - t < ${ms}) {} }`;

  it('times out excused, not counted against the route (a burst must not disable it)', async () => {
    // 30 ms of work once the book is in: the worker cannot answer before the verdict.
    const { reason, failures } = await priceOnce(
      `const book = await ctx.data.orderBook(rfq.marketTicker); ${SPIN(30)}
       return { yesBid: book.yes[0].price, noBid: 400000 };`,
      300,
    );
    expect(reason).toMatch(/^timeout: timeout after 100ms \(its market data reached it late/);
    expect(failures).toEqual([]);
  });

  it('a strategy that reads late in its own time is still blamed', async () => {
    // Its read is answered at once, unless a loaded machine leaves this thread unscheduled for
    // a fifth of the limit (then the excuse is right): such a run proves nothing and is repeated.
    const late = /^timeout: timeout after 100ms \(its market data reached it late/;
    let outcome: Awaited<ReturnType<typeof priceOnce>> | undefined;
    for (let attempt = 0; attempt < 5 && (outcome === undefined || late.test(outcome.reason)); attempt++) {
      outcome = await priceOnce(
        `${SPIN(40)} const book = await ctx.data.orderBook(rfq.marketTicker); ${SPIN(90)}
         return { yesBid: book.yes[0].price, noBid: 400000 };`,
        0,
      );
    }
    expect(outcome?.reason).toBe('timeout: timeout after 100ms');
    expect(outcome?.failures).toEqual(['p timeout']);
  });
});
