/**
 * How far the simulator departs from the idealised exchange ("a confirmed quote fills in full,
 * at our price, as maker") toward what Kalshi does (issue 14; docs/kalshi-facts-2026.md).
 * Every decision these settings drive is seeded; tests switch each one off or on.
 */
export interface TruthOptions {
  /**
   * After the execution timer both legs enter the market's order book: a post-only leg that
   * would cross resting liquidity is cancelled, another takes it as taker; remainders rest
   * (`rest_remainder`) or are cancelled. false: the legs trade with each other in full at the
   * quote price, as before. @default true
   */
  bookExecution: boolean;
  /**
   * Chance per execution that a fresh order sweeps the book through the quoter's price just
   * before its leg enters (a fast market): post-only legs are cancelled, others trade as taker
   * (on combos against an order resting < 5 s: the fee swap). @default 0.06
   */
  crossChance: number;
  /** Post-only crosses by one user within `crossWindowMs` that bring a write rate limit; 0 never. @default 3 */
  crossLimit: number;
  /** @default 60000 */
  crossWindowMs: number;
  /** How long writes are refused (429) once the limit is reached. @default 10000 */
  crossPenaltyMs: number;
  /** Share of synthetic-taker accepts that take less than the offered size. @default 0.25 */
  partialAcceptShare: number;
  /** Background server rolls per hour of simulation time; each flushes every open quote. @default 30 */
  flushesPerHour: number;
  /** Closed RFQs and cancelled quotes are dropped this long after their last update; 0 never. @default 7 days */
  retentionMs: number;
  /** Share of synthetic-taker RFQs created with `obscure_creator_id`. @default 0.2 */
  obscureShare: number;
}

export const RETENTION_MS = 7 * 86_400_000;

/** `npm start`'s and the command's defaults: the demo shows every behaviour. */
export const TRUTH_DEFAULTS: Readonly<TruthOptions> = Object.freeze({
  bookExecution: true,
  crossChance: 0.06,
  crossLimit: 3,
  crossWindowMs: 60_000,
  crossPenaltyMs: 10_000,
  partialAcceptShare: 0.25,
  flushesPerHour: 30,
  retentionMs: RETENTION_MS,
  obscureShare: 0.2,
});

/** The idealised exchange (the test helper's default): no randomness from these settings. */
export const TRUTH_OFF: Readonly<TruthOptions> = Object.freeze({
  bookExecution: false,
  crossChance: 0,
  crossLimit: 0,
  crossWindowMs: 60_000,
  crossPenaltyMs: 10_000,
  partialAcceptShare: 0,
  flushesPerHour: 0,
  retentionMs: RETENTION_MS,
  obscureShare: 0,
});

export class TruthOptionError extends Error {
  override readonly name = 'TruthOptionError';
  readonly code = 'invalid_truth_option';
}

const PROBABILITIES = ['crossChance', 'partialAcceptShare', 'obscureShare'] as const;
const NON_NEGATIVE = [
  'crossLimit',
  'crossWindowMs',
  'crossPenaltyMs',
  'flushesPerHour',
  'retentionMs',
] as const;

/** Merges `patch` onto `base`, checking every value; throws naming the offending key. */
export function mergeTruth(base: Readonly<TruthOptions>, patch: Partial<TruthOptions>): TruthOptions {
  const out: TruthOptions = { ...base, ...patch };
  if (typeof out.bookExecution !== 'boolean') throw new TruthOptionError('bookExecution must be a boolean');
  for (const key of PROBABILITIES) {
    const v = out[key];
    if (typeof v !== 'number' || !(v >= 0 && v <= 1))
      throw new TruthOptionError(`${key} is a probability (0..1), got ${String(v)}`);
  }
  for (const key of NON_NEGATIVE) {
    const v = out[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      throw new TruthOptionError(`${key} needs a number >= 0, got ${String(v)}`);
  }
  return out;
}
