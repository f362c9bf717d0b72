import type { Centis, Micros } from '../domain/money.js';

/**
 * How the guard counts our live quotes when it checks the next one.
 * - `worst-case`: every live quote is assumed hit on its worse side (several accepts can land at once).
 * - `expected`: open (not yet accepted) quotes count at `expectedHitRatePpm`; accepted and confirmed
 *   quotes always count in full.
 */
export type ExposureModel = 'worst-case' | 'expected';

/** What the guard does when one side of a quote would breach a limit. */
export type BreachAction = 'refuse' | 'clip';

/** A position limit in both units; both must hold. */
export interface PositionLimit {
  /** Contracts (hundredths), on the absolute net position. */
  readonly contracts: Centis;
  /** Dollars at risk (micros): the most the position can lose. */
  readonly dollars: Micros;
}

/**
 * Risk limits. All money in micros, all sizes in centi-contracts; every field is an integer.
 * The config schema uses the same names and defaults (`DEFAULT_RISK_LIMITS`).
 */
export interface RiskLimits {
  /** Most contracts one quote side may offer. @default 500 contracts */
  readonly maxContractsPerQuote: Centis;
  /** Most dollars one quote side may put at risk (bid × contracts + maker fee). @default $250 */
  readonly maxDollarsPerQuote: Micros;
  /** Most live quotes (open, accepted or confirmed) in total. @default 200 */
  readonly maxOpenQuotes: number;
  /** Most live quotes on one market. @default 5 */
  readonly maxOpenQuotesPerMarket: number;
  /** Most live quotes on one event's markets. @default 20 */
  readonly maxOpenQuotesPerEvent: number;
  /** Worst-case position on one market. @default 1000 contracts / $500 */
  readonly maxPositionPerMarket: PositionLimit;
  /** Worst-case position over one event's markets (summed per market). @default 2500 contracts / $1500 */
  readonly maxPositionPerEvent: PositionLimit;
  /** Worst-case dollars at risk over every market. @default $5000 */
  readonly maxTotalExposure: Micros;
  /** Daily P&L (realised + marked to fair value) below minus this refuses everything. @default $500 */
  readonly maxDailyLoss: Micros;
  /** Least edge per contract against the intent's fair value, per side. @default $0.01 */
  readonly minEdge: Micros;
  /** @default 'worst-case' */
  readonly exposureModel: ExposureModel;
  /** @default 'refuse' */
  readonly onBreach: BreachAction;
  /**
   * Under `exposureModel: 'expected'`, the chance (parts per million) that an open quote is hit.
   * `0` counts open quotes not at all. Ignored under `worst-case`. @default 0
   */
  readonly expectedHitRatePpm?: number;
}

/** Which limit refused an intent or declined a side. Dotted names match config paths. */
export type LimitName =
  | 'killSwitch'
  | 'tradingWindow'
  | 'invalidQuote'
  | 'declinedSide'
  | 'maxContractsPerQuote'
  | 'maxDollarsPerQuote'
  | 'maxOpenQuotes'
  | 'maxOpenQuotesPerMarket'
  | 'maxOpenQuotesPerEvent'
  | 'maxPositionPerMarket.contracts'
  | 'maxPositionPerMarket.dollars'
  | 'maxPositionPerEvent.contracts'
  | 'maxPositionPerEvent.dollars'
  | 'maxTotalExposure'
  | 'maxDailyLoss'
  | 'minEdge';

const CONTRACT = 100;
const DOLLAR = 1_000_000;

export const DEFAULT_RISK_LIMITS: RiskLimits = Object.freeze({
  maxContractsPerQuote: 500 * CONTRACT,
  maxDollarsPerQuote: 250 * DOLLAR,
  maxOpenQuotes: 200,
  maxOpenQuotesPerMarket: 5,
  maxOpenQuotesPerEvent: 20,
  maxPositionPerMarket: Object.freeze({ contracts: 1000 * CONTRACT, dollars: 500 * DOLLAR }),
  maxPositionPerEvent: Object.freeze({ contracts: 2500 * CONTRACT, dollars: 1500 * DOLLAR }),
  maxTotalExposure: 5000 * DOLLAR,
  maxDailyLoss: 500 * DOLLAR,
  minEdge: DOLLAR / 100,
  exposureModel: 'worst-case',
  onBreach: 'refuse',
  expectedHitRatePpm: 0,
});

/** Invalid risk configuration (limits, kill switch, trading windows); lists every problem at once. */
export class RiskConfigError extends Error {
  override readonly name = 'RiskConfigError';
  readonly code = 'invalid_risk_config';
  constructor(readonly problems: readonly string[]) {
    super(`invalid risk configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

export type RiskLimitsOverrides = Partial<
  Omit<RiskLimits, 'maxPositionPerMarket' | 'maxPositionPerEvent'>
> & {
  readonly maxPositionPerMarket?: Partial<PositionLimit>;
  readonly maxPositionPerEvent?: Partial<PositionLimit>;
};

/** Lists what is wrong with a limits object (empty when valid). */
export function riskLimitProblems(limits: RiskLimits, path = 'risk'): string[] {
  const problems: string[] = [];
  const count = (key: string, value: unknown) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      problems.push(`${path}.${key}: expected a non-negative integer, found ${String(value)}`);
    }
  };
  count('maxContractsPerQuote', limits.maxContractsPerQuote);
  count('maxDollarsPerQuote', limits.maxDollarsPerQuote);
  count('maxOpenQuotes', limits.maxOpenQuotes);
  count('maxOpenQuotesPerMarket', limits.maxOpenQuotesPerMarket);
  count('maxOpenQuotesPerEvent', limits.maxOpenQuotesPerEvent);
  count('maxPositionPerMarket.contracts', limits.maxPositionPerMarket?.contracts);
  count('maxPositionPerMarket.dollars', limits.maxPositionPerMarket?.dollars);
  count('maxPositionPerEvent.contracts', limits.maxPositionPerEvent?.contracts);
  count('maxPositionPerEvent.dollars', limits.maxPositionPerEvent?.dollars);
  count('maxTotalExposure', limits.maxTotalExposure);
  count('maxDailyLoss', limits.maxDailyLoss);
  count('minEdge', limits.minEdge);
  if (limits.minEdge > DOLLAR) problems.push(`${path}.minEdge: must be at most $1, found ${limits.minEdge}`);
  if (limits.exposureModel !== 'worst-case' && limits.exposureModel !== 'expected') {
    problems.push(
      `${path}.exposureModel: expected 'worst-case' or 'expected', found ${limits.exposureModel}`,
    );
  }
  if (limits.onBreach !== 'refuse' && limits.onBreach !== 'clip') {
    problems.push(`${path}.onBreach: expected 'refuse' or 'clip', found ${limits.onBreach}`);
  }
  const rate = limits.expectedHitRatePpm;
  if (rate !== undefined && (!Number.isSafeInteger(rate) || rate < 0 || rate > 1_000_000)) {
    problems.push(`${path}.expectedHitRatePpm: expected an integer 0..1000000, found ${String(rate)}`);
  }
  return problems;
}

/** The defaults with `overrides` applied, validated and frozen. Throws `RiskConfigError`. */
export function resolveRiskLimits(overrides: RiskLimitsOverrides = {}, path = 'risk'): RiskLimits {
  const merged: RiskLimits = {
    ...DEFAULT_RISK_LIMITS,
    ...overrides,
    maxPositionPerMarket: Object.freeze({
      ...DEFAULT_RISK_LIMITS.maxPositionPerMarket,
      ...overrides.maxPositionPerMarket,
    }),
    maxPositionPerEvent: Object.freeze({
      ...DEFAULT_RISK_LIMITS.maxPositionPerEvent,
      ...overrides.maxPositionPerEvent,
    }),
  };
  const problems = riskLimitProblems(merged, path);
  if (problems.length > 0) throw new RiskConfigError(problems);
  return Object.freeze(merged);
}
