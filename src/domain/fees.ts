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
