import { type Centis, divBig, type Micros, ONE_DOLLAR } from './money.js';

/** Kalshi's fee types (Series.fee_type). Unknown values are carried as strings. */
export type FeeType =
  | 'quadratic'
  | 'quadratic_with_maker_fees'
  | 'quadratic_with_combo_maker_fees'
  | 'flat'
  | (string & {});

/** Fee rates in basis points of C·P·(1−P): taker 7%, maker 1.75%, combo maker 3.5%. */
export const TAKER_FEE_BPS = 700;
export const MAKER_FEE_BPS = 175;
export const COMBO_MAKER_FEE_BPS = 350;

/** A fee multiplier in millionths (1 = 1_000_000; observed values 1, 0.5 and 0). */
export type MultiplierPpm = number;
export const FULL_MULTIPLIER: MultiplierPpm = 1_000_000;

/** Fees are rounded up to $0.0001 per trade (Kalshi "Fee Rounding"). */
export const FEE_ROUNDING: Micros = 100;

export interface FeeSchedule {
  readonly type: FeeType;
  /** @default 1_000_000 (×1) */
  readonly multiplierPpm: MultiplierPpm;
}

export const DEFAULT_FEE_SCHEDULE: FeeSchedule = Object.freeze({
  type: 'quadratic',
  multiplierPpm: FULL_MULTIPLIER,
});

/** The maker's fee rate under a schedule, in basis points. */
export function makerFeeBps(schedule: FeeSchedule): number {
  switch (schedule.type) {
    case 'quadratic_with_maker_fees':
      return MAKER_FEE_BPS;
    case 'quadratic_with_combo_maker_fees':
      return COMBO_MAKER_FEE_BPS;
    default:
      return 0;
  }
}

/** The taker's fee rate under a schedule, in basis points (flat fees are modelled as quadratic). */
export function takerFeeBps(_schedule: FeeSchedule): number {
  return TAKER_FEE_BPS;
}

/** rate·mult·C·P·(1−P) in fee units ($0.0001) is this many units per unit of the product. */
const UNITS_PER_PRODUCT = 1e20;
/** Estimates this far from a whole unit round up the same however the doubles erred. */
const ROUNDING_MARGIN = 1e-6;
const LARGEST_ESTIMATE = 2 ** 30;

/**
 * The fee in units of $0.0001, computed in doubles where that is exact: the pricing helpers ask
 * it dozens of times per quote, and BigInt arithmetic costs microseconds. The estimate's error is
 * below 1e-6 of a unit (a few roundings of 2^-53 on a value under 2^30); only when it falls that
 * close to a whole unit, or an input is out of range, does the exact BigInt path decide.
 */
function estimatedFeeUnits(
  rateBps: number,
  price: Micros,
  count: Centis,
  multiplierPpm: MultiplierPpm,
): number | undefined {
  const scale = rateBps * multiplierPpm * count;
  if (
    !Number.isSafeInteger(scale) ||
    scale <= 0 ||
    !Number.isSafeInteger(price) ||
    price < 0 ||
    price > ONE_DOLLAR
  ) {
    return undefined;
  }
  const estimate = (scale * (price * (ONE_DOLLAR - price))) / UNITS_PER_PRODUCT;
  if (estimate > LARGEST_ESTIMATE) return undefined;
  const fraction = estimate - Math.floor(estimate);
  if (fraction < ROUNDING_MARGIN || fraction > 1 - ROUNDING_MARGIN) return undefined;
  return Math.ceil(estimate);
}

/**
 * rate · C · P · (1 − P) · multiplier, rounded up to $0.0001.
 * `price` is what this party pays per contract; `count` the contracts traded.
 */
export function quadraticFee(
  rateBps: number,
  price: Micros,
  count: Centis,
  multiplierPpm: MultiplierPpm,
): Micros {
  if (rateBps === 0 || multiplierPpm === 0 || count === 0) return 0;
  // micros = bps/1e4 · C/100 · P/1e6 · (1e6−P)/1e6 · mult/1e6 · 1e6
  const estimated = estimatedFeeUnits(rateBps, price, count, multiplierPpm);
  if (estimated !== undefined) return estimated * FEE_ROUNDING;
  const numerator =
    BigInt(rateBps) * BigInt(count) * BigInt(price) * BigInt(ONE_DOLLAR - price) * BigInt(multiplierPpm);
  const denominator = 10_000n * 100n * 1_000_000n * 1_000_000n * BigInt(FEE_ROUNDING);
  return Number(divBig(numerator, denominator, 'ceil')) * FEE_ROUNDING;
}

export function takerFee(price: Micros, count: Centis, schedule: FeeSchedule = DEFAULT_FEE_SCHEDULE): Micros {
  return quadraticFee(takerFeeBps(schedule), price, count, schedule.multiplierPpm);
}

export function makerFee(price: Micros, count: Centis, schedule: FeeSchedule = DEFAULT_FEE_SCHEDULE): Micros {
  return quadraticFee(makerFeeBps(schedule), price, count, schedule.multiplierPpm);
}
