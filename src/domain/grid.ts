import { type Micros, ONE_DOLLAR } from './money.js';

/**
 * One band of a market's price grid: prices `start, start + step, …, end` are valid.
 * All values in micros. Bands are contiguous and share their endpoints.
 */
export interface PriceBand {
  readonly start: Micros;
  readonly end: Micros;
  readonly step: Micros;
}

export type PriceGrid = readonly PriceBand[];

/** `linear_cent`: 0 to 1 in 1¢ steps. Only a fallback; the market's `price_ranges` rule. */
export const LINEAR_CENT_GRID: PriceGrid = Object.freeze([{ start: 0, end: ONE_DOLLAR, step: 10_000 }]);

export class PriceGridError extends Error {
  override readonly name = 'PriceGridError';
  readonly code = 'invalid_price_grid';
}

/** Checks a grid's shape once, where it enters (from the exchange or from the simulator's seed). */
export function validateGrid(grid: PriceGrid): PriceGrid {
  if (grid.length === 0) throw new PriceGridError('price grid has no bands');
  const sorted = [...grid].sort((a, b) => a.start - b.start);
  for (const band of sorted) {
    if (!(band.step > 0) || band.end < band.start || (band.end - band.start) % band.step !== 0) {
      throw new PriceGridError(
        `price band ${band.start}..${band.end} step ${band.step} (micros) is not a whole number of steps`,
      );
    }
    if (band.start < 0 || band.end > ONE_DOLLAR) {
      throw new PriceGridError(`price band ${band.start}..${band.end} (micros) lies outside $0..$1`);
    }
  }
  return Object.freeze(sorted);
}

/** `deci_cent`: 0–1 @0.001. */
export const DECI_CENT_GRID: PriceGrid = validateGrid([{ start: 0, end: ONE_DOLLAR, step: 1_000 }]);

/** `tapered_deci_cent`: 0–0.10 @0.001, 0.10–0.90 @0.01, 0.90–1 @0.001. */
export const TAPERED_DECI_CENT_GRID: PriceGrid = validateGrid([
  { start: 0, end: 100_000, step: 1_000 },
  { start: 100_000, end: 900_000, step: 10_000 },
  { start: 900_000, end: ONE_DOLLAR, step: 1_000 },
]);

/** Whether `price` lies on the grid (exact integer arithmetic). */
export function isOnGrid(price: Micros, grid: PriceGrid): boolean {
  for (const band of grid) {
    if (price >= band.start && price <= band.end && (price - band.start) % band.step === 0) return true;
  }
  return false;
}

/** The highest grid price at or below `price`, or undefined when none exists. */
export function snapDown(price: Micros, grid: PriceGrid): Micros | undefined {
  let best: Micros | undefined;
  for (const band of grid) {
    if (price < band.start) continue;
    const capped = Math.min(price, band.end);
    const candidate = band.start + Math.floor((capped - band.start) / band.step) * band.step;
    if (best === undefined || candidate > best) best = candidate;
  }
  return best;
}

/** The lowest grid price at or above `price`, or undefined when none exists. */
export function snapUp(price: Micros, grid: PriceGrid): Micros | undefined {
  let best: Micros | undefined;
  for (const band of grid) {
    if (price > band.end) continue;
    const floored = Math.max(price, band.start);
    const candidate = band.start + Math.ceil((floored - band.start) / band.step) * band.step;
    if (best === undefined || candidate < best) best = candidate;
  }
  return best;
}

/** The smallest positive price on the grid: the least a non-zero bid can be. */
export function minPositivePrice(grid: PriceGrid): Micros | undefined {
  return snapUp(1, grid);
}

/** The step of the band that holds `price` (the finer one on a shared endpoint). */
export function tickAt(price: Micros, grid: PriceGrid): Micros | undefined {
  let tick: Micros | undefined;
  for (const band of grid) {
    if (price >= band.start && price <= band.end && (tick === undefined || band.step < tick))
      tick = band.step;
  }
  return tick;
}
