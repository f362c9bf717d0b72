/**
 * Everything a strategy author needs. `src/index.ts` re-exports it as the package's public
 * surface; engine parts (loader, router, runner) are imported from their own modules.
 */
export {
  describeThrown,
  type OptionIssue,
  RouteConfigError,
  type RouteProblem,
  StrategyLoadError,
  type StrategyLoadErrorCode,
  StrategySetupError,
  StrategyStoppedError,
  StrategyTimeoutError,
} from './errors.js';
export {
  type FairValueDocument,
  FairValueFeed,
  FairValueFeedError,
  type FairValueFeedOptions,
  type FairValueLookup,
  parseFairValueDocument,
} from './feed.js';
export { createStrategyHarness, type StrategyHarness, type StrategyHarnessOptions } from './harness.js';
export { checkIntent, type IntentCheck, snapBid } from './intent.js';
export { STRATEGY_API_VERSION } from './loader.js';
export {
  DECI_CENT_GRID,
  InMemoryMarketData,
  TAPERED_DECI_CENT_GRID,
  type TestLevel,
  type TestMarketInit,
  type TestRfqInit,
  testBook,
  testMarket,
  testRfq,
  UnknownMarketError,
} from './memory-data.js';
export { contractsOption, type DecimalBounds, dollarsOption, type Ppm, ratioOption } from './options.js';
export {
  bestNoBid,
  bestYesAsk,
  bestYesBid,
  bidNetOfMakerFee,
  bookMid,
  bookSpread,
  clamp,
  clampFair,
  halfSpread,
  makerFeePerContract,
  type ReferencePrice,
  type ReferencePriceOptions,
  referencePrice,
  rfqContracts,
  twoSided,
  withMakerFees,
} from './pricing.js';
export type { CompiledRoute, RouteConfig, RouteMatchInput } from './router.js';
export type { PriceOutcome, SkipCause } from './runner.js';
export {
  defineStrategy,
  isSkip,
  type LiveQuote,
  type MarketData,
  type OptionsSchema,
  type PriceDecision,
  type QuoteEvent,
  type QuoteEventType,
  type QuoteIntent,
  type Skip,
  type Strategy,
  type StrategyContext,
  skip,
} from './types.js';
