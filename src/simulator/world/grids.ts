import { type PriceGrid, validateGrid } from '../../domain/grid.js';
import { formatDollars } from '../../domain/money.js';
import type { WirePriceRange } from '../../kalshi/wire.js';

/** Kalshi's documented price-level structures, in micros (fact sheet §5). */
export const PRICE_LEVEL_STRUCTURES: Readonly<Record<string, PriceGrid>> = Object.freeze({
  linear_cent: validateGrid([{ start: 0, end: 1_000_000, step: 10_000 }]),
  deci_cent: validateGrid([{ start: 0, end: 1_000_000, step: 1_000 }]),
  tapered_deci_cent: validateGrid([
    { start: 0, end: 100_000, step: 1_000 },
    { start: 100_000, end: 900_000, step: 10_000 },
    { start: 900_000, end: 1_000_000, step: 1_000 },
  ]),
  center_deci_edge_centi_cent: validateGrid([
    { start: 0, end: 10_000, step: 100 },
    { start: 10_000, end: 990_000, step: 1_000 },
    { start: 990_000, end: 1_000_000, step: 100 },
  ]),
});

export type PriceLevelStructure = keyof typeof PRICE_LEVEL_STRUCTURES & string;

export function gridFor(structure: string): PriceGrid {
  const grid = PRICE_LEVEL_STRUCTURES[structure];
  if (!grid) throw new RangeError(`unknown price level structure ${structure}`);
  return grid;
}

export function gridToWire(grid: PriceGrid): WirePriceRange[] {
  return grid.map((band) => ({
    start: formatDollars(band.start, 4),
    end: formatDollars(band.end, 4),
    step: formatDollars(band.step, 4),
  }));
}
