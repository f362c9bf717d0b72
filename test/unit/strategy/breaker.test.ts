/** The per-route circuit breaker, through the real runner (issue 12). */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import type { FailureKind } from '../../../src/strategy/breaker.js';
import { InMemoryMarketData, testRfq } from '../../../src/strategy/memory-data.js';
import { type RouteConfig, StrategyRouter } from '../../../src/strategy/router.js';
import { type PriceOutcome, StrategyRunner } from '../../../src/strategy/runner.js';
import type { MarketData, PriceDecision, Strategy } from '../../../src/strategy/types.js';
import { captureLogger, fakeStrategy, LEVEL } from './support.js';

const runners: StrategyRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()));
});

function cause(outcome: PriceOutcome): string {
  return outcome.kind === 'quote' ? 'quote' : outcome.cause;
}

function setup(strategies: Strategy<unknown>[], routes: RouteConfig[], data?: MarketData) {
  const { logger, lines } = captureLogger();
  const clock = new ManualClock(1_000_000);
  const failures: [string, FailureKind][] = [];
  const disabled: string[] = [];
  const counts: number[] = [];
  const memory = new InMemoryMarketData()
    .setMarket({ ticker: 'KXA-1', eventTicker: 'KXA' })
    .setMarket({ ticker: 'KXB-1', eventTicker: 'KXB' });
  const runner = new StrategyRunner({
    router: new StrategyRouter(
      new Map(strategies.map((s) => [s.name, s])),
      routes.map((route) => ({ isolation: 'in-process' as const, ...route })),
      logger,
    ),
    data: data ?? memory,
    logger,
    clock,
    timeoutMs: 50,
    breaker: { maxFailures: 3, windowMs: 10_000, cooldownMs: 60_000 },
    events: {
      onFailure: (strategy, kind) => failures.push([strategy, kind]),
      onDisabled: (route) => disabled.push(route),
      onDisabledCount: (count) => counts.push(count),
    },
  });
  runners.push(runner);
  return { runner, lines, clock, failures, disabled, counts };
}

let healthy = true;
const flaky = fakeStrategy('flaky', {
  price: (): PriceDecision => {
    if (!healthy) throw new Error('broken');
    return { yesBid: 400_000, noBid: 400_000 };
  },
  lastLook: () => true,
  fairValue: () => 500_000,
}) as Strategy<unknown>;
const steady = fakeStrategy('steady') as Strategy<unknown>;
const ROUTES: RouteConfig[] = [
  { name: 'flaky', match: { markets: ['KXA-*'] }, strategy: 'flaky' },
  { name: 'steady', strategy: 'steady' },
];
const rfqA = () => testRfq({ marketTicker: 'KXA-1' });

describe('route circuit breaker', () => {
  it('disables a route after N failures in the window, with one error line; other routes keep quoting', async () => {
    healthy = false;
    const { runner, lines, failures, disabled, counts } = setup([flaky, steady], ROUTES);
    for (let i = 0; i < 3; i++) expect(cause(await runner.price(rfqA()))).toBe('threw');
    const skipped = await runner.price(rfqA());
    expect(skipped).toMatchObject({ kind: 'skip', cause: 'disabled' });
    expect(skipped.kind === 'skip' && skipped.reason).toMatch(
      /^route disabled: 3 strategy failures within 10000ms, the last threw: threw: broken/,
    );
    expect(failures).toEqual([
      ['flaky', 'threw'],
      ['flaky', 'threw'],
      ['flaky', 'threw'],
    ]);
    expect(disabled).toEqual(['routes[0] "flaky"']);
    expect(counts).toEqual([1]);
    expect(runner.disabledRoutes).toEqual(['routes[0] "flaky"']);
    const errors = lines.filter((l) => l.level === LEVEL.error);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.msg).toMatch(
      /^route routes\[0\] "flaky" disabled: strategy "flaky" 3 strategy failures/,
    );
    expect(errors[0]?.msg).toContain('tried again in 60000ms, or at a config reload');
    // The disabled route is not called again: no last look (no confirm), no fair value.
    const route = runner.router.table.routes[0]!;
    const quote = {
      rfq: rfqA(),
      quoteId: 'q',
      yesBid: 400_000,
      noBid: 400_000,
      yesContracts: 1_000,
      noContracts: 1_000,
      sentAt: 0,
    };
    expect(await runner.lastLook(quote, route)).toBe(false);
    expect(await runner.fairValue(rfqA(), route)).toBeUndefined();
    expect(failures).toHaveLength(3);
    expect(cause(await runner.price(testRfq({ marketTicker: 'KXB-1' })))).toBe('quote');
  });

  it('forgets failures older than the window', async () => {
    healthy = false;
    const { runner, clock } = setup([flaky, steady], ROUTES);
    for (let i = 0; i < 6; i++) {
      expect(cause(await runner.price(rfqA()))).toBe('threw');
      clock.advance(5_000);
    }
    expect(runner.disabledRoutes).toEqual([]);
  });

  it('after the cool-down the route is on probation: one failure disables it again, one success clears it', async () => {
    healthy = false;
    const { runner, clock, lines } = setup([flaky, steady], ROUTES);
    for (let i = 0; i < 3; i++) await runner.price(rfqA());
    clock.advance(59_999);
    expect(cause(await runner.price(rfqA()))).toBe('disabled');
    clock.advance(1);
    expect(cause(await runner.price(rfqA()))).toBe('threw');
    expect(cause(await runner.price(rfqA()))).toBe('disabled');
    expect(lines.filter((l) => l.level === LEVEL.error).at(-1)?.msg).toMatch(/failed again on probation/);
    clock.advance(60_000);
    healthy = true;
    expect(cause(await runner.price(rfqA()))).toBe('quote');
    healthy = false;
    expect(cause(await runner.price(rfqA()))).toBe('threw');
    expect(cause(await runner.price(rfqA()))).toBe('threw');
    expect(runner.disabledRoutes).toEqual([]);
  });

  it('a config reload re-enables every route', async () => {
    healthy = false;
    const { runner, counts } = setup([flaky, steady], ROUTES);
    for (let i = 0; i < 3; i++) await runner.price(rfqA());
    expect(runner.disabledRoutes).toHaveLength(1);
    runner.enableAll();
    expect(runner.disabledRoutes).toEqual([]);
    expect(counts).toEqual([1, 0]);
    for (let i = 0; i < 3; i++) await runner.price(rfqA());
    await runner.reload(ROUTES.map((route) => ({ ...route, isolation: 'in-process' })));
    expect(runner.disabledRoutes).toEqual([]);
    expect(cause(await runner.price(rfqA()))).toBe('threw');
  });

  it('does not count failures caused by market data: a time-out waiting for it, a throw after it failed', async () => {
    let book: 'slow' | 'failing' = 'slow';
    const memory = new InMemoryMarketData().setMarket({ ticker: 'KXA-1', eventTicker: 'KXA' });
    const data: MarketData = {
      market: (ticker) => memory.market(ticker),
      fees: (ticker) => memory.fees(ticker),
      position: () => 0,
      eventPosition: () => 0,
      orderBook: () =>
        book === 'slow' ? new Promise(() => undefined) : Promise.reject(new Error('read failed: 503')),
    };
    const reader = fakeStrategy('reader', {
      price: async (rfq, ctx) => {
        await ctx.data.orderBook(rfq.marketTicker);
        return { yesBid: 400_000, noBid: 400_000 };
      },
    }) as Strategy<unknown>;
    const { runner, failures } = setup([reader], [{ strategy: 'reader' }], data);
    for (let i = 0; i < 4; i++) {
      const outcome = await runner.price(rfqA());
      expect(outcome.kind === 'skip' && outcome.reason).toBe(
        'timeout after 50ms (it was waiting for market data)',
      );
    }
    book = 'failing';
    for (let i = 0; i < 4; i++) {
      const outcome = await runner.price(rfqA());
      expect(outcome.kind === 'skip' && outcome.reason).toBe(
        'threw: read failed: 503 (market data failed: read failed: 503)',
      );
    }
    expect(failures).toEqual([]);
    expect(runner.disabledRoutes).toEqual([]);
  });
});
