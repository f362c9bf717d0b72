import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import { type PriceGrid, TAPERED_DECI_CENT_GRID } from '../../../src/domain/grid.js';
import { dollars } from '../../../src/domain/money.js';
import { StrategySetupError, StrategyTimeoutError } from '../../../src/strategy/errors.js';
import { InMemoryMarketData, testRfq } from '../../../src/strategy/memory-data.js';
import { type RouteConfig, StrategyRouter } from '../../../src/strategy/router.js';
import {
  type PriceOutcome,
  StrategyRunner,
  type StrategyRunnerOptions,
} from '../../../src/strategy/runner.js';
import type { PriceDecision, Strategy } from '../../../src/strategy/types.js';
import { duplicateJsonKeys } from '../../helpers/json-keys.js';
import { captureLogger, fakeStrategy, LEVEL } from './support.js';

const runners: StrategyRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()));
});

interface Setup {
  strategies: Strategy<unknown>[];
  routes?: RouteConfig[];
  grid?: PriceGrid;
  runner?: Partial<StrategyRunnerOptions>;
}

function setup({ strategies, routes, grid, runner }: Setup) {
  const { logger, lines } = captureLogger();
  const registry = new Map(strategies.map((s) => [s.name, s]));
  const data = new InMemoryMarketData()
    .setMarket({ ticker: 'KXA-1', eventTicker: 'KXA', ...(grid ? { priceGrid: grid } : {}) })
    .setMarket({ ticker: 'KXB-1', eventTicker: 'KXB' });
  // Strategies made in code cannot run in a worker: these tests run them in-process.
  const inProcess = (routes ?? [{ strategy: strategies[0]!.name }]).map((route) => ({
    isolation: 'in-process' as const,
    ...route,
  }));
  const router = new StrategyRouter(registry, inProcess, logger);
  const r = new StrategyRunner({ router, data, logger, timeoutMs: 100, lastLookTimeoutMs: 100, ...runner });
  runners.push(r);
  return { runner: r, lines, data };
}

function pricing(decision: unknown | (() => unknown), grid?: PriceGrid) {
  const price = typeof decision === 'function' ? decision : () => decision;
  return setup({
    strategies: [fakeStrategy('s', { price: price as () => PriceDecision })],
    ...(grid ? { grid } : {}),
  });
}

async function priceOnce(decision: unknown, grid?: PriceGrid): Promise<PriceOutcome> {
  return pricing(decision, grid).runner.price(testRfq({ marketTicker: 'KXA-1' }));
}

function skipOf(outcome: PriceOutcome) {
  if (outcome.kind !== 'skip') throw new Error(`expected a skip, got ${JSON.stringify(outcome)}`);
  return outcome;
}

function intentOf(outcome: PriceOutcome) {
  if (outcome.kind !== 'quote') throw new Error(`expected a quote, got ${outcome.cause}: ${outcome.reason}`);
  return outcome.intent;
}

describe('StrategyRunner.price', () => {
  it('returns the validated intent with strategy and route', async () => {
    const outcome = await priceOnce({
      yesBid: dollars('0.45'),
      noBid: dollars('0.50'),
      fairValue: dollars('0.48'),
      note: 'hi',
    });
    expect(outcome).toMatchObject({
      kind: 'quote',
      intent: { yesBid: 450_000, noBid: 500_000, fairValue: 480_000, note: 'hi' },
      strategy: 's',
    });
    expect(outcome.kind === 'quote' && outcome.route.label).toBe('routes[0]');
  });

  it('turns a time-out into a skip, aborts the signal and ignores the late result', async () => {
    let seen: AbortSignal | undefined;
    let late: Promise<unknown> | undefined;
    const { runner, lines } = pricing((_rfq: unknown, ctx: { signal: AbortSignal }) => {
      seen = ctx.signal;
      late = new Promise((resolve) => setTimeout(() => resolve({ yesBid: 400_000, noBid: 400_000 }), 1_000));
      return late;
    });
    const started = Date.now();
    const outcome = skipOf(await runner.price(testRfq({ marketTicker: 'KXA-1' })));
    expect(outcome).toMatchObject({ cause: 'timeout', reason: 'timeout after 100ms', strategy: 's' });
    expect(Date.now() - started).toBeLessThan(900);
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBeInstanceOf(StrategyTimeoutError);
    expect(lines.some((l) => l.level === LEVEL.warn && l['cause'] === 'timeout')).toBe(true);
    await late;
    expect(lines.some((l) => l.msg === 'strategy priced RFQ')).toBe(false);
  });

  it('turns sync throws, rejections and non-Error throws into skips', async () => {
    expect(
      skipOf(
        await priceOnce(() => {
          throw new Error('boom');
        }),
      ),
    ).toMatchObject({ cause: 'threw', reason: 'threw: boom' });
    expect(skipOf(await priceOnce(() => Promise.reject(new TypeError('bad read'))))).toMatchObject({
      cause: 'threw',
      reason: 'threw: bad read',
    });
    expect(
      skipOf(
        await priceOnce(() => {
          throw 'plain string';
        }),
      ).reason,
    ).toBe('threw: plain string');
  });

  it('passes a strategy skip through as "declined", logged at debug', async () => {
    const { runner, lines } = pricing({ skip: 'book too wide' });
    expect(skipOf(await runner.price(testRfq({ marketTicker: 'KXA-1', id: 'r-9' })))).toMatchObject({
      cause: 'declined',
      reason: 'book too wide',
    });
    const line = lines.find((l) => l.msg === 'RFQ skipped');
    expect(line).toMatchObject({ level: LEVEL.debug, rfqId: 'r-9', strategy: 's', reason: 'book too wide' });
  });

  it.each([
    [
      'float prices',
      { yesBid: 0.45, noBid: 0 },
      /yesBid 0.45 is not a safe integer \(prices are integer micros: write dollars\('0.45'\)/,
    ],
    ['NaN', { yesBid: Number.NaN, noBid: 400_000 }, /yesBid NaN is not a safe integer/],
    ['a string price', { yesBid: '0.45', noBid: 400_000 }, /yesBid "0.45" is not a safe integer/],
    ['a negative bid', { yesBid: -10_000, noBid: 400_000 }, /yesBid -0.01 is outside \(0, 1\)/],
    ['a bid of $1', { yesBid: 400_000, noBid: 1_000_000 }, /noBid 1.00 is outside \(0, 1\)/],
    ['both sides zero', { yesBid: 0, noBid: 0 }, /both sides are zero/],
    [
      'sum above $1',
      { yesBid: 500_000, noBid: 510_000 },
      /yesBid \+ noBid = 1.01 exceeds \$1 after snapping/,
    ],
    [
      'fairValue at 0',
      { yesBid: 400_000, noBid: 400_000, fairValue: 0 },
      /fairValue 0.00 is outside \(0, 1\)/,
    ],
    [
      'fairValue not an integer',
      { yesBid: 400_000, noBid: 400_000, fairValue: 0.5 },
      /fairValue 0.5 is not a safe integer/,
    ],
    ['a bad ttl', { yesBid: 400_000, noBid: 400_000, ttlMs: -1 }, /ttlMs -1 is not a positive integer/],
    ['undefined', undefined, /price returned undefined; expected a QuoteIntent or \{ skip: reason \}/],
    ['a non-string skip', { skip: 42 }, /skip must be a string reason/],
  ])('rejects %s as an invalid intent', async (_label, decision, reason) => {
    const { runner, lines } = pricing(decision);
    const outcome = skipOf(await runner.price(testRfq({ marketTicker: 'KXA-1' })));
    expect(outcome.cause).toBe('invalid');
    expect(outcome.reason).toMatch(reason);
    expect(lines.some((l) => l.level === LEVEL.warn && l['cause'] === 'invalid')).toBe(true);
  });

  it('snaps each side down on a sub-cent tapered grid', async () => {
    const cases: Array<[number, number, number, number]> = [
      // raw yes, raw no → snapped yes, snapped no
      [55_500, 900_000, 55_000, 900_000], // 0.0555 → 0.055 (0.001 band); 0.90 exactly on a band edge
      [456_700, 95_590, 450_000, 95_000], // 0.4567 → 0.45 (0.01 band); 0.09559 → 0.095
      [100_900, 899_999, 100_000, 890_000], // just above 0.10 → 0.10; just below 0.90 → 0.89
      [955_500, 1_500, 955_000, 1_000], // 0.9555 → 0.955 (0.001 band); 0.0015 → 0.001
    ];
    for (const [yes, no, yesSnapped, noSnapped] of cases) {
      const intent = intentOf(await priceOnce({ yesBid: yes, noBid: no }, TAPERED_DECI_CENT_GRID));
      expect([intent.yesBid, intent.noBid]).toEqual([yesSnapped, noSnapped]);
      expect(intent.yesBid).toBeLessThanOrEqual(yes);
      expect(intent.noBid).toBeLessThanOrEqual(no);
    }
  });

  it('declines a side that snaps below the grid minimum, and skips when both do', async () => {
    const oneSide = intentOf(await priceOnce({ yesBid: 400, noBid: 500_000 }, TAPERED_DECI_CENT_GRID));
    expect(oneSide).toMatchObject({ yesBid: 0, noBid: 500_000 });
    const { runner, lines } = pricing({ yesBid: 9_999, noBid: 5_000 }); // cent grid: both below 0.01
    const outcome = skipOf(await runner.price(testRfq({ marketTicker: 'KXA-1' })));
    expect(outcome.cause).toBe('snapped-away');
    expect(outcome.reason).toContain('no side left after snapping');
    expect(lines.some((l) => l.level === LEVEL.info && l['cause'] === 'snapped-away')).toBe(true);
  });

  it('accepts a raw sum above $1 that snapping brings to $1 or below, and rejects one still above', async () => {
    expect(intentOf(await priceOnce({ yesBid: 505_000, noBid: 499_900 }))).toMatchObject({
      yesBid: 500_000,
      noBid: 490_000,
    });
    expect(intentOf(await priceOnce({ yesBid: 500_000, noBid: 500_000 }))).toMatchObject({
      yesBid: 500_000,
      noBid: 500_000,
    });
    const exact = intentOf(await priceOnce({ yesBid: 905_500, noBid: 95_000 }, TAPERED_DECI_CENT_GRID));
    expect(exact).toMatchObject({ yesBid: 905_000, noBid: 95_000 });
    const tapered = skipOf(await priceOnce({ yesBid: 906_400, noBid: 95_000 }, TAPERED_DECI_CENT_GRID));
    expect(tapered.cause).toBe('invalid');
    expect(tapered.reason).toBe(
      'yesBid + noBid = 1.001 exceeds $1 after snapping (yesBid 0.906, noBid 0.095)',
    );
  });

  it('skips with "market-data" when the market cannot be read', async () => {
    const { runner } = pricing({ yesBid: 400_000, noBid: 400_000 });
    const outcome = skipOf(await runner.price(testRfq({ marketTicker: 'UNKNOWN-1' })));
    expect(outcome).toMatchObject({
      cause: 'market-data',
      reason: 'cannot read market for its price grid: no market data for UNKNOWN-1',
    });
  });

  it('skips at debug when no route matches', async () => {
    const { runner, lines } = setup({
      strategies: [fakeStrategy('s')],
      routes: [{ match: { markets: ['KXA-*'] }, strategy: 's' }],
    });
    expect(skipOf(await runner.price(testRfq({ marketTicker: 'KXB-1' })))).toEqual({
      kind: 'skip',
      cause: 'no-route',
      reason: 'no route matches this RFQ',
    });
    expect(lines.find((l) => l['cause'] === 'no-route')?.level).toBe(LEVEL.debug);
  });

  it('derives event (from the market) and series (from the lookup) for routing', async () => {
    const asked: string[] = [];
    const { runner } = setup({
      strategies: [fakeStrategy('by-series'), fakeStrategy('by-event'), fakeStrategy('rest')],
      routes: [
        { match: { series: ['SER-A'] }, strategy: 'by-series' },
        { match: { events: ['KXB'] }, strategy: 'by-event' },
        { strategy: 'rest' },
      ],
      runner: {
        seriesOf: async (event) => {
          asked.push(event);
          return event === 'KXA' ? 'SER-A' : 'SER-B';
        },
      },
    });
    const a = await runner.price(testRfq({ marketTicker: 'KXA-1' }));
    const b = await runner.price(testRfq({ marketTicker: 'KXB-1' }));
    const c = await runner.price(testRfq({ marketTicker: 'KXB-1', eventTicker: 'OTHER' }));
    expect([a.strategy, b.strategy, c.strategy]).toEqual(['by-series', 'by-event', 'rest']);
    expect(asked).toEqual(['KXA', 'KXB', 'OTHER']);
  });

  it('hands the strategy its parsed options, a logger, the clock and the data', async () => {
    const clock = new ManualClock(1_234);
    let seen: unknown;
    const strategy = fakeStrategy('ctx', {
      options: { parse: (raw: unknown) => ({ parsed: raw }) },
      price: async (rfq, ctx) => {
        seen = {
          options: ctx.options,
          now: ctx.clock.now(),
          market: (await ctx.data.market(rfq.marketTicker)).ticker,
          aborted: ctx.signal.aborted,
        };
        ctx.log.info('from the strategy');
        return { skip: 'done' };
      },
    });
    const { runner, lines } = setup({
      strategies: [strategy as Strategy<unknown>],
      routes: [{ strategy: 'ctx', options: { a: 1 } }],
      runner: { clock },
    });
    await runner.price(testRfq({ marketTicker: 'KXA-1', id: 'r-1' }));
    expect(seen).toEqual({ options: { parsed: { a: 1 } }, now: 1_234, market: 'KXA-1', aborted: false });
    expect(lines.find((l) => l.msg === 'from the strategy')).toMatchObject({
      module: 'strategy',
      strategy: 'ctx',
      rfqId: 'r-1',
      route: 'routes[0]',
    });
  });

  it("binds the strategy logger's module once: no duplicate key in its JSON line", async () => {
    const raw: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void raw.push(line) });
    const strategy = fakeStrategy('talker', {
      price: (_rfq, ctx) => {
        ctx.log.info('from the strategy');
        return { skip: 'done' };
      },
    });
    const registry = new Map([[strategy.name, strategy as Strategy<unknown>]]);
    const router = new StrategyRouter(registry, [{ strategy: 'talker', isolation: 'in-process' }], logger);
    const data = new InMemoryMarketData().setMarket({ ticker: 'KXA-1', eventTicker: 'KXA' });
    const runner = new StrategyRunner({ router, data, logger, timeoutMs: 100 });
    runners.push(runner);
    await runner.price(testRfq({ marketTicker: 'KXA-1' }));
    const line = raw.find((l) => l.includes('from the strategy'));
    expect(line).toBeDefined();
    expect(duplicateJsonKeys(line!)).toEqual([]);
    expect(JSON.parse(line!)).toMatchObject({ module: 'strategy', strategy: 'talker' });
  });
});

describe('StrategyRunner.lastLook, fairValue and onEvent', () => {
  async function quoted(strategy: Strategy<unknown>) {
    const env = setup({ strategies: [strategy] });
    const rfq = testRfq({ marketTicker: 'KXA-1' });
    const outcome = await env.runner.price(rfq);
    if (outcome.kind !== 'quote') throw new Error('expected a quote');
    const quote = {
      rfq,
      quoteId: 'q-1',
      yesBid: outcome.intent.yesBid,
      noBid: outcome.intent.noBid,
      yesContracts: 1_000,
      noContracts: 1_000,
      sentAt: 0,
      acceptedSide: 'yes' as const,
    };
    return { ...env, quote, route: outcome.route };
  }

  it('confirms only on true; throws, time-outs and non-booleans mean do not confirm', async () => {
    let lateVerdict: Promise<boolean> | undefined;
    const verdicts: Array<[Strategy<unknown>['lastLook'], boolean, RegExp | undefined]> = [
      [undefined, true, undefined],
      [() => true, true, undefined],
      [async () => false, false, undefined],
      [(() => 'yes') as unknown as Strategy<unknown>['lastLook'], false, undefined],
      [
        () => {
          throw new Error('stale book');
        },
        false,
        /^threw: stale book$/,
      ],
      [
        () => (lateVerdict = new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 300))),
        false,
        /^timeout after 100ms$/,
      ],
    ];
    for (const [lastLook, expected, reason] of verdicts) {
      const { runner, quote, route, lines } = await quoted(
        fakeStrategy('s', lastLook ? { lastLook } : {}) as Strategy<unknown>,
      );
      expect(await runner.lastLook(quote, route)).toBe(expected);
      const failure = lines.find((l) => l.msg === 'last look failed; not confirming');
      if (reason) expect(failure?.['reason']).toMatch(reason);
      else expect(failure).toBeUndefined();
    }
    expect(await lateVerdict).toBe(true);
  });

  it('does not confirm when the quote has no route any more', async () => {
    const { runner, quote } = await quoted(fakeStrategy('s', { lastLook: () => true }) as Strategy<unknown>);
    await runner.reload([{ match: { markets: ['NOTHING*'] }, strategy: 's', isolation: 'in-process' }]);
    expect(await runner.lastLook(quote)).toBe(false);
  });

  it('validates fair values and swallows onEvent errors', async () => {
    const fair = (value: unknown) =>
      fakeStrategy('s', { fairValue: () => value as number }) as Strategy<unknown>;
    const rfq = testRfq({ marketTicker: 'KXA-1' });
    expect(await setup({ strategies: [fair(dollars('0.52'))] }).runner.fairValue(rfq)).toBe(520_000);
    expect(await setup({ strategies: [fair(undefined)] }).runner.fairValue(rfq)).toBeUndefined();
    expect(await setup({ strategies: [fair(1_000_000)] }).runner.fairValue(rfq)).toBeUndefined();
    expect(await setup({ strategies: [fair(0.52)] }).runner.fairValue(rfq)).toBeUndefined();
    expect(await setup({ strategies: [fakeStrategy('s')] }).runner.fairValue(rfq)).toBeUndefined();

    const events: string[] = [];
    const { runner, quote, route, lines } = await quoted(
      fakeStrategy('s', {
        onEvent: (event) => {
          events.push(event.type);
          throw new Error('listener broke');
        },
      }) as Strategy<unknown>,
    );
    await expect(runner.onEvent({ type: 'executed', quote, at: 1 }, route)).resolves.toBeUndefined();
    expect(events).toEqual(['executed']);
    expect(lines.find((l) => l.msg === 'onEvent failed (ignored)')).toMatchObject({
      level: LEVEL.warn,
      reason: 'threw: listener broke',
    });
  });
});

describe('StrategyRunner lifecycle', () => {
  function lifecycle(name: string, log: string[], failSetup = false): Strategy<unknown> {
    return fakeStrategy(name, {
      setup: async (ctx) => {
        log.push(`setup ${name} ${JSON.stringify(ctx.options)}`);
        if (failSetup) throw new Error('feed unreachable');
      },
      teardown: async () => {
        log.push(`teardown ${name}`);
      },
      options: { parse: (raw) => raw },
    }) as Strategy<unknown>;
  }

  it('sets up on start, fails startup on a setup error and tears down what it set up', async () => {
    const log: string[] = [];
    const { runner } = setup({
      strategies: [lifecycle('good', log), lifecycle('bad', log, true)],
      routes: [{ match: { markets: ['KXA*'] }, strategy: 'good' }, { strategy: 'bad' }],
    });
    const error = await runner.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StrategySetupError);
    expect((error as Error).message).toBe(
      'strategy "bad" (routes[1]) failed to set up: threw: feed unreachable',
    );
    expect(log).toEqual(['setup good {}', 'setup bad {}', 'teardown good']);
  });

  it('reloads: sets up new instances, keeps unchanged ones, tears down removed ones', async () => {
    const log: string[] = [];
    const { runner } = setup({
      strategies: [lifecycle('a', log), lifecycle('b', log)],
      routes: [{ match: { markets: ['KXA*'] }, strategy: 'a', options: { v: 1 } }, { strategy: 'b' }],
    });
    await runner.start();
    log.length = 0;
    await runner.reload([
      { match: { markets: ['KXA*'] }, strategy: 'a', options: { v: 2 }, isolation: 'in-process' },
      { strategy: 'b', isolation: 'in-process' },
    ]);
    expect(log).toEqual(['setup a {"v":2}', 'teardown a']);
    expect((await runner.price(testRfq({ marketTicker: 'KXA-1' }))).kind).toBe('quote');
  });

  it('keeps the running routes when a reload fails validation or setup', async () => {
    const log: string[] = [];
    const { runner } = setup({
      strategies: [lifecycle('a', log), lifecycle('bad', log, true)],
      routes: [{ strategy: 'a' }],
    });
    await runner.start();
    const before = runner.router.table;
    await expect(runner.reload([{ strategy: 'missing' }])).rejects.toThrow(/unknown strategy "missing"/);
    await expect(runner.reload([{ strategy: 'bad', isolation: 'in-process' }])).rejects.toThrow(
      StrategySetupError,
    );
    expect(runner.router.table).toBe(before);
    expect(log).toEqual(['setup a {}', 'setup bad {}']);
    expect((await runner.price(testRfq({ marketTicker: 'KXA-1' }))).strategy).toBe('a');
  });

  it('stop aborts calls in flight, tears down, and skips afterwards', async () => {
    const log: string[] = [];
    let signal: AbortSignal | undefined;
    const strategy = fakeStrategy('slow', {
      price: (_rfq, ctx) => {
        signal = ctx.signal;
        return new Promise(() => undefined);
      },
      teardown: async () => {
        log.push('teardown');
      },
    }) as Strategy<unknown>;
    const { runner } = setup({ strategies: [strategy], runner: { timeoutMs: 5_000 } });
    await runner.start();
    const pending = runner.price(testRfq({ marketTicker: 'KXA-1' }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await runner.stop();
    expect(skipOf(await pending).cause).toBe('stopped');
    expect(signal?.aborted).toBe(true);
    expect(log).toEqual(['teardown']);
    expect(skipOf(await runner.price(testRfq({ marketTicker: 'KXA-1' }))).cause).toBe('stopped');
  });
});

describe('an in-process call context', () => {
  it('shows the strategy its options, clock, data, a lazy logger and signal, and nothing of the host', async () => {
    let seen: Record<string, unknown> | undefined;
    const { runner, lines } = setup({
      strategies: [
        fakeStrategy('s', {
          async price(rfq, ctx) {
            seen = {
              keys: Object.keys(ctx).sort(),
              signal: ctx.signal instanceof AbortSignal,
              book: (await ctx.data.orderBook(rfq.marketTicker)) !== undefined,
              frozen: Object.isFrozen(await ctx.data.market(rfq.marketTicker)),
              options: ctx.options,
            };
            ctx.log.info('from the strategy');
            return { yesBid: 400_000, noBid: 400_000 };
          },
        }),
      ],
    });
    expect((await runner.price(testRfq({ id: 'r9', marketTicker: 'KXA-1' }))).kind).toBe('quote');
    expect(seen).toEqual({
      keys: ['clock', 'data', 'options'],
      signal: true,
      book: true,
      frozen: true,
      options: {},
    });
    const line = lines.find((l) => l.msg === 'from the strategy');
    expect(line).toMatchObject({ module: 'strategy', strategy: 's', rfqId: 'r9' });
  });
});
