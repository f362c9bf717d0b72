import { type Centis, formatCount, formatDollars, type Micros } from '../domain/money.js';
import { formatTimestamp } from '../domain/time.js';
import type { EpochMs } from '../domain/types.js';

/** Prices on quotes and markets: 4 dp ("0.4800"), 6 dp only when finer. */
export function dollars4(micros: Micros): string {
  return formatDollars(micros, micros % 100 === 0 ? 4 : 6);
}

/** Fills and portfolio amounts: always 6 dp ("0.480000"). */
export function dollars6(micros: Micros): string {
  return formatDollars(micros, 6);
}

/** Counts: always 2 dp ("10.00"). */
export function count(centis: Centis): string {
  return formatCount(centis);
}

/** RFC 3339 with microseconds and Z, as on RFQ and quote objects. */
export function timestamp(ms: EpochMs): string {
  return formatTimestamp(ms);
}

/** A fee multiplier in millionths as the JSON number Kalshi sends (0.5, 1). */
export function multiplier(ppm: number): number {
  return ppm / 1_000_000;
}
