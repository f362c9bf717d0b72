/**
 * Pure mappings from the frozen config to the options of each part. Kept apart from app.ts so
 * the wiring reads as wiring, and so a config reload maps exactly as startup does.
 */

import type { Logger } from 'pino';
import { type Config, SECRET_ENV } from '../config/index.js';
import type { Clock } from '../domain/clock.js';
import { compileGlobs } from '../domain/glob.js';
import { TIER_LIMITS, type TierLimits, type UsageTier } from '../domain/rate-limits.js';
import type { RetryPolicy } from '../kalshi/index.js';
import type { QuotingSettings } from '../quotes/context.js';
import { compileRfqFilter, type RfqFilterConfig } from '../rfq/filters.js';
import type { PollerTunables } from '../rfq/poller.js';
import type { KillSwitchLimits } from '../risk/kill-switch.js';
import type { RiskLimits } from '../risk/limits.js';
import { WindowSchedule } from '../risk/windows.js';
import type { RouteConfig } from '../strategy/router.js';

export function riskLimitsFrom(config: Config): RiskLimits {
  const risk = config.risk;
  return {
    maxContractsPerQuote: risk.maxContractsPerQuote,
    maxDollarsPerQuote: risk.maxDollarsPerQuote,
    maxOpenQuotes: risk.maxOpenQuotes,
    maxOpenQuotesPerMarket: risk.maxOpenQuotesPerMarket,
    maxOpenQuotesPerEvent: risk.maxOpenQuotesPerEvent,
    maxPositionPerMarket: { ...risk.maxPositionPerMarket },
    maxPositionPerEvent: { ...risk.maxPositionPerEvent },
    maxTotalExposure: risk.maxTotalExposure,
    maxDailyLoss: risk.maxDailyLoss,
    minEdge: risk.minEdge,
    exposureModel: risk.exposureModel,
    onBreach: risk.onBreach,
    expectedHitRatePpm: Math.round(risk.expectedHitRate * 1_000_000),
  };
}

/** The kill switch's trip thresholds (startup and reload alike). */
export function killSwitchLimitsFrom(config: Config): KillSwitchLimits {
  const { maxDailyLoss, killSwitch } = config.risk;
  return {
    maxConsecutiveErrors: killSwitch.maxConsecutiveErrors,
    maxDailyLoss,
    maxDrawdown: killSwitch.maxDrawdown,
  };
}

/** The client's retry policy: `maxAttempts` bounds reads and writes; confirms keep their own, bounded by the window. */
export function retryPolicyFrom(config: Config): Partial<RetryPolicy> {
  const { maxAttempts, baseDelayMs, maxDelayMs } = config.exchange.retry;
  return { readAttempts: maxAttempts, writeAttempts: maxAttempts, baseDelayMs, maxDelayMs };
}

export function quotingSettingsFrom(config: Config): QuotingSettings {
  const { quoting, exchange } = config;
  return {
    ttlMs: quoting.ttlMs,
    restRemainder: quoting.restRemainder,
    postOnly: quoting.postOnly,
    fairValueTolerance: quoting.fairValueTolerance,
    confirmSafetyMarginMs: quoting.confirmSafetyMarginMs,
    requoteOnSweep: quoting.requoteOnSweep,
    acceptPollIntervalMs: quoting.acceptPollIntervalMs,
    confirmWindowMs: exchange.confirmWindowMs,
    hvmConfirmWindowMs: exchange.hvmConfirmWindowMs,
    isHighVolatility: compileGlobs(exchange.hvmMarkets),
    isStandardMarket: compileGlobs(exchange.standardMarkets),
    unknownMarketConfirmWindowMs: exchange.unknownMarketConfirmWindowMs,
    fillSettleMs: quoting.fillSettleMs,
    closedRfqDeleteAfterMs: quoting.closedRfqDeleteAfterMs,
    subaccount: exchange.subaccount,
  };
}

export function rfqFilterFrom(config: Config): RfqFilterConfig {
  const f = config.poller.filters;
  return {
    eventTickers: f.eventTickers,
    marketTickers: f.marketTickers,
    tickerGlobs: f.tickerGlobs,
    minContracts: f.minContracts ?? undefined,
    maxContracts: f.maxContracts ?? undefined,
    minTargetCost: f.minTargetCost ?? undefined,
    maxTargetCost: f.maxTargetCost ?? undefined,
  };
}

/** The tier the config names, or basic until the account's limits have been read. */
export function initialLimits(config: Config): TierLimits {
  const tier = config.exchange.tier === 'auto' ? 'basic' : (config.exchange.tier as UsageTier);
  return TIER_LIMITS[tier];
}

/** Routes for the strategy router, each with its own trading-window schedule (if any). */
export function routesFrom(
  config: Config,
  logger: Logger,
  clock: Clock,
): RouteConfig<WindowSchedule | undefined>[] {
  return config.strategies.routes.map((route) => ({
    name: route.name,
    match: {
      markets: route.match.markets,
      events: route.match.events,
      series: route.match.series,
    },
    strategy: route.strategy,
    options: route.options,
    isolation: route.isolation,
    windows:
      route.windows && route.windows.length > 0
        ? new WindowSchedule({ windows: route.windows, name: route.name, clock, log: logger })
        : undefined,
  }));
}

/** The strategy runner's limits, worker pool and circuit breaker. */
export function strategyRunnerSettingsFrom(config: Config) {
  const { apiKeyId, privateKeyPem, opsToken } = config.secrets;
  return {
    timeoutMs: config.strategies.timeoutMs,
    maxConcurrentPrices: config.strategies.maxConcurrentPrices,
    workers: {
      ...config.strategies.workers,
      // Strategies never see the exchange keys or the ops token, by name or by value.
      hiddenEnv: Object.values(SECRET_ENV),
      secretValues: [apiKeyId, privateKeyPem, opsToken].filter(
        (s): s is string => typeof s === 'string' && s.length > 0,
      ),
    },
    breaker: config.strategies.circuitBreaker,
  };
}

/** The poller settings a reload applies to the running poller (`RfqPoller.configure`). */
export function pollerTunables(config: Config): PollerTunables {
  return {
    filter: compileRfqFilter(rfqFilterFrom(config)),
    pageSize: config.poller.pageSize,
    maxPages: config.poller.maxPages,
    minReadTokens: config.poller.minReadTokens,
    maxBudgetSkips: config.poller.maxBudgetSkips,
  };
}
