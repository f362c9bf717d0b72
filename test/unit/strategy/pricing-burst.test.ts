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
