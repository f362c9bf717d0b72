/**
 * The strategy author's kit: `import { defineStrategy, dollars, z } from '../src/index.js'`.
 * Test helpers (the harness, in-memory market data) are in `./testing.js`. Nothing of the
 * engine (routes, runner, quote manager, app) is exported; test/unit/public-api.test.ts pins
 * this list so an engine type cannot leak back in.
 */

export type { Clock, Timer } from './domain/clock.js';
export {
  DEFAULT_FEE_SCHEDULE,
  type FeeSchedule,
  type FeeType,
  makerFee,
  makerFeeBps,
  takerFee,
} from './domain/fees.js';
export {
  DECI_CENT_GRID,
  isOnGrid,
  LINEAR_CENT_GRID,
  minPositivePrice,
  type PriceBand,
  type PriceGrid,
  snapDown,
  snapUp,
  TAPERED_DECI_CENT_GRID,
  tickAt,
} from './domain/grid.js';
export type { MarketData } from './domain/market-data.js';
export {
  CENTIS_PER_CONTRACT,
  type Centis,
  contracts,
  dollars,
  FixedPointError,
  formatCount,
  formatDollars,
  formatDollarsMinimal,
  MICROS_PER_DOLLAR,
  type Micros,
  mulDiv,
  notional,
  ONE_DOLLAR,
  parseCount,
  parseDollars,
  type Rounding,
} from './domain/money.js';
export type { LiveQuote, QuoteEvent, QuoteEventType, QuoteIntent } from './domain/quoting.js';
export { contractsOffered, contractsPerSide } from './domain/sizing.js';
export type {
  BookLevel,
  EpochMs,
  Market,
  OrderBook,
  QuotePrices,
  Rfq,
  RfqSize,
  Side,
} from './domain/types.js';
export {
  type OptionIssue,
  RouteConfigError,
  type RouteProblem,
  StrategyLoadError,
  type StrategyLoadErrorCode,
  StrategySetupError,
  StrategyStoppedError,
  StrategyTimeoutError,
} from './strategy/errors.js';
export {
  type FairValueDocument,
  FairValueFeed,
  FairValueFeedError,
  type FairValueFeedOptions,
  type FairValueLookup,
  parseFairValueDocument,
} from './strategy/feed.js';
export {
  contractsOption,
  type DecimalBounds,
  dollarsOption,
  type Ppm,
  ratioOption,
} from './strategy/options.js';
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
} from './strategy/pricing.js';
export {
  defineStrategy,
  isSkip,
  type OptionsSchema,
  type PriceDecision,
  type Skip,
  type Strategy,
  type StrategyContext,
  skip,
} from './strategy/types.js';
export { z } from './strategy/zod.js';
