import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FeeSchedule, makerFee } from '../../../src/domain/fees.js';
import {
  DECI_CENT_GRID,
  isOnGrid,
  LINEAR_CENT_GRID,
  type PriceGrid,
  TAPERED_DECI_CENT_GRID,
} from '../../../src/domain/grid.js';
import { dollars } from '../../../src/domain/money.js';
import { checkIntent } from '../../../src/strategy/intent.js';
import { testBook, testMarket } from '../../../src/strategy/memory-data.js';
import {
  bestNoBid,
  bestYesAsk,
  bestYesBid,
  bidNetOfMakerFee,
  bookMid,
  bookSpread,
  clampFair,
  halfSpread,
  makerFeePerContract,
  referencePrice,
  twoSided,
  withMakerFees,
} from '../../../src/strategy/pricing.js';
import { expectAbove, expectAtLeast, expectAtMost, expectIs } from '../../helpers/hot-expect.js';

const MAKER: FeeSchedule = { type: 'quadratic_with_maker_fees', multiplierPpm: 1_000_000 };

describe('book helpers', () => {
  const book = testBook('T', {
    yes: [
      ['0.40', '5'],
      ['0.45', '10'],
      ['0.44', '1'],
    ],
    no: [
      ['0.50', '3'],
      ['0.48', '2'],
    ],
  });

  it('reads the best bids (last level), the YES ask (1 − best NO bid), mid and spread', () => {
    expect(bestYesBid(book)).toBe(450_000);
    expect(bestNoBid(book)).toBe(500_000);
    expect(bestYesAsk(book)).toBe(500_000);
    expect(bookMid(book)).toBe(475_000);
    expect(bookSpread(book)).toBe(50_000);
  });

  it('ignores empty levels and reports one-sided books as undefined', () => {
    const thin = {
      ticker: 'T',
      yes: [
        { price: 300_000, count: 100 },
        { price: 350_000, count: 0 },
      ],
      no: [],
    };
    expect(bestYesBid(thin)).toBe(300_000);
    expect(bestYesAsk(thin)).toBeUndefined();
    expect(bookMid(thin)).toBeUndefined();
    expect(bookSpread(thin)).toBeUndefined();
  });

  it('rounds an odd mid down to the micro', () => {
    const odd = { ticker: 'T', yes: [{ price: 450_001, count: 1 }], no: [{ price: 500_000, count: 1 }] };
    expect(bookMid(odd)).toBe(475_000);
  });
});

describe('twoSided and clamps', () => {
  it('bids fair − half on YES and (1 − fair) − half on NO', () => {
    expect(twoSided(dollars('0.50'), dollars('0.02'))).toEqual({ yesBid: 480_000, noBid: 480_000 });
    expect(twoSided(dollars('0.70'), dollars('0.015'))).toEqual({ yesBid: 685_000, noBid: 285_000 });
  });

  it('declines a side that would be zero or negative', () => {
    expect(twoSided(dollars('0.01'), dollars('0.02'))).toEqual({ yesBid: 0, noBid: 970_000 });
    expect(twoSided(dollars('0.99'), dollars('0.02'))).toEqual({ yesBid: 970_000, noBid: 0 });
  });

  it('rounds half-spreads up and clamps fair values into (0, 1)', () => {
    expect(halfSpread(30_001)).toBe(15_001);
    expect(clampFair(-5)).toBe(1);
    expect(clampFair(1_000_000)).toBe(999_999);
    expect(clampFair(500_000)).toBe(500_000);
  });
});

describe('referencePrice', () => {
  const market = testMarket({ ticker: 'T', lastPrice: '0.62' });
  const noLast = testMarket({ ticker: 'T' });
  const twoSidedBook = testBook('T', { yes: [['0.45', '1']], no: [['0.50', '1']] });
  const oneSided = testBook('T', { yes: [['0.45', '1']] });

  it('uses the mid, then the last price, and explains skips', () => {
    expect(referencePrice(twoSidedBook, market)).toEqual({ fair: 475_000, source: 'mid' });
    expect(referencePrice(oneSided, market)).toEqual({ fair: 620_000, source: 'last' });
    expect(referencePrice(oneSided, market, { fallbackToLastPrice: false })).toEqual({
      skip: 'order book is one-sided or empty',
    });
    expect(referencePrice(oneSided, noLast)).toEqual({
      skip: 'order book is one-sided or empty and the market has no last price',
    });
    expect(referencePrice(twoSidedBook, market, { maxBookSpread: dollars('0.04') })).toEqual({
      skip: 'book spread 0.05 is wider than maxBookSpread 0.04',
    });
    const crossed = testBook('T', { yes: [['0.55', '1']], no: [['0.50', '1']] });
    expect(referencePrice(crossed, market)).toEqual({ skip: 'order book is crossed (spread -0.05)' });
  });
});

describe('maker fees', () => {
  it('is zero under schedules without maker fees', () => {
    expect(makerFeePerContract(500_000)).toBe(0);
    expect(
      withMakerFees({ yesBid: 480_000, noBid: 0 }, { type: 'quadratic', multiplierPpm: 1_000_000 }),
    ).toEqual({
      yesBid: 480_000,
      noBid: 0,
    });
  });

  it('computes 1.75% · P · (1 − P) per contract, or the rounded trade fee spread over the count', () => {
    expect(makerFeePerContract(500_000, MAKER)).toBe(4_375); // 0.0175 · 0.25
    expect(makerFeePerContract(500_000, MAKER, 100)).toBe(makerFee(500_000, 100, MAKER)); // one contract: 0.0044
    expect(makerFeePerContract(500_000, MAKER, 100)).toBe(4_400);
  });

  it('spreads the trade fee over the count exactly (rounded up), whatever the size', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 999_999 }),
        fc.integer({ min: 1, max: 100_000_000 }),
        (price, count) => {
          const fee = BigInt(makerFee(price, count, MAKER)) * 100n;
          const exact = fee / BigInt(count) + (fee % BigInt(count) > 0n ? 1n : 0n);
          expectIs(makerFeePerContract(price, MAKER, count), Number(exact));
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it('gives the highest bid whose price plus fee fits within the bid', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 999_999 }),
        fc.constantFrom<FeeSchedule>(MAKER, {
          type: 'quadratic_with_combo_maker_fees',
          multiplierPpm: 500_000,
        }),
        fc.option(fc.integer({ min: 1, max: 1_000_000 }), { nil: undefined }),
        (bid, schedule, count) => {
          const net = bidNetOfMakerFee(bid, schedule, count);
          expectIs(Number.isSafeInteger(net), true);
          expectAtLeast(net, 0);
          expectAtMost(net, bid);
          if (net > 0) expectAtMost(net + makerFeePerContract(net, schedule, count), bid);
          // Highest such bid wherever price + fee is monotonic (both on one side of $0.50).
          if (bid <= 500_000 || net >= 500_000) {
            for (let higher = net + 1; higher <= Math.min(bid, net + 20); higher++) {
              expectAbove(higher + makerFeePerContract(higher, schedule, count), bid);
            }
          }
        },
      ),
      { numRuns: 1_000 },
    );
  });
});

describe('checkIntent (property)', () => {
  const grids: PriceGrid[] = [LINEAR_CENT_GRID, TAPERED_DECI_CENT_GRID, DECI_CENT_GRID];

  it('either returns a valid on-grid quote no higher than asked, or a skip', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: -10_000, max: 1_100_000 }), fc.constant(0)),
        fc.oneof(fc.integer({ min: -10_000, max: 1_100_000 }), fc.constant(0)),
        fc.constantFrom(...grids),
        (yesBid, noBid, grid) => {
          const checked = checkIntent({ yesBid, noBid }, grid);
          if (checked.kind !== 'quote') return;
          const { intent } = checked;
          for (const [raw, snapped] of [
            [yesBid, intent.yesBid],
            [noBid, intent.noBid],
          ] as const) {
            expect(snapped === 0 || (snapped > 0 && snapped < 1_000_000 && isOnGrid(snapped, grid))).toBe(
              true,
            );
            expect(snapped).toBeLessThanOrEqual(raw);
          }
          expect(intent.yesBid + intent.noBid).toBeGreaterThan(0);
          expect(intent.yesBid + intent.noBid).toBeLessThanOrEqual(1_000_000);
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
