import { afterEach, describe, expect, it } from 'vitest';
import { type Centis, contracts, DECI_CENT_GRID, RouteConfigError } from '../../../src/index.js';
import { createStrategyHarness, type StrategyHarness, testBook } from '../../../src/testing.js';
import { inventorySkew } from '../../../strategies/inventory-skew.js';

const T = 'KXSKEW-26-A';
const EVENT = 'KXSKEW-26';
const book = testBook(T, { yes: [['0.49', '10']], no: [['0.49', '10']] }); // bid 0.49, ask 0.51: mid 0.50
const harnesses: StrategyHarness<unknown>[] = [];
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
});

async function harness(position: Centis, options: Record<string, unknown> = {}, eventPosition?: Centis) {
  const h = await createStrategyHarness(inventorySkew, {
    options,
    markets: [
      { ticker: T, eventTicker: EVENT, priceGrid: DECI_CENT_GRID },
      { ticker: `${EVENT}-B`, eventTicker: EVENT },
    ],
    books: [book],
    positions: { [T]: position },
    ...(eventPosition !== undefined ? { eventPositions: { [EVENT]: eventPosition } } : {}),
  });
  harnesses.push(h as StrategyHarness<unknown>);
  return h;
}

describe('inventory-skew', () => {
  it('has documented defaults', async () => {
    expect((await harness(0)).options).toEqual({
      baseSpread: 40_000,
      skewPerContract: 500,
      widenPerContract: 200,
      maxPosition: 50_000,
      eventWeight: 500_000,
    });
  });

  it('quotes the base spread around the mid when flat', async () => {
    expect(await (await harness(0)).quote({ marketTicker: T })).toMatchObject({
      yesBid: 480_000,
      noBid: 480_000,
      fairValue: 500_000,
    });
  });

  it('shifts fair value against a long position and widens with its size', async () => {
    // long 100: fair 0.50 − 100·0.0005 = 0.45; half 0.02 + 100·0.0002 = 0.04
    const long = await (await harness(contracts('100'), { eventWeight: '0' })).quote({ marketTicker: T });
    expect(long).toMatchObject({ yesBid: 410_000, noBid: 510_000, fairValue: 450_000 });
    // short 100: fair 0.55, same width
    const short = await (await harness(contracts('-100'), { eventWeight: '0' })).quote({ marketTicker: T });
    expect(short).toMatchObject({ yesBid: 510_000, noBid: 410_000, fairValue: 550_000 });
  });

  it('adds the weighted event position', async () => {
    // market flat, event long 200 at weight 0.5 → effective long 100
    const fromEvent = await (await harness(0, {}, contracts('200'))).quote({ marketTicker: T });
    expect(fromEvent).toMatchObject({ yesBid: 410_000, noBid: 510_000, fairValue: 450_000 });
    const ignored = await (await harness(0, { eventWeight: '0' }, contracts('200'))).quote({
      marketTicker: T,
    });
    expect(ignored).toMatchObject({ yesBid: 480_000, noBid: 480_000 });
    // By default the event position is the sum over its markets: long 40 here → effective 40 + 20 = 60
    const summed = await (await harness(contracts('40'))).quote({ marketTicker: T });
    expect(summed).toMatchObject({ fairValue: 470_000, yesBid: 438_000, noBid: 498_000 });
  });

  it('quotes only the reducing side at or beyond maxPosition', async () => {
    const options = { maxPosition: '50', skewPerContract: '0', widenPerContract: '0', eventWeight: '0' };
    expect(await (await harness(contracts('49.99'), options)).quote({ marketTicker: T })).toMatchObject({
      yesBid: 480_000,
      noBid: 480_000,
    });
    expect(await (await harness(contracts('50'), options)).quote({ marketTicker: T })).toMatchObject({
      yesBid: 0,
      noBid: 480_000,
    });
    expect(await (await harness(contracts('80'), options)).quote({ marketTicker: T })).toMatchObject({
      yesBid: 0,
      noBid: 480_000,
    });
    expect(await (await harness(contracts('-50'), options)).quote({ marketTicker: T })).toMatchObject({
      yesBid: 480_000,
      noBid: 0,
    });
  });

  it('skips when the reducing side is priced away too', async () => {
    const h = await harness(contracts('600'), { eventWeight: '0' });
    // fair clamps near 0.20 (0.50 − 0.30); half 0.02 + 0.12 = 0.14: NO bid 0.66 remains
    expect(await h.quote({ marketTicker: T })).toMatchObject({
      yesBid: 0,
      noBid: 660_000,
      fairValue: 200_000,
    });
    const extreme = await harness(contracts('5000'), { eventWeight: '0' });
    expect(await extreme.price({ marketTicker: T })).toMatchObject({ kind: 'skip', cause: 'declined' });
  });

  it('reports the skewed fair value to the sweeper', async () => {
    expect(await (await harness(contracts('100'), { eventWeight: '0' })).fairValue(T)).toBe(450_000);
  });

  it('rejects bad options with the option named', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ eventWeight: '1.5' }, /eventWeight: 1.5 must be at most 1.0/],
      [{ eventWeight: 'half' }, /eventWeight: "half" is not a decimal ratio/],
      [{ maxPosition: '0' }, /maxPosition: 0 must be greater than 0.00/],
      [{ maxPosition: '1.234' }, /maxPosition: .*more than 2 decimal places/],
      [{ skewPerContract: '-0.001' }, /skewPerContract: -0.001 must be at least 0.00/],
      [{ baseSpread: 0.04 }, /baseSpread: write dollars as a quoted decimal string/],
    ];
    for (const [options, message] of cases) {
      const error = await harness(0, options).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RouteConfigError);
      expect((error as Error).message).toMatch(message);
    }
  });
});
