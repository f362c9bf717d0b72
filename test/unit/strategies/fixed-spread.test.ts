import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DECI_CENT_GRID,
  dollars,
  isOnGrid,
  LINEAR_CENT_GRID,
  type OrderBook,
  type PriceGrid,
  RouteConfigError,
  TAPERED_DECI_CENT_GRID,
} from '../../../src/index.js';
import { createStrategyHarness, type StrategyHarness, testBook } from '../../../src/testing.js';
import { fixedSpread } from '../../../strategies/fixed-spread.js';

const T = 'KXTEST-26-A';
const harnesses: StrategyHarness<unknown>[] = [];
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
});

async function harness(
  book: OrderBook,
  options: unknown = {},
  extra: { lastPrice?: string; grid?: PriceGrid } = {},
) {
  const h = await createStrategyHarness(fixedSpread, {
    options,
    markets: [
      {
        ticker: T,
        ...(extra.lastPrice ? { lastPrice: extra.lastPrice } : {}),
        ...(extra.grid ? { priceGrid: extra.grid } : {}),
      },
    ],
    books: [book],
  });
  harnesses.push(h as StrategyHarness<unknown>);
  return h;
}

const book = testBook(T, {
  yes: [
    ['0.40', '5'],
    ['0.45', '10'],
  ],
  no: [['0.50', '7']],
}); // bid 0.45, ask 0.50

describe('fixed-spread', () => {
  it('has documented defaults', async () => {
    const h = await harness(book);
    expect(h.options).toEqual({ spread: 40_000, maxBookSpread: 200_000, fallbackToLastPrice: true });
  });

  it('quotes spread/2 around the mid on each side, snapped down to the grid', async () => {
    // mid 0.475, half 0.02: YES 0.455, NO 0.505
    expect(await (await harness(book)).quote({ marketTicker: T })).toMatchObject({
      yesBid: 450_000,
      noBid: 500_000,
      fairValue: 475_000,
    });
    expect(
      await (await harness(book, {}, { grid: DECI_CENT_GRID })).quote({ marketTicker: T }),
    ).toMatchObject({
      yesBid: 455_000,
      noBid: 505_000,
    });
    expect(
      await (await harness(book, { spread: '0.10' }, { grid: DECI_CENT_GRID })).quote({ marketTicker: T }),
    ).toMatchObject({
      yesBid: 425_000,
      noBid: 475_000,
    });
  });

  it('skips when the book is wider than maxBookSpread', async () => {
    const wide = testBook(T, { yes: [['0.30', '1']], no: [['0.45', '1']] }); // 0.30 / 0.55: spread 0.25
    const outcome = await (await harness(wide)).price({ marketTicker: T });
    expect(outcome).toMatchObject({
      kind: 'skip',
      cause: 'declined',
      reason: 'book spread 0.25 is wider than maxBookSpread 0.20',
    });
    expect((await (await harness(wide, { maxBookSpread: '0.30' })).price({ marketTicker: T })).kind).toBe(
      'quote',
    );
  });

  it('falls back to the last price on a one-sided book unless told not to', async () => {
    const oneSided = testBook(T, { yes: [['0.45', '1']] });
    expect(
      await (await harness(oneSided, {}, { lastPrice: '0.62' })).quote({ marketTicker: T }),
    ).toMatchObject({
      yesBid: 600_000,
      noBid: 360_000,
      fairValue: 620_000,
    });
    const strict = await harness(oneSided, { fallbackToLastPrice: false }, { lastPrice: '0.62' });
    expect(await strict.price({ marketTicker: T })).toMatchObject({
      kind: 'skip',
      reason: 'order book is one-sided or empty',
    });
    const empty = await harness(testBook(T, {}));
    expect((await empty.price({ marketTicker: T })).kind).toBe('skip');
  });

  it('lowers bids by the maker fee where the series charges one', async () => {
    const h = await createStrategyHarness(fixedSpread, {
      markets: [{ ticker: T, priceGrid: DECI_CENT_GRID }],
      books: [book],
      fees: { type: 'quadratic_with_maker_fees', multiplierPpm: 1_000_000 },
    });
    harnesses.push(h as StrategyHarness<unknown>);
    // 10 contracts: YES 0.455 pays ~0.0043/contract in fees → 0.450; NO 0.505 → 0.500
    expect(await h.quote({ marketTicker: T, contracts: '10' })).toMatchObject({
      yesBid: 450_000,
      noBid: 500_000,
    });
  });

  it('reports the mid as its fair value for the sweeper', async () => {
    expect(await (await harness(book)).fairValue(T)).toBe(475_000);
    expect(await (await harness(testBook(T, {}))).fairValue(T)).toBeUndefined();
  });

  it('rejects bad options with the option named', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ spread: 0.04 }, /spread: write dollars as a quoted decimal string/],
      [{ spread: '0' }, /spread: 0 must be greater than 0.00/],
      [{ spread: '1' }, /spread: 1 must be less than 1.00/],
      [{ maxBookSpread: 'wide' }, /maxBookSpread: expected a dollar decimal string/],
      [{ fallbackToLastPrice: 'yes' }, /fallbackToLastPrice: .*expected boolean/],
      [{ spreads: '0.04' }, /Unrecognized key: "spreads"/],
    ];
    for (const [options, message] of cases) {
      const error = await harness(book, options).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RouteConfigError);
      expect((error as Error).message).toMatch(/invalid options for strategy "fixed-spread"/);
      expect((error as Error).message).toMatch(message);
    }
  });

  it('after the runner, any book and options give a valid quote or a plain skip (property)', async () => {
    const level = fc.tuple(fc.integer({ min: 1, max: 999 }), fc.integer({ min: 0, max: 500 }));
    const side = fc.array(level, { maxLength: 4 });
    const grids = [LINEAR_CENT_GRID, TAPERED_DECI_CENT_GRID, DECI_CENT_GRID];
    await fc.assert(
      fc.asyncProperty(
        side,
        side,
        fc.integer({ min: 1, max: 999 }),
        fc.integer({ min: 1, max: 1_000 }),
        fc.integer({ min: 0, max: 999 }),
        fc.boolean(),
        fc.constantFrom(0, 1, 2),
        async (yes, no, spreadMils, maxSpreadMils, lastMils, fallback, gridIndex) => {
          const grid = grids[gridIndex]!;
          const toLevels = (levels: [number, number][]) =>
            levels.map(([p, c]) => [(p / 1000).toFixed(3), String(c)] as [string, string]);
          const h = await createStrategyHarness(fixedSpread, {
            options: {
              spread: (spreadMils / 1000).toFixed(3),
              maxBookSpread: (maxSpreadMils / 1000).toFixed(3),
              fallbackToLastPrice: fallback,
            },
            markets: [{ ticker: T, priceGrid: grid, lastPrice: (lastMils / 1000).toFixed(3) }],
            books: [testBook(T, { yes: toLevels(yes), no: toLevels(no) })],
          });
          try {
            const outcome = await h.price({ marketTicker: T });
            if (outcome.kind === 'skip') {
              expect(['declined', 'snapped-away']).toContain(outcome.cause);
              return;
            }
            const { yesBid, noBid, fairValue } = outcome;
            for (const bid of [yesBid, noBid]) {
              expect(bid === 0 || (bid > 0 && bid < dollars('1') && isOnGrid(bid, grid))).toBe(true);
            }
            expect(yesBid + noBid).toBeGreaterThan(0);
            expect(yesBid + noBid).toBeLessThanOrEqual(dollars('1'));
            expect(fairValue).toBeGreaterThan(0);
            expect(fairValue).toBeLessThan(dollars('1'));
            // Never tighter than asked: each quoted side keeps at least half the spread of edge.
            const half = Math.ceil((spreadMils * 1000) / 2);
            if (yesBid > 0) expect(yesBid).toBeLessThanOrEqual(fairValue! - half);
            if (noBid > 0) expect(noBid).toBeLessThanOrEqual(dollars('1') - fairValue! - half);
          } finally {
            await h.close();
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
