import { describe, expect, it } from 'vitest';
import { DEFAULT_RISK_LIMITS, RiskConfigError, resolveRiskLimits } from '../../../src/risk/limits.js';
import { $, c } from './fixtures.js';

describe('risk limits', () => {
  it('defaults to the documented values in integer micros and centi-contracts', () => {
    expect(DEFAULT_RISK_LIMITS).toEqual({
      maxContractsPerQuote: c('500'),
      maxDollarsPerQuote: $('250'),
      maxOpenQuotes: 200,
      maxOpenQuotesPerMarket: 5,
      maxOpenQuotesPerEvent: 20,
      maxPositionPerMarket: { contracts: c('1000'), dollars: $('500') },
      maxPositionPerEvent: { contracts: c('2500'), dollars: $('1500') },
      maxTotalExposure: $('5000'),
      maxDailyLoss: $('500'),
      minEdge: $('0.01'),
      exposureModel: 'worst-case',
      onBreach: 'refuse',
      expectedHitRatePpm: 0,
    });
    expect(Object.isFrozen(DEFAULT_RISK_LIMITS)).toBe(true);
  });

  it('merges overrides, nested position limits included, and freezes the result', () => {
    const limits = resolveRiskLimits({ maxPositionPerMarket: { dollars: $('100') }, onBreach: 'clip' });
    expect(limits.maxPositionPerMarket).toEqual({ contracts: c('1000'), dollars: $('100') });
    expect(limits.onBreach).toBe('clip');
    expect(Object.isFrozen(limits)).toBe(true);
  });

  it('lists every invalid value at once', () => {
    try {
      resolveRiskLimits({
        maxContractsPerQuote: -1,
        maxDollarsPerQuote: 0.5,
        maxPositionPerEvent: { contracts: Number.NaN },
        minEdge: $('2'),
        exposureModel: 'optimistic' as never,
        expectedHitRatePpm: 2_000_000,
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(RiskConfigError);
      const problems = (error as RiskConfigError).problems;
      expect(problems).toHaveLength(6);
      expect(problems.join('\n')).toContain('risk.maxPositionPerEvent.contracts');
      expect((error as RiskConfigError).code).toBe('invalid_risk_config');
    }
  });
});
