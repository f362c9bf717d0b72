import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makerFee, quadraticFee, takerFee } from '../../../src/domain/fees.js';
import {
  isOnGrid,
  LINEAR_CENT_GRID,
  minPositivePrice,
  type PriceGrid,
  PriceGridError,
  snapDown,
  snapUp,
  tickAt,
  validateGrid,
} from '../../../src/domain/grid.js';
import { dollars } from '../../../src/domain/money.js';
import { contractsForTargetCost, contractsPerSide } from '../../../src/domain/sizing.js';
import { expectIs } from '../../helpers/hot-expect.js';

const TAPERED_DECI_CENT: PriceGrid = validateGrid([
  { start: 0, end: 100_000, step: 1_000 },
  { start: 100_000, end: 900_000, step: 10_000 },
  { start: 900_000, end: 1_000_000, step: 1_000 },
]);
const CENTER_DECI_EDGE_CENTI_CENT: PriceGrid = validateGrid([
  { start: 0, end: 10_000, step: 100 },
  { start: 10_000, end: 990_000, step: 1_000 },
  { start: 990_000, end: 1_000_000, step: 100 },
]);

describe('price grid', () => {
  it('knows on-grid prices across bands', () => {
    expect(isOnGrid(dollars('0.55'), LINEAR_CENT_GRID)).toBe(true);
    expect(isOnGrid(dollars('0.355'), LINEAR_CENT_GRID)).toBe(false);
    expect(isOnGrid(dollars('0.055'), TAPERED_DECI_CENT)).toBe(true);
    expect(isOnGrid(dollars('0.555'), TAPERED_DECI_CENT)).toBe(false);
    expect(isOnGrid(dollars('0.9999'), CENTER_DECI_EDGE_CENTI_CENT)).toBe(true);
    expect(isOnGrid(dollars('0.5005'), CENTER_DECI_EDGE_CENTI_CENT)).toBe(false);
  });

  it('snaps bids down and asks up, never across a band edge the wrong way', () => {
    expect(snapDown(dollars('0.3550'), LINEAR_CENT_GRID)).toBe(dollars('0.35'));
    expect(snapUp(dollars('0.3550'), LINEAR_CENT_GRID)).toBe(dollars('0.36'));
    expect(snapDown(dollars('0.1055'), TAPERED_DECI_CENT)).toBe(dollars('0.10'));
    expect(snapDown(dollars('0.0999'), TAPERED_DECI_CENT)).toBe(dollars('0.099'));
    expect(snapUp(dollars('0.8999'), TAPERED_DECI_CENT)).toBe(dollars('0.90'));
    expect(snapDown(dollars('0.9005'), TAPERED_DECI_CENT)).toBe(dollars('0.90'));
    expect(minPositivePrice(CENTER_DECI_EDGE_CENTI_CENT)).toBe(dollars('0.0001'));
    expect(tickAt(dollars('0.10'), TAPERED_DECI_CENT)).toBe(1_000);
  });

  it('snapDown gives the highest grid price not above the input (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), (price) => {
        for (const grid of [LINEAR_CENT_GRID, TAPERED_DECI_CENT, CENTER_DECI_EDGE_CENTI_CENT]) {
          const down = snapDown(price, grid)!;
          const up = snapUp(price, grid)!;
          expect(down).toBeLessThanOrEqual(price);
          expect(up).toBeGreaterThanOrEqual(price);
          expect(isOnGrid(down, grid) && isOnGrid(up, grid)).toBe(true);
          // nothing on the grid lies strictly between down and up
          if (down !== price) expect(snapUp(down + 1, grid)).toBe(up);
        }
      }),
    );
  });

  it('rejects malformed grids', () => {
    expect(() => validateGrid([])).toThrow(PriceGridError);
    expect(() => validateGrid([{ start: 0, end: 1_000_000, step: 0 }])).toThrow(/whole number of steps/);
    expect(() => validateGrid([{ start: 0, end: 1_000_000, step: 30_000 }])).toThrow(/whole number of steps/);
    expect(() => validateGrid([{ start: 0, end: 2_000_000, step: 10_000 }])).toThrow(/outside/);
  });
});

describe('fees', () => {
  it('matches the observed taker fee: 1 contract at 0.52 pays 0.017500', () => {
    expect(takerFee(dollars('0.52'), 100)).toBe(dollars('0.0175'));
  });

  it('rounds up to $0.0001 and scales with the multiplier', () => {
    // 0.07 * 10 * 0.3 * 0.7 = 0.147 exactly
    expect(takerFee(dollars('0.30'), 1000)).toBe(dollars('0.147'));
    expect(takerFee(dollars('0.30'), 1000, { type: 'quadratic', multiplierPpm: 500_000 })).toBe(
      dollars('0.0735'),
    );
    expect(takerFee(dollars('0.30'), 1000, { type: 'quadratic', multiplierPpm: 0 })).toBe(0);
    // 0.07 * 0.01 * 0.5 * 0.5 = 0.000175 -> 0.0002
    expect(takerFee(dollars('0.50'), 1)).toBe(dollars('0.0002'));
  });

  it('computes every fee exactly as the BigInt formula does, near whole units too', () => {
    // The reference: rate·C·P·(1−P)·mult / 10^20 fee units, rounded up, in BigInt.
    const exact = (rateBps: number, price: number, count: number, multiplierPpm: number) => {
      const numerator =
        BigInt(rateBps) * BigInt(count) * BigInt(price) * BigInt(1_000_000 - price) * BigInt(multiplierPpm);
      const units = numerator / 10n ** 20n + (numerator % 10n ** 20n > 0n ? 1n : 0n);
      return Number(units) * 100;
    };
    const price = fc.oneof(
      fc.integer({ min: 0, max: 1_000_000 }),
      fc.integer({ min: 1, max: 99 }).map((cents) => cents * 10_000),
      fc.constantFrom(0, 1, 500_000, 999_999, 1_000_000),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(175, 350, 700, 1, 9_999),
        price,
        fc.oneof(
          fc.integer({ min: 1, max: 10_000_000 }),
          fc.integer({ min: 1, max: 100 }).map((n) => n * 100),
        ),
        fc.constantFrom(1_000_000, 500_000, 1, 250_000, 1_000_001),
        (rateBps, p, count, multiplierPpm) => {
          expect(quadraticFee(rateBps, p, count, multiplierPpm)).toBe(
            exact(rateBps, p, count, multiplierPpm),
          );
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it('charges makers only on maker-fee series', () => {
    expect(makerFee(dollars('0.40'), 100)).toBe(0);
    // 0.0175 * 1 * 0.4 * 0.6 = 0.0042
    expect(
      makerFee(dollars('0.40'), 100, { type: 'quadratic_with_maker_fees', multiplierPpm: 1_000_000 }),
    ).toBe(dollars('0.0042'));
    // 0.035 * 1 * 0.4 * 0.6 = 0.0084
    expect(
      makerFee(dollars('0.40'), 100, { type: 'quadratic_with_combo_maker_fees', multiplierPpm: 1_000_000 }),
    ).toBe(dollars('0.0084'));
  });
});

describe('target-cost sizing', () => {
  it('reproduces the observed example: $10 against no_bid 0.7450 buys 37.27 contracts', () => {
    expect(contractsForTargetCost(dollars('10'), dollars('0.7450'), false)).toBe(3727);
  });

  it('excludes fees when the RFQ says so', () => {
    // requester pays 0.25 per contract: 10 / 0.25 = 40.00
    expect(contractsForTargetCost(dollars('10'), dollars('0.75'), true)).toBe(4000);
  });

  it('never spends more than the target (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000_000 }),
        fc.integer({ min: 1, max: 999_999 }),
        fc.boolean(),
        (target, bid, excludesFees) => {
          const count = contractsForTargetCost(target, bid, excludesFees);
          const unit = 1_000_000 - bid;
          const principal = (BigInt(count) * BigInt(unit)) / 100n;
          expectIs(principal <= BigInt(target), true);
          // one more hundredth would exceed the target
          const more = (BigInt(count + 1) * BigInt(unit) + 99n) / 100n;
          if (excludesFees) expectIs(more > BigInt(target), true);
        },
      ),
    );
  });

  it('sizes both sides of a quote', () => {
    expect(contractsPerSide({ kind: 'contracts', contracts: 500 }, { yesBid: 400_000, noBid: 0 })).toEqual({
      yes: 500,
      no: 0,
    });
    const sides = contractsPerSide(
      { kind: 'targetCost', targetCost: dollars('10'), excludesFees: true },
      { yesBid: dollars('0.60'), noBid: dollars('0.30') },
    );
    expect(sides).toEqual({ yes: 2500, no: 1428 });
  });
});
